import { describe, it, expect } from 'vitest'
import { refusal } from './uploader'

describe('refusal', () => {
  it('turns Uppy restriction messages into the reason a file was not added', () => {
    expect(refusal('You can only upload: image/*, .jpg')).toMatch(/^this kind of file is not accepted \(images only/)
    expect(refusal('notes.txt exceeds maximum allowed size of 5 GB')).toBe('it is larger than the server accepts.')
    expect(refusal("Cannot add the duplicate file 'a.jpg', it already exists")).toBe('it is in the upload list already.')
    expect(refusal('')).toBe('it was refused.')
  })
})
