import type { components } from './api/schema'

// config.json decides which shape this build talks to: `imgmeta serve` writes one (local
// accounts, same origin), the AWS deploy uploads one next to the app (Cognito, the API's URL).

export type WebConfig = components['schemas']['WebConfig']

export interface CognitoSettings {
  mode: 'cognito'
  region: string
  userPoolId: string
  clientId: string
  endpoint?: string
}

export interface AppConfig {
  /** Prefix of every API path, no trailing slash; empty for the app's own origin. */
  apiBaseUrl: string
  auth: { mode: 'local' } | CognitoSettings
  maxUploadSize: number | null
  /** Uploads above this size go in parts (the server's --multipart-threshold). */
  multipartThreshold: number
  /** The part size the server asks for (its --part-size), before growing it for huge files. */
  partSize: number
  /** The map's tiles: a Leaflet URL template and the attribution shown (plain text; URLs in it become links). */
  mapTiles: { url: string; attribution: string }
}

// OpenStreetMap's standard tiles, used under its tile usage policy (docs/web.md).
export const DEFAULT_MAP_TILES = Object.freeze({
  url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  attribution: '© OpenStreetMap contributors https://www.openstreetmap.org/copyright',
})

function mapTiles(v: unknown): AppConfig['mapTiles'] {
  if (v === undefined || v === null) return { ...DEFAULT_MAP_TILES }
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('config.json: mapTiles must be an object')
  const m = v as { url?: unknown; attribution?: unknown }
  const url = str(m.url, 'mapTiles.url')
  if (!/^https?:\/\/[^/\s]+\/\S*$/i.test(url) || !url.includes('{z}') || !url.includes('{x}') || !url.includes('{y}'))
    throw new ConfigError(`config.json: mapTiles.url must be an http(s) URL with {z}, {x} and {y} (got ${url.slice(0, 200)})`)
  if (m.attribution !== undefined && typeof m.attribution !== 'string') throw new ConfigError('config.json: mapTiles.attribution must be a string')
  return { url, attribution: (m.attribution ?? '').slice(0, 500) }
}

// What imgmeta serve and the API Lambda use when nothing says otherwise.
export const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`config.json: ${what} must be a non-empty string`)
  return v
}

function positiveInt(v: unknown, what: string): number | null {
  if (v === undefined || v === null) return null
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
    throw new ConfigError(`config.json: ${what} must be a positive integer`)
  return v
}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('config.json: not a JSON object')
  const c = raw as Partial<WebConfig>
  const base = c.apiBaseUrl ?? ''
  if (typeof base !== 'string') throw new ConfigError('config.json: apiBaseUrl must be a string')
  if (base !== '' && !/^https?:\/\/[^/]+/i.test(base) && !/^\/(?![/\\])/.test(base))
    throw new ConfigError(`config.json: apiBaseUrl must be empty, a path or an http(s) URL (got ${base})`)
  const auth = c.auth
  if (typeof auth !== 'object' || auth === null) throw new ConfigError('config.json: auth is missing')
  let parsedAuth: AppConfig['auth']
  if (auth.mode === 'local') {
    parsedAuth = { mode: 'local' }
  } else if (auth.mode === 'cognito') {
    const region = str(auth.region, 'auth.region')
    const userPoolId = str(auth.userPoolId, 'auth.userPoolId')
    if (!userPoolId.startsWith(region + '_'))
      throw new ConfigError(`config.json: auth.userPoolId ${userPoolId} does not belong to region ${region}`)
    parsedAuth = { mode: 'cognito', region, userPoolId, clientId: str(auth.clientId, 'auth.clientId') }
    if (auth.endpoint !== undefined && auth.endpoint !== '') {
      if (typeof auth.endpoint !== 'string' || !/^https?:\/\//i.test(auth.endpoint)) throw new ConfigError('config.json: auth.endpoint must be an http(s) URL')
      parsedAuth.endpoint = auth.endpoint.replace(/\/+$/, '')
    }
  } else {
    throw new ConfigError(`config.json: auth.mode must be "local" or "cognito" (got ${String(auth.mode)})`)
  }
  return {
    apiBaseUrl: base.replace(/\/+$/, ''),
    auth: parsedAuth,
    maxUploadSize: positiveInt(c.maxUploadSize, 'maxUploadSize'),
    multipartThreshold: positiveInt(c.multipartThreshold, 'multipartThreshold') ?? DEFAULT_MULTIPART_THRESHOLD,
    partSize: positiveInt(c.partSize, 'partSize') ?? DEFAULT_PART_SIZE,
    mapTiles: mapTiles((c as { mapTiles?: unknown }).mapTiles),
  }
}

export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<AppConfig> {
  let res: Response
  try {
    // Relative to the page, so the app also works below a path prefix.
    res = await fetchFn('config.json', { cache: 'no-cache', signal: AbortSignal.timeout(15_000) })
  } catch (e) {
    throw new ConfigError(`config.json could not be loaded: ${(e as Error).message}`)
  }
  if (!res.ok) throw new ConfigError(`config.json could not be loaded: HTTP ${res.status}`)
  let body: unknown
  try {
    body = await res.json()
  } catch {
    throw new ConfigError('config.json is not valid JSON')
  }
  return parseConfig(body)
}
