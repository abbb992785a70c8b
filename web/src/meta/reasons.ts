// Why an image has no metadata, said for people. The extractor's messages name the parser,
// the structure and the offset ("TIFF: TIFF header: IFD0 offset 6 points into the header"),
// which helps whoever debugs it and nobody else: the page shows one sentence made from the
// kind of problem, and the technical text under "details".

export interface Explanation {
  /** One sentence for people. */
  summary: string
  /** The extractor's own text, for "details"; null when there is nothing more to say. */
  details: string | null
}

/** The part of the file a parser prefix stands for ("TIFF:" inside a JPEG is its EXIF block). */
function partOf(message: string, format: string | null): string {
  const prefix = /^([A-Za-z0-9]+):/.exec(message)?.[1]?.toUpperCase() ?? ''
  const fmt = (format ?? '').toUpperCase()
  if ((prefix === 'TIFF' || prefix === 'EXIF') && fmt !== 'TIFF' && fmt !== '') return 'its EXIF metadata block'
  if (prefix === 'TIFF' || prefix === 'EXIF') return 'its TIFF/EXIF structure'
  if (prefix === 'ISOBMFF') return 'its box structure'
  if (prefix === 'XMP' || prefix === 'IPTC' || prefix === 'ICC') return `its ${prefix} block`
  return 'its structure'
}

/** What went wrong, by the kind of message the extractor writes (src/meta). */
export function explainFailure(status: string, error: string | null | undefined, format?: string | null, detected?: string | null): Explanation {
  const msg = (error ?? '').trim()
  const lower = msg.toLowerCase()
  const fmt = format ?? null
  if (status === 'unsupported' || lower === 'unknown file type' || lower.startsWith('not a supported image format')) {
    const what = detected ? `It looks like ${detected}, which` : 'Its contents are not an image format that'
    return {
      summary: `${what} imgmeta does not read. Supported: JPEG, PNG, GIF, WebP, TIFF and raw, HEIC/HEIF/AVIF, BMP, ICO, JPEG XL.`,
      details: msg || null,
    }
  }
  if (status !== 'failed') return { summary: '', details: null }
  if (!msg) return { summary: 'The metadata could not be read, and the extractor gave no reason.', details: null }
  const part = partOf(msg, fmt)
  let summary: string
  if (lower === 'empty file') summary = 'The file is empty: it has no bytes at all.'
  else if (/read budget|too many|limit|exceeds the cap|too deep|recursion/.test(lower))
    summary = `The file is built in a way that would take unreasonably much reading (${part} is too large or loops), so reading stopped.`
  else if (/exceeds size|cut short|cut off|truncated|past the end|beyond the end|short read|shorter than/.test(lower))
    summary = `The file is cut short or damaged: ${part} points past the end of the file.`
  else if (/points into|points to|offset|overlap|outside/.test(lower))
    summary = `The file is damaged: ${part} points to places where its data cannot be.`
  else if (/signature|magic|missing|no soi|does not start|byte order|is not ii or mm|header/.test(lower))
    summary = `The file does not start the way ${fmt ? `a ${fmt} file` : 'its format'} must: its header is damaged or it is another kind of file with the wrong name.`
  else if (/inflate|zlib|corrupt|decompress/.test(lower)) summary = `A compressed part of the file is corrupt, so ${part} cannot be read.`
  else summary = `The file's metadata could not be read: ${part} is not valid.`
  return { summary, details: msg }
}

/** A format name from a file's first bytes, for files the extractor does not read. */
export function sniffFormat(b: Uint8Array): string | null {
  const ascii = (from: number, len: number) => String.fromCharCode(...b.subarray(from, from + len))
  const starts = (...bytes: number[]) => bytes.every((x, i) => b[i] === x)
  if (b.length < 4) return null
  if (ascii(0, 5) === '%PDF-') return 'a PDF document'
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a ZIP archive (or a document packed as one)'
  if (starts(0x1f, 0x8b)) return 'a gzip archive'
  if (ascii(0, 4) === '8BPS') return 'a Photoshop document (PSD)'
  if (ascii(0, 4) === 'RIFF' && b.length >= 12) {
    const form = ascii(8, 4)
    if (form === 'AVI ') return 'an AVI video'
    if (form === 'WAVE') return 'a WAV sound file'
  }
  if (b.length >= 12 && ascii(4, 4) === 'ftyp') {
    const brand = ascii(8, 4)
    if (brand === 'crx ') return 'a Canon CR3 raw file'
    if (brand === 'qt  ') return 'a QuickTime video'
    if (/^(isom|iso\d|mp4\d|avc1|M4V |M4A |3gp\d|dash)$/.test(brand)) return `an MP4 video (brand ${brand.trim()})`
    return `an ISO media file (brand ${brand.replace(/[^\x20-\x7e]/g, '?').trim()})`
  }
  if (ascii(0, 15) === 'FUJIFILMCCD-RAW') return 'a Fujifilm RAF raw file'
  if (starts(0x49, 0x44, 0x33) || starts(0xff, 0xfb)) return 'an MP3 sound file'
  if (starts(0x1a, 0x45, 0xdf, 0xa3)) return 'a Matroska/WebM video'
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'a GIF image'
  if (starts(0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50)) return 'a JPEG 2000 image'
  const text = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 256)).trimStart().toLowerCase()
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'an SVG drawing'
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'an HTML page'
  if (text.startsWith('<?xml')) return 'an XML document'
  if (b.subarray(0, 64).every((x) => x === 9 || x === 10 || x === 13 || (x >= 0x20 && x < 0x7f))) return 'a plain text file'
  return null
}
