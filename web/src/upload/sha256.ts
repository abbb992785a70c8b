// SHA-256 of a file, computed in the browser and sent with the upload: the server refuses a
// second copy of the same bytes before they are sent (409 DuplicateImage), and the blob store
// checks the bytes that arrive against it (x-amz-checksum-sha256).
//
// WebCrypto has no streaming digest, so files above STREAM_ABOVE go through the incremental
// implementation below (FIPS 180-4), read in slices, instead of being held in memory whole.
// It also stands in when crypto.subtle is missing (pages served over plain http from a
// non-loopback address are not a secure context).

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** Incremental SHA-256 (FIPS 180-4 section 6.2). */
export class Sha256 {
  private readonly h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ])
  private readonly w = new Uint32Array(64)
  private readonly block = new Uint8Array(64)
  private blockLen = 0
  private bytes = 0
  private done = false

  update(data: Uint8Array): this {
    if (this.done) throw new Error('Sha256: update after digest')
    this.bytes += data.length
    let i = 0
    if (this.blockLen > 0) {
      const n = Math.min(64 - this.blockLen, data.length)
      this.block.set(data.subarray(0, n), this.blockLen)
      this.blockLen += n
      i = n
      if (this.blockLen < 64) return this
      this.compress(this.block, 0)
      this.blockLen = 0
    }
    for (; i + 64 <= data.length; i += 64) this.compress(data, i)
    if (i < data.length) {
      this.block.set(data.subarray(i), 0)
      this.blockLen = data.length - i
    }
    return this
  }

  // Section 6.2.2: the compression of one 512-bit block.
  private compress(p: Uint8Array, off: number): void {
    const w = this.w
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4
      w[t] = ((p[j]! << 24) | (p[j + 1]! << 16) | (p[j + 2]! << 8) | p[j + 3]!) >>> 0
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!
      const y = w[t - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) >>> 0
    }
    const h = this.h
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (k + S1 + ch + K[t]! + w[t]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      k = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h[0] = (h[0]! + a) >>> 0
    h[1] = (h[1]! + b) >>> 0
    h[2] = (h[2]! + c) >>> 0
    h[3] = (h[3]! + d) >>> 0
    h[4] = (h[4]! + e) >>> 0
    h[5] = (h[5]! + f) >>> 0
    h[6] = (h[6]! + g) >>> 0
    h[7] = (h[7]! + k) >>> 0
  }

  /** Section 5.1.1 padding, then the digest as 32 bytes. */
  digest(): Uint8Array {
    if (this.done) throw new Error('Sha256: digest called twice')
    const bits = this.bytes * 8
    const pad = new Uint8Array((this.blockLen < 56 ? 56 : 120) - this.blockLen + 8)
    pad[0] = 0x80
    const view = new DataView(pad.buffer)
    view.setUint32(pad.length - 8, Math.floor(bits / 0x100000000))
    view.setUint32(pad.length - 4, bits >>> 0)
    this.update(pad)
    this.done = true
    const out = new Uint8Array(32)
    const ov = new DataView(out.buffer)
    for (let i = 0; i < 8; i++) ov.setUint32(i * 4, this.h[i]!)
    return out
  }
}

export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

export function sha256Hex(data: Uint8Array): string {
  return toHex(new Sha256().update(data).digest())
}

export const STREAM_ABOVE = 64 * 1024 * 1024
const SLICE = 4 * 1024 * 1024

export interface HashOptions {
  onProgress?: (hashedBytes: number, totalBytes: number) => void
  signal?: AbortSignal
  /** Tests set this to force the streaming path or the WebCrypto path. */
  subtle?: SubtleCrypto | null
  streamAbove?: number
}

/** Lowercase hex SHA-256 of a Blob (a File). */
export async function hashBlob(blob: Blob, opts: HashOptions = {}): Promise<string> {
  const subtle = opts.subtle !== undefined ? opts.subtle : globalThis.crypto?.subtle ?? null
  const total = blob.size
  const check = () => {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('aborted', 'AbortError')
  }
  check()
  if (subtle && total <= (opts.streamAbove ?? STREAM_ABOVE)) {
    const digest = await subtle.digest('SHA-256', await blob.arrayBuffer())
    check()
    opts.onProgress?.(total, total)
    return toHex(new Uint8Array(digest))
  }
  const h = new Sha256()
  for (let off = 0; off < total; off += SLICE) {
    check()
    const part = new Uint8Array(await blob.slice(off, Math.min(total, off + SLICE)).arrayBuffer())
    h.update(part)
    opts.onProgress?.(Math.min(total, off + SLICE), total)
  }
  check()
  return toHex(h.digest())
}

/** Hex to the base64 S3 uses for x-amz-checksum-sha256. */
export function hexToBase64(hex: string): string {
  let bin = ''
  for (let i = 0; i < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16))
  return btoa(bin)
}
