import Uppy, { type UppyFile, type Body } from '@uppy/core'
import Dashboard from '@uppy/dashboard'
import AwsS3 from '@uppy/aws-s3'
import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import { ApiError, describeError, type ApiClient } from '../api/client'
import { hashBlob } from './sha256'
import { ACCEPT_EXTENSIONS, contentTypeFor } from '../state/images'

// Uploads through Uppy: the Dashboard gives drag and drop, the file picker, paste, progress,
// cancel and retry; @uppy/aws-s3 PUTs the bytes to the presigned URL that POST /api/uploads
// returns (S3 itself in the AWS shape, PUT /blobs/... locally). The SHA-256 is computed here
// first and sent with the request, so the server can refuse a duplicate before any byte moves.

export interface UploaderOptions {
  api: ApiClient
  target: HTMLElement
  maxFileSize: number | null
  /** Files above this many bytes go in parts (the server's multipart threshold). */
  multipartThreshold: number
  /** The server's configured part size (see partSizeFor). */
  partSize: number
  onUploaded(imageId: string): void
  onDuplicate(imageId: string, filename: string): void
  /** A file refused before sending (its type or size), with the reason in a sentence. */
  onRefused(filename: string, reason: string): void
}

export interface Uploader {
  destroy(): void
}

// Headers the browser sets itself and refuses from scripts.
const FORBIDDEN = new Set(['content-length', 'host', 'connection'])

export function uploadHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) if (!FORBIDDEN.has(k.toLowerCase())) out[k] = v
  return out
}

const MIB = 1024 * 1024
export const MIN_PART_SIZE = 5 * MIB
export const MAX_PARTS = 10_000

/** The part size the server cuts a file of `size` bytes into: the configured size (at least
 *  5 MiB), grown to whole MiB when the file would need more than 10,000 parts. Uppy slices the
 *  file before the server answers, so both sides must agree on this rule. */
export function partSizeFor(size: number, configured: number): number {
  let ps = Math.max(configured, MIN_PART_SIZE)
  if (Math.ceil(size / ps) > MAX_PARTS) ps = Math.ceil(Math.ceil(size / MAX_PARTS) / MIB) * MIB
  return ps
}

type Meta = { imageId?: string; [k: string]: unknown }

/** The presigned part URLs of one multipart upload, refreshed from listParts when stale. */
interface PartUrls {
  imageId: string
  uploadId: string
  /** Each part's size as the server signed it. */
  sizes: Map<number, number>
  urls: Map<number, string>
}

export function createUploader(o: UploaderOptions): Uploader {
  const uppy = new Uppy<Meta, Body>({
    autoProceed: true,
    restrictions: {
      maxFileSize: o.maxFileSize ?? undefined,
      allowedFileTypes: ['image/*', ...ACCEPT_EXTENSIONS],
    },
  })
  uppy.use(Dashboard, {
    inline: true,
    target: o.target,
    height: 260,
    width: '100%',
    proudlyDisplayPoweredByUppy: false,
    // Messages go to the page's own list under the drop zone (Uppy's informer covers it).
    disableInformer: true,
    showRemoveButtonAfterComplete: false,
    note: 'JPEG, PNG, HEIC, TIFF, WebP, AVIF, raw… drop, pick or paste',
  })

  const multipart = new Map<string, PartUrls>()
  // Files the server already has: taken out of the list (the page links to the image instead),
  // so that adding more files does not retry them.
  const duplicates = new Set<string>()

  // Hash the file, then ask the API where to put it (refused early if it is a duplicate).
  const ticketFor = async (file: UppyFile<Meta, Body>) => {
    const blob = file.data as Blob
    const contentType = contentTypeFor(file.name ?? 'file', file.type)
    if (!contentType) throw new Error('This kind of file is not accepted.')
    const sha256 = await hashBlob(blob)
    let ticket
    try {
      ticket = await o.api.createUpload({ filename: file.name ?? 'file', contentType, size: blob.size, sha256 })
    } catch (e) {
      if (e instanceof ApiError && e.code === 'DuplicateImage' && e.imageId) {
        duplicates.add(file.id)
        o.onDuplicate(e.imageId, file.name ?? 'file')
      }
      throw new Error(describeError(e))
    }
    uppy.setFileMeta(file.id, { imageId: ticket.imageId })
    return ticket
  }
  const partsOf = (file: UppyFile<Meta, Body>): PartUrls => {
    const p = multipart.get(file.id)
    if (!p) throw new Error('This upload was started in another page; add the file again.')
    return p
  }
  // Fresh URLs for the parts not stored yet; the parts already stored.
  const refresh = async (p: PartUrls, signal?: AbortSignal) => {
    const list = await o.api.listParts(p.imageId, p.uploadId, signal)
    for (const m of list.missing) p.urls.set(m.partNumber, m.url)
    return list.parts
  }

  uppy.use(AwsS3, {
    limit: 4,
    shouldUseMultipart: (file) => (file.size ?? 0) > o.multipartThreshold,
    getChunkSize: (data) => partSizeFor(data.size, o.partSize),
    async getUploadParameters(file) {
      const ticket = await ticketFor(file)
      if (!ticket.url) throw new Error('The server asked for a multipart upload of a file below its threshold; reload the page.')
      return { method: 'PUT' as const, url: ticket.url, headers: uploadHeaders(ticket.headers) }
    },
    async createMultipartUpload(file) {
      const ticket = await ticketFor(file)
      const m = ticket.multipart
      if (!m) throw new Error('The server asked for a single upload of a file above its threshold; reload the page.')
      const ours = partSizeFor((file.data as Blob).size, o.partSize)
      if (m.partSize !== ours) {
        await o.api.abortUpload(ticket.imageId, m.uploadId).catch(() => {})
        throw new Error(`The server cuts this file into parts of ${m.partSize} bytes, not ${ours}; reload the page.`)
      }
      multipart.set(file.id, {
        imageId: ticket.imageId,
        uploadId: m.uploadId,
        sizes: new Map(m.parts.map((p) => [p.partNumber, p.size])),
        urls: new Map(m.parts.map((p) => [p.partNumber, p.url])),
      })
      return { uploadId: m.uploadId, key: ticket.key ?? ticket.imageId }
    },
    async signPart(file, { partNumber, body, signal }) {
      const p = partsOf(file)
      const expected = p.sizes.get(partNumber)
      if (body.size !== expected) throw new Error(`Part ${partNumber} is ${body.size} bytes, the server expects ${expected}.`)
      let url = p.urls.get(partNumber)
      if (!url) {
        // Used up or never handed out (a resumed upload): ask for fresh URLs of the missing parts.
        await refresh(p, signal)
        url = p.urls.get(partNumber)
        if (!url) throw new Error(`The server has no URL for part ${partNumber}.`)
      }
      // A presigned URL expires: each is used once, a retry asks again.
      p.urls.delete(partNumber)
      return { method: 'PUT' as const, url }
    },
    async listParts(file, { signal }) {
      const parts = await refresh(partsOf(file), signal)
      return parts.map((x) => ({ PartNumber: x.partNumber, Size: x.size, ETag: x.eTag }))
    },
    async completeMultipartUpload(file, { parts, signal }) {
      const p = partsOf(file)
      const done = parts
        .map((x) => ({ partNumber: Number(x.PartNumber), eTag: String(x.ETag ?? '') }))
        .sort((a, b) => a.partNumber - b.partNumber)
      if (done.some((x) => !x.eTag)) throw new Error('A part was stored without an ETag; the upload cannot be completed.')
      try {
        await o.api.completeUpload(p.imageId, { uploadId: p.uploadId, parts: done }, signal)
      } catch (e) {
        throw new Error(describeError(e))
      }
      multipart.delete(file.id)
      return {}
    },
    async abortMultipartUpload(file) {
      const p = multipart.get(file.id)
      if (!p) return
      multipart.delete(file.id)
      await o.api.abortUpload(p.imageId, p.uploadId)
    },
  })
  uppy.on('restriction-failed', (file, error) => {
    o.onRefused(file?.name ?? 'A file', refusal(error?.message ?? ''))
  })
  // Uppy's file list scrolls; a scrollable region must be reachable by keyboard (WCAG 2.1.1).
  const focusable = () => {
    for (const el of o.target.querySelectorAll<HTMLElement>('.uppy-Dashboard-files')) {
      if (el.getAttribute('tabindex') !== '0') {
        el.setAttribute('tabindex', '0')
        el.setAttribute('aria-label', 'Files being uploaded')
      }
    }
  }
  const mo = new MutationObserver(focusable)
  mo.observe(o.target, { childList: true, subtree: true })
  uppy.on('upload-error', (file) => {
    if (file && duplicates.delete(file.id)) setTimeout(() => uppy.removeFile(file.id), 0)
  })
  uppy.on('upload-success', (file) => {
    const id = file?.meta.imageId
    if (typeof id === 'string') o.onUploaded(id)
  })
  return {
    destroy() {
      mo.disconnect()
      uppy.destroy()
    },
  }
}

/** Uppy's restriction message as a sentence for the upload list. */
export function refusal(message: string): string {
  const m = message.toLowerCase()
  if (m.includes('duplicate')) return 'it is in the upload list already.'
  if (m.includes('exceeds maximum allowed size') || m.includes('size')) return 'it is larger than the server accepts.'
  if (m.includes('you can only upload') || m.includes('type')) return 'this kind of file is not accepted (images only: JPEG, PNG, GIF, WebP, TIFF, HEIC/HEIF, AVIF, BMP, ICO, JPEG XL and camera raw).'
  return message || 'it was refused.'
}
