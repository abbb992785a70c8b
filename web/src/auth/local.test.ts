import { beforeEach, describe, it, expect, vi } from 'vitest'
import { ApiError, NetworkError, type ApiClient, type Tokens } from '../api/client'
import { LocalAuth, REFRESH_MARGIN_MS, STORAGE_KEY, type StoredSession } from './local'
import { AuthError } from './session'

class MemoryStorage implements Storage {
  private m = new Map<string, string>()
  get length() {
    return this.m.size
  }
  clear() {
    this.m.clear()
  }
  getItem(k: string) {
    return this.m.has(k) ? this.m.get(k)! : null
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null
  }
  removeItem(k: string) {
    this.m.delete(k)
  }
  setItem(k: string, v: string) {
    this.m.set(k, String(v))
  }
}

const tok = (n: number, expiresIn = 300): Tokens => ({ accessToken: `acc${n}`, refreshToken: `ref${n}`, expiresIn, tokenType: 'Bearer' })

function fakeApi() {
  return {
    refresh: vi.fn<(r: string) => Promise<Tokens>>(),
    me: vi.fn<() => Promise<{ username: string }>>(),
    signIn: vi.fn<(u: string, p: string) => Promise<Tokens>>(),
    signUp: vi.fn<(u: string, p: string) => Promise<{ username: string }>>(),
    signOut: vi.fn<(a: string, r: string) => Promise<void>>(),
  }
}

let storage: MemoryStorage
let api: ReturnType<typeof fakeApi>
let now: number
const clock = { now: () => now }

function auth(locks: ConstructorParameters<typeof LocalAuth>[3] = null) {
  return new LocalAuth(api as unknown as ApiClient, storage, clock, locks)
}

function store(s: Partial<StoredSession>) {
  storage.setItem(STORAGE_KEY, JSON.stringify({ username: 'ann', accessToken: 'acc0', refreshToken: 'ref0', expiresAt: now + 300_000, ...s }))
}

function stored(): StoredSession | null {
  const t = storage.getItem(STORAGE_KEY)
  return t ? (JSON.parse(t) as StoredSession) : null
}

beforeEach(() => {
  storage = new MemoryStorage()
  api = fakeApi()
  now = 1_700_000_000_000
})

describe('LocalAuth.accessToken', () => {
  it('is null when signed out or the entry is damaged', async () => {
    const a = auth()
    expect(await a.accessToken()).toBeNull()
    for (const bad of ['{', 'null', '[]', '"x"', JSON.stringify({ username: 'a', accessToken: 'b', refreshToken: 'c', expiresAt: '1' })]) {
      storage.setItem(STORAGE_KEY, bad)
      expect(await a.accessToken(), bad).toBeNull()
    }
    expect(api.refresh).not.toHaveBeenCalled()
  })

  it('returns a fresh token without refreshing', async () => {
    store({ expiresAt: now + REFRESH_MARGIN_MS + 1 })
    expect(await auth().accessToken()).toBe('acc0')
    expect(api.refresh).not.toHaveBeenCalled()
  })

  it('refreshes a token within the margin of its expiry, and stores the new one', async () => {
    store({ expiresAt: now + REFRESH_MARGIN_MS })
    api.refresh.mockResolvedValue(tok(1, 600))
    expect(await auth().accessToken()).toBe('acc1')
    expect(api.refresh).toHaveBeenCalledWith('ref0')
    expect(stored()).toEqual({ username: 'ann', accessToken: 'acc1', refreshToken: 'ref1', expiresAt: now + 600_000 })
  })

  it('refreshes once for many callers at the same time', async () => {
    store({ expiresAt: now - 1 })
    let resolve!: (t: Tokens) => void
    api.refresh.mockReturnValue(new Promise((r) => (resolve = r)))
    const a = auth()
    const all = Promise.all([a.accessToken(), a.accessToken(), a.tokenRejected('acc0')])
    await Promise.resolve()
    resolve(tok(1))
    expect(await all).toEqual(['acc1', 'acc1', true])
    expect(api.refresh).toHaveBeenCalledOnce()
    // A later expiry refreshes again.
    now += 10 * 60_000
    api.refresh.mockResolvedValue(tok(2))
    expect(await a.accessToken()).toBe('acc2')
    expect(api.refresh).toHaveBeenCalledTimes(2)
    expect(api.refresh).toHaveBeenLastCalledWith('ref1')
  })

  it('ends the session when the refresh token is refused', async () => {
    store({ expiresAt: now - 1 })
    api.refresh.mockRejectedValue(new ApiError(401, 'InvalidToken', 'no'))
    const a = auth()
    const ended = vi.fn()
    a.onEnd(ended)
    expect(await a.accessToken()).toBeNull()
    expect(stored()).toBeNull()
    expect(ended).toHaveBeenCalledWith('expired')
  })

  it('keeps the session when the refresh fails for another reason', async () => {
    store({ expiresAt: now - 1 })
    api.refresh.mockRejectedValue(new NetworkError('down'))
    const a = auth()
    const ended = vi.fn()
    a.onEnd(ended)
    await expect(a.accessToken()).rejects.toBeInstanceOf(NetworkError)
    expect(stored()?.refreshToken).toBe('ref0')
    expect(ended).not.toHaveBeenCalled()
    // and a later attempt may succeed
    api.refresh.mockResolvedValue(tok(1))
    expect(await a.accessToken()).toBe('acc1')
  })

  it('serialises refreshes through the lock and adopts tokens another tab stored meanwhile', async () => {
    store({ expiresAt: now - 1 })
    const names: string[] = []
    const locks = {
      request: async <T>(name: string, cb: () => Promise<T>): Promise<T> => {
        names.push(name)
        // Another tab won the race while this one waited.
        store({ accessToken: 'accOther', refreshToken: 'refOther', expiresAt: now + 300_000 })
        return cb()
      },
    }
    expect(await auth(locks).accessToken()).toBe('accOther')
    expect(names).toEqual(['imgmeta-token-refresh'])
    expect(api.refresh).not.toHaveBeenCalled()
  })
})

describe('LocalAuth.tokenRejected', () => {
  it('is false when signed out', async () => {
    expect(await auth().tokenRejected('x')).toBe(false)
  })
  it('is true without refreshing when the token was already replaced', async () => {
    store({ accessToken: 'newer' })
    expect(await auth().tokenRejected('older')).toBe(true)
    expect(api.refresh).not.toHaveBeenCalled()
  })
  it('refreshes a rejected current token, even one that looks fresh', async () => {
    store({})
    api.refresh.mockResolvedValue(tok(1))
    const a = auth()
    expect(await a.tokenRejected('acc0')).toBe(true)
    expect(await a.accessToken()).toBe('acc1')
  })
  it('is false when the refresh is refused', async () => {
    store({})
    api.refresh.mockRejectedValue(new ApiError(400, 'InvalidRequest', 'no'))
    expect(await auth().tokenRejected('acc0')).toBe(false)
    expect(stored()).toBeNull()
  })
})

describe('LocalAuth sign-in, restore and sign-out', () => {
  it('stores the tokens under the name the server has', async () => {
    api.signIn.mockResolvedValue(tok(1, 60))
    api.me.mockResolvedValue({ username: 'Ann' })
    expect(await auth().signIn('ann', 'pw')).toEqual({ username: 'Ann' })
    expect(api.signIn).toHaveBeenCalledWith('ann', 'pw')
    expect(stored()).toEqual({ username: 'Ann', accessToken: 'acc1', refreshToken: 'ref1', expiresAt: now + 60_000 })
  })

  it('keeps the typed name when /me fails', async () => {
    api.signIn.mockResolvedValue(tok(1))
    api.me.mockRejectedValue(new NetworkError('x'))
    expect(await auth().signIn('ann', 'pw')).toEqual({ username: 'ann' })
    expect(stored()?.username).toBe('ann')
  })

  it('stores nothing when the sign-in fails', async () => {
    api.signIn.mockRejectedValue(new ApiError(401, 'InvalidCredentials', 'no'))
    await expect(auth().signIn('ann', 'bad')).rejects.toMatchObject({ code: 'InvalidCredentials' })
    expect(stored()).toBeNull()
  })

  it('restores a stored session that the server still accepts', async () => {
    expect(await auth().restore()).toBeNull()
    expect(api.me).not.toHaveBeenCalled()
    store({})
    api.me.mockResolvedValue({ username: 'Ann' })
    expect(await auth().restore()).toEqual({ username: 'Ann' })
  })

  it('forgets a stored session the server refuses, but not on other errors', async () => {
    store({})
    api.me.mockRejectedValueOnce(new NetworkError('down'))
    await expect(auth().restore()).rejects.toBeInstanceOf(NetworkError)
    expect(stored()).not.toBeNull()
    api.me.mockRejectedValueOnce(new ApiError(401, 'InvalidToken', 'no'))
    expect(await auth().restore()).toBeNull()
    expect(stored()).toBeNull()
  })

  it('signs up without a confirmation step', async () => {
    api.signUp.mockResolvedValue({ username: 'ann' })
    expect(await auth().signUp('ann', 'pw')).toEqual({ needsConfirmation: false })
    api.signUp.mockRejectedValue(new ApiError(409, 'UsernameTaken', 'taken'))
    await expect(auth().signUp('ann', 'pw')).rejects.toMatchObject({ code: 'UsernameTaken' })
  })

  it('signs out locally even when the server cannot be reached', async () => {
    store({})
    api.signOut.mockRejectedValue(new NetworkError('down'))
    await expect(auth().signOut()).resolves.toBeUndefined()
    expect(api.signOut).toHaveBeenCalledWith('acc0', 'ref0')
    expect(stored()).toBeNull()
    await auth().signOut()
    expect(api.signOut).toHaveBeenCalledOnce()
  })

  it('ends the session when another tab signs out', () => {
    const a = auth()
    const ended = vi.fn()
    a.onEnd(ended)
    window.dispatchEvent(new StorageEvent('storage', { key: 'other', oldValue: 'x', newValue: null }))
    window.dispatchEvent(new StorageEvent('storage', { key: STORAGE_KEY, oldValue: 'x', newValue: 'y' }))
    expect(ended).not.toHaveBeenCalled()
    window.dispatchEvent(new StorageEvent('storage', { key: STORAGE_KEY, oldValue: 'x', newValue: null }))
    expect(ended).toHaveBeenCalledWith('signed-out')
  })
})

describe('AuthError', () => {
  it('carries its code and message', () => {
    const e = new AuthError('InvalidCode', 'That code is wrong.')
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('AuthError')
    expect(e.code).toBe('InvalidCode')
    expect(e.message).toBe('That code is wrong.')
  })
})
