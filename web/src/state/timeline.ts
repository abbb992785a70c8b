import type { Image } from '../api/client'
import type { Sort } from './filters'
import { parseExifDate } from '../meta/format'

// The gallery as a timeline: images grouped by the day they were taken (by month when zoomed
// out), newest first, the way the API lists them. Images without a date taken come after,
// grouped by the day they were uploaded. With sort=uploaded the groups are upload days.

export type Zoom = 'day' | 'month'

export interface TimelineGroup {
  /** Stable id: "t:2021-04-11", "t:2021-04", "u:2026-12-06" (undated, by upload). */
  key: string
  label: string
  items: Image[]
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** The wall-clock day the photo was taken, as the camera wrote it: "2021-04-11". */
export function dayTaken(img: Image): string | null {
  const m = img.metadata as Record<string, unknown> | undefined
  const d = parseExifDate(m?.DateTimeOriginal) ?? parseExifDate(m?.CreateDate)
  if (d) return d.date
  if (img.takenAt && /^\d{4}-\d{2}-\d{2}/.test(img.takenAt)) return img.takenAt.slice(0, 10)
  return null
}

/** The day of an instant in the viewer's own time zone. */
export function localDay(iso: string): string | null {
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return null
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`
}

/** "Sunday 11 April 2021", or "April 2021" for a month key "2021-04". */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number | undefined]
  const month = MONTHS[(m ?? 1) - 1] ?? ''
  if (d === undefined) return `${month} ${y}`
  const weekday = DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] ?? ''
  return `${weekday} ${d} ${month} ${y}`
}

export function groupTimeline(items: readonly Image[], sort: Sort, zoom: Zoom): TimelineGroup[] {
  const groups: TimelineGroup[] = []
  const byKey = new Map<string, TimelineGroup>()
  const cut = (day: string) => (zoom === 'month' ? day.slice(0, 7) : day)
  for (const img of items) {
    const taken = sort === 'taken' ? dayTaken(img) : null
    let key: string
    let label: string
    if (taken) {
      key = 't:' + cut(taken)
      label = dayLabel(cut(taken))
    } else {
      const up = localDay(img.uploadedAt) ?? '0000-01-01'
      key = 'u:' + cut(up)
      label = sort === 'taken' ? `No date taken · uploaded ${dayLabel(cut(up))}` : `Uploaded ${dayLabel(cut(up))}`
    }
    let g = byKey.get(key)
    if (!g) {
      g = { key, label, items: [] }
      byKey.set(key, g)
      groups.push(g)
    }
    g.items.push(img)
  }
  return groups
}

/** The API's order, for placing an image that arrives outside a page (a new upload). */
export function compareImages(a: Image, b: Image, sort: Sort): number {
  if (sort === 'taken') {
    const ta = a.takenAt ? Date.parse(a.takenAt) : NaN
    const tb = b.takenAt ? Date.parse(b.takenAt) : NaN
    const ha = !Number.isNaN(ta)
    const hb = !Number.isNaN(tb)
    if (ha !== hb) return ha ? -1 : 1
    if (ha && hb && ta !== tb) return tb - ta
  } else {
    const ua = Date.parse(a.uploadedAt)
    const ub = Date.parse(b.uploadedAt)
    if (ua !== ub) return ub - ua
  }
  return a.imageId < b.imageId ? 1 : a.imageId > b.imageId ? -1 : 0
}

/** The id before or after `id` in `order`, or null at either end (or when absent). */
export function neighbour(order: readonly string[], id: string, step: -1 | 1): string | null {
  const i = order.indexOf(id)
  if (i < 0) return null
  return order[i + step] ?? null
}
