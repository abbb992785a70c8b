import type { components } from '../api/schema'
import { ApiClient, ApiError, NetworkError } from '../api/client'

// Share links (docs/shares.md): the owner's three calls go through the signed-in ApiClient;
// the recipient's page has no account and calls the public route itself, with the link's
// password in a header when it has one.

export type ShareRequest = components['schemas']['ShareRequest']
export type ShareCreated = components['schemas']['ShareCreated']
export type ShareSummary = components['schemas']['ShareSummary']
export type SharedImages = components['schemas']['SharedImages']
export type SharedImage = SharedImages['images'][number]

export function createShare(api: ApiClient, req: ShareRequest): Promise<ShareCreated> {
  return api.request('POST', '/api/shares', { body: req, timeoutMs: 300_000 })
}

export async function listShares(api: ApiClient, signal?: AbortSignal): Promise<ShareSummary[]> {
  const body = await api.request<{ items: ShareSummary[] }>('GET', '/api/shares', { signal })
  return body.items
}

export function revokeShare(api: ApiClient, shareId: string): Promise<void> {
  return api.request('DELETE', `/api/shares/${encodeURIComponent(shareId)}`)
}

/** The token in a share page's URL: what follows '#', 43 characters of base64url; null otherwise. */
export function tokenFromHash(hash: string): string | null {
  const t = hash.replace(/^#/, '')
  return /^[A-Za-z0-9_-]{43}$/.test(t) ? t : null
}

/** The expiry choices the dialog offers, in seconds (the API takes 60 s .. 365 days). */
export const EXPIRY_CHOICES: ReadonlyArray<{ label: string; seconds: number }> = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86400 },
  { label: '7 days', seconds: 7 * 86400 },
  { label: '30 days', seconds: 30 * 86400 },
  { label: '1 year', seconds: 365 * 86400 },
]

export type OpenResult =
  | { kind: 'ok'; share: SharedImages }
  | { kind: 'password'; wrong: boolean }
  | { kind: 'gone' }
  | { kind: 'wait'; seconds: number }
  | { kind: 'error'; message: string }

/** GET /api/public/shares/{token}, never with credentials. */
export async function openShare(
  baseUrl: string,
  token: string,
  password: string | null,
  fetchFn: typeof fetch = (...a) => fetch(...a),
): Promise<OpenResult> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (password !== null) headers['X-Share-Password'] = password
  let res: Response
  try {
    res = await fetchFn(`${baseUrl}/api/public/shares/${encodeURIComponent(token)}`, {
      headers,
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    return { kind: 'error', message: new NetworkError((e as Error).message || 'the network failed').message }
  }
  if (res.ok) return { kind: 'ok', share: (await res.json()) as SharedImages }
  if (res.status === 404) return { kind: 'gone' }
  if (res.status === 401) return { kind: 'password', wrong: password !== null }
  if (res.status === 429) {
    const ra = Number(res.headers.get('Retry-After'))
    return { kind: 'wait', seconds: Number.isFinite(ra) && ra > 0 ? ra : 60 }
  }
  return { kind: 'error', message: new ApiError(res.status, `HTTP${res.status}`, `the server answered ${res.status}`).message }
}
