// Metadata values arrive with ExifTool's `-n` conventions (numbers, not ExifTool's prose):
// ExposureTime 0.004, FNumber 2.8, Flash 16, Orientation 6, dates "YYYY:MM:DD hh:mm:ss".
// These functions turn them into what people read. They return plain strings; the DOM
// layer puts them in text nodes.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return String(n)
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n
  let u = -1
  do {
    v /= 1000
    u++
  } while (Math.round(v) >= 1000 && u < units.length - 1)
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`
}

export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Up to `digits` decimals, trailing zeros dropped: 0.6500000006 -> "0.65". */
export function formatNumber(n: number, digits = 6): string {
  if (!Number.isFinite(n)) return String(n)
  if (Number.isInteger(n)) return String(n)
  const s = n.toFixed(digits)
  return (s.includes('.') ? s.replace(/\.?0+$/, '') : s).replace(/^-0$/, '0')
}

export function formatExposureTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return formatNumber(seconds)
  if (seconds >= 0.3) return `${formatNumber(seconds, 1)} s`
  const inv = 1 / seconds
  // 1/125 is stored as 0.008; 1/3 as 0.3333...
  const r = Math.round(inv)
  return Math.abs(inv - r) / inv < 0.05 ? `1/${r} s` : `${formatNumber(seconds, 4)} s`
}

export function formatFNumber(f: number): string {
  return `f/${formatNumber(f, 1)}`
}

export function formatMillimetres(mm: number): string {
  return `${formatNumber(mm, 1)} mm`
}

export function formatEv(ev: number): string {
  const v = formatNumber(Math.abs(ev), 2)
  if (v === '0') return '0 EV'
  return `${ev < 0 ? '-' : '+'}${v} EV`
}

// --- dates ---------------------------------------------------------------------------

const EXIF_DATE = /^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

export interface ExifDate {
  date: string // YYYY-MM-DD
  time: string | null // hh:mm:ss[.fff]
  offset: string | null // +hh:mm, or Z
}

/** "2021:04:11 15:47:53", "2021:04:11 15:47:53-05:00", "2019-05-01T10:00:00Z", "2002:06:20". */
export function parseExifDate(v: unknown): ExifDate | null {
  if (typeof v !== 'string') return null
  const m = EXIF_DATE.exec(v.trim())
  if (!m) return null
  const [, y, mo, d, hh, mi, ss, frac, off] = m
  if (y === '0000' || mo === '00' || d === '00') return null
  const time = hh ? `${hh}:${mi}${ss ? ':' + ss : ''}${frac ?? ''}` : null
  let offset: string | null = null
  if (off) offset = off === 'Z' ? 'Z' : off.length === 5 ? `${off.slice(0, 3)}:${off.slice(3)}` : off
  return { date: `${y}-${mo}-${d}`, time, offset }
}

/** "+01:00" -> "UTC+01:00"; "Z" -> "UTC"; "local" or nothing -> the zone is unknown. */
export function formatZone(offset: string | null | undefined): string {
  if (!offset || offset === 'local') return 'time zone not recorded'
  if (offset === 'Z' || offset === '+00:00' || offset === '-00:00') return 'UTC'
  return `UTC${offset}`
}

/** A wall-clock date with its zone, e.g. "2021-04-11 15:47:53 (UTC-05:00)". */
export function formatExifDate(v: unknown, offset?: string | null, subsec?: unknown): string | null {
  const d = parseExifDate(v)
  if (!d) return typeof v === 'string' && v.trim() ? v : null
  let s = d.date
  if (d.time) {
    s += ' ' + d.time
    if (!d.time.includes('.') && (typeof subsec === 'string' || typeof subsec === 'number') && /^\d+$/.test(String(subsec)))
      s += '.' + String(subsec)
  }
  const zone = d.offset ?? offset ?? null
  if (d.time) s += ` (${formatZone(zone)})`
  return s
}

/** An instant (ISO 8601 from the API) in the viewer's own zone and in UTC. */
export function formatInstant(iso: string | null | undefined): string | null {
  if (!iso) return null
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  const local = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`
  const off = -t.getTimezoneOffset()
  const zone = off === 0 ? 'UTC' : `UTC${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
  return `${local} (${zone})`
}

/** The date a photo was taken as a short label for the gallery: "2021-04-11". */
export function shortTakenDate(dateTimeOriginal: unknown, takenAt: string | null | undefined): string | null {
  const d = parseExifDate(dateTimeOriginal)
  if (d) return d.date
  if (takenAt && /^\d{4}-\d{2}-\d{2}/.test(takenAt)) return takenAt.slice(0, 10)
  return null
}

// --- location ------------------------------------------------------------------------

export function validCoordinates(lat: unknown, lon: unknown): lat is number {
  return (
    typeof lat === 'number' &&
    typeof lon === 'number' &&
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180
  )
}

/** Signed decimal degrees, six places (about 0.1 m): "54.989667, -1.914167". */
export function formatDecimalDegrees(lat: number, lon: number): string {
  return `${lat.toFixed(6)}, ${lon.toFixed(6)}`
}

function dms(v: number, pos: string, neg: string): string {
  const a = Math.abs(v)
  let deg = Math.floor(a)
  let min = Math.floor((a - deg) * 60)
  let sec = Math.round(((a - deg) * 60 - min) * 60 * 10) / 10
  if (sec >= 60) {
    sec = 0
    min += 1
  }
  if (min >= 60) {
    min = 0
    deg += 1
  }
  return `${deg}° ${min}′ ${sec.toFixed(1)}″ ${v < 0 ? neg : pos}`
}

export function formatDms(lat: number, lon: number): string {
  return `${dms(lat, 'N', 'S')}, ${dms(lon, 'E', 'W')}`
}

export function mapUrl(lat: number, lon: number): string {
  const la = lat.toFixed(6)
  const lo = lon.toFixed(6)
  return `https://www.openstreetmap.org/?mlat=${la}&mlon=${lo}#map=15/${la}/${lo}`
}

// --- EXIF enumerations (EXIF 2.32 section 4.6.5 and TIFF 6.0 tag values) ---------------

const ENUMS: Record<string, Record<number, string>> = {
  Orientation: {
    1: 'Normal',
    2: 'Mirrored horizontally',
    3: 'Rotated 180°',
    4: 'Mirrored vertically',
    5: 'Mirrored horizontally, rotated 270° clockwise',
    6: 'Rotated 90° clockwise',
    7: 'Mirrored horizontally, rotated 90° clockwise',
    8: 'Rotated 270° clockwise',
  },
  ExposureProgram: {
    0: 'Not defined',
    1: 'Manual',
    2: 'Program AE',
    3: 'Aperture priority',
    4: 'Shutter priority',
    5: 'Creative (slow speed)',
    6: 'Action (high speed)',
    7: 'Portrait',
    8: 'Landscape',
    9: 'Bulb',
  },
  MeteringMode: {
    0: 'Unknown',
    1: 'Average',
    2: 'Center-weighted average',
    3: 'Spot',
    4: 'Multi-spot',
    5: 'Multi-segment',
    6: 'Partial',
    255: 'Other',
  },
  ExposureMode: { 0: 'Auto', 1: 'Manual', 2: 'Auto bracket' },
  WhiteBalance: { 0: 'Auto', 1: 'Manual' },
  SceneCaptureType: { 0: 'Standard', 1: 'Landscape', 2: 'Portrait', 3: 'Night', 4: 'Other' },
  Contrast: { 0: 'Normal', 1: 'Low', 2: 'High' },
  Saturation: { 0: 'Normal', 1: 'Low', 2: 'High' },
  Sharpness: { 0: 'Normal', 1: 'Soft', 2: 'Hard' },
  GainControl: { 0: 'None', 1: 'Low gain up', 2: 'High gain up', 3: 'Low gain down', 4: 'High gain down' },
  SubjectDistanceRange: { 0: 'Unknown', 1: 'Macro', 2: 'Close', 3: 'Distant' },
  CustomRendered: { 0: 'Normal', 1: 'Custom' },
  SensingMethod: {
    1: 'Not defined',
    2: 'One-chip color area',
    3: 'Two-chip color area',
    4: 'Three-chip color area',
    5: 'Color sequential area',
    7: 'Trilinear',
    8: 'Color sequential linear',
  },
  LightSource: {
    0: 'Unknown',
    1: 'Daylight',
    2: 'Fluorescent',
    3: 'Tungsten',
    4: 'Flash',
    9: 'Fine weather',
    10: 'Cloudy',
    11: 'Shade',
    12: 'Daylight fluorescent',
    13: 'Day white fluorescent',
    14: 'Cool white fluorescent',
    15: 'White fluorescent',
    17: 'Standard light A',
    18: 'Standard light B',
    19: 'Standard light C',
    20: 'D55',
    21: 'D65',
    22: 'D75',
    23: 'D50',
    24: 'ISO studio tungsten',
    255: 'Other',
  },
  ColorSpace: { 1: 'sRGB', 2: 'Adobe RGB', 0xfffd: 'Wide gamut RGB', 0xfffe: 'ICC profile', 0xffff: 'Uncalibrated' },
  ResolutionUnit: { 1: 'none', 2: 'inches', 3: 'cm' },
  ThumbnailResolutionUnit: { 1: 'none', 2: 'inches', 3: 'cm' },
  YCbCrPositioning: { 1: 'Centered', 2: 'Co-sited' },
  GPSAltitudeRef: { 0: 'Above sea level', 1: 'Below sea level' },
  // PNG IHDR colour type (PNG specification section 11.2.2).
  ColorType: { 0: 'Grayscale', 2: 'RGB', 3: 'Palette', 4: 'Grayscale with alpha', 6: 'RGB with alpha' },
  // TIFF 6.0 Compression (tag 259) with the later registered values; 0 is PNG's IHDR
  // compression method (deflate), the only other field of this name.
  Compression: {
    0: 'Deflate/Inflate',
    1: 'Uncompressed',
    2: 'CCITT 1D',
    3: 'T4/Group 3 fax',
    4: 'T6/Group 4 fax',
    5: 'LZW',
    6: 'JPEG (old-style)',
    7: 'JPEG',
    8: 'Adobe Deflate',
    9: 'JBIG black and white',
    10: 'JBIG colour',
    99: 'JPEG',
    262: 'Kodak 262',
    32766: 'NeXT',
    32767: 'Sony ARW compressed',
    32769: 'Packed RAW',
    32770: 'Samsung SRW compressed',
    32771: 'CCIRLEW',
    32772: 'Samsung SRW compressed 2',
    32773: 'PackBits',
    32809: 'Thunderscan',
    32867: 'Kodak KDC compressed',
    32946: 'Deflate',
    32947: 'Kodak DCS',
    34661: 'JBIG',
    34676: 'SGI Log',
    34677: 'SGI Log24',
    34712: 'JPEG 2000',
    34713: 'Nikon NEF compressed',
    34715: 'JBIG2 TIFF FX',
    34892: 'Lossy JPEG',
    34925: 'LZMA2',
    34926: 'Zstandard',
    34927: 'WebP',
    34933: 'PNG',
    34934: 'JPEG XR',
    52546: 'JPEG XL',
    65000: 'Kodak DCR compressed',
    65535: 'Pentax PEF compressed',
  },
  // ITU T.81 (JPEG) table B.1: the start-of-frame marker's process (ExifTool's EncodingProcess
  // is the SOFn number).
  EncodingProcess: {
    0: 'Baseline DCT, Huffman coding',
    1: 'Extended sequential DCT, Huffman coding',
    2: 'Progressive DCT, Huffman coding',
    3: 'Lossless, Huffman coding',
    5: 'Sequential DCT, differential Huffman coding',
    6: 'Progressive DCT, differential Huffman coding',
    7: 'Lossless, differential Huffman coding',
    9: 'Extended sequential DCT, arithmetic coding',
    10: 'Progressive DCT, arithmetic coding',
    11: 'Lossless, arithmetic coding',
    13: 'Sequential DCT, differential arithmetic coding',
    14: 'Progressive DCT, differential arithmetic coding',
    15: 'Lossless, differential arithmetic coding',
  },
  PlanarConfiguration: { 1: 'Chunky', 2: 'Planar' },
  PhotometricInterpretation: {
    0: 'WhiteIsZero',
    1: 'BlackIsZero',
    2: 'RGB',
    3: 'RGB palette',
    4: 'Transparency mask',
    5: 'CMYK',
    6: 'YCbCr',
    8: 'CIELab',
    9: 'ICCLab',
    10: 'ITULab',
    32803: 'Color filter array',
    34892: 'Linear raw',
  },
  FocalPlaneResolutionUnit: { 1: 'none', 2: 'inches', 3: 'cm', 4: 'mm', 5: 'µm' },
  SensitivityType: {
    0: 'Unknown',
    1: 'Standard output sensitivity',
    2: 'Recommended exposure index',
    3: 'ISO speed',
    4: 'Standard output sensitivity and recommended exposure index',
    5: 'Standard output sensitivity and ISO speed',
    6: 'Recommended exposure index and ISO speed',
    7: 'Standard output sensitivity, recommended exposure index and ISO speed',
  },
  SceneType: { 1: 'Directly photographed' },
  FileSource: { 1: 'Film scanner', 2: 'Reflection print scanner', 3: 'Digital camera' },
  Interlace: { 0: 'Not interlaced', 1: 'Adam7 interlace' },
  Filter: { 0: 'Adaptive' },
  GPSDifferential: { 0: 'No correction', 1: 'Differential corrected' },
  GPSMeasureMode: { 2: '2-dimensional', 3: '3-dimensional' },
  CompositeImage: { 0: 'Unknown', 1: 'Not a composite image', 2: 'General composite image', 3: 'Composite image captured while shooting' },
}

export function enumLabel(field: string, v: unknown): string | null {
  const table = ENUMS[field]
  if (!table || typeof v !== 'number') return null
  return table[v] ?? null
}

/** EXIF Flash (EXIF 2.32 section 4.6.5, tag 0x9209): a bit field. */
export function formatFlash(v: number): string {
  if (!Number.isInteger(v) || v < 0) return String(v)
  if (v & 0x20) return 'No flash function'
  const parts = [v & 1 ? 'Fired' : 'Did not fire']
  const mode = (v >> 3) & 3
  if (mode === 1) parts.push('compulsory')
  else if (mode === 2) parts.push('suppressed')
  else if (mode === 3) parts.push('auto')
  if (v & 0x40) parts.push('red-eye reduction')
  const ret = (v >> 1) & 3
  if (ret === 2) parts.push('return not detected')
  else if (ret === 3) parts.push('return detected')
  return parts.join(', ')
}

// --- generic ---------------------------------------------------------------------------

const BINARY = /^\(Binary data (\d+) bytes/

/** Any metadata value as one line of text. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') {
    const m = BINARY.exec(v)
    return m ? `binary data, ${formatBytes(Number(m[1]))}` : v
  }
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (Array.isArray(v)) return v.map(formatValue).join(', ')
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

const LABELS: Record<string, string> = {
  FileType: 'Format',
  MIMEType: 'MIME type',
  FileSize: 'File size',
  ISO: 'ISO',
  FNumber: 'Aperture',
  ExposureTime: 'Shutter speed',
  GPSLatitude: 'Latitude',
  GPSLongitude: 'Longitude',
  GPSAltitude: 'Altitude',
  'Caption-Abstract': 'Caption',
  'By-line': 'By-line',
  'Province-State': 'Province or state',
  'Country-PrimaryLocationName': 'Country',
  'Sub-location': 'Sub-location',
  XPTitle: 'Title (Windows)',
  XPComment: 'Comment (Windows)',
  XPKeywords: 'Keywords (Windows)',
  XPAuthor: 'Author (Windows)',
  XPSubject: 'Subject (Windows)',
  ICCProfileName: 'ICC profile name',
  YCbCrSubSampling: 'YCbCr subsampling',
  YCbCrPositioning: 'YCbCr positioning',
  ExifVersion: 'EXIF version',
  XMPToolkit: 'XMP toolkit',
}

/** "FocalLengthIn35mmFormat" -> "Focal length in 35mm format". */
export function labelFor(field: string): string {
  if (Object.hasOwn(LABELS, field)) return LABELS[field]!
  const words = field
    .replace(/[-_]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .trim()
    .split(/\s+/)
  return words
    .map((w, i) => (i === 0 || /^[A-Z0-9]{2,}$/.test(w) ? w : w.toLowerCase()))
    .join(' ')
    .replace(/^./, (c) => c.toUpperCase())
}

// --- values with units or sentinels ---------------------------------------------------

function numbersOf(v: unknown): number[] | null {
  if (Array.isArray(v)) {
    const out = v.map((x) => (typeof x === 'number' ? x : Number(x)))
    return out.every(Number.isFinite) ? out : null
  }
  if (typeof v === 'string') {
    const parts = v.trim().split(/[\s,]+/).filter(Boolean).map(Number)
    return parts.length && parts.every(Number.isFinite) ? parts : null
  }
  if (typeof v === 'number' && Number.isFinite(v)) return [v]
  return null
}

function range(lo: number, hi: number, digits: number): string {
  const a = formatNumber(lo, digits)
  const b = formatNumber(hi, digits)
  return a === b ? a : `${a}-${b}`
}

/** EXIF LensInfo (0xA432: min/max focal length, min f-number at each), e.g. "1.54-6 mm f/1.8-2.4".
 *  A 0 means unknown (EXIF 2.32 section 4.6.5). */
export function formatLensInfo(v: unknown): string | null {
  const n = numbersOf(v)
  if (!n || n.length !== 4) return null
  const [fl, fh, al, ah] = n as [number, number, number, number]
  const focal = fl > 0 && fh > 0 ? `${range(fl, fh, 2)} mm` : fl > 0 ? `${formatNumber(fl, 2)} mm` : 'unknown focal length'
  const ap = al > 0 && ah > 0 ? ` f/${range(al, ah, 1)}` : al > 0 ? ` f/${formatNumber(al, 1)}` : ''
  return focal + ap
}

/** EXIF SubjectDistance in metres: 0xFFFFFFFF is infinity, 0 is unknown. */
export function formatSubjectDistance(v: unknown): string | null {
  const n = numbersOf(v)?.[0]
  if (n === undefined) return null
  if (n >= 4294967295 || n === Infinity) return 'infinity'
  if (n === 0) return 'unknown'
  return `${formatNumber(n, 2)} m`
}

/** "3/4" style YCbCr subsampling (ExifTool's print form) from "2 2". */
export function formatSubsampling(v: unknown): string | null {
  const n = numbersOf(v)
  if (!n || n.length !== 2) return null
  const key = `${n[0]} ${n[1]}`
  const names: Record<string, string> = { '1 1': '4:4:4', '2 1': '4:2:2', '2 2': '4:2:0', '4 1': '4:1:1', '4 2': '4:1:0', '1 2': '4:4:0' }
  return Object.hasOwn(names, key) ? `YCbCr${names[key]} (${n[0]} ${n[1]})` : null
}

/** EXIF version "0232" -> "2.32". */
export function formatVersion(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null
  const s = String(v).trim()
  if (!/^\d{4}$/.test(s)) return null
  return `${Number(s.slice(0, 2))}.${s.slice(2)}`
}
