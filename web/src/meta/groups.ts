import type { Image } from '../api/client'
import {
  enumLabel,
  formatBytes,
  formatCount,
  formatDecimalDegrees,
  formatDms,
  formatEv,
  formatExifDate,
  formatExposureTime,
  formatFlash,
  formatFNumber,
  formatInstant,
  formatMillimetres,
  formatLensInfo,
  formatNumber,
  formatSubjectDistance,
  formatSubsampling,
  formatValue,
  formatVersion,
  labelFor,
  mapUrl,
  validCoordinates,
} from './format'

// The detail view's sections, in the order people read about a photo. Each row names the
// metadata fields it was made from (ExifTool tag names), so that nothing is shown twice:
// whatever no section claims is listed under "All other fields".

export interface Row {
  /** The fields the row shows, e.g. ["GPSLatitude", "GPSLongitude"]; the first names the row. */
  fields: string[]
  label: string
  value: string
  /** A second line, e.g. degrees-minutes-seconds under decimal degrees. */
  detail?: string
  /** An outside link made from numbers only (the map for coordinates). */
  link?: { href: string; text: string }
}

export interface Group {
  id: 'file' | 'camera' | 'exposure' | 'dates' | 'location' | 'description' | 'colour' | 'other'
  title: string
  rows: Row[]
}

type Meta = Record<string, unknown>

function present(v: unknown): boolean {
  if (v === null || v === undefined) return false
  if (typeof v === 'string') return v.trim() !== ''
  if (Array.isArray(v)) return v.length > 0
  return true
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}

class Builder {
  readonly used = new Set<string>()
  constructor(readonly meta: Meta) {}

  has(f: string): boolean {
    return present(this.meta[f])
  }

  take(...fields: string[]): void {
    for (const f of fields) this.used.add(f)
  }

  /** A row for one field, formatted by `fmt` (or generically); consumes the field. */
  field(rows: Row[], f: string, fmt?: (v: unknown) => string | null, label?: string): void {
    if (!this.has(f) || this.used.has(f)) return
    const v = this.meta[f]
    const text = fmt ? fmt(v) : null
    const named = enumLabel(f, v)
    const value = text ?? (named ? `${named}` : formatValue(v))
    this.take(f)
    rows.push({ fields: [f], label: label ?? labelFor(f), value })
  }

  fields(rows: Row[], ...fs: string[]): void {
    for (const f of fs) this.field(rows, f)
  }
}

const numeric = (fmt: (n: number) => string) => (v: unknown) => {
  const n = num(v)
  return n === null ? null : fmt(n)
}

function fileGroup(b: Builder, image: Image): Group {
  const m = b.meta
  const rows: Row[] = [{ fields: ['filename'], label: 'File name', value: image.filename }]
  b.field(rows, 'FileType', (v) => formatValue(v))
  b.take('FileTypeExtension')
  rows.push({ fields: ['contentType'], label: 'Uploaded as', value: image.contentType })
  b.take('MIMEType')
  b.take('FileSize')
  rows.push({ fields: ['size'], label: 'File size', value: `${formatBytes(image.size)} (${formatCount(image.size)} bytes)` })
  const w = num(m.ImageWidth) ?? image.width ?? null
  const hgt = num(m.ImageHeight) ?? image.height ?? null
  if (w !== null && hgt !== null) {
    rows.push({ fields: ['ImageWidth', 'ImageHeight'], label: 'Dimensions', value: `${w} × ${hgt} pixels` })
    b.take('ImageWidth', 'ImageHeight', 'ImageSize')
  }
  const dw = num(m.DisplayWidth)
  const dh = num(m.DisplayHeight)
  if (dw !== null && dh !== null) {
    if (dw !== w || dh !== hgt) rows.push({ fields: ['DisplayWidth', 'DisplayHeight'], label: 'Shown as', value: `${dw} × ${dh} pixels` })
    b.take('DisplayWidth', 'DisplayHeight')
  }
  b.field(rows, 'Megapixels', numeric((n) => `${formatNumber(n, 1)} MP`))
  b.field(rows, 'Orientation')
  b.field(rows, 'Rotation', numeric((n) => `${n}°`))
  const xr = num(m.XResolution)
  const yr = num(m.YResolution)
  if (xr !== null && yr !== null) {
    const unit = enumLabel('ResolutionUnit', m.ResolutionUnit)
    const per = unit === 'inches' ? ' dpi' : unit === 'cm' ? ' per cm' : ''
    rows.push({
      fields: ['XResolution', 'YResolution', 'ResolutionUnit'],
      label: 'Resolution',
      value: xr === yr ? `${formatNumber(xr, 2)}${per}` : `${formatNumber(xr, 2)} × ${formatNumber(yr, 2)}${per}`,
    })
    b.take('XResolution', 'YResolution', 'ResolutionUnit')
  }
  b.fields(rows, 'FrameCount', 'AnimationFrames', 'AnimationIterations', 'AnimationPlays')
  b.field(rows, 'Duration', numeric((n) => `${formatNumber(n, 3)} s`))
  b.fields(rows, 'EncodingProcess', 'Compression', 'Interlace', 'MajorBrand', 'CompatibleBrands', 'ExifByteOrder')
  if (image.sha256) rows.push({ fields: ['sha256'], label: 'SHA-256', value: image.sha256 })
  rows.push({ fields: ['uploadedAt'], label: 'Uploaded', value: formatInstant(image.uploadedAt) ?? image.uploadedAt })
  rows.push({ fields: ['imageId'], label: 'Image ID', value: image.imageId })
  return { id: 'file', title: 'File', rows }
}

function cameraGroup(b: Builder): Group {
  const rows: Row[] = []
  b.fields(rows, 'Make', 'Model', 'SerialNumber', 'InternalSerialNumber', 'BodySerialNumber', 'OwnerName', 'CameraOwnerName')
  b.fields(rows, 'LensMake', 'LensModel', 'LensID', 'Lens', 'LensType', 'LensSerialNumber')
  b.field(rows, 'LensInfo', formatLensInfo, 'Lens range')
  b.field(rows, 'FocalLength', numeric(formatMillimetres))
  b.field(rows, 'FocalLengthIn35mmFormat', numeric(formatMillimetres), 'Focal length (35 mm equivalent)')
  b.field(rows, 'DigitalZoomRatio', numeric((n) => (n === 0 ? 'not used' : `${formatNumber(n, 2)}×`)))
  b.fields(rows, 'Software', 'FirmwareVersion', 'CreatorTool', 'HostComputer')
  return { id: 'camera', title: 'Camera and lens', rows }
}

function exposureGroup(b: Builder): Group {
  const rows: Row[] = []
  b.field(rows, 'ExposureTime', numeric(formatExposureTime))
  b.field(rows, 'FNumber', numeric(formatFNumber))
  b.field(rows, 'ISO', numeric((n) => `ISO ${formatNumber(n, 0)}`))
  b.fields(rows, 'ExposureProgram', 'ExposureMode', 'MeteringMode')
  b.field(rows, 'ExposureCompensation', numeric(formatEv))
  b.field(rows, 'Flash', numeric(formatFlash))
  b.fields(rows, 'WhiteBalance', 'LightSource', 'SceneCaptureType', 'Contrast', 'Saturation', 'Sharpness', 'GainControl')
  b.field(rows, 'SubjectDistance', formatSubjectDistance)
  b.fields(rows, 'SubjectDistanceRange', 'SensingMethod', 'CustomRendered')
  b.field(rows, 'ShutterSpeedValue', numeric(formatExposureTime), 'Shutter speed (APEX)')
  b.field(rows, 'ApertureValue', numeric(formatFNumber), 'Aperture (APEX)')
  b.field(rows, 'MaxApertureValue', numeric(formatFNumber), 'Widest aperture')
  b.field(rows, 'BrightnessValue', numeric(formatEv), 'Brightness')
  return { id: 'exposure', title: 'Exposure', rows }
}

function zoneOf(m: Meta, offsetField: string, zoneField: string): string | null {
  const off = m[offsetField]
  if (typeof off === 'string' && /^[+-]\d{2}:\d{2}$/.test(off)) return off
  const z = m[zoneField]
  return typeof z === 'string' ? z : null
}

function datesGroup(b: Builder): Group {
  const m = b.meta
  const rows: Row[] = []
  const dated = (label: string, field: string, offsetField: string, zoneField: string, subsecField: string, utcField: string) => {
    if (!b.has(field)) return
    const value = formatExifDate(m[field], zoneOf(m, offsetField, zoneField), m[subsecField])
    if (value === null) return
    const utc = m[utcField]
    const row: Row = { fields: [field, offsetField, zoneField, subsecField, utcField], label, value }
    if (typeof utc === 'string' && utc) row.detail = `${utc.replace('T', ' ').replace(/\.000Z$|Z$/, '')} UTC`
    rows.push(row)
    b.take(field, offsetField, zoneField, subsecField, utcField)
  }
  dated('Taken', 'DateTimeOriginal', 'OffsetTimeOriginal', 'DateTimeOriginalTimeZone', 'SubSecTimeOriginal', 'DateTimeOriginalUTC')
  dated('Digitised', 'CreateDate', 'OffsetTimeDigitized', 'CreateDateTimeZone', 'SubSecTimeDigitized', 'CreateDateUTC')
  dated('Modified', 'ModifyDate', 'OffsetTime', 'ModifyDateTimeZone', 'SubSecTime', 'ModifyDateUTC')
  b.take('SubSecDateTimeOriginal', 'SubSecCreateDate', 'SubSecModifyDate')
  if (b.has('GPSDateStamp') || b.has('GPSDateTime')) {
    const stamp = b.has('GPSDateTime') ? m.GPSDateTime : `${String(m.GPSDateStamp)} ${String(m.GPSTimeStamp ?? '')}`.trim()
    const d = formatExifDate(stamp, 'Z')
    if (d) rows.push({ fields: ['GPSDateStamp', 'GPSTimeStamp', 'GPSDateTime'], label: 'GPS time', value: d })
    b.take('GPSDateStamp', 'GPSTimeStamp', 'GPSDateTime')
  }
  if (b.has('DateCreated')) {
    const tc = typeof m.TimeCreated === 'string' ? m.TimeCreated : ''
    const v = tc && !String(m.DateCreated).includes(' ') ? `${String(m.DateCreated)} ${tc}` : m.DateCreated
    const d = formatExifDate(v)
    if (d) rows.push({ fields: ['DateCreated', 'TimeCreated'], label: 'Created (IPTC/XMP)', value: d })
    b.take('DateCreated', 'TimeCreated')
  }
  for (const f of ['DigitalCreationDate', 'MetadataDate', 'DateTimeDigitized']) {
    b.field(rows, f, (v) => formatExifDate(v))
  }
  return { id: 'dates', title: 'Dates', rows }
}

function locationGroup(b: Builder): Group {
  const m = b.meta
  const rows: Row[] = []
  const lat = m.GPSLatitude
  const lon = m.GPSLongitude
  if (validCoordinates(lat, lon)) {
    const lo = lon as number
    rows.push({
      fields: ['GPSLatitude', 'GPSLongitude'],
      label: 'Coordinates',
      value: formatDecimalDegrees(lat, lo),
      detail: formatDms(lat, lo),
      link: { href: mapUrl(lat, lo), text: 'Show on OpenStreetMap' },
    })
    b.take('GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef', 'GPSPosition')
  }
  const alt = num(m.GPSAltitude)
  if (alt !== null) {
    const below = m.GPSAltitudeRef === 1
    rows.push({
      fields: ['GPSAltitude', 'GPSAltitudeRef'],
      label: 'Altitude',
      value: `${formatNumber(alt, 1)} m ${below ? 'below' : 'above'} sea level`,
    })
    b.take('GPSAltitude', 'GPSAltitudeRef')
  }
  const dir = num(m.GPSImgDirection)
  if (dir !== null) {
    const ref = m.GPSImgDirectionRef === 'M' ? 'magnetic north' : 'true north'
    rows.push({ fields: ['GPSImgDirection', 'GPSImgDirectionRef'], label: 'Facing', value: `${formatNumber(dir, 1)}° from ${ref}` })
    b.take('GPSImgDirection', 'GPSImgDirectionRef')
  }
  const speed = num(m.GPSSpeed)
  if (speed !== null) {
    const unit = m.GPSSpeedRef === 'M' ? 'mph' : m.GPSSpeedRef === 'N' ? 'knots' : 'km/h'
    rows.push({ fields: ['GPSSpeed', 'GPSSpeedRef'], label: 'Speed', value: `${formatNumber(speed, 1)} ${unit}` })
    b.take('GPSSpeed', 'GPSSpeedRef')
  }
  b.field(rows, 'GPSHPositioningError', numeric((n) => `${formatNumber(n, 1)} m`), 'Horizontal error')
  b.field(rows, 'GPSDOP', numeric((n) => formatNumber(n, 1)), 'Dilution of precision')
  b.fields(rows, 'GPSMeasureMode', 'GPSDifferential', 'GPSMapDatum', 'GPSSatellites')
  b.take('GPSVersionID')
  b.fields(rows, 'Sub-location', 'Location', 'City', 'Province-State', 'State', 'Country-PrimaryLocationName', 'Country', 'CountryCode', 'Country-PrimaryLocationCode')
  return { id: 'location', title: 'Location', rows }
}

function descriptionGroup(b: Builder): Group {
  const rows: Row[] = []
  b.fields(rows, 'Title', 'ObjectName', 'Headline', 'XPTitle')
  b.fields(rows, 'Description', 'ImageDescription', 'Caption-Abstract', 'XPSubject', 'XPComment', 'UserComment', 'Comment')
  b.fields(rows, 'Keywords', 'Subject', 'XPKeywords', 'Category', 'SupplementalCategories')
  b.fields(rows, 'Creator', 'Artist', 'By-line', 'XPAuthor', 'By-lineTitle', 'AuthorsPosition', 'Writer-Editor')
  b.fields(rows, 'Copyright', 'CopyrightNotice', 'Rights', 'Credit', 'Source', 'UsageTerms', 'Instructions', 'SpecialInstructions')
  b.fields(rows, 'Rating', 'Label', 'Urgency')
  return { id: 'description', title: 'Description (XMP and IPTC)', rows }
}

function colourGroup(b: Builder): Group {
  const rows: Row[] = []
  b.fields(rows, 'ColorSpace', 'ProfileDescription', 'ICCProfileName', 'ColorType', 'ColorMode', 'PhotometricInterpretation')
  // The ICC profile's own creation date says when the profile was made, not the photo.
  b.field(rows, 'ProfileDateTime', (v) => formatExifDate(v), 'Profile created')
  b.field(rows, 'YCbCrSubSampling', formatSubsampling, 'YCbCr subsampling')
  b.fields(rows, 'BitDepth', 'BitsPerSample', 'ColorComponents', 'SamplesPerPixel', 'HasAlpha', 'ChromaFormat')
  b.fields(rows, 'ColorPrimaries', 'TransferCharacteristics', 'MatrixCoefficients', 'VideoFullRangeFlag', 'Gamma', 'RenderingIntent')
  b.fields(rows, 'YCbCrSubSampling', 'YCbCrPositioning', 'ProfileClass', 'ColorSpaceData', 'ProfileConnectionSpace', 'ProfileCreator', 'DeviceManufacturer', 'DeviceModel', 'ProfileCopyright', 'ProfileVersion', 'MediaWhitePoint', 'WhitePoint', 'PrimaryChromaticities')
  return { id: 'colour', title: 'Colour', rows }
}

function otherGroup(b: Builder): Group {
  const rows: Row[] = []
  for (const f of ['ExifVersion', 'FlashpixVersion', 'InteropVersion']) b.field(rows, f, formatVersion, f)
  const m = b.meta
  const fx = num(m.FocalPlaneXResolution)
  const fy = num(m.FocalPlaneYResolution)
  if (fx !== null && fy !== null) {
    const unit = enumLabel('FocalPlaneResolutionUnit', m.FocalPlaneResolutionUnit)
    const per = unit && unit !== 'none' ? ` pixels per ${unit.replace(/es$/, '')}` : ''
    rows.push({
      fields: ['FocalPlaneXResolution', 'FocalPlaneYResolution', 'FocalPlaneResolutionUnit'],
      label: 'Focal plane resolution',
      value: fx === fy ? `${formatNumber(fx, 2)}${per}` : `${formatNumber(fx, 2)} × ${formatNumber(fy, 2)}${per}`,
    })
    b.take('FocalPlaneXResolution', 'FocalPlaneYResolution', 'FocalPlaneResolutionUnit')
  }
  for (const f of ['ThumbnailLength', 'PreviewImageLength', 'JpgFromRawLength']) b.field(rows, f, numeric(formatBytes), f)
  const rest = Object.keys(b.meta)
    .filter((k) => !b.used.has(k) && present(b.meta[k]))
    .sort((x, y) => x.localeCompare(y))
  for (const f of rest) b.field(rows, f, undefined, f)
  return { id: 'other', title: 'All other fields', rows }
}

/** The record's metadata in sections; empty sections are left out. */
export function groupMetadata(image: Image): Group[] {
  const meta = image.metadata && typeof image.metadata === 'object' ? (image.metadata as Meta) : {}
  const b = new Builder(meta)
  // The file group claims its fields first (so "Compression" is the file's), but is shown after
  // what people look for: when, where, with what.
  const file = fileGroup(b, image)
  const groups = [cameraGroup(b), exposureGroup(b), datesGroup(b), locationGroup(b), descriptionGroup(b), colourGroup(b), file]
  // Warnings and the like are shown elsewhere; bookkeeping fields are not metadata.
  b.take('SourceFile', 'Warning', 'Error', 'ExifToolVersion')
  groups.push(otherGroup(b))
  return groups.filter((g) => g.rows.length > 0)
}

/** The camera in one line for the gallery: "Canon EOS 40D", "Apple iPhone 7". */
export function cameraLine(make: unknown, model: unknown): string | null {
  const mk = typeof make === 'string' ? make.trim() : ''
  const md = typeof model === 'string' ? model.trim() : ''
  if (!mk && !md) return null
  if (!mk) return md
  if (!md) return mk
  const first = mk.split(/\s+/)[0] ?? mk
  return md.toLowerCase().startsWith(first.toLowerCase()) ? md : `${mk} ${md}`
}

/** Warnings the extractor attached (problems inside a readable file). */
export function warningsOf(image: Image): string[] {
  const w = (image.metadata as Meta | undefined)?.Warning
  if (typeof w === 'string' && w) return [w]
  if (Array.isArray(w)) return w.filter((x): x is string => typeof x === 'string' && x !== '')
  return []
}

/** The viewer's header, in the order people ask about a photo: when, where, with what, how. */
export interface Summary {
  taken: string | null
  place: { text: string; href: string } | null
  camera: string | null
  lens: string | null
  exposure: string | null
}

export function summaryOf(image: Image): Summary {
  const m = image.metadata && typeof image.metadata === 'object' ? (image.metadata as Meta) : {}
  let taken: string | null = null
  for (const [f, off, zone, sub] of [
    ['DateTimeOriginal', 'OffsetTimeOriginal', 'DateTimeOriginalTimeZone', 'SubSecTimeOriginal'],
    ['CreateDate', 'OffsetTimeDigitized', 'CreateDateTimeZone', 'SubSecTimeDigitized'],
  ] as const) {
    if (present(m[f])) {
      taken = formatExifDate(m[f], zoneOf(m, off, zone), m[sub])
      if (taken) break
    }
  }
  let place: Summary['place'] = null
  if (validCoordinates(m.GPSLatitude, m.GPSLongitude)) {
    const lat = m.GPSLatitude as number
    const lon = m.GPSLongitude as number
    place = { text: formatDecimalDegrees(lat, lon), href: mapUrl(lat, lon) }
  }
  const camera = cameraLine(m.Make ?? image.make, m.Model ?? image.model)
  const lensName = [m.LensModel, m.Lens, m.LensID].find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined
  const lens = lensName?.trim() ?? formatLensInfo(m.LensInfo)
  const parts: string[] = []
  const t = num(m.ExposureTime)
  if (t !== null) parts.push(formatExposureTime(t))
  const fn = num(m.FNumber)
  if (fn !== null) parts.push(formatFNumber(fn))
  const iso = num(m.ISO)
  if (iso !== null) parts.push(`ISO ${formatNumber(iso, 0)}`)
  const fl = num(m.FocalLength)
  if (fl !== null) parts.push(formatMillimetres(fl))
  return { taken, place, camera, lens, exposure: parts.length ? parts.join(' · ') : null }
}
