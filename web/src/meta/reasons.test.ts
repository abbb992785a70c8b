import { describe, it, expect } from 'vitest'
import { explainFailure, sniffFormat } from './reasons'

const bytes = (s: string | number[]) => (typeof s === 'string' ? new TextEncoder().encode(s) : new Uint8Array(s))

describe('explainFailure', () => {
  it('says what is wrong in one sentence and keeps the parser text as details', () => {
    const e = explainFailure('failed', 'TIFF: TIFF header: IFD0 offset 6 points into the header', 'JPEG')
    expect(e.summary).toBe('The file is damaged: its EXIF metadata block points to places where its data cannot be.')
    expect(e.details).toBe('TIFF: TIFF header: IFD0 offset 6 points into the header')
  })
  it('recognises a cut-off file', () => {
    expect(explainFailure('failed', 'read of 8 bytes at offset 100 exceeds size 50', 'PNG').summary).toMatch(/cut short/)
  })
  it('recognises a file whose header is not its format', () => {
    expect(explainFailure('failed', 'PNG: the 8-byte signature (5.2) is missing', 'PNG').summary).toMatch(/does not start the way a PNG file must/)
  })
  it('recognises a file that would take too much reading', () => {
    expect(explainFailure('failed', 'read budget of 1048576 bytes exhausted at offset 9', null).summary).toMatch(/unreasonably much/)
  })
  it('names the detected format of an unsupported file', () => {
    const e = explainFailure('unsupported', 'not a supported image format', null, 'a PDF document')
    expect(e.summary).toMatch(/^It looks like a PDF document, which imgmeta does not read\./)
  })
  it('has nothing to say about a ready image', () => {
    expect(explainFailure('ready', null)).toEqual({ summary: '', details: null })
  })
})

describe('sniffFormat', () => {
  it('names common non-image files', () => {
    expect(sniffFormat(bytes('%PDF-1.7\n'))).toBe('a PDF document')
    expect(sniffFormat(bytes([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toMatch(/ZIP/)
    expect(sniffFormat(bytes('\0\0\0\x18ftypcrx \0\0\0\0'))).toBe('a Canon CR3 raw file')
    expect(sniffFormat(bytes('\0\0\0\x18ftypisom\0\0\0\0'))).toBe('an MP4 video (brand isom)')
    expect(sniffFormat(bytes('<!DOCTYPE html><html>'))).toBe('an HTML page')
    expect(sniffFormat(bytes('<svg xmlns="http://www.w3.org/2000/svg">'))).toBe('an SVG drawing')
    expect(sniffFormat(bytes('hello, plain words'))).toBe('a plain text file')
  })
  it('says nothing about bytes it does not know', () => {
    expect(sniffFormat(bytes([1, 2, 3, 4, 200, 201, 0, 0]))).toBeNull()
    expect(sniffFormat(bytes([1]))).toBeNull()
  })
})
