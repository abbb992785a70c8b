import { describe, it, expect, vi } from 'vitest'
import { ConfigError, DEFAULT_MAP_TILES, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE, loadConfig, parseConfig } from './config'

const cognito = { mode: 'cognito', region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', clientId: 'client' }

describe('parseConfig', () => {
  it('reads the local shape with defaults', () => {
    expect(parseConfig({ auth: { mode: 'local' } })).toEqual({
      apiBaseUrl: '',
      auth: { mode: 'local' },
      maxUploadSize: null,
      multipartThreshold: DEFAULT_MULTIPART_THRESHOLD,
      partSize: DEFAULT_PART_SIZE,
      mapTiles: DEFAULT_MAP_TILES,
    })
  })

  it('reads the Cognito shape and trims trailing slashes', () => {
    const c = parseConfig({
      apiBaseUrl: 'https://api.example.com/prod///',
      auth: { ...cognito, endpoint: 'http://localhost:9229/' },
      maxUploadSize: 100,
      multipartThreshold: 200,
      partSize: 300,
    })
    expect(c).toEqual({
      apiBaseUrl: 'https://api.example.com/prod',
      auth: { ...cognito, endpoint: 'http://localhost:9229' },
      maxUploadSize: 100,
      multipartThreshold: 200,
      partSize: 300,
      mapTiles: DEFAULT_MAP_TILES,
    })
  })

  it('keeps only the known Cognito settings', () => {
    const c = parseConfig({ auth: { ...cognito, endpoint: '', extra: 'x' } })
    expect(c.auth).toEqual(cognito)
  })

  it('accepts a path as the API base', () => {
    expect(parseConfig({ apiBaseUrl: '/prefix/', auth: { mode: 'local' } }).apiBaseUrl).toBe('/prefix')
    expect(parseConfig({ apiBaseUrl: '/', auth: { mode: 'local' } }).apiBaseUrl).toBe('')
    expect(parseConfig({ apiBaseUrl: 'HTTPS://API.EXAMPLE.COM', auth: { mode: 'local' } }).apiBaseUrl).toBe('HTTPS://API.EXAMPLE.COM')
  })

  it('refuses what is not a config object', () => {
    for (const raw of [null, undefined, 'x', 42, [], [{ auth: { mode: 'local' } }]]) expect(() => parseConfig(raw)).toThrow(ConfigError)
  })

  it('refuses an API base that is not empty, a path or an http(s) URL', () => {
    for (const base of ['javascript:alert(1)', 'api.example.com', 'ftp://x', 'https://', 'data:text/html,x', 42, {}]) {
      expect(() => parseConfig({ apiBaseUrl: base, auth: { mode: 'local' } }), String(base)).toThrow(ConfigError)
    }
  })

  it('refuses protocol-relative API bases (they name another host)', () => {
    for (const base of ['//evil.example', '/\\evil.example', '///evil.example']) {
      expect(() => parseConfig({ apiBaseUrl: base, auth: { mode: 'local' } }), base).toThrow(ConfigError)
    }
  })

  it('refuses a missing or unknown auth mode', () => {
    expect(() => parseConfig({})).toThrow(/auth is missing/)
    expect(() => parseConfig({ auth: null })).toThrow(ConfigError)
    expect(() => parseConfig({ auth: 'local' })).toThrow(ConfigError)
    expect(() => parseConfig({ auth: { mode: 'oauth' } })).toThrow(/auth.mode/)
    expect(() => parseConfig({ auth: {} })).toThrow(ConfigError)
  })

  it('refuses incomplete or inconsistent Cognito settings', () => {
    expect(() => parseConfig({ auth: { ...cognito, region: '' } })).toThrow(/auth.region/)
    expect(() => parseConfig({ auth: { ...cognito, clientId: 5 } })).toThrow(/auth.clientId/)
    expect(() => parseConfig({ auth: { ...cognito, userPoolId: undefined } })).toThrow(/auth.userPoolId/)
    expect(() => parseConfig({ auth: { ...cognito, userPoolId: 'us-east-1_AbC123' } })).toThrow(/does not belong/)
    expect(() => parseConfig({ auth: { ...cognito, endpoint: 'javascript:alert(1)' } })).toThrow(/endpoint/)
  })

  it('refuses a Cognito endpoint that is not a string', () => {
    for (const endpoint of [['https://x'], 42, { href: 'https://x' }]) {
      expect(() => parseConfig({ auth: { ...cognito, endpoint } })).toThrow(ConfigError)
    }
  })

  it('refuses sizes that are not positive integers', () => {
    for (const v of [0, -1, 1.5, '100', Number.NaN, Infinity, 2 ** 60, true]) {
      for (const k of ['maxUploadSize', 'multipartThreshold', 'partSize']) {
        expect(() => parseConfig({ auth: { mode: 'local' }, [k]: v }), `${k}=${String(v)}`).toThrow(ConfigError)
      }
    }
    expect(parseConfig({ auth: { mode: 'local' }, maxUploadSize: null }).maxUploadSize).toBeNull()
  })
})

describe('loadConfig', () => {
  const ok = (body: string, status = 200) => vi.fn(async () => new Response(body, { status })) as unknown as typeof fetch

  it('fetches config.json relative to the page, without the cache', async () => {
    const f = vi.fn(async (..._a: unknown[]) => new Response(JSON.stringify({ auth: { mode: 'local' } })))
    const c = await loadConfig(f as unknown as typeof fetch)
    expect(c.auth).toEqual({ mode: 'local' })
    expect(f.mock.calls[0]![0]).toBe('config.json')
    expect((f.mock.calls[0]![1] as RequestInit).cache).toBe('no-cache')
  })

  it('says what went wrong', async () => {
    await expect(loadConfig(ok('nope', 404))).rejects.toThrow('config.json could not be loaded: HTTP 404')
    await expect(loadConfig(ok('{not json'))).rejects.toThrow('config.json is not valid JSON')
    await expect(loadConfig(ok('[]'))).rejects.toThrow('not a JSON object')
    const fail = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch
    const e = await loadConfig(fail).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ConfigError)
    expect((e as Error).message).toBe('config.json could not be loaded: Failed to fetch')
  })
})

describe('mapTiles', () => {
  const base = { apiBaseUrl: '', auth: { mode: 'local' } }
  it('defaults to OpenStreetMap', () => {
    expect(parseConfig(base).mapTiles).toEqual(DEFAULT_MAP_TILES)
  })
  it('takes a self-hosted template', () => {
    expect(parseConfig({ ...base, mapTiles: { url: 'http://127.0.0.1:8080/{z}/{x}/{y}.png', attribution: 'Mine' } }).mapTiles)
      .toEqual({ url: 'http://127.0.0.1:8080/{z}/{x}/{y}.png', attribution: 'Mine' })
  })
  it('refuses what is not a tile template', () => {
    for (const url of ['javascript:alert(1)', 'http://x/tiles.png', 'ftp://x/{z}/{x}/{y}', 42])
      expect(() => parseConfig({ ...base, mapTiles: { url } })).toThrow(ConfigError)
    expect(() => parseConfig({ ...base, mapTiles: 'osm' })).toThrow(ConfigError)
  })
})
