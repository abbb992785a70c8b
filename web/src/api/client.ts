import type { components, operations } from './schema'

// The one place that speaks HTTP to the API (api/openapi.yaml). Everything else calls these
// typed methods; the types are generated from the same document the server is tested against.

export type Image = components['schemas']['Image']
export type ImageList = components['schemas']['ImageList']
export type ImageStatus = components['schemas']['ImageStatus']
export type UploadRequest = components['schemas']['UploadRequest']
export type UploadTicket = components['schemas']['UploadTicket']
export type UploadResult = components['schemas']['UploadResult']
export type PartList = components['schemas']['PartList']
export type CompleteRequest = components['schemas']['CompleteRequest']
export type Tokens = components['schemas']['Tokens']
export type User = components['schemas']['User']
export type Facets = components['schemas']['Facets']
export type ExportQuery = NonNullable<operations['exportImages']['parameters']['query']>
export type LocationQuery = NonNullable<operations['listLocations']['parameters']['query']>
export type LocationList = operations['listLocations']['responses'][200]['content']['application/json']
export type ListQuery = NonNullable<operations['listImages']['parameters']['query']>
export type TrashQuery = NonNullable<operations['listTrash']['parameters']['query']>
export type TrashEmptied = components['schemas']['TrashEmptied']

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

export function isImageId(id: string): boolean {
  return ULID.test(id)
}

/** An answer other than 2xx, with the API's error code (`DuplicateImage`, `InvalidToken`, ...). */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly imageId: string | null = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message)
  }
}

/** The network failed or timed out: nothing is known about the server's answer. */
export class NetworkError extends Error {
  override name = 'NetworkError'
}

/** Where the access token comes from (local accounts or Cognito). */
export interface TokenSource {
  /** A token valid for at least a few more seconds, refreshed first when needed; null when signed out. */
  accessToken(): Promise<string | null>
  /** The API refused the token: refresh it. True when a new token is there to retry with. */
  tokenRejected(token: string): Promise<boolean>
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>
  body?: unknown
  auth?: boolean
  signal?: AbortSignal
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 30_000

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `HTTP${res.status}`
  let message = res.statusText || `HTTP ${res.status}`
  let imageId: string | null = null
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; imageId?: unknown }; imageId?: unknown }
    if (body && typeof body.error === 'object' && body.error) {
      if (typeof body.error.code === 'string') code = body.error.code
      if (typeof body.error.message === 'string') message = body.error.message
      const id = body.error.imageId ?? body.imageId
      if (typeof id === 'string' && isImageId(id)) imageId = id
    }
  } catch {
    // Not JSON (a proxy's error page): keep the status.
  }
  const ra = Number(res.headers.get('Retry-After'))
  return new ApiError(res.status, code, message, imageId, Number.isFinite(ra) && ra > 0 ? ra : null)
}

export function queryString(query: RequestOptions['query']): string {
  if (!query) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    p.set(k, String(v))
  }
  const s = p.toString()
  return s ? '?' + s : ''
}

export class ApiClient {
  private tokens: TokenSource | null = null

  constructor(
    readonly baseUrl: string,
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {}

  setTokenSource(tokens: TokenSource | null): void {
    this.tokens = tokens
  }

  url(path: string, query?: RequestOptions['query']): string {
    return this.baseUrl + path + queryString(query)
  }

  private async send(method: string, path: string, opts: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (token) headers.Authorization = 'Bearer ' + token
    let body: string | undefined
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
    try {
      return await this.fetchFn(this.url(path, opts.query), { method, headers, body, signal, cache: 'no-store' })
    } catch (e) {
      if (opts.signal?.aborted) throw e
      const why = timeout.aborted ? 'timed out' : (e as Error).message || 'failed'
      throw new NetworkError(`${method} ${path}: ${why}`)
    }
  }

  /** Sends one request; on 401 asks the token source for a fresh token and tries once more. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.authed(method, path, opts)
    if (res.status === 204) return undefined as T
    const text = await res.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  /** As request, for an answer that is a file: its bytes and the name the server gave it. */
  async download(path: string, opts: RequestOptions = {}): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.authed('GET', path, opts)
    const cd = res.headers.get('Content-Disposition') ?? ''
    const m = /filename="?([^";]+)"?/i.exec(cd)
    return { blob: await res.blob(), filename: m?.[1] ?? null }
  }

  private async authed(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const useAuth = opts.auth !== false
    let token = useAuth && this.tokens ? await this.tokens.accessToken() : null
    let res = await this.send(method, path, opts, token)
    if (res.status === 401 && useAuth && token && this.tokens) {
      if (await this.tokens.tokenRejected(token)) {
        token = await this.tokens.accessToken()
        res = await this.send(method, path, opts, token)
      }
    }
    if (!res.ok) throw await errorFrom(res)
    return res
  }

  // --- accounts (local mode) ---
  signUp(username: string, password: string): Promise<User> {
    return this.request('POST', '/api/auth/signup', { body: { username, password }, auth: false })
  }
  signIn(username: string, password: string): Promise<Tokens> {
    return this.request('POST', '/api/auth/signin', { body: { username, password }, auth: false })
  }
  refresh(refreshToken: string): Promise<Tokens> {
    return this.request('POST', '/api/auth/refresh', { body: { refreshToken }, auth: false })
  }
  async signOut(accessToken: string, refreshToken: string): Promise<void> {
    const res = await this.send('POST', '/api/auth/signout', { body: { refreshToken }, timeoutMs: 10_000 }, accessToken)
    if (!res.ok && res.status !== 401) throw await errorFrom(res)
  }
  me(): Promise<User> {
    return this.request('GET', '/api/me')
  }

  // --- uploads ---
  createUpload(req: UploadRequest, signal?: AbortSignal): Promise<UploadTicket> {
    return this.request('POST', '/api/uploads', { body: req, signal })
  }
  listParts(imageId: string, uploadId: string, signal?: AbortSignal): Promise<PartList> {
    return this.request('GET', `/api/uploads/${encodeURIComponent(imageId)}/parts`, { query: { uploadId }, signal })
  }
  completeUpload(imageId: string, req: CompleteRequest, signal?: AbortSignal): Promise<UploadResult> {
    return this.request('POST', `/api/uploads/${encodeURIComponent(imageId)}/complete`, { body: req, signal, timeoutMs: 120_000 })
  }
  abortUpload(imageId: string, uploadId?: string): Promise<void> {
    return this.request('DELETE', `/api/uploads/${encodeURIComponent(imageId)}`, { query: { uploadId } })
  }

  // --- images ---
  listImages(query: ListQuery, signal?: AbortSignal): Promise<ImageList> {
    return this.request('GET', '/api/images', { query: query as RequestOptions['query'], signal })
  }
  getImage(imageId: string, signal?: AbortSignal): Promise<Image> {
    return this.request('GET', `/api/images/${encodeURIComponent(imageId)}`, { signal })
  }
  /** Moves the image to the trash; `permanent` deletes it for good at once. */
  deleteImage(imageId: string, permanent = false): Promise<void> {
    return this.request('DELETE', `/api/images/${encodeURIComponent(imageId)}`, permanent ? { query: { permanent: 'true' } } : {})
  }

  // --- the trash ---
  listTrash(query: TrashQuery, signal?: AbortSignal): Promise<ImageList> {
    return this.request('GET', '/api/trash', { query: query as RequestOptions['query'], signal })
  }
  restoreImage(imageId: string): Promise<Image> {
    return this.request('POST', `/api/images/${encodeURIComponent(imageId)}/restore`)
  }
  emptyTrash(): Promise<TrashEmptied> {
    return this.request('POST', '/api/trash/empty', { timeoutMs: 120_000 })
  }
  facets(signal?: AbortSignal): Promise<Facets> {
    return this.request('GET', '/api/facets', { signal })
  }
  /** Every image the filters match, as CSV or NDJSON (streamed by the server; may be large). */
  exportImages(query: ExportQuery, signal?: AbortSignal): Promise<{ blob: Blob; filename: string | null }> {
    return this.download('/api/images/export', { query: query as RequestOptions['query'], signal, timeoutMs: 300_000 })
  }
  /** One page of the located images, for the map. */
  locations(query: LocationQuery, signal?: AbortSignal): Promise<LocationList> {
    return this.request('GET', '/api/locations', { query: query as RequestOptions['query'], signal })
  }
  reextract(imageId: string): Promise<UploadResult> {
    return this.request('POST', `/api/images/${encodeURIComponent(imageId)}/reextract`)
  }
}

/** A sentence for people, from any error the API layer throws. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    switch (e.code) {
      case 'InvalidCredentials':
        return 'Wrong username or password.'
      case 'UsernameTaken':
        return 'That username is taken. Choose another one, or sign in.'
      case 'TooManyRequests':
        return `Too many attempts. Try again${e.retryAfter ? ` in ${formatWait(e.retryAfter)}` : ' later'}.`
      case 'NotFound':
        return 'Not found. It may have been deleted, or it belongs to another account.'
      case 'PayloadTooLarge':
      case 'EntityTooLarge':
        return 'The file is larger than the server accepts.'
      case 'UnsupportedMediaType':
        return 'This kind of file is not accepted.'
      case 'DuplicateImage':
        return 'You have already uploaded this image.'
      case 'Unauthorized':
      case 'InvalidToken':
      case 'ExpiredToken':
        return 'Your session has expired. Please sign in again.'
      default:
        return e.message || `The server answered ${e.status}.`
    }
  }
  if (e instanceof NetworkError) return 'The server could not be reached. Check the connection and try again.'
  if (e instanceof Error) return e.message
  return String(e)
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`
  return `${Math.ceil(seconds / 60)} minutes`
}
