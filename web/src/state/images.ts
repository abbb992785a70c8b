import type { ImageStatus } from '../api/client'

// Small rules about images that the gallery and the detail view share.

/** The extractor is done with the image (no more polling needed). */
export function isTerminal(status: ImageStatus): boolean {
  return status !== 'pending'
}

// Formats every current browser decodes in an <img>; HEIC, TIFF and raw files get a placeholder.
const SHOWABLE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/x-ms-bmp', 'image/x-icon', 'image/vnd.microsoft.icon'])
const SHOWABLE_FORMATS = new Set(['JPEG', 'PNG', 'GIF', 'WEBP', 'AVIF', 'BMP', 'ICO'])

export function browserCanShow(contentType: string, format: string | null): boolean {
  if (format) return SHOWABLE_FORMATS.has(canonicalFormat(format))
  return SHOWABLE.has(contentType.toLowerCase().split(';')[0]!.trim())
}

const BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', jpe: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
  tif: 'image/tiff', tiff: 'image/tiff', bmp: 'image/bmp', heic: 'image/heic', heif: 'image/heif', avif: 'image/avif',
  jxl: 'image/jxl', ico: 'image/x-icon', dng: 'image/x-adobe-dng', cr2: 'image/x-canon-cr2', cr3: 'image/x-canon-cr3',
  nef: 'image/x-nikon-nef', arw: 'image/x-sony-arw', orf: 'image/x-olympus-orf', rw2: 'image/x-panasonic-rw2', raf: 'image/x-fuji-raf',
}
const ACCEPTED = new Set([...Object.values(BY_EXT), 'image/x-ms-bmp', 'image/heic-sequence', 'image/heif-sequence', 'image/vnd.microsoft.icon', 'application/octet-stream'])

/** The content type to declare for a file: the browser's when the API accepts it, else from the extension. */
export function contentTypeFor(name: string, browserType: string | undefined): string | null {
  const t = (browserType ?? '').toLowerCase()
  if (t && t !== 'application/octet-stream' && ACCEPTED.has(t)) return t
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase()
  if (ext && Object.hasOwn(BY_EXT, ext)) return BY_EXT[ext]!
  return t === 'application/octet-stream' || t === '' ? 'application/octet-stream' : null
}

export const ACCEPT_EXTENSIONS = Object.keys(BY_EXT).map((e) => '.' + e)

/** ExifTool's FileType reduced to the format family: "Extended WEBP" (VP8X, the WebP with
 *  EXIF/XMP/alpha/animation that every browser shows) is WEBP; JPG is JPEG; TIF is TIFF. */
export function canonicalFormat(format: string): string {
  const f = format.trim().toUpperCase()
  if (f.includes('WEBP')) return 'WEBP'
  if (f === 'APNG') return 'PNG'
  if (f === 'JPG' || f === 'JPE') return 'JPEG'
  if (f === 'TIF') return 'TIFF'
  return f
}

/** Both coordinates present, finite and in range (an altitude alone is no location). */
export function hasLocation(metadata: unknown): boolean {
  if (!metadata || typeof metadata !== 'object') return false
  const m = metadata as Record<string, unknown>
  const lat = m.GPSLatitude
  const lon = m.GPSLongitude
  return (
    typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon) &&
    Math.abs(lat) <= 90 && Math.abs(lon) <= 180
  )
}
