import type { Image } from '../api/client'
import { browserCanShow } from './images'

// Which picture stands for an image. A server that makes renditions (issue 10) sends
// `previewStatus` with `thumbnailUrl` (the grid) and `previewUrl` (the viewer); one that
// does not leaves them out, and the page shows the original when the browser can decode it.

export type Picture =
  | { kind: 'img'; src: string; width: number | null; height: number | null }
  | { kind: 'placeholder'; label: string }

/** The server makes renditions for this image (the fields are there). */
export function hasRenditions(img: Image): boolean {
  return typeof img.previewStatus === 'string'
}

/** A rendition is on its way: keep polling. */
export function previewPending(img: Image): boolean {
  return img.previewStatus === 'pending' && img.status !== 'failed' && img.status !== 'unsupported'
}

function dims(img: Image, big: boolean): { width: number | null; height: number | null } {
  const w = img.width ?? null
  const h = img.height ?? null
  if (!w || !h || w <= 0 || h <= 0) return { width: null, height: null }
  // The rendition's own size: the long edge scaled to about 400 (grid) or 1600 (viewer) px,
  // never up. Only the ratio matters to the layout, which is what the attributes reserve.
  const edge = big ? 1600 : 400
  const s = Math.min(1, edge / Math.max(w, h))
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) }
}

export function pictureOf(img: Image, big: boolean): Picture {
  if (img.status === 'pending') return { kind: 'placeholder', label: 'Processing…' }
  if (hasRenditions(img)) {
    const url = big ? (img.previewUrl ?? img.thumbnailUrl) : img.thumbnailUrl
    if (img.previewStatus === 'ready' && url) return { kind: 'img', src: url, ...dims(img, big) }
    if (img.previewStatus === 'pending') return { kind: 'placeholder', label: 'Preview being made…' }
    if (img.previewStatus === 'failed' || img.previewStatus === 'unsupported') {
      const why = img.previewError ? `: ${img.previewError}` : ''
      return { kind: 'placeholder', label: `No preview${why}` }
    }
  }
  if (img.contentUrl && img.status === 'ready' && browserCanShow(img.contentType, img.format ?? null))
    return { kind: 'img', src: img.contentUrl, width: img.width ?? null, height: img.height ?? null }
  if (img.status === 'ready') return { kind: 'placeholder', label: `${img.format ?? 'This format'}: no preview in this browser` }
  return { kind: 'placeholder', label: 'No preview' }
}
