import { isImageId } from '../api/client'
import { filtersToParams, parseFilters, type Filters } from './filters'

// Routes live in the hash (#/..., #/images/<id>), so that the same static files work on
// `imgmeta serve`, on Amplify Hosting and from any path prefix without rewrite rules.

export type Route =
  | { name: 'gallery'; filters: Filters }
  | { name: 'map'; filters: Filters }
  | { name: 'trash' }
  | { name: 'image'; imageId: string; filters: Filters }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'notfound'; path: string }

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/'
  const qAt = raw.indexOf('?')
  const path = qAt >= 0 ? raw.slice(0, qAt) : raw
  const query = qAt >= 0 ? raw.slice(qAt + 1) : ''
  if (path === '/' || path === '') return { name: 'gallery', filters: parseFilters(query) }
  if (path === '/map') return { name: 'map', filters: parseFilters(query) }
  if (path === '/trash') return { name: 'trash' }
  if (path === '/signin') return { name: 'signin' }
  if (path === '/signup') return { name: 'signup' }
  const m = /^\/images\/([^/]+)$/.exec(path)
  if (m && m[1] && isImageId(m[1])) return { name: 'image', imageId: m[1], filters: parseFilters(query) }
  return { name: 'notfound', path }
}

export function galleryHref(f: Filters): string {
  const q = filtersToParams(f).toString()
  return q ? `#/?${q}` : '#/'
}

/** The map of the view `f` (its bbox is the visible area). */
export function mapHref(f: Filters): string {
  const q = filtersToParams(f).toString()
  return q ? `#/map?${q}` : '#/map'
}

/** An image, opened over the gallery view `f` (its filters say which order the viewer steps through). */
export function imageHref(imageId: string, f?: Filters): string {
  if (!isImageId(imageId)) throw new Error('not an image id')
  const q = f ? filtersToParams(f).toString() : ''
  return q ? `#/images/${imageId}?${q}` : `#/images/${imageId}`
}
