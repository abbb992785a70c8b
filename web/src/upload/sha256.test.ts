import { createHash, webcrypto } from 'node:crypto'
import { describe, it, expect, vi } from 'vitest'
import { STREAM_ABOVE, Sha256, hashBlob, hexToBase64, sha256Hex, toHex } from './sha256'

const enc = (s: string) => new TextEncoder().encode(s)
const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

describe('Sha256', () => {
  it('matches the FIPS 180-4 / NIST vectors', () => {
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Hex(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    expect(sha256Hex(enc('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'))).toBe(
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    )
  })

  it('matches one million "a"s fed in uneven pieces', () => {
    const h = new Sha256()
    const a = new Uint8Array(1_000_000).fill(0x61)
    let off = 0
    for (const n of [1, 63, 64, 65, 1000, 4095]) {
      h.update(a.subarray(off, off + n))
      off += n
    }
    h.update(a.subarray(off))
    expect(toHex(h.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })

  it('agrees with node:crypto at every length around the padding boundaries', () => {
    const data = bytes(300, 7)
    for (let n = 0; n <= 200; n++) {
      const d = data.subarray(0, n)
      expect(sha256Hex(d), `length ${n}`).toBe(nodeHex(d))
    }
  })

  it('gives the same digest however the input is split', () => {
    const data = bytes(5000, 42)
    const want = nodeHex(data)
    for (const step of [1, 3, 55, 56, 63, 64, 65, 127, 1024]) {
      const h = new Sha256()
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step))
      expect(toHex(h.digest()), `step ${step}`).toBe(want)
    }
  })

  it('accepts empty updates', () => {
    const h = new Sha256().update(new Uint8Array(0)).update(enc('abc')).update(new Uint8Array(0))
    expect(toHex(h.digest())).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('refuses use after the digest', () => {
    const h = new Sha256().update(enc('x'))
    h.digest()
    expect(() => h.digest()).toThrow(/twice/)
    expect(() => h.update(enc('y'))).toThrow(/after digest/)
  })
})

describe('toHex and hexToBase64', () => {
  it('writes lowercase hex with leading zeros', () => {
    expect(toHex(new Uint8Array([0, 1, 0x0f, 0xab, 0xff]))).toBe('00010fabff')
    expect(toHex(new Uint8Array())).toBe('')
  })
  it('turns the hex digest into the base64 S3 expects', () => {
    const data = enc('abc')
    expect(hexToBase64(sha256Hex(data))).toBe(createHash('sha256').update(data).digest('base64'))
    expect(hexToBase64('')).toBe('')
    expect(hexToBase64('00ff')).toBe('AP8=')
  })
})

describe('hashBlob', () => {
  const data = bytes(10 * 1024 * 1024 + 123, 3) // more than two 4 MiB slices
  const want = nodeHex(data)
  const blob = new Blob([data as BlobPart])

  it('uses WebCrypto for small files', async () => {
    const subtle = { digest: vi.fn((alg: string, buf: ArrayBuffer) => webcrypto.subtle.digest(alg, buf)) }
    const progress = vi.fn()
    const hex = await hashBlob(new Blob([enc('abc') as BlobPart]), { subtle: subtle as unknown as SubtleCrypto, onProgress: progress })
    expect(hex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(subtle.digest).toHaveBeenCalledOnce()
    expect(subtle.digest.mock.calls[0]![0]).toBe('SHA-256')
    expect(progress).toHaveBeenCalledWith(3, 3)
  })

  it('streams large files in slices, with progress, and agrees with node:crypto', async () => {
    const subtle = { digest: vi.fn() }
    const progress = vi.fn()
    const hex = await hashBlob(blob, { subtle: subtle as unknown as SubtleCrypto, streamAbove: 1024, onProgress: progress })
    expect(hex).toBe(want)
    expect(subtle.digest).not.toHaveBeenCalled()
    const calls = progress.mock.calls.map((c) => c[0] as number)
    expect(calls).toEqual([4 * 1024 * 1024, 8 * 1024 * 1024, data.length])
    expect(progress.mock.calls.every((c) => c[1] === data.length)).toBe(true)
  })

  it('streams when WebCrypto is missing', async () => {
    expect(await hashBlob(blob, { subtle: null })).toBe(want)
    expect(await hashBlob(new Blob([]), { subtle: null })).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('gives the same answer on both paths', async () => {
    const small = new Blob([bytes(1000, 9) as BlobPart])
    const a = await hashBlob(small, { subtle: webcrypto.subtle as unknown as SubtleCrypto })
    const b = await hashBlob(small, { subtle: null })
    expect(a).toBe(b)
    expect(a).toBe(nodeHex(bytes(1000, 9)))
  })

  it('stops when aborted', async () => {
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    await expect(hashBlob(blob, { subtle: null, signal: ac.signal })).rejects.toThrow('stop')
    const ac2 = new AbortController()
    const p = hashBlob(blob, {
      subtle: null,
      signal: ac2.signal,
      onProgress: () => ac2.abort(new Error('later')),
    })
    await expect(p).rejects.toThrow('later')
  })

  it('streams above 64 MiB by default', () => {
    expect(STREAM_ABOVE).toBe(64 * 1024 * 1024)
  })
})
