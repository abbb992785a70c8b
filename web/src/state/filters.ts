import type { ImageStatus, ListQuery } from '../api/client'

// The gallery's filters live in the URL (the part after #/?), so that a view can be
// bookmarked, shared and reached with Back. Parsing is forgiving: a value that makes no
// sense is dropped rather than sent to the API to be refused.

export type Sort = 'uploaded' | 'taken'
export type Zoom = 'day' | 'month'

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
    sort: p.get('sort') === 'uploaded' ? 'uploaded' : 'taken',
    zoom: p.get('zoom') === 'month' ? 'month' : 'day',
  }
  // A range that ends before it starts is read the way it was surely meant.
  if (f.takenFrom && f.takenTo && f.takenFrom > f.takenTo) [f.takenFrom, f.takenTo] = [f.takenTo, f.takenFrom]
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
  return parts.join(', ')
}
