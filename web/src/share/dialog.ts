import { ApiClient, describeError } from '../api/client'
import { announce, h } from '../ui/dom'
import { createShare, EXPIRY_CHOICES, listShares, revokeShare, type ShareRequest, type ShareSummary } from './api'

// The owner's side of share links in the gallery: "Share" for the selection opens a dialog
// (expiry, optional password, whether location and camera details go along: both off unless
// ticked) that ends with the link and a Copy button; "Shared links" lists live links with a
// Revoke button each. The link's URL is shown only once: the server keeps only its hash.

function modal(title: string, id: string, ...body: (Node | null)[]): { el: HTMLElement; close: () => void } {
  const opener = document.activeElement as HTMLElement | null
  const closeBtn = h('button', { type: 'button', class: 'btn', 'data-testid': `${id}-close` }, 'Close')
  const el = h(
    'div',
    { class: 'viewer share-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': `${id}-title`, tabindex: -1, id },
    h('div', { class: 'share-dialog-box' }, h('h2', { id: `${id}-title` }, title), ...body, h('div', { class: 'toolbar' }, closeBtn)),
  )
  const close = () => {
    el.remove()
    opener?.focus()
  }
  closeBtn.addEventListener('click', close)
  el.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Escape') close()
  })
  document.body.append(el)
  el.focus()
  return { el, close }
}

/** The request the dialog's fields make (exported for tests). */
export function shareRequest(imageIds: string[], expiresIn: number, password: string, location: boolean, metadata: boolean): ShareRequest {
  const req: ShareRequest = { imageIds, expiresIn, includeLocation: location, includeMetadata: metadata }
  if (password) req.password = password
  return req
}

export function openShareDialog(api: ApiClient, imageIds: string[]): HTMLElement {
  const expiry = h('select', { id: 'share-expiry' }, ...EXPIRY_CHOICES.map((c) => h('option', { value: c.seconds, selected: c.seconds === 7 * 86400 }, c.label)))
  const password = h('input', { id: 'share-password', type: 'password', autocomplete: 'new-password', maxlength: 1024 })
  const location = h('input', { id: 'share-location', type: 'checkbox' })
  const metadata = h('input', { id: 'share-metadata', type: 'checkbox' })
  const create = h('button', { type: 'submit', class: 'btn primary', id: 'share-create' }, 'Create link')
  const status = h('p', { class: 'notice', role: 'status', 'data-testid': 'share-status' })
  const result = h('div', { class: 'share-result', hidden: true })
  const form = h(
    'form',
    { class: 'share-form' },
    h('p', null, `Anyone with the link can see ${imageIds.length === 1 ? 'this image' : `these ${imageIds.length} images`} without signing in.`),
    h('label', { for: 'share-expiry' }, 'Link expires after'),
    expiry,
    h('label', { for: 'share-password' }, 'Password (optional)'),
    password,
    h('label', { class: 'check' }, location, ' Include location (GPS)'),
    h('label', { class: 'check' }, metadata, ' Include camera details (EXIF, XMP, IPTC)'),
    create,
  )
  const { el } = modal('Share', 'share-dialog', form, status, result)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    create.disabled = true
    status.className = 'notice'
    status.textContent = 'Making the link…'
    try {
      const made = await createShare(api, shareRequest(imageIds, Number(expiry.value), password.value, location.checked, metadata.checked))
      const url = h('input', { id: 'share-url', type: 'text', readonly: true, value: made.url, 'data-testid': 'share-url', 'aria-label': 'The link' })
      const copy = h('button', { type: 'button', class: 'btn', id: 'share-copy' }, 'Copy')
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(made.url)
          copy.textContent = 'Copied'
        } catch {
          url.select()
          copy.textContent = 'Select and copy'
        }
      })
      result.replaceChildren(
        h('p', null, `The link works until ${new Date(made.expiresAt).toLocaleString()}. It is shown only now: copy it.`),
        h('div', { class: 'share-link' }, url, copy),
      )
      result.hidden = false
      form.hidden = true
      status.textContent = 'Link made.'
      announce('Link made.')
      url.select()
    } catch (err) {
      status.className = 'notice error'
      status.textContent = 'The link could not be made: ' + describeError(err)
      create.disabled = false
    }
  })
  return el
}

function linkRow(api: ApiClient, s: ShareSummary, onGone: () => void): HTMLElement {
  const revoke = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'share-revoke' }, 'Revoke')
  const what = [
    `${s.count} image${s.count === 1 ? '' : 's'}`,
    `until ${new Date(s.expiresAt).toLocaleString()}`,
    s.hasPassword ? 'password' : null,
    s.includeLocation ? 'with location' : 'no location',
    s.includeMetadata ? 'with camera details' : 'no camera details',
  ].filter(Boolean)
  const row = h('li', { 'data-testid': 'share-link-row', 'data-share-id': s.shareId }, h('span', null, what.join(' · ')), ' ', revoke)
  revoke.addEventListener('click', async () => {
    if (!confirm('Revoke this link? Anyone who has it will no longer see the images.')) return
    revoke.disabled = true
    try {
      await revokeShare(api, s.shareId)
      row.remove()
      announce('Link revoked.')
      onGone()
    } catch (e) {
      revoke.disabled = false
      row.append(h('span', { class: 'notice error' }, ' ' + describeError(e)))
    }
  })
  return row
}

export function openSharedLinks(api: ApiClient): HTMLElement {
  const list = h('ul', { class: 'share-links', 'data-testid': 'share-links' })
  const status = h('p', { class: 'notice', role: 'status' }, 'Loading…')
  const { el } = modal('Shared links', 'shared-links-dialog', status, list)
  const empty = () => {
    if (!list.children.length) status.textContent = 'No live links.'
  }
  listShares(api)
    .then((items) => {
      status.textContent = ''
      list.replaceChildren(...items.map((s) => linkRow(api, s, empty)))
      empty()
    })
    .catch((e) => {
      status.className = 'notice error'
      status.textContent = 'The links could not be loaded: ' + describeError(e)
    })
  return el
}
