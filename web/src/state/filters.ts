import type { ExportQuery, ImageStatus, ListQuery } from '../api/client'

// The gallery's filters live in the URL (the part after #/?), so that a view can be
// bookmarked, shared and reached with Back. Parsing is forgiving: a value that makes no
// sense is dropped rather than sent to the API to be refused.

export type Sort = 'uploaded' | 'taken'
export type Zoom = 'day' | 'month'
export type Orientation = 'portrait' | 'landscape' | 'square'

/** The numeric range filters, each a pair of bounds (kept as the decimal text sent to the API). */
export const RANGES = [
  { min: 'isoMin', max: 'isoMax', label: 'ISO' },
  { min: 'fMin', max: 'fMax', label: 'Aperture (f/)' },
  { min: 'focalMin', max: 'focalMax', label: 'Focal length (mm)' },
  { min: 'exposureMin', max: 'exposureMax', label: 'Exposure (s)' },
] as const
export type RangeKey = (typeof RANGES)[number]['min'] | (typeof RANGES)[number]['max']

export interface Filters {
  q: string
  format: string
  make: string
  model: string
  lens: string
  takenFrom: string
  takenTo: string
  hasGps: boolean | null
  status: ImageStatus | null
  isoMin: string
  isoMax: string
  fMin: string
  fMax: string
  focalMin: string
  focalMax: string
  exposureMin: string
  exposureMax: string
  orientation: Orientation | ''
  /** The map's visible area, `minLon,minLat,maxLon,maxLat`. */
  bbox: string
  sort: Sort
  /** The timeline's grouping: by day, or by month (zoomed out). A view option, not a filter. */
  zoom: Zoom
}

export const NO_FILTERS: Readonly<Filters> = Object.freeze({
  q: '',
  format: '',
  make: '',
  model: '',
  lens: '',
  takenFrom: '',
  takenTo: '',
  hasGps: null,
  status: null,
  isoMin: '',
  isoMax: '',
  fMin: '',
  fMax: '',
  focalMin: '',
  focalMax: '',
  exposureMin: '',
  exposureMax: '',
  orientation: '',
  bbox: '',
  sort: 'taken',
  zoom: 'day',
})

const STATUSES: readonly ImageStatus[] = ['pending', 'ready', 'failed', 'unsupported']
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const MAX_TEXT = 200

function text(v: string | null): string {
  // Control characters are never part of a sensible search.
  return (v ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_TEXT)
}

export function isValidDate(v: string): boolean {
  if (!DATE.test(v)) return false
  const d = new Date(v + 'T00:00:00Z')
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v)
}

const ORIENTATIONS: readonly Orientation[] = ['portrait', 'landscape', 'square']
const NUMBER = /^\d{1,9}(\.\d{1,9})?$/

/** A non-negative number as typed: `200`, `2.8`, `0.004`, or a fraction like `1/250` (exposure
 *  times are written that way); anything else is ''. The result is plain decimal text. */
export function parseNumber(v: string | null): string {
  const t = text(v).replace(/,/g, '.').replace(/\s+/g, '')
  if (NUMBER.test(t)) return String(Number(t))
  const m = /^(\d{1,9}(?:\.\d{1,9})?)\/(\d{1,9}(?:\.\d{1,9})?)$/.exec(t)
  if (m && Number(m[2]) > 0) return String(Number((Number(m[1]) / Number(m[2])).toPrecision(6)))
  return ''
}

/** `minLon,minLat,maxLon,maxLat` in range (a minLon above maxLon crosses the antimeridian), at
 *  most six decimals; else ''. */
export function parseBbox(v: string | null): string {
  const parts = text(v).split(',')
  if (parts.length !== 4 || !parts.every((x) => /^-?\d{1,3}(\.\d+)?$/.test(x.trim()))) return ''
  const [w = 0, s = 0, e = 0, n = 0] = parts.map((x) => Number(Number(x).toFixed(6)))
  if (Math.abs(w) > 180 || Math.abs(e) > 180 || Math.abs(s) > 90 || Math.abs(n) > 90 || s > n) return ''
  return [w, s, e, n].join(',')
}

export function parseFilters(input: URLSearchParams | string): Filters {
  const p = typeof input === 'string' ? new URLSearchParams(input.replace(/^\?/, '')) : input
  const date = (k: string) => {
    const v = text(p.get(k))
    return isValidDate(v) ? v : ''
  }
  const gps = p.get('hasGps')
  const status = p.get('status') as ImageStatus | null
  const f: Filters = {
    q: text(p.get('q')),
    format: text(p.get('format')).toUpperCase(),
    make: text(p.get('make')),
    model: text(p.get('model')),
    lens: text(p.get('lens')),
    takenFrom: date('takenFrom'),
    takenTo: date('takenTo'),
    hasGps: gps === 'true' ? true : gps === 'false' ? false : null,
    status: status && STATUSES.includes(status) ? status : null,
    isoMin: parseNumber(p.get('isoMin')),
    isoMax: parseNumber(p.get('isoMax')),
    fMin: parseNumber(p.get('fMin')),
    fMax: parseNumber(p.get('fMax')),
    focalMin: parseNumber(p.get('focalMin')),
    focalMax: parseNumber(p.get('focalMax')),
    exposureMin: parseNumber(p.get('exposureMin')),
    exposureMax: parseNumber(p.get('exposureMax')),
    orientation: ORIENTATIONS.includes(p.get('orientation') as Orientation) ? (p.get('orientation') as Orientation) : '',
    bbox: parseBbox(p.get('bbox')),
    sort: p.get('sort') === 'uploaded' ? 'uploaded' : 'taken',
    zoom: p.get('zoom') === 'month' ? 'month' : 'day',
  }
  // A range that ends before it starts is read the way it was surely meant.
  if (f.takenFrom && f.takenTo && f.takenFrom > f.takenTo) [f.takenFrom, f.takenTo] = [f.takenTo, f.takenFrom]
  for (const r of RANGES)
    if (f[r.min] && f[r.max] && Number(f[r.min]) > Number(f[r.max])) [f[r.min], f[r.max]] = [f[r.max], f[r.min]]
  return f
}

/** Only what differs from the defaults, in a fixed order (so equal views have equal URLs). */
export function filtersToParams(f: Filters): URLSearchParams {
  const p = new URLSearchParams()
  if (f.q) p.set('q', f.q)
  if (f.format) p.set('format', f.format)
  if (f.make) p.set('make', f.make)
  if (f.model) p.set('model', f.model)
  if (f.lens) p.set('lens', f.lens)
  if (f.takenFrom) p.set('takenFrom', f.takenFrom)
  if (f.takenTo) p.set('takenTo', f.takenTo)
  if (f.hasGps !== null) p.set('hasGps', String(f.hasGps))
  if (f.status) p.set('status', f.status)
  for (const r of RANGES) {
    if (f[r.min]) p.set(r.min, f[r.min])
    if (f[r.max]) p.set(r.max, f[r.max])
  }
  if (f.orientation) p.set('orientation', f.orientation)
  if (f.bbox) p.set('bbox', f.bbox)
  if (f.sort !== 'taken') p.set('sort', f.sort)
  if (f.zoom !== 'day') p.set('zoom', f.zoom)
  return p
}

export function sameFilters(a: Filters, b: Filters): boolean {
  return filtersToParams(a).toString() === filtersToParams(b).toString()
}

export function isFiltered(f: Filters): boolean {
  const p = filtersToParams(f)
  p.delete('sort')
  p.delete('zoom')
  return [...p.keys()].length > 0
}

export function toListQuery(f: Filters, cursor: string | null, limit: number): ListQuery {
  const q: ListQuery = { limit, sort: f.sort }
  if (cursor) q.cursor = cursor
  if (f.q) q.q = f.q
  if (f.format) q.format = f.format
  if (f.make) q.make = f.make
  if (f.model) q.model = f.model
  if (f.lens) q.lens = f.lens
  if (f.takenFrom) q.takenFrom = f.takenFrom
  if (f.takenTo) q.takenTo = f.takenTo
  if (f.hasGps !== null) q.hasGps = f.hasGps
  if (f.status) q.status = f.status
  Object.assign(q, filterQuery(f))
  return q
}

/** The exposure, orientation and area filters as API query values (shared by the list, the
 *  map's locations and the export). */
export function filterQuery(f: Filters): Pick<ListQuery, RangeKey | 'orientation' | 'bbox'> {
  const q: Pick<ListQuery, RangeKey | 'orientation' | 'bbox'> = {}
  for (const r of RANGES) {
    if (f[r.min]) q[r.min] = Number(f[r.min])
    if (f[r.max]) q[r.max] = Number(f[r.max])
  }
  if (f.orientation) q.orientation = f.orientation
  if (f.bbox) q.bbox = f.bbox
  return q
}

/** A short phrase of the active filters, e.g. `format HEIC, with location`. */
export function describeFilters(f: Filters): string {
  const parts: string[] = []
  if (f.q) parts.push(`text “${f.q}”`)
  if (f.format) parts.push(`format ${f.format}`)
  if (f.make) parts.push(`make ${f.make}`)
  if (f.model) parts.push(`model ${f.model}`)
  if (f.lens) parts.push(`lens ${f.lens}`)
  if (f.takenFrom && f.takenTo) parts.push(`taken ${f.takenFrom} to ${f.takenTo}`)
  else if (f.takenFrom) parts.push(`taken from ${f.takenFrom}`)
  else if (f.takenTo) parts.push(`taken until ${f.takenTo}`)
  if (f.hasGps === true) parts.push('with location')
  if (f.hasGps === false) parts.push('without location')
  if (f.status) parts.push(`status ${f.status}`)
  for (const r of RANGES) {
    const name = r.min === 'isoMin' ? 'ISO' : r.label.replace(/ \(.*\)$/, '').toLowerCase()
    const unit = r.min === 'fMin' ? 'f/' : ''
    const after = r.min === 'focalMin' ? ' mm' : r.min === 'exposureMin' ? ' s' : ''
    if (f[r.min] && f[r.max]) parts.push(`${name} ${unit}${f[r.min]}–${unit}${f[r.max]}${after}`)
    else if (f[r.min]) parts.push(`${name} at least ${unit}${f[r.min]}${after}`)
    else if (f[r.max]) parts.push(`${name} at most ${unit}${f[r.max]}${after}`)
  }
  if (f.orientation) parts.push(f.orientation)
  if (f.bbox) parts.push('in the map area')
  return parts.join(', ')
}

/** The exposure ranges and the orientation of a view (what the filter form edits beyond the text fields). */
export function filterQueryFields(f: Filters): Pick<Filters, RangeKey | 'orientation'> {
  const out = { orientation: f.orientation } as Pick<Filters, RangeKey | 'orientation'>
  for (const r of RANGES) {
    out[r.min] = f[r.min]
    out[r.max] = f[r.max]
  }
  return out
}

/** The export of what a view shows: the same filters, with the file-type filter under its
 *  export name (`format` there is the export's own format). */
export function toExportQuery(f: Filters, format: 'csv' | 'ndjson'): ExportQuery {
  const { limit: _l, cursor: _c, sort: _s, format: fileType, ...rest } = toListQuery(f, null, 1)
  const q: ExportQuery = { ...rest, format }
  if (fileType) q.fileType = fileType
  return q
}

/** The download's file name: `imgmeta-export-2026-12-06.csv`. */
export function exportFilename(format: 'csv' | 'ndjson', now = new Date()): string {
  return `imgmeta-export-${now.toISOString().slice(0, 10)}.${format}`
}
