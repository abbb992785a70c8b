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
  multipartThreshold: number | null
  onCreated(imageId: string): void
  onUploaded(imageId: string): void
  onDuplicate(imageId: string, filename: string): void
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

type Meta = { imageId?: string; [k: string]: unknown }

export function createUploader(o: UploaderOptions): Uploader {
  const uppy = new Uppy<Meta, Body>({
    autoProceed: true,
    restrictions: {
      maxFileSize: o.maxFileSize ?? undefined,
      // Single PUTs only for now: files above the multipart threshold are refused up front.
      ...(o.multipartThreshold ? { maxFileSize: Math.min(o.maxFileSize ?? Infinity, o.multipartThreshold) } : {}),
      allowedFileTypes: ['image/*', ...ACCEPT_EXTENSIONS],
    },
  })
  uppy.use(Dashboard, {
    inline: true,
    target: o.target,
    height: 260,
    width: '100%',
    proudlyDisplayPoweredByUppy: false,
    note: 'JPEG, PNG, HEIC, TIFF, WebP, AVIF, raw… drop, pick or paste',
  })
  uppy.use(AwsS3, {
    shouldUseMultipart: false,
    limit: 4,
    async getUploadParameters(file: UppyFile<Meta, Body>) {
      const blob = file.data as Blob
      const contentType = contentTypeFor(file.name ?? 'file', file.type)
      if (!contentType) throw new Error('This kind of file is not accepted.')
      const sha256 = await hashBlob(blob)
      let ticket
      try {
        ticket = await o.api.createUpload({ filename: file.name ?? 'file', contentType, size: blob.size, sha256 })
      } catch (e) {
        if (e instanceof ApiError && e.code === 'DuplicateImage' && e.imageId) {
          o.onDuplicate(e.imageId, file.name ?? 'file')
        }
        throw new Error(describeError(e))
      }
      uppy.setFileMeta(file.id, { imageId: ticket.imageId })
      o.onCreated(ticket.imageId)
      if (!ticket.url) throw new Error('The server asked for a multipart upload, which this page does not do yet.')
      return { method: 'PUT' as const, url: ticket.url, headers: uploadHeaders(ticket.headers) }
    },
  })
  uppy.on('upload-success', (file) => {
    const id = file?.meta.imageId
    if (typeof id === 'string') o.onUploaded(id)
  })
  return {
    destroy() {
      uppy.destroy()
    },
  }
}
