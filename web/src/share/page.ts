import '../style.css'
import { loadConfig } from '../config'
import { announce, h } from '../ui/dom'
import { openShare, tokenFromHash, type OpenResult, type SharedImage, type SharedImages } from './api'

// The share page (share.html): what someone with a share link sees, with no account. The token
// is in the URL's fragment, which the browser never sends anywhere; this page sends it to the
// API itself. Everything that came from an image (file names, metadata) is text: it goes
// through h()/textContent, never innerHTML.

/** A metadata value as text (numbers and strings as they are, lists and objects as JSON). */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

function metadataList(md: Record<string, unknown>): HTMLElement | null {
  const keys = Object.keys(md)
  if (!keys.length) return null
  return h(
    'details',
    { class: 'share-meta' },
    h('summary', null, `Details (${keys.length})`),
    h('dl', { 'data-testid': 'share-metadata' }, ...keys.flatMap((k) => [h('dt', null, k), h('dd', null, valueText(md[k]))])),
  )
}

function showPreview(root: HTMLElement, img: SharedImage, opener: HTMLElement) {
  const url = img.previewUrl ?? img.thumbnailUrl
  if (!url) return
  const close = h('button', { type: 'button', class: 'btn', 'data-testid': 'share-preview-close' }, 'Close')
  const overlay = h(
    'div',
    { class: 'viewer share-viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': img.filename, tabindex: -1, 'data-testid': 'share-preview' },
    h('div', { class: 'toolbar' }, close),
    h('img', { src: url, alt: img.filename, class: 'share-preview-img', referrerpolicy: 'no-referrer' }),
  )
  const done = () => {
    overlay.remove()
    opener.focus()
  }
  close.addEventListener('click', done)
  overlay.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Escape') done()
  })
  root.append(overlay)
  overlay.focus()
}

export function renderShare(root: HTMLElement, share: SharedImages): void {
  const expires = new Date(share.expiresAt)
  const list = h('ul', { class: 'share-grid', 'data-testid': 'share-images' })
  for (const img of share.images) {
    const thumb = img.thumbnailUrl
      ? h('img', { src: img.thumbnailUrl, alt: img.filename, loading: 'lazy', referrerpolicy: 'no-referrer' })
      : h('span', { class: 'placeholder' }, 'No preview')
    const open = h('button', { type: 'button', class: 'share-thumb', 'aria-label': `View ${img.filename}` }, thumb)
    open.addEventListener('click', () => showPreview(root, img, open))
    const download = img.downloadUrl
      ? h('a', { class: 'btn', href: img.downloadUrl, download: img.filename, rel: 'noreferrer', 'data-testid': 'share-download' }, 'Download')
      : h('span', { class: 'hint' }, 'No download available')
    list.append(
      h(
        'li',
        { class: 'share-item', 'data-testid': 'share-item', 'data-image-id': img.imageId },
        open,
        h('p', { class: 'share-name', 'data-testid': 'share-filename' }, img.filename),
        download,
        metadataList(img.metadata as Record<string, unknown>),
      ),
    )
  }
  root.replaceChildren(
    h('h1', null, share.images.length === 1 ? 'A shared image' : `${share.images.length} shared images`),
    h('p', { class: 'hint', 'data-testid': 'share-expiry' }, `This link works until ${expires.toLocaleString()}.`),
    share.images.length ? list : h('p', { class: 'empty' }, 'The images of this link are no longer available.'),
  )
  document.title = 'Shared images · imgmeta'
}

export function renderGone(root: HTMLElement, why = 'This link has expired or was revoked, or it was never valid.'): void {
  root.replaceChildren(
    h('h1', null, 'This link is gone'),
    h('p', { class: 'notice error', role: 'alert', 'data-testid': 'share-gone' }, why),
  )
  document.title = 'Link gone · imgmeta'
}

function renderPassword(root: HTMLElement, wrong: boolean, onSubmit: (password: string) => void): void {
  const input = h('input', { id: 'share-password', type: 'password', autocomplete: 'off', required: true, maxlength: 1024 })
  const form = h(
    'form',
    { class: 'auth', 'data-testid': 'share-password-form' },
    h('h1', null, 'This link has a password'),
    wrong ? h('p', { class: 'notice error', role: 'alert' }, 'That password is not right.') : null,
    h('label', { for: 'share-password' }, 'Password'),
    input,
    h('button', { type: 'submit', class: 'btn primary' }, 'Open'),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    onSubmit(input.value)
  })
  root.replaceChildren(form)
  input.focus()
}

export async function showShare(root: HTMLElement, baseUrl: string, token: string | null, fetchFn?: typeof fetch): Promise<OpenResult['kind']> {
  if (!token) {
    renderGone(root, 'This link is incomplete: copy the whole address you were given.')
    return 'gone'
  }
  const attempt = async (password: string | null): Promise<OpenResult['kind']> => {
    const r = await openShare(baseUrl, token, password, fetchFn)
    switch (r.kind) {
      case 'ok':
        renderShare(root, r.share)
        announce(`${r.share.images.length} shared images`)
        break
      case 'gone':
        renderGone(root)
        break
      case 'password':
        renderPassword(root, r.wrong, (p) => void attempt(p))
        break
      case 'wait':
        root.replaceChildren(h('p', { class: 'notice error', role: 'alert', 'data-testid': 'share-wait' }, `Too many wrong passwords. Try again in ${Math.ceil(r.seconds / 60)} minute(s).`))
        break
      case 'error':
        root.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, 'The images could not be loaded: ' + r.message))
        break
    }
    return r.kind
  }
  return attempt(null)
}

async function boot() {
  const root = document.getElementById('main') as HTMLElement
  // The token stays in the fragment but leaves the address bar's history entry alone.
  const token = tokenFromHash(location.hash)
  try {
    const config = await loadConfig()
    await showShare(root, config.apiBaseUrl, token)
  } catch (e) {
    root.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, (e as Error).message))
  }
  addEventListener('hashchange', () => location.reload())
}

if (typeof document !== 'undefined' && document.getElementById('main') && document.body.dataset.page === 'share') void boot()
