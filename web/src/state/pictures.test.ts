import { describe, it, expect } from 'vitest'
import type { Image } from '../api/client'
import { hasRenditions, pictureOf, previewPending } from './pictures'

const img = (over: Partial<Image> = {}): Image => ({
  imageId: '01HZX3K4M5N6P7Q8R9S0T1V2W3',
  filename: 'a.heic',
  contentType: 'image/heic',
  size: 1,
  sha256: null,
  status: 'ready',
  error: null,
  uploadedAt: '2026-12-06T10:00:00Z',
  metadata: {},
  contentUrl: '/blobs/x',
  format: 'HEIC',
  width: 4000,
  height: 3000,
  ...over,
}) as Image

describe('pictureOf without renditions (a server that does not make them)', () => {
  it('shows the original when the browser decodes the format', () => {
    expect(pictureOf(img({ format: 'JPEG', contentType: 'image/jpeg' }), false)).toEqual({ kind: 'img', src: '/blobs/x', width: 4000, height: 3000 })
    expect(pictureOf(img({ format: 'Extended WEBP', contentType: 'image/webp' }), false).kind).toBe('img')
  })
  it('labels what it cannot show', () => {
    expect(pictureOf(img(), false)).toEqual({ kind: 'placeholder', label: 'HEIC: no preview in this browser' })
    expect(pictureOf(img({ status: 'pending' }), false)).toEqual({ kind: 'placeholder', label: 'Processing…' })
    expect(pictureOf(img({ status: 'failed' }), false)).toEqual({ kind: 'placeholder', label: 'No preview' })
    expect(hasRenditions(img())).toBe(false)
  })
})

describe('pictureOf with renditions', () => {
  const ready = img({ previewStatus: 'ready', thumbnailUrl: '/t', previewUrl: '/p', previewError: null })
  it('uses the thumbnail in the grid and the preview in the viewer, sized like the rendition', () => {
    expect(pictureOf(ready, false)).toEqual({ kind: 'img', src: '/t', width: 400, height: 300 })
    expect(pictureOf(ready, true)).toEqual({ kind: 'img', src: '/p', width: 1600, height: 1200 })
  })
  it('never sizes a small image up', () => {
    expect(pictureOf({ ...ready, width: 200, height: 100 }, false)).toMatchObject({ width: 200, height: 100 })
  })
  it('says a preview is on its way, and keeps polling for it', () => {
    const p = img({ previewStatus: 'pending', thumbnailUrl: null, previewUrl: null })
    expect(pictureOf(p, false)).toEqual({ kind: 'placeholder', label: 'Preview being made…' })
    expect(previewPending(p)).toBe(true)
    expect(previewPending(ready)).toBe(false)
  })
  it('gives the reason when none can be made', () => {
    const f = img({ previewStatus: 'failed', previewError: 'the image is 60000 × 60000 pixels, over the limit', thumbnailUrl: null, previewUrl: null })
    expect(pictureOf(f, false)).toEqual({ kind: 'placeholder', label: 'No preview: the image is 60000 × 60000 pixels, over the limit' })
    expect(pictureOf(img({ previewStatus: 'unsupported', previewError: null }), true)).toEqual({ kind: 'placeholder', label: 'No preview' })
  })
})
