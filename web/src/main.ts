import './style.css'
import { ApiClient, ApiError, describeError, type Facets, type Image } from './api/client'
import type { AuthProvider } from './auth/session'
import { LocalAuth } from './auth/local'
import { CognitoAuth } from './auth/cognito'
import { loadConfig, type AppConfig } from './config'
import { announce, clear, h } from './ui/dom'
import { galleryHref, imageHref, mapHref, parseRoute, type Route } from './state/route'
import { NO_FILTERS, RANGES, describeFilters, filterQuery, filterQueryFields, isFiltered, parseFilters, toExportQuery, exportFilename, toListQuery, type Filters, type RangeKey } from './state/filters'
import { groupMetadata, cameraLine, summaryOf, warningsOf } from './meta/groups'
import { formatBytes, formatValue, shortTakenDate } from './meta/format'
import { explainFailure, sniffFormat } from './meta/reasons'
import { createUploader, type Uploader } from './upload/uploader'
import { canonicalFormat, hasLocation, isTerminal } from './state/images'
import { compareImages, groupTimeline, neighbour } from './state/timeline'
import { pictureOf, previewPending } from './state/pictures'
import { openShareDialog, openSharedLinks } from './share/dialog'
import { movedLabel } from './state/trash'
import { trashScreen } from './ui/trash'
import { createUndoNotice, type UndoNotice } from './ui/undo'

// The app shell: a hash router over the sign-in screens, the gallery (a timeline) and the
// viewer, which opens over the gallery so that the gallery keeps its place behind it. Every
// string that comes from an image goes through h()/textContent (src/ui/dom.ts), never innerHTML.

let config: AppConfig
let api: ApiClient
let auth: AuthProvider
let username: string | null = null
let uploader: Uploader | null = null
let pageAbort: AbortController | null = null
const main = document.getElementById('main') as HTMLElement
const APP = 'imgmeta'

function setTitle(what: string | null) {
  document.title = what ? `${what} · ${APP}` : APP
}

function setAccount() {
  const box = document.getElementById('account') as HTMLElement
  clear(box)
  if (username) {
    box.append(
      h('a', { class: 'btn', id: 'nav-trash', href: '#/trash' }, 'Trash'),
      h('span', { class: 'who', 'data-testid': 'username' }, username),
      h('button', { type: 'button', class: 'btn', onclick: () => void signOut() }, 'Sign out'),
    )
  }
}

async function signOut() {
  try {
    await auth.signOut()
  } catch {
    // Signing out locally is what matters.
  }
  ended('You are signed out.')
}

function ended(message: string) {
  username = null
  closeViewer()
  dropGallery()
  setAccount()
  location.hash = '#/signin'
  announce(message)
  setTimeout(() => showNotice(message), 0)
}

function showNotice(text: string, kind: 'info' | 'error' = 'info') {
  const n = document.getElementById('notice')
  if (n) {
    n.className = 'notice ' + kind
    n.textContent = text
  }
}

// --- sign in / sign up ---------------------------------------------------------------

function authScreen(mode: 'signin' | 'signup') {
  const isUp = mode === 'signup'
  const msg = h('p', { id: 'notice', class: 'notice', role: 'alert' })
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 64 })
  const pass = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: isUp ? 'new-password' : 'current-password',
    required: true,
    minlength: 8,
  })
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'email' })
  const submit = h('button', { type: 'submit', class: 'btn primary' }, isUp ? 'Create account' : 'Sign in')
  const form = h(
    'form',
    { class: 'card auth', novalidate: false },
    h('h1', null, isUp ? 'Create an account' : 'Sign in'),
    msg,
    h('label', { for: 'username' }, 'Username'),
    user,
    h('label', { for: 'password' }, 'Password'),
    pass,
    isUp ? h('p', { class: 'hint' }, 'At least 8 characters.') : null,
    isUp && config.auth.mode === 'cognito' ? [h('label', { for: 'email' }, 'E-mail'), email] : null,
    submit,
    h(
      'p',
      null,
      isUp ? 'Already have an account? ' : 'New here? ',
      h('a', { href: isUp ? '#/signin' : '#/signup' }, isUp ? 'Sign in' : 'Create an account'),
    ),
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    submit.disabled = true
    msg.className = 'notice'
    msg.textContent = isUp ? 'Creating the account…' : 'Signing in…'
    try {
      if (isUp) {
        const out = await auth.signUp(user.value.trim(), pass.value, email.value || undefined)
        if (out.needsConfirmation && auth.confirmSignUp) {
          const code = prompt(`Enter the code sent to ${out.destination ?? 'you'}`)
          if (code) await auth.confirmSignUp(user.value.trim(), code.trim())
        }
      }
      const s = await auth.signIn(user.value.trim(), pass.value)
      username = s.username
      setAccount()
      location.hash = '#/'
    } catch (e) {
      msg.className = 'notice error'
      msg.textContent = describeError(e)
      submit.disabled = false
      pass.focus()
    }
  })
  main.replaceChildren(form)
  user.focus()
}

// --- pictures and tiles ----------------------------------------------------------------

const PAGE = 24
const POLL_MS = 1500

function statusBadge(status: string) {
  return h('span', { class: `badge s-${status}`, 'data-testid': 'status' }, status)
}

function placeholder(label: string, big: boolean) {
  return h('div', { class: 'pic placeholder', role: big ? 'img' : null, 'aria-label': big ? label : null, 'data-testid': 'placeholder' }, label)
}

/** The picture of an image: its rendition when the server makes them, else the original when
 *  the browser shows that format, else a labelled placeholder. */
function picture(img: Image, big = false): HTMLElement {
  const p = pictureOf(img, big)
  if (p.kind === 'placeholder') return placeholder(p.label, big)
  const pic = h('img', {
    src: p.src,
    alt: big ? `The image ${img.filename}` : '',
    loading: big ? null : 'lazy',
    decoding: 'async',
    width: p.width ?? null,
    height: p.height ?? null,
    class: 'pic',
    'data-testid': big ? 'viewer-image' : null,
    // In the viewer a horizontal drag is a swipe, not the browser's drag-and-drop of the image.
    draggable: big ? 'false' : null,
  })
  // A file that claims a showable format but does not decode gets the placeholder, not a broken icon.
  pic.addEventListener('error', () => pic.replaceWith(placeholder('No preview: the browser could not decode this file', big)), { once: true })
  return pic
}

function failureOf(img: Image, detected?: string | null) {
  const fmt = img.format ?? formatOfType(img.contentType)
  return explainFailure(img.status, img.error, fmt, detected)
}

function formatOfType(contentType: string): string | null {
  const t = contentType.toLowerCase().split(';')[0]!.trim()
  const m = /^image\/(?:x-)?([a-z0-9.+-]+)$/.exec(t)
  if (!m) return null
  return canonicalFormat(m[1]!.replace(/^ms-/, ''))
}

// The first bytes of files the extractor does not read, to say what they are instead.
const sniffed = new Map<string, Promise<string | null>>()
function detectedFormat(img: Image): Promise<string | null> {
  let p = sniffed.get(img.imageId)
  if (!p) {
    p = (async () => {
      if (!img.contentUrl) return null
      const ctl = new AbortController()
      try {
        const res = await fetch(img.contentUrl, { headers: { Range: 'bytes=0-255' }, signal: ctl.signal })
        if (!res.ok || !res.body) return null
        const reader = res.body.getReader()
        const chunks: Uint8Array[] = []
        let n = 0
        while (n < 256) {
          const { value, done } = await reader.read()
          if (done || !value) break
          chunks.push(value)
          n += value.length
        }
        ctl.abort()
        const all = new Uint8Array(n)
        let at = 0
        for (const c of chunks) {
          all.set(c, at)
          at += c.length
        }
        return sniffFormat(all.subarray(0, 256))
      } catch {
        return null
      }
    })()
    sniffed.set(img.imageId, p)
  }
  return p
}

function reasonLine(img: Image): HTMLElement | null {
  if (img.status !== 'failed' && img.status !== 'unsupported') return null
  const line = h('div', { class: 'sub err', 'data-testid': 'reason' }, failureOf(img).summary)
  if (img.status === 'unsupported')
    void detectedFormat(img).then((d) => {
      if (d) line.textContent = failureOf(img, d).summary
    })
  return line
}

interface TileContext {
  filters: Filters
  selected: Set<string>
  onToggle(id: string, on: boolean, shift: boolean): void
}

function tile(img: Image, ctx: TileContext): HTMLLIElement {
  const box = h('input', { type: 'checkbox', class: 'select', 'aria-label': `Select ${img.filename}` })
  box.checked = ctx.selected.has(img.imageId)
  box.addEventListener('click', (ev) => ctx.onToggle(img.imageId, box.checked, (ev as MouseEvent).shiftKey))
  const cam = cameraLine(img.make, img.model)
  const taken = shortTakenDate((img.metadata as Record<string, unknown> | undefined)?.DateTimeOriginal, img.takenAt ?? null)
  const pending = previewPending(img)
  return h(
    'li',
    { class: 'tile', 'data-id': img.imageId, 'data-status': img.status, 'data-preview': img.previewStatus ?? null },
    box,
    h(
      'a',
      { href: imageHref(img.imageId, ctx.filters), class: 'tile-link' },
      h('div', { class: 'frame' }, picture(img)),
      h('span', { class: 'name', 'data-testid': 'filename' }, img.filename),
    ),
    img.status !== 'ready' || img.format || pending
      ? h(
          'div',
          { class: 'meta' },
          img.status !== 'ready' ? statusBadge(img.status) : null,
          pending ? h('span', { class: 'badge s-pending', 'data-testid': 'preview-pending' }, 'preview pending') : null,
          img.format ? h('span', null, img.format) : null,
          // The record's own coordinates decide (older records may carry a looser hasGps).
          hasLocation(img.metadata) ? h('span', { class: 'loc', 'data-testid': 'has-location' }, '· location') : null,
        )
      : null,
    cam ? h('div', { class: 'sub' }, cam) : null,
    taken ? h('div', { class: 'sub' }, taken) : null,
    reasonLine(img),
  )
}

// --- gallery ---------------------------------------------------------------------------

interface GalleryView {
  key: string
  filters: Filters
  abort: AbortController
  order(): string[]
  get(id: string): Image | undefined
  hasMore(): boolean
  loadMore(): Promise<void>
  put(img: Image): void
  remove(id: string): void
  focusTile(id: string): void
  saveScroll(): void
}

let gallery: GalleryView | null = null

function dropGallery() {
  gallery?.saveScroll()
  gallery?.abort.abort()
  gallery = null
  uploader?.destroy()
  uploader = null
}

const VIEW_KEY = 'imgmeta:view:'
interface SavedView {
  count: number
  y: number
}
function savedView(key: string): SavedView | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(VIEW_KEY + key) ?? 'null') as SavedView | null
    return v && Number.isFinite(v.count) && Number.isFinite(v.y) ? v : null
  } catch {
    return null
  }
}

function foldButton(label: string, target: HTMLElement, open: boolean): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'btn fold', 'aria-expanded': String(open), 'aria-controls': target.id }, label)
  target.hidden = !open
  b.addEventListener('click', () => {
    const now = target.hidden
    target.hidden = !now
    b.setAttribute('aria-expanded', String(now))
  })
  return b
}

function datalist(id: string, values: Facets['make'] | undefined) {
  return h('datalist', { id }, (values ?? []).slice(0, 200).map((v) => h('option', { value: v.value, label: `${v.value} (${v.count})` })))
}

function filterForm(f: Filters, facets: Facets | null): HTMLFormElement {
  const field = (name: keyof Filters, label: string, type = 'text', list?: string) => {
    const id = 'f-' + name
    return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name, type, value: String(f[name] ?? ''), list: list ?? null, autocomplete: 'off' }))
  }
  const gps = h(
    'select',
    { id: 'f-hasGps', name: 'hasGps' },
    h('option', { value: '' }, 'Any'),
    h('option', { value: 'true' }, 'With location'),
    h('option', { value: 'false' }, 'Without location'),
  )
  gps.value = f.hasGps === null ? '' : String(f.hasGps)
  const sort = h(
    'select',
    { id: 'f-sort', name: 'sort' },
    h('option', { value: 'taken' }, 'Date taken'),
    h('option', { value: 'uploaded' }, 'Upload time'),
  )
  sort.value = f.sort
  const zoom = h('select', { id: 'f-zoom', name: 'zoom' }, h('option', { value: 'day' }, 'Day'), h('option', { value: 'month' }, 'Month'))
  zoom.value = f.zoom
  // Exposure ranges: two boxes under one legend; a typed fraction (1/250) is read as a number.
  const bound = (key: RangeKey, label: string) =>
    h('input', { id: 'f-' + key, name: key, type: 'text', inputmode: 'decimal', value: f[key], 'aria-label': label, autocomplete: 'off', size: 6 })
  const ranges = RANGES.map((r) =>
    h('fieldset', { class: 'field range' }, h('legend', null, r.label), bound(r.min, `${r.label} from`), h('span', { 'aria-hidden': 'true' }, '–'), bound(r.max, `${r.label} to`)),
  )
  const orientation = h(
    'select',
    { id: 'f-orientation', name: 'orientation' },
    h('option', { value: '' }, 'Any'),
    h('option', { value: 'landscape' }, 'Landscape'),
    h('option', { value: 'portrait' }, 'Portrait'),
    h('option', { value: 'square' }, 'Square'),
  )
  orientation.value = f.orientation
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter images', id: 'filters' },
    field('q', 'Search'),
    field('format', 'Format', 'text', 'dl-format'),
    field('make', 'Make', 'text', 'dl-make'),
    field('model', 'Model', 'text', 'dl-model'),
    field('lens', 'Lens', 'text', 'dl-lens'),
    field('takenFrom', 'Taken from', 'date'),
    field('takenTo', 'Taken to', 'date'),
    h('div', { class: 'field' }, h('label', { for: 'f-hasGps' }, 'Location'), gps),
    ...ranges,
    h('div', { class: 'field' }, h('label', { for: 'f-orientation' }, 'Orientation'), orientation),
    h('div', { class: 'field' }, h('label', { for: 'f-sort' }, 'Sort by'), sort),
    h('div', { class: 'field' }, h('label', { for: 'f-zoom' }, 'Group by'), zoom),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'btn primary' }, 'Apply'),
      isFiltered(f) ? h('a', { class: 'btn', href: galleryHref({ ...NO_FILTERS, sort: f.sort, zoom: f.zoom }) }, 'Clear') : null,
    ),
    datalist('dl-format', facets?.format),
    datalist('dl-make', facets?.make),
    datalist('dl-model', facets?.model),
    datalist('dl-lens', facets?.lens),
  )
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const d = new FormData(form)
    const s = (k: string) => String(d.get(k) ?? '').trim()
    const hg = s('hasGps')
    // Through the URL's own parser, so the form and a typed URL read values alike.
    const extra = parseFilters(new URLSearchParams([...RANGES.flatMap((r) => [[r.min, s(r.min)], [r.max, s(r.max)]]), ['orientation', s('orientation')]]))
    location.hash = galleryHref({
      ...NO_FILTERS,
      ...filterQueryFields(extra),
      bbox: f.bbox,
      q: s('q'),
      format: s('format').toUpperCase(),
      make: s('make'),
      model: s('model'),
      lens: s('lens'),
      takenFrom: s('takenFrom'),
      takenTo: s('takenTo'),
      hasGps: hg === '' ? null : hg === 'true',
      sort: s('sort') === 'uploaded' ? 'uploaded' : 'taken',
      zoom: s('zoom') === 'month' ? 'month' : 'day',
    })
  })
  return form
}

function buildGallery(f: Filters): GalleryView {
  dropGallery()
  const abort = new AbortController()
  const signal = abort.signal
  const key = galleryHref(f)
  const narrow = innerWidth < 700
  const notice = h('p', { id: 'notice', class: 'notice', role: 'status' })
  const timeline = h('div', { class: 'timeline', id: 'grid' })
  const scrubber = h('nav', { class: 'scrubber', 'aria-label': 'Jump to a date', hidden: true })
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' })
  const empty = h('p', { class: 'empty', hidden: true })
  const count = h('span', { class: 'count', 'data-testid': 'count' })
  const selected = new Set<string>()
  const delSel = h('button', { type: 'button', class: 'btn danger', disabled: true, id: 'delete-selected' }, 'Delete selected')
  const selAll = h('button', { type: 'button', class: 'btn', id: 'select-all' }, 'Select all')
  // Share links (src/share/dialog.ts)
  const shareSel = h('button', { type: 'button', class: 'btn', disabled: true, id: 'share-selected', onclick: () => void openShareDialog(api, [...selected]) }, 'Share')
  const sharedLinks = h('button', { type: 'button', class: 'btn', id: 'shared-links', onclick: () => void openSharedLinks(api) }, 'Shared links')
  const exportFormat = h('select', { id: 'export-format', 'aria-label': 'Export format' }, h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'ndjson' }, 'NDJSON'))
  const exportBtn = h('button', { type: 'button', class: 'btn', id: 'export' }, isFiltered(f) ? 'Export these' : 'Export all')
  const uploadBox = h('div', { id: 'uploader', class: 'uploader' })
  const notes = h('ul', { class: 'upload-notes', id: 'upload-notes', 'aria-live': 'polite' })
  const uploadSection = h('section', { class: 'upload-section', id: 'upload-section', 'aria-label': 'Upload' }, uploadBox, notes)
  const filterBox = h('div', { id: 'filter-box', class: 'filter-box' }, filterForm(f, null))
  const desc = describeFilters(f)
  const root = h(
    'div',
    { class: 'gallery' },
    h(
      'div',
      { class: 'gallery-head' },
      h('h1', null, 'Your images ', count),
      viewTabs('gallery', f),
      h('div', { class: 'folds' }, foldButton('Upload', uploadSection, !narrow), foldButton(isFiltered(f) ? 'Filters (on)' : 'Filters', filterBox, !narrow)),
    ),
    uploadSection,
    filterBox,
    desc ? h('p', { class: 'hint' }, 'Showing: ' + desc) : null,
    h('div', { class: 'toolbar' }, selAll, delSel, shareSel, sharedLinks, h('span', { class: 'export' }, exportFormat, exportBtn)),
    notice,
    h('div', { class: 'timeline-wrap' }, timeline, scrubber),
    empty,
    sentinel,
  )
  main.replaceChildren(root)
  setTitle(desc ? `Your images (${desc})` : 'Your images')

  const items = new Map<string, Image>()
  const tiles = new Map<string, HTMLLIElement>()
  let order: Image[] = []
  let cursor: string | null = null
  let done = false
  let loading: Promise<void> | null = null
  let lastClicked: string | null = null

  const onSelect = () => {
    delSel.disabled = selected.size === 0
    delSel.textContent = selected.size ? `Delete ${selected.size} selected` : 'Delete selected'
    shareSel.disabled = selected.size === 0
    shareSel.textContent = selected.size ? `Share ${selected.size}` : 'Share'
  }
  const ctx: TileContext = {
    filters: f,
    selected,
    onToggle(id, on, shift) {
      const ids = order.map((i) => i.imageId)
      const targets = shift && lastClicked && ids.includes(lastClicked)
        ? ids.slice(Math.min(ids.indexOf(lastClicked), ids.indexOf(id)), Math.max(ids.indexOf(lastClicked), ids.indexOf(id)) + 1)
        : [id]
      for (const t of targets) {
        if (on) selected.add(t)
        else selected.delete(t)
        const box = tiles.get(t)?.querySelector('input.select') as HTMLInputElement | null
        if (box) box.checked = on
      }
      lastClicked = id
      onSelect()
    },
  }

  const sections = new Map<string, { section: HTMLElement; list: HTMLUListElement }>()
  const layout = () => {
    const groups = groupTimeline(order, f.sort, f.zoom)
    const keep = new Set<string>()
    const out: HTMLElement[] = []
    for (const g of groups) {
      keep.add(g.key)
      let s = sections.get(g.key)
      const headingId = 'g-' + g.key.replace(/[^a-zA-Z0-9-]/g, '-')
      if (!s) {
        const list = h('ul', { class: 'grid', 'aria-labelledby': headingId })
        s = { section: h('section', { class: 'day', 'data-group': g.key }, h('h2', { id: headingId, class: 'day-title' }, g.label), list), list }
        sections.set(g.key, s)
      }
      const want = g.items.map((i) => tiles.get(i.imageId)!).filter(Boolean)
      const have = [...s.list.children]
      if (want.length !== have.length || want.some((t, i) => t !== have[i])) s.list.replaceChildren(...want)
      out.push(s.section)
    }
    for (const k of [...sections.keys()]) if (!keep.has(k)) sections.delete(k)
    const current = [...timeline.children]
    if (out.length !== current.length || out.some((x, i) => x !== current[i])) timeline.replaceChildren(...out)
    count.textContent = order.length ? `(${order.length}${done ? '' : '+'})` : ''
    // The scrubber: one entry per month (per year when grouped by month), for long libraries.
    const marks: { label: string; key: string }[] = []
    const seen = new Set<string>()
    for (const g of groups) {
      const m = /^([tu]):(\d{4})-(\d{2})/.exec(g.key)
      if (!m) continue
      const mark = f.zoom === 'month' ? m[2]! : `${m[2]}-${m[3]}`
      const label = g.key.startsWith('u:') && f.sort === 'taken' ? 'Undated' : f.zoom === 'month' ? m[2]! : `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m[3]) - 1]} ${m[2]}`
      const id = label === 'Undated' ? 'undated' : mark
      if (seen.has(id)) continue
      seen.add(id)
      marks.push({ label, key: g.key })
    }
    scrubber.hidden = !(marks.length >= 3 && order.length >= 30)
    if (!scrubber.hidden)
      scrubber.replaceChildren(
        ...marks.map((mk) =>
          h('button', { type: 'button', class: 'mark', onclick: () => sections.get(mk.key)?.section.scrollIntoView({ block: 'start' }) }, mk.label),
        ),
      )
  }

  const put = (img: Image) => {
    gone.delete(img.imageId)  // restored from the trash
    const known = items.has(img.imageId)
    items.set(img.imageId, img)
    const t = tile(img, ctx)
    const old = tiles.get(img.imageId)
    tiles.set(img.imageId, t)
    if (known) {
      order = order.map((i) => (i.imageId === img.imageId ? img : i))
      old?.replaceWith(t)
    } else {
      const at = order.findIndex((i) => compareImages(img, i, f.sort) < 0)
      if (at < 0) order.push(img)
      else order.splice(at, 0, img)
    }
    empty.hidden = true
    layout()
  }
  // Deleted here: a page that was on its way when it happened must not bring it back.
  const gone = new Set<string>()
  const remove = (id: string) => {
    gone.add(id)
    tiles.get(id)?.remove()
    tiles.delete(id)
    items.delete(id)
    selected.delete(id)
    order = order.filter((i) => i.imageId !== id)
    layout()
    onSelect()
  }

  const loadPage = async (limit: number) => {
    sentinel.textContent = 'Loading…'
    try {
      const page = await api.listImages(toListQuery(f, cursor, limit), signal)
      for (const img of page.items)
        if (!items.has(img.imageId) && !gone.has(img.imageId)) {
          items.set(img.imageId, img)
          tiles.set(img.imageId, tile(img, ctx))
          order.push(img)
        }
      cursor = page.nextCursor
      done = !cursor
      layout()
      if (items.size === 0) {
        empty.hidden = false
        empty.textContent = isFiltered(f) ? 'No images match these filters.' : 'No images yet. Use Upload to add some.'
      }
    } catch (e) {
      if (!signal.aborted) {
        notice.className = 'notice error'
        notice.textContent = describeError(e)
        done = true
      }
    } finally {
      sentinel.textContent = done ? '' : ' '
    }
  }
  const loadMore = (limit = PAGE): Promise<void> => {
    if (done || signal.aborted) return Promise.resolve()
    if (!loading) {
      loading = loadPage(limit).finally(() => {
        loading = null
        // Keep loading while the sentinel is still on screen (a tall window).
        if (!done && !signal.aborted && !viewerOpen() && sentinel.getBoundingClientRect().top < innerHeight + 400) void loadMore()
      })
    }
    return loading
  }

  const saveScroll = () => {
    if (signal.aborted) return
    try {
      sessionStorage.setItem(VIEW_KEY + key, JSON.stringify({ count: order.length, y: scrollY }))
    } catch {
      // Private mode: nothing to restore later.
    }
  }
  let scrollTimer = 0
  const onScroll = () => {
    if (viewerOpen()) return
    clearTimeout(scrollTimer)
    scrollTimer = window.setTimeout(saveScroll, 150)
  }
  addEventListener('scroll', onScroll, { passive: true })
  addEventListener('pagehide', saveScroll)
  // Opening an image within the 150 ms after a scroll: the place to come Back to is now.
  const onOpen = (e: Event) => {
    if ((e.target as Element | null)?.closest?.('a.tile-link')) {
      clearTimeout(scrollTimer)
      saveScroll()
    }
  }
  addEventListener('click', onOpen, { capture: true })
  signal.addEventListener('abort', () => {
    removeEventListener('scroll', onScroll)
    removeEventListener('pagehide', saveScroll)
    removeEventListener('click', onOpen, { capture: true })
  })

  // Back or reload to a view seen before: the same number of images, the same place.
  const revisit = (history.state as { view?: string } | null)?.view === key
  const saved = revisit ? savedView(key) : null
  history.replaceState({ ...(history.state ?? {}), view: key }, '')
  void (async () => {
    if (saved && saved.count > 0) {
      while (!done && !signal.aborted && order.length < saved.count) await loadMore(Math.min(100, Math.max(PAGE, saved.count - order.length)))
      if (!signal.aborted) scrollTo(0, saved.y)
    } else {
      await loadMore()
    }
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !viewerOpen()) void loadMore()
    }, { rootMargin: '400px' })
    io.observe(sentinel)
    signal.addEventListener('abort', () => io.disconnect())
  })()

  // Suggestions for the filters: the values this user's images have.
  void api.facets(signal).then(
    (facets) => {
      if (signal.aborted) return
      for (const k of ['format', 'make', 'model', 'lens'] as const) document.getElementById('dl-' + k)?.replaceWith(datalist('dl-' + k, facets[k]))
    },
    () => {},
  )

  // Live status: poll the images still being processed (metadata or preview).
  const poll = setInterval(async () => {
    for (const img of [...items.values()].filter((i) => !isTerminal(i.status) || previewPending(i))) {
      try {
        const fresh = await api.getImage(img.imageId, signal)
        if (fresh.status !== img.status || fresh.previewStatus !== img.previewStatus) {
          put(fresh)
          announce(`${fresh.filename}: ${fresh.status}`)
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) remove(img.imageId)
      }
    }
  }, POLL_MS)
  signal.addEventListener('abort', () => clearInterval(poll))

  selAll.addEventListener('click', () => {
    const all = order.length > 0 && order.every((i) => selected.has(i.imageId))
    for (const i of order) ctx.onToggle(i.imageId, !all, false)
    selAll.textContent = all ? 'Select all' : 'Select none'
  })
  // The export: the bearer token goes in a header, so the file comes through fetch and is
  // handed to the browser as a blob with a name.
  exportBtn.addEventListener('click', async () => {
    const format = exportFormat.value === 'ndjson' ? 'ndjson' : 'csv'
    exportBtn.disabled = true
    notice.className = 'notice'
    notice.textContent = 'Exporting…'
    try {
      const { blob, filename } = await api.exportImages(toExportQuery(f, format), signal)
      saveBlob(blob, safeName(filename ?? exportFilename(format)))
      notice.textContent = `Exported ${formatBytes(blob.size)} as ${format.toUpperCase()}.`
    } catch (e) {
      if (signal.aborted) return
      notice.className = 'notice error'
      notice.textContent = 'The export failed: ' + describeError(e)
    } finally {
      exportBtn.disabled = false
      announce(notice.textContent ?? '')
    }
  })
  // Delete moves to the trash (no confirmation: the undo notice and the Trash view undo it).
  delSel.addEventListener('click', async () => {
    const ids = [...selected]
    if (!ids.length) return
    delSel.disabled = true
    const moved: string[] = []
    for (const id of ids) {
      try {
        await api.deleteImage(id)
        remove(id)
        moved.push(id)
      } catch {
        // Counted below.
      }
    }
    onSelect()
    const failed = ids.length - moved.length
    notice.className = failed ? 'notice error' : 'notice'
    notice.textContent = failed ? `${failed} could not be moved to the trash.` : ''
    if (failed) announce(notice.textContent)
    if (moved.length) offerUndo(moved)
  })

  const note = (testid: string, ...children: (Node | string)[]) => {
    notes.append(h('li', { 'data-testid': testid }, ...children))
    uploadSection.hidden = false
  }
  uploader = createUploader({
    api,
    target: uploadBox,
    maxFileSize: config.maxUploadSize,
    multipartThreshold: config.multipartThreshold,
    partSize: config.partSize,
    onUploaded: async (imageId) => {
      try {
        const img = await api.getImage(imageId)
        if (!signal.aborted) put(img)
      } catch {
        // The poll or the next visit shows it.
      }
    },
    onDuplicate: (imageId, filename) => {
      note('duplicate', `${filename} is already in your library: `, h('a', { href: imageHref(imageId, f), 'data-testid': 'duplicate-link' }, 'open it'), '.')
    },
    onRefused: (filename, reason) => {
      note('refused', `${filename} was not added: ${reason}`)
    },
  })

  const view: GalleryView = {
    key,
    filters: f,
    abort,
    order: () => order.map((i) => i.imageId),
    get: (id) => items.get(id),
    hasMore: () => !done,
    loadMore: () => loadMore(),
    put,
    remove,
    focusTile(id) {
      ;(tiles.get(id)?.querySelector('a.tile-link') as HTMLElement | null)?.focus({ preventScroll: true })
    },
    saveScroll,
  }
  gallery = view
  return view
}

// --- viewer ------------------------------------------------------------------------------

let viewerEl: HTMLElement | null = null
let viewerAbort: AbortController | null = null
let viewerFromGallery = false
let viewerId: string | null = null
const viewerOpen = () => viewerEl !== null

function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob)
  const a = h('a', { href: url, download: filename })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

function safeName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f/\\]+/g, '_').slice(0, 200) || 'image'
}

function closeViewer() {
  viewerAbort?.abort()
  viewerAbort = null
  const wasOpen = viewerEl !== null
  viewerEl?.remove()
  viewerEl = null
  document.body.classList.remove('viewing')
  main.inert = false
  ;(document.querySelector('header.top') as HTMLElement | null)?.toggleAttribute('inert', false)
  removeEventListener('keydown', viewerKeys)
  if (wasOpen && viewerId && gallery) gallery.focusTile(viewerId)
  viewerId = null
}

function leaveViewer() {
  const f = gallery?.filters ?? NO_FILTERS
  if (viewerFromGallery) history.back()
  else location.replace(galleryHref(f))
}

async function step(dir: -1 | 1) {
  if (!gallery || !viewerId) return
  let next = neighbour(gallery.order(), viewerId, dir)
  if (!next && dir === 1 && gallery.hasMore()) {
    await gallery.loadMore()
    next = neighbour(gallery.order(), viewerId, dir)
  }
  if (next) location.replace(imageHref(next, gallery.filters))
  else announce(dir === 1 ? 'This is the last image.' : 'This is the first image.')
}

function viewerKeys(ev: KeyboardEvent) {
  if (!viewerEl || ev.altKey || ev.ctrlKey || ev.metaKey) return
  const t = ev.target as HTMLElement | null
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return
  if (ev.key === 'Escape') {
    ev.preventDefault()
    leaveViewer()
  } else if (ev.key === 'ArrowLeft') {
    ev.preventDefault()
    void step(-1)
  } else if (ev.key === 'ArrowRight') {
    ev.preventDefault()
    void step(1)
  }
}

function openViewer(imageId: string, fromGallery: boolean) {
  if (!viewerEl) {
    viewerFromGallery = fromGallery
    gallery?.saveScroll()
    viewerEl = h('div', { class: 'viewer', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'viewer-title', tabindex: -1, id: 'viewer' })
    document.body.append(viewerEl)
    document.body.classList.add('viewing')
    main.inert = true
    ;(document.querySelector('header.top') as HTMLElement | null)?.toggleAttribute('inert', true)
    addEventListener('keydown', viewerKeys)
  }
  viewerAbort?.abort()
  viewerAbort = new AbortController()
  viewerId = imageId
  const signal = viewerAbort.signal
  const cached = gallery?.get(imageId)
  if (cached) renderViewer(cached, signal, false)
  else viewerEl.replaceChildren(h('p', { class: 'loading' }, 'Loading…'))
  void api.getImage(imageId, signal).then(
    (img) => {
      if (signal.aborted) return
      // The list's copy is shown at once; the fresh one replaces it only when something changed
      // (not merely the signed URLs).
      const same = (i: Image) => JSON.stringify({ ...i, contentUrl: null, thumbnailUrl: null, previewUrl: null })
      if (!cached || same(cached) !== same(img)) renderViewer(img, signal, !!cached)
    },
    (e) => {
      if (signal.aborted || !viewerEl) return
      if (cached) return
      // Nothing to view: a page of its own rather than a dialog over the gallery.
      closeViewer()
      dropGallery()
      main.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, describeError(e)), h('a', { href: '#/' }, 'Back to the gallery'))
      setTitle('Not found')
      main.focus({ preventScroll: true })
    },
  )
}

function renderViewer(img: Image, signal: AbortSignal, keepFocus: boolean) {
  if (!viewerEl) return
  viewerEl.dataset.id = img.imageId
  setTitle(img.filename)
  const order = gallery?.order() ?? []
  const pos = order.indexOf(img.imageId)
  const notice = h('p', { id: 'notice', class: 'notice', role: 'status', 'data-testid': 'viewer-notice' })

  // The picture: fits the screen; a click or the Zoom button shows it at full size.
  const stage = h('div', { class: 'stage', 'data-testid': 'stage' }, picture(img, true))
  const zoom = h('button', { type: 'button', class: 'btn', id: 'zoom', 'aria-pressed': 'false' }, 'Zoom to 100%')
  const toggleZoom = () => {
    const on = !stage.classList.contains('zoomed')
    stage.classList.toggle('zoomed', on)
    zoom.setAttribute('aria-pressed', String(on))
    zoom.textContent = on ? 'Fit to screen' : 'Zoom to 100%'
  }
  zoom.addEventListener('click', toggleZoom)
  stage.addEventListener('click', (ev) => {
    if ((ev.target as HTMLElement).tagName === 'IMG') toggleZoom()
  })
  // Swipe: a horizontal drag of at least 50 px moves to the neighbour (not while zoomed).
  let x0: number | null = null
  let y0 = 0
  stage.addEventListener('pointerdown', (ev) => {
    x0 = ev.clientX
    y0 = ev.clientY
  })
  stage.addEventListener('pointerup', (ev) => {
    if (x0 === null || stage.classList.contains('zoomed')) return
    const dx = ev.clientX - x0
    const dy = ev.clientY - y0
    x0 = null
    if (Math.abs(dx) >= 50 && Math.abs(dx) > 2 * Math.abs(dy)) void step(dx < 0 ? 1 : -1)
  })

  const prev = h('button', { type: 'button', class: 'btn', id: 'prev', 'aria-label': 'Previous image', disabled: pos <= 0, onclick: () => void step(-1) }, '‹ Previous')
  const next = h('button', { type: 'button', class: 'btn', id: 'next', 'aria-label': 'Next image', disabled: pos < 0 || (pos >= order.length - 1 && !gallery?.hasMore()), onclick: () => void step(1) }, 'Next ›')

  const original = h('button', { type: 'button', class: 'btn', id: 'download-original' }, 'Download original')
  original.addEventListener('click', async () => {
    original.disabled = true
    notice.className = 'notice'
    notice.textContent = 'Downloading the original…'
    try {
      // A fresh record: the content URL it carries is signed for a short while only.
      const fresh = await api.getImage(img.imageId)
      if (!fresh.contentUrl) throw new Error('The server gives no address for the original.')
      const res = await fetch(fresh.contentUrl)
      if (!res.ok) throw new Error(`The original could not be fetched (HTTP ${res.status}).`)
      saveBlob(await res.blob(), safeName(img.filename))
      notice.textContent = ''
    } catch (e) {
      notice.className = 'notice error'
      notice.textContent = describeError(e)
    } finally {
      original.disabled = false
    }
  })
  const json = JSON.stringify(img.metadata ?? {}, null, 2)
  const download = h('button', { type: 'button', class: 'btn', id: 'download-json' }, 'Download metadata')
  download.addEventListener('click', () => saveBlob(new Blob([json], { type: 'application/json' }), safeName(img.filename) + '.json'))
  const del = h('button', { type: 'button', class: 'btn danger', id: 'delete' }, 'Delete')
  del.addEventListener('click', async () => {
    try {
      const ids = gallery?.order() ?? []
      const after = neighbour(ids, img.imageId, 1) ?? neighbour(ids, img.imageId, -1)
      await api.deleteImage(img.imageId)
      gallery?.remove(img.imageId)
      offerUndo([img.imageId])
      if (after && gallery) location.replace(imageHref(after, gallery.filters))
      else leaveViewer()
    } catch (e) {
      notice.className = 'notice error'
      notice.textContent = describeError(e)
    }
  })
  const reex =
    img.status === 'failed' || img.status === 'unsupported'
      ? h('button', { type: 'button', class: 'btn', id: 'reextract' }, 'Re-run extraction')
      : null
  reex?.addEventListener('click', async () => {
    reex.disabled = true
    try {
      const before = await api.getImage(img.imageId, signal)
      await api.reextract(img.imageId)
      notice.className = 'notice'
      notice.textContent = 'Extraction queued…'
      const started = Date.now()
      while (!signal.aborted && Date.now() - started < 60_000) {
        await new Promise((r) => setTimeout(r, POLL_MS))
        const fresh = await api.getImage(img.imageId, signal)
        if (fresh.updatedAt !== before.updatedAt || fresh.status !== before.status) {
          gallery?.put(fresh)
          renderViewer(fresh, signal, true)
          const n = document.getElementById('notice')
          const outcome =
            fresh.status === 'ready' ? 'the metadata is read now.'
            : fresh.status === 'pending' ? 'it is still being processed.'
            : `it ${fresh.status === before.status ? 'still fails' : 'fails'}: ${failureOf(fresh).summary}`
          if (n) {
            n.className = fresh.status === 'ready' ? 'notice' : 'notice error'
            n.setAttribute('data-testid', 'reextract-result')
            n.textContent = `Re-extraction finished: ${outcome}`
            announce(n.textContent)
          }
          return
        }
      }
      if (!signal.aborted) notice.textContent = 'Extraction is taking long; the result will show here when it ends.'
    } catch (e) {
      if (signal.aborted) return
      notice.className = 'notice error'
      notice.textContent = describeError(e)
      reex.disabled = false
    }
  })

  // The header: when, where, with what, how.
  const s = summaryOf(img)
  const sumRow = (label: string, value: Node | string | null, testid: string) =>
    h('div', { class: 'sum', 'data-testid': testid }, h('dt', null, label), h('dd', null, value ?? 'not recorded'))
  const summary = h(
    'dl',
    { class: 'summary', 'data-testid': 'summary' },
    sumRow('Taken', s.taken, 'sum-taken'),
    sumRow('Place', s.place ? [s.place.text, ' ', h('a', { href: s.place.href, rel: 'noopener noreferrer', target: '_blank' }, 'map')].reduce<HTMLElement>((el, c) => (el.append(c), el), h('span')) : null, 'sum-place'),
    sumRow('Camera', s.camera, 'sum-camera'),
    s.lens ? sumRow('Lens', s.lens, 'sum-lens') : null,
    s.exposure ? sumRow('Exposure', s.exposure, 'sum-exposure') : null,
  )

  let reason: HTMLElement | null = null
  if (img.status === 'failed' || img.status === 'unsupported') {
    const ex = failureOf(img)
    const sentence = h('p', { class: 'notice error', 'data-testid': 'error' }, ex.summary)
    reason = h('div', { class: 'reason' }, sentence, ex.details ? h('details', { class: 'tech' }, h('summary', null, 'Details'), h('p', { 'data-testid': 'error-details' }, ex.details)) : null)
    if (img.status === 'unsupported')
      void detectedFormat(img).then((d) => {
        if (d) sentence.textContent = failureOf(img, d).summary
      })
  }

  const meta = (img.metadata ?? {}) as Record<string, unknown>
  const rawToggle = h('input', { type: 'checkbox', id: 'show-raw' })
  const groups = groupMetadata(img).map((g) =>
    h(
      'section',
      { class: 'group', 'data-group': g.id },
      h('h2', null, g.title),
      h(
        'dl',
        null,
        g.rows.map((r) => {
          const raw = r.fields.filter((k) => Object.hasOwn(meta, k)).map((k) => `${k} = ${formatValue(meta[k])}`).join('; ')
          return h(
            'div',
            { class: 'row', 'data-field': r.fields[0] ?? '' },
            h('dt', null, r.label),
            h(
              'dd',
              null,
              h('span', { class: 'v' }, r.value),
              r.detail ? h('span', { class: 'detail' }, r.detail) : null,
              r.link ? [' ', h('a', { href: r.link.href, rel: 'noopener noreferrer', target: '_blank' }, r.link.text)] : null,
              raw ? h('code', { class: 'rawval' }, raw) : null,
            ),
          )
        }),
      ),
    ),
  )
  const info = h('div', { class: 'info' })
  rawToggle.addEventListener('change', () => info.classList.toggle('show-raw', rawToggle.checked))
  const rawPre = h('pre', { class: 'raw', id: 'raw-json', tabindex: 0 })
  rawPre.textContent = json
  info.append(
    h('div', { class: 'meta' }, img.status !== 'ready' ? statusBadge(img.status) : null, ' ', formatBytes(img.size), img.format ? ` · ${img.format}` : ''),
    summary,
    img.trashedAt ? h('p', { class: 'notice', 'data-testid': 'in-trash' }, 'This image is in the trash.') : '',
    reason ?? '',
    h('ul', { class: 'warnings' }, warningsOf(img).map((w) => h('li', null, w))),
    notice,
    groups.length ? h('p', { class: 'rawswitch' }, rawToggle, ' ', h('label', { for: 'show-raw' }, 'Show raw values')) : '',
    ...(groups.length ? groups : [h('p', null, 'No metadata yet.')]),
    h('details', { class: 'rawbox' }, h('summary', null, 'Raw JSON'), rawPre),
  )

  viewerEl.replaceChildren(
    h(
      'div',
      { class: 'viewer-bar' },
      h('button', { type: 'button', class: 'btn', id: 'viewer-close', onclick: leaveViewer, 'aria-label': 'Close (Escape)' }, '✕ Close'),
      h('h1', { id: 'viewer-title', class: 'title', 'data-testid': 'detail-filename' }, img.filename),
      h('span', { class: 'pos', 'data-testid': 'position' }, pos >= 0 ? `${pos + 1} of ${order.length}${gallery?.hasMore() ? '+' : ''}` : ''),
      h('div', { class: 'viewer-actions' }, prev, next, zoom, original, download, reex, img.trashedAt ? restoreFromViewer(img, notice) : del),
    ),
    h('div', { class: 'viewer-body' }, stage, info),
  )
  if (!keepFocus) (document.getElementById('viewer-close') as HTMLElement | null)?.focus({ preventScroll: true })
  if (!isTerminal(img.status) || previewPending(img)) {
    const t = setInterval(async () => {
      try {
        const fresh = await api.getImage(img.imageId, signal)
        if (fresh.status !== img.status || fresh.updatedAt !== img.updatedAt || fresh.previewStatus !== img.previewStatus) {
          clearInterval(t)
          gallery?.put(fresh)
          renderViewer(fresh, signal, true)
        }
      } catch {
        clearInterval(t)
      }
    }, POLL_MS)
    signal.addEventListener('abort', () => clearInterval(t))
  }
}

// --- trash -----------------------------------------------------------------------------

let undoNotice: UndoNotice | null = null

/** "Moved N to trash · Undo" after a delete; Undo restores them and shows them again. */
function offerUndo(ids: string[]) {
  undoNotice ??= createUndoNotice(document.body)
  announce(movedLabel(ids.length))
  undoNotice.show(movedLabel(ids.length), async () => {
    let failed = 0
    for (const id of ids) {
      try {
        const img = await api.restoreImage(id)
        gallery?.put(img)
      } catch {
        failed++
      }
    }
    announce(failed ? `${failed} could not be restored.` : `Restored ${ids.length}.`)
  })
}

function restoreFromViewer(img: Image, notice: HTMLElement): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'btn', id: 'restore' }, 'Restore')
  b.addEventListener('click', async () => {
    b.disabled = true
    try {
      const back = await api.restoreImage(img.imageId)
      gallery?.put(back)
      announce(`Restored ${back.filename}.`)
      if (viewerAbort) renderViewer(back, viewerAbort.signal, true)
    } catch (e) {
      notice.className = 'notice error'
      notice.textContent = describeError(e)
      b.disabled = false
    }
  })
  return b
}

// --- router --------------------------------------------------------------------------

let lastRoute: Route['name'] | null = null

/** Gallery and Map, as two links carrying the same filters. */
function viewTabs(current: 'gallery' | 'map', f: Filters) {
  const tab = (name: 'gallery' | 'map', label: string, href: string) =>
    h('a', { href, class: 'tab' + (name === current ? ' current' : ''), 'aria-current': name === current ? 'page' : null, id: 'tab-' + name }, label)
  return h('nav', { class: 'tabs', 'aria-label': 'Views' }, tab('gallery', 'Gallery', galleryHref(f)), tab('map', 'Map', mapHref(f)))
}

async function mapScreen(f: Filters, signal: AbortSignal) {
  const status = h('p', { class: 'notice', role: 'status', 'data-testid': 'map-status' }, 'Loading the map…')
  const toGallery = h('a', { class: 'btn', id: 'map-to-gallery', href: galleryHref(f) }, f.bbox ? 'Show this area in the gallery' : 'Show in the gallery')
  const desc = describeFilters({ ...f, bbox: '' })
  const box = h('div', { class: 'map-box' })
  main.replaceChildren(
    h('div', { class: 'gallery-head' }, h('h1', null, 'Map'), viewTabs('map', f)),
    ...(desc ? [h('p', { class: 'hint' }, 'Showing: ' + desc)] : []),
    h('div', { class: 'toolbar' }, toGallery),
    status,
    box,
  )
  try {
    const { showMap } = await import('./ui/map')
    if (signal.aborted) return
    const { count } = await showMap(box, {
      api,
      tiles: config.mapTiles,
      filters: f,
      signal,
      imageHref: (id) => imageHref(id, f),
      onArea(bbox) {
        if (signal.aborted) return
        const next = { ...f, bbox }
        f = next
        toGallery.setAttribute('href', galleryHref(next))
        toGallery.textContent = 'Show this area in the gallery'
        // The same view, another area: replace, so Back leaves the map rather than stepping through pans.
        history.replaceState(history.state, '', mapHref(next))
      },
    })
    status.textContent = count === 1 ? '1 photo with a location.' : `${count} photos with a location.`
  } catch (e) {
    if (signal.aborted) return
    status.className = 'notice error'
    status.textContent = 'The map could not be loaded: ' + describeError(e)
  }
}

async function route() {
  const r: Route = parseRoute(location.hash)
  const from = lastRoute
  lastRoute = r.name
  if (!username && r.name !== 'signin' && r.name !== 'signup') {
    location.replace('#/signin')
    return
  }
  if (username && (r.name === 'signin' || r.name === 'signup')) {
    location.replace('#/')
    return
  }
  if (r.name === 'gallery' || r.name === 'image') {
    // Leaving the map (or a sign-in screen) ends whatever it had running.
    pageAbort?.abort()
    pageAbort = null
    const key = galleryHref(r.filters)
    const same = gallery !== null && gallery.key === key && !gallery.abort.signal.aborted
    if (r.name === 'gallery') {
      closeViewer()
      if (!same) {
        buildGallery(r.filters)
        main.focus({ preventScroll: true })
      } else {
        setTitle(describeFilters(r.filters) ? `Your images (${describeFilters(r.filters)})` : 'Your images')
      }
      return
    }
    if (!same) buildGallery(r.filters)
    openViewer(r.imageId, from === 'gallery' && same)
    return
  }
  closeViewer()
  dropGallery()
  pageAbort?.abort()
  pageAbort = new AbortController()
  switch (r.name) {
    case 'signin':
    case 'signup':
      setTitle(r.name === 'signin' ? 'Sign in' : 'Create an account')
      authScreen(r.name)
      break
    case 'map':
      setTitle('Map')
      void mapScreen(r.filters, pageAbort.signal)
      break
    case 'trash':
      setTitle('Trash')
      trashScreen({ api, root: main, signal: pageAbort.signal, picture: (img) => picture(img), announce })
      break
    default:
      setTitle('Not found')
      main.replaceChildren(h('h1', null, 'Not found'), h('a', { href: '#/' }, 'Back to the gallery'))
  }
  main.focus({ preventScroll: true })
}

async function boot() {
  // The skip link moves focus; it must not navigate (the hash is the router's).
  document.querySelector('a.skip')?.addEventListener('click', (ev) => {
    ev.preventDefault()
    const target = viewerEl ?? main
    target.focus()
    target.scrollIntoView({ block: 'start' })
  })
  try {
    config = await loadConfig()
  } catch (e) {
    main.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, describeError(e)))
    return
  }
  api = new ApiClient(config.apiBaseUrl)
  auth = config.auth.mode === 'cognito' ? new CognitoAuth(config.auth) : new LocalAuth(api)
  api.setTokenSource(auth)
  auth.onEnd((why) => ended(why === 'expired' ? 'Your session has expired. Please sign in again.' : 'You are signed out.'))
  try {
    const s = await auth.restore()
    username = s?.username ?? null
  } catch {
    username = null
  }
  setAccount()
  addEventListener('hashchange', () => void route())
  await route()
}

void boot()
