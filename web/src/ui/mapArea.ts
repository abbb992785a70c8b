import { h } from './dom'

// The map view's pure parts, apart from Leaflet so that they are tested without it.

/** Attribution text with its http(s) URLs as links, built without markup. */
export function attributionNodes(text: string): (Node | string)[] {
  const out: (Node | string)[] = []
  let last = 0
  for (const m of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    out.push(text.slice(last, m.index))
    out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer' }, m[0].replace(/^https?:\/\//, '')))
    last = (m.index ?? 0) + m[0].length
  }
  out.push(text.slice(last))
  return out.filter((x) => x !== '')
}

/** Six decimals are 0.1 m: enough for an area, short in a URL. */
export function boundsToBbox(b: { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number }): string {
  const clamp = (v: number, m: number) => Math.max(-m, Math.min(m, v))
  const r = (v: number) => Number(v.toFixed(6))
  let w = b.getWest()
  let e = b.getEast()
  if (e - w >= 360) [w, e] = [-180, 180]
  else {
    w = ((((w + 180) % 360) + 360) % 360) - 180
    e = ((((e + 180) % 360) + 360) % 360) - 180
  }
  return [r(w), r(clamp(b.getSouth(), 90)), r(e), r(clamp(b.getNorth(), 90))].join(',')
}
