import { ApiError, type ApiClient, type Tokens } from '../api/client'
import type { AuthProvider, Session, SessionEnd, SignUpOutcome } from './session'

// Local accounts of `imgmeta serve`: short-lived EdDSA access tokens and opaque refresh
// tokens that work once. Because a refresh token that is presented twice revokes the whole
// sign-in (the server takes it for a stolen one), refreshing is single-flight within a tab
// and serialised across tabs with a Web Lock; inside the lock the stored tokens are read
// again, so a tab that lost the race adopts the tokens the winner stored.

export const STORAGE_KEY = 'imgmeta.session.v1'

/** Refresh this long before the access token's expiry, so that requests never carry a dying token. */
export const REFRESH_MARGIN_MS = 30_000

export interface StoredSession {
  username: string
  accessToken: string
  refreshToken: string
  /** Epoch milliseconds when the access token expires, by this browser's clock. */
  expiresAt: number
}

export interface Clock {
  now(): number
}

type LockManagerLike = {
  request<T>(name: string, cb: () => Promise<T>): Promise<T>
}

function parseStored(text: string | null): StoredSession | null {
  if (!text) return null
  try {
    const s = JSON.parse(text) as Partial<StoredSession>
    if (
      typeof s.username === 'string' &&
      typeof s.accessToken === 'string' &&
      typeof s.refreshToken === 'string' &&
      typeof s.expiresAt === 'number'
    )
      return s as StoredSession
  } catch {
    // A damaged entry is no session.
  }
  return null
}

export class LocalAuth implements AuthProvider {
  readonly mode = 'local' as const
  private refreshing: Promise<StoredSession | null> | null = null
  private listeners: ((why: SessionEnd) => void)[] = []
  private readonly locks: LockManagerLike | null

  constructor(
    private readonly api: ApiClient,
    private readonly storage: Storage = localStorage,
    private readonly clock: Clock = Date,
    locks?: LockManagerLike | null,
  ) {
    this.locks =
      locks !== undefined ? locks : typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks as LockManagerLike) : null
    if (typeof window !== 'undefined') {
      // Another tab signed out: so does this one.
      window.addEventListener('storage', (ev) => {
        if (ev.key === STORAGE_KEY && ev.newValue === null && ev.oldValue !== null) this.end('signed-out')
      })
    }
  }

  private read(): StoredSession | null {
    return parseStored(this.storage.getItem(STORAGE_KEY))
  }

  private write(username: string, t: Tokens): StoredSession {
    const s: StoredSession = {
      username,
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: this.clock.now() + t.expiresIn * 1000,
    }
    this.storage.setItem(STORAGE_KEY, JSON.stringify(s))
    return s
  }

  private forget(): void {
    this.storage.removeItem(STORAGE_KEY)
  }

  private end(why: SessionEnd): void {
    for (const l of this.listeners) l(why)
  }

  onEnd(listener: (why: SessionEnd) => void): void {
    this.listeners.push(listener)
  }

  private fresh(s: StoredSession): boolean {
    return s.expiresAt - this.clock.now() > REFRESH_MARGIN_MS
  }

  async accessToken(): Promise<string | null> {
    const s = this.read()
    if (!s) return null
    if (this.fresh(s)) return s.accessToken
    const renewed = await this.refresh(s.refreshToken)
    return renewed?.accessToken ?? null
  }

  async tokenRejected(token: string): Promise<boolean> {
    const s = this.read()
    if (!s) return false
    // Already replaced (by another request or tab) since this token was sent.
    if (s.accessToken !== token) return true
    return (await this.refresh(s.refreshToken)) !== null
  }

  /** Exchanges `used` for new tokens, once, however many callers ask at the same time. */
  private refresh(used: string): Promise<StoredSession | null> {
    if (!this.refreshing) {
      const run = () => this.refreshLocked(used)
      const p = this.locks ? this.locks.request('imgmeta-token-refresh', run) : run()
      this.refreshing = p.finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private async refreshLocked(used: string): Promise<StoredSession | null> {
    const current = this.read()
    if (!current) return null
    // Someone refreshed while this tab waited for the lock.
    if (current.refreshToken !== used && this.fresh(current)) return current
    try {
      const t = await this.api.refresh(current.refreshToken)
      return this.write(current.username, t)
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 400)) {
        this.forget()
        this.end('expired')
        return null
      }
      throw e
    }
  }

  async restore(): Promise<Session | null> {
    const s = this.read()
    if (!s) return null
    try {
      const me = await this.api.me()
      return { username: me.username }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.forget()
        return null
      }
      throw e
    }
  }

  async signIn(username: string, password: string): Promise<Session> {
    const t = await this.api.signIn(username, password)
    // The server treats names case-insensitively; show the name as the server has it.
    this.write(username, t)
    try {
      const me = await this.api.me()
      this.write(me.username, t)
      return { username: me.username }
    } catch {
      return { username }
    }
  }

  async signUp(username: string, password: string): Promise<SignUpOutcome> {
    await this.api.signUp(username, password)
    return { needsConfirmation: false }
  }

  async signOut(): Promise<void> {
    const s = this.read()
    this.forget()
    if (s) {
      try {
        await this.api.signOut(s.accessToken, s.refreshToken)
      } catch {
        // The tokens are gone from this browser either way; the refresh token expires on its own.
      }
    }
  }
}
