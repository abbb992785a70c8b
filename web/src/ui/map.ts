import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import 'leaflet.markercluster/dist/MarkerCluster.css'
import 'leaflet.markercluster/dist/MarkerCluster.Default.css'
import type { ApiClient, Image, LocationQuery } from '../api/client'
import { toExportQuery, type Filters } from '../state/filters'
import { pictureOf } from '../state/pictures'
import { h } from './dom'
import { attributionNodes, boundsToBbox } from './mapArea'

// The map view (loaded only when opened): the located images matching the view's filters,
// clustered, from GET /api/locations page by page. A marker's popup is built with DOM calls
// (file names are whoever made the file's text); moving the map writes the visible area to
// the URL as bbox=, which the gallery link carries over.

export interface MapOptions {
  api: ApiClient
  tiles: { url: string; attribution: string }
  filters: Filters
  signal: AbortSignal
  /** The view with this visible area (minLon,minLat,maxLon,maxLat), for the URL. */
  onArea(bbox: string): void
  imageHref(imageId: string): string
}

const MAX_PAGES = 200
const PAGE = 1000

function popupContent(api: ApiClient, id: string, href: string, signal: AbortSignal): HTMLElement {
  const box = h('div', { class: 'map-popup', 'data-testid': 'map-popup', 'data-id': id }, h('p', null, 'Loading…'))
  void api.getImage(id, signal).then(
    (img: Image) => {
      const p = pictureOf(img, false)
      const pic =
        p.kind === 'img'
          ? h('img', { class: 'pic', src: p.src, alt: '', width: 160, height: 120, decoding: 'async' })
          : h('div', { class: 'pic placeholder', 'data-testid': 'placeholder' }, p.label)
      box.replaceChildren(h('a', { href, class: 'map-open' }, pic, h('span', { class: 'name', 'data-testid': 'map-name' }, img.filename)))
    },
    () => box.replaceChildren(h('p', null, 'This image could not be loaded.')),
  )
  return box
}

export async function showMap(container: HTMLElement, o: MapOptions): Promise<{ count: number }> {
  // leaflet.markercluster extends the global L.
  ;(globalThis as unknown as { L: typeof L }).L = L
  await import('leaflet.markercluster')
  const el = h('div', { class: 'map', id: 'map', 'data-testid': 'map' })
  const credit = h('p', { class: 'map-credit hint', 'data-testid': 'map-attribution' }, ...attributionNodes(o.tiles.attribution))
  container.append(el, credit)
  const map = L.map(el, { attributionControl: false, worldCopyJump: true }).setView([20, 0], 2)
  L.tileLayer(o.tiles.url, { maxZoom: 19, crossOrigin: false }).addTo(map)
  const icon = L.divIcon({ className: 'map-pin', iconSize: [14, 14] })
  const group = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, animate: false })
  map.addLayer(group)
  // Leaving mid-animation (a popup's pan, a cluster's zoom) must not leave a frame callback
  // working on a removed map.
  // (Leaflet's zoom transition ends on a timer that expects the map still there.)
  o.signal.addEventListener('abort', () => {
    map.stop()
    map.off('moveend')
    if ((map as L.Map & { _animatingZoom?: boolean })._animatingZoom) map.once('zoomend', () => map.remove())
    else map.remove()
  })

  // Every located image matching the filters, whatever the visible area.
  const base = toExportQuery({ ...o.filters, bbox: '' }, 'csv') as LocationQuery & { format?: string }
  delete base.format
  const markers: L.Marker[] = []
  let cursor: string | null = null
  for (let i = 0; i < MAX_PAGES && !o.signal.aborted; i++) {
    const q: LocationQuery = { ...base, limit: PAGE }
    if (cursor) q.cursor = cursor
    const page = await o.api.locations(q, o.signal)
    for (const it of page.items) {
      if (!Number.isFinite(it.lat) || !Number.isFinite(it.lon) || Math.abs(it.lat) > 90 || Math.abs(it.lon) > 180) continue
      const m = L.marker([it.lat, it.lon], { icon, title: 'Photo', keyboard: true })
      m.bindPopup(() => popupContent(o.api, it.imageId, o.imageHref(it.imageId), o.signal), { minWidth: 170 })
      ;(m as L.Marker & { imageId?: string }).imageId = it.imageId
      markers.push(m)
    }
    cursor = page.nextCursor
    if (!cursor) break
  }
  group.addLayers(markers)

  const [w, s, e, n] = o.filters.bbox ? o.filters.bbox.split(',').map(Number) : []
  if (o.filters.bbox && w !== undefined && s !== undefined && e !== undefined && n !== undefined) map.fitBounds([[s, w], [n, e]], { animate: false })
  else if (markers.length) map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 14, animate: false })
  // After the first fit, every move says where the map looks.
  map.whenReady(() => {
    map.on('moveend', () => o.onArea(boundsToBbox(map.getBounds())))
  })
  return { count: markers.length }
}
