import { describe, it, expect, vi } from 'vitest'
import { ApiClient, ApiError, NetworkError, describeError, isImageId, queryString, type TokenSource } from './client'

const ID = '01HZX3K4M5N6P7Q8R9S0T1V2W3'

type Call = { url: string; init: RequestInit & { headers: Record<string, string> } }

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** A fetch that answers from a list and records what it was asked. */
function fakeFetch(...answers: (Response | Error | ((url: string, init: RequestInit) => Promise<Response>))[]) {
  const calls: Call[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init as Call['init'] })
    const a = answers.shift()
    if (!a) throw new Error('unexpected request')
    if (a instanceof Error) throw a
    if (typeof a === 'function') return a(String(input), init ?? {})
    return a
  })
  return { fn: fn as unknown as typeof fetch, calls }
}

function tokens(initial: string | null, next: string | null = null, refreshOk = true): TokenSource & { rejected: string[] } {
  let current = initial
  const rejected: string[] = []
  return {
    rejected,
    accessToken: async () => current,
    tokenRejected: async (t: string) => {
      rejected.push(t)
      if (!refreshOk) return false
      current = next
      return true
    },
  }
}

describe('isImageId', () => {
  it('accepts ULIDs only', () => {
    expect(isImageId(ID)).toBe(true)
    expect(isImageId(ID.toLowerCase())).toBe(false)
    expect(isImageId(ID + 'A')).toBe(false)
    expect(isImageId('01HZX3K4M5N6P7Q8R9S0T1V2WU')).toBe(false)
    expect(isImageId('../../etc/passwd')).toBe(false)
    expect(isImageId('')).toBe(false)
  })
})

describe('queryString', () => {
  it('skips empty values and keeps false and zero', () => {
    expect(queryString(undefined)).toBe('')
    expect(queryString({})).toBe('')
    expect(queryString({ a: undefined, b: null, c: '' })).toBe('')
    expect(queryString({ hasGps: false, limit: 0, q: 'a b&c=d' })).toBe('?hasGps=false&limit=0&q=a+b%26c%3Dd')
  })
})

describe('ApiClient requests', () => {
  it('builds the URL from the base, path and query', async () => {
    const f = fakeFetch(json(200, { items: [], nextCursor: null }))
    const api = new ApiClient('https://api.example.com', f.fn)
    const list = await api.listImages({ limit: 20, sort: 'taken', hasGps: true, q: 'x&y' })
    expect(list).toEqual({ items: [], nextCursor: null })
    expect(f.calls[0]!.url).toBe('https://api.example.com/api/images?limit=20&sort=taken&hasGps=true&q=x%26y')
    expect(f.calls[0]!.init.method).toBe('GET')
    expect(f.calls[0]!.init.headers.Accept).toBe('application/json')
    expect(f.calls[0]!.init.body).toBeUndefined()
    expect(f.calls[0]!.init.cache).toBe('no-store')
  })

  it('encodes ids in paths', async () => {
    const f = fakeFetch(json(200, {}))
    await new ApiClient('', f.fn).getImage('a/b?c')
    expect(f.calls[0]!.url).toBe('/api/images/a%2Fb%3Fc')
  })

  it('sends JSON bodies', async () => {
    const f = fakeFetch(json(201, { username: 'ann' }))
    const user = await new ApiClient('', f.fn).signUp('ann', 'pw"\u0000')
    expect(user).toEqual({ username: 'ann' })
    const init = f.calls[0]!.init
    expect(init.method).toBe('POST')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body as string)).toEqual({ username: 'ann', password: 'pw"\u0000' })
  })

  it('returns undefined for 204 and for an empty body', async () => {
    const f = fakeFetch(new Response(null, { status: 204 }), new Response('', { status: 200 }))
    const api = new ApiClient('', f.fn)
    await expect(api.deleteImage(ID)).resolves.toBeUndefined()
    await expect(api.request('GET', '/x')).resolves.toBeUndefined()
  })

  it('sends the bearer token when there is one, and none for auth: false', async () => {
    const f = fakeFetch(json(200, { username: 'a' }), json(200, {}), json(200, {}))
    const api = new ApiClient('', f.fn)
    await api.me()
    expect(f.calls[0]!.init.headers.Authorization).toBeUndefined()
    api.setTokenSource(tokens('tok1'))
    await api.me()
    expect(f.calls[1]!.init.headers.Authorization).toBe('Bearer tok1')
    await api.signIn('a', 'b')
    expect(f.calls[2]!.init.headers.Authorization).toBeUndefined()
  })
})

describe('ApiClient on 401', () => {
  it('refreshes the token once and retries', async () => {
    const f = fakeFetch(json(401, { error: { code: 'ExpiredToken', message: 'expired' } }), json(200, { username: 'a' }))
    const api = new ApiClient('', f.fn)
    const t = tokens('old', 'new')
    api.setTokenSource(t)
    await expect(api.me()).resolves.toEqual({ username: 'a' })
    expect(t.rejected).toEqual(['old'])
    expect(f.calls.map((c) => c.init.headers.Authorization)).toEqual(['Bearer old', 'Bearer new'])
  })

  it('gives up after the second 401', async () => {
    const f = fakeFetch(json(401, { error: { code: 'InvalidToken', message: 'no' } }), json(401, { error: { code: 'InvalidToken', message: 'still no' } }))
    const api = new ApiClient('', f.fn)
    const t = tokens('old', 'new')
    api.setTokenSource(t)
    const e = await api.me().catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect((e as ApiError).status).toBe(401)
    expect((e as ApiError).message).toBe('still no')
    expect(f.calls).toHaveLength(2)
    expect(t.rejected).toEqual(['old'])
  })

  it('does not retry when the refresh fails', async () => {
    const f = fakeFetch(json(401, { error: { code: 'InvalidToken', message: 'no' } }))
    const api = new ApiClient('', f.fn)
    api.setTokenSource(tokens('old', null, false))
    await expect(api.me()).rejects.toMatchObject({ status: 401, code: 'InvalidToken' })
    expect(f.calls).toHaveLength(1)
  })

  it('does not refresh for requests sent without a token', async () => {
    const f = fakeFetch(json(401, { error: { code: 'InvalidCredentials', message: 'wrong' } }))
    const api = new ApiClient('', f.fn)
    const t = tokens('tok')
    api.setTokenSource(t)
    await expect(api.signIn('a', 'b')).rejects.toMatchObject({ status: 401, code: 'InvalidCredentials' })
    expect(t.rejected).toEqual([])
    expect(f.calls).toHaveLength(1)
  })
})

describe('ApiClient errors', () => {
  it('maps the API error body', async () => {
    const f = fakeFetch(json(409, { error: { code: 'DuplicateImage', message: 'already there', imageId: ID } }))
    const e = (await new ApiClient('', f.fn).createUpload({ filename: 'a', contentType: 'image/jpeg', size: 1 } as never).catch((x: unknown) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(409)
    expect(e.code).toBe('DuplicateImage')
    expect(e.message).toBe('already there')
    expect(e.imageId).toBe(ID)
    expect(e.retryAfter).toBeNull()
  })

  it('takes the image id from the top level too, but only a well-formed one', async () => {
    const f = fakeFetch(
      json(409, { error: { code: 'DuplicateImage' }, imageId: ID }),
      json(409, { error: { code: 'DuplicateImage', imageId: '<script>' } }),
      json(409, { error: { code: 'DuplicateImage', imageId: 42 } }),
    )
    const api = new ApiClient('', f.fn)
    const ids = []
    for (let i = 0; i < 3; i++) ids.push(((await api.request('GET', '/x').catch((x: unknown) => x)) as ApiError).imageId)
    expect(ids).toEqual([ID, null, null])
  })

  it('reads Retry-After in seconds', async () => {
    const f = fakeFetch(
      json(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '120' }),
      json(429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' }),
      json(429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '-5' }),
    )
    const api = new ApiClient('', f.fn)
    const got = []
    for (let i = 0; i < 3; i++) got.push(((await api.request('GET', '/x').catch((x: unknown) => x)) as ApiError).retryAfter)
    expect(got).toEqual([120, null, null])
  })

  it('keeps the status when the body is not the API error shape', async () => {
    const bodies: Response[] = [
      new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      new Response('', { status: 500 }),
      json(400, { error: 'just a string' }),
      json(400, { error: { code: 7, message: { html: '<b>' } } }),
      json(400, null),
      json(400, ['error']),
    ]
    const f = fakeFetch(...bodies)
    const api = new ApiClient('', f.fn)
    const got: [number, string, string][] = []
    for (let i = 0; i < bodies.length; i++) {
      const e = (await api.request('GET', '/x').catch((x: unknown) => x)) as ApiError
      expect(e).toBeInstanceOf(ApiError)
      got.push([e.status, e.code, e.message])
    }
    expect(got).toEqual([
      [502, 'HTTP502', 'Bad Gateway'],
      [500, 'HTTP500', 'HTTP 500'],
      [400, 'HTTP400', 'HTTP 400'],
      [400, 'HTTP400', 'HTTP 400'],
      [400, 'HTTP400', 'HTTP 400'],
      [400, 'HTTP400', 'HTTP 400'],
    ])
  })

  it('turns a failed fetch into a NetworkError', async () => {
    const f = fakeFetch(new TypeError('Failed to fetch'))
    const e = await new ApiClient('', f.fn).me().catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NetworkError)
    expect((e as Error).message).toBe('GET /api/me: Failed to fetch')
  })

  it('times out', async () => {
    const hang = (_url: string, init: RequestInit) =>
      new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })
    const f = fakeFetch(hang)
    const e = await new ApiClient('', f.fn).request('GET', '/slow', { timeoutMs: 20 }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NetworkError)
    expect((e as Error).message).toBe('GET /slow: timed out')
  })

  it('lets the caller’s own abort through unchanged', async () => {
    const hang = (_url: string, init: RequestInit) =>
      new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
      })
    const f = fakeFetch(hang)
    const ac = new AbortController()
    const p = new ApiClient('', f.fn).getImage(ID, ac.signal)
    ac.abort()
    const e = await p.catch((x: unknown) => x)
    expect(e).not.toBeInstanceOf(NetworkError)
    expect((e as DOMException).name).toBe('AbortError')
  })
})

describe('ApiClient.signOut', () => {
  it('sends both tokens and accepts a 401', async () => {
    const f = fakeFetch(json(401, { error: { code: 'InvalidToken' } }))
    await expect(new ApiClient('', f.fn).signOut('acc', 'ref')).resolves.toBeUndefined()
    expect(f.calls[0]!.url).toBe('/api/auth/signout')
    expect(f.calls[0]!.init.headers.Authorization).toBe('Bearer acc')
    expect(JSON.parse(f.calls[0]!.init.body as string)).toEqual({ refreshToken: 'ref' })
  })
  it('reports other failures', async () => {
    const f = fakeFetch(json(500, { error: { code: 'Internal', message: 'boom' } }))
    await expect(new ApiClient('', f.fn).signOut('a', 'r')).rejects.toMatchObject({ status: 500, code: 'Internal' })
  })
})

describe('describeError', () => {
  const api = (code: string, retryAfter: number | null = null, message = '') => new ApiError(400, code, message, null, retryAfter)
  it('phrases the API error codes', () => {
    expect(describeError(api('InvalidCredentials'))).toBe('Wrong username or password.')
    expect(describeError(api('DuplicateImage'))).toBe('You have already uploaded this image.')
    expect(describeError(api('ExpiredToken'))).toBe('Your session has expired. Please sign in again.')
    expect(describeError(api('EntityTooLarge'))).toBe('The file is larger than the server accepts.')
  })
  it('says how long to wait', () => {
    expect(describeError(api('TooManyRequests'))).toBe('Too many attempts. Try again later.')
    expect(describeError(api('TooManyRequests', 30))).toBe('Too many attempts. Try again in 30 seconds.')
    expect(describeError(api('TooManyRequests', 600))).toBe('Too many attempts. Try again in 10 minutes.')
  })
  it('falls back to the message, then the status', () => {
    expect(describeError(api('Whatever', null, 'Something specific'))).toBe('Something specific')
    expect(describeError(new ApiError(503, 'HTTP503', ''))).toBe('The server answered 503.')
    expect(describeError(new NetworkError('x'))).toBe('The server could not be reached. Check the connection and try again.')
    expect(describeError(new Error('plain'))).toBe('plain')
    expect(describeError('text')).toBe('text')
  })
})
