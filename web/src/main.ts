import './style.css'
import { ApiClient, ApiError, describeError, type Image } from './api/client'
import type { AuthProvider } from './auth/session'
import { LocalAuth } from './auth/local'
import { CognitoAuth } from './auth/cognito'
import { loadConfig, type AppConfig } from './config'
import { announce, clear, h } from './ui/dom'
import { galleryHref, imageHref, parseRoute, type Route } from './state/route'
import { NO_FILTERS, describeFilters, isFiltered, toListQuery, type Filters } from './state/filters'
import { groupMetadata, cameraLine, warningsOf } from './meta/groups'
import { formatBytes, shortTakenDate } from './meta/format'
import { createUploader, type Uploader } from './upload/uploader'
import { browserCanShow, isTerminal } from './state/images'

// The app shell: a hash router over three screens (sign-in, gallery, detail). Every string
// that comes from an image goes through h()/textContent (src/ui/dom.ts), never innerHTML.

let config: AppConfig
let api: ApiClient
let auth: AuthProvider
let username: string | null = null
let uploader: Uploader | null = null
let pageAbort: AbortController | null = null
const main = document.getElementById('main') as HTMLElement

function setAccount() {
  const box = document.getElementById('account') as HTMLElement
  clear(box)
  if (username) {
    box.append(
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
  uploader?.destroy()
  uploader = null
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

// --- gallery -------------------------------------------------------------------------

const PAGE = 24
const POLL_MS = 1500

function statusBadge(status: string) {
  return h('span', { class: `badge s-${status}`, 'data-testid': 'status' }, status)
}

function placeholder(label: string, big: boolean) {
  return h('div', { class: 'pic placeholder', role: big ? 'img' : null, 'aria-label': big ? label : null }, label)
}

function preview(img: Image, big = false) {
  if (img.contentUrl && img.status === 'ready' && browserCanShow(img.contentType, img.format ?? null)) {
    const pic = h('img', {
      src: img.contentUrl,
      alt: big ? `The image ${img.filename}` : '',
      loading: 'lazy',
      decoding: 'async',
      class: 'pic',
    })
    // A file that claims a showable format but does not decode gets the placeholder, not a broken icon.
    pic.addEventListener('error', () => pic.replaceWith(placeholder('No preview: the browser could not decode this file', big)), { once: true })
    return pic
  }
  const label =
    img.status === 'pending' ? 'Processing…'
    : img.status === 'ready' ? `${img.format ?? 'This format'}: no preview in this browser`
    : 'No preview'
  return placeholder(label, big)
}

function card(img: Image, selected: Set<string>, onSelect: () => void): HTMLElement {
  const box = h('input', {
    type: 'checkbox',
    class: 'select',
    'aria-label': `Select ${img.filename}`,
    onchange: (ev: Event) => {
      if ((ev.target as HTMLInputElement).checked) selected.add(img.imageId)
      else selected.delete(img.imageId)
      onSelect()
    },
  })
  box.checked = selected.has(img.imageId)
  const cam = cameraLine(img.make, img.model)
  const taken = shortTakenDate(img.metadata?.DateTimeOriginal, img.takenAt ?? null)
  return h(
    'li',
    { class: 'tile', 'data-id': img.imageId, 'data-status': img.status },
    box,
    h(
      'a',
      { href: imageHref(img.imageId), class: 'tile-link' },
      h('div', { class: 'frame' }, preview(img)),
      h('span', { class: 'name', 'data-testid': 'filename' }, img.filename),
    ),
    h('div', { class: 'meta' }, statusBadge(img.status), img.format ? h('span', null, img.format) : null),
    cam ? h('div', { class: 'sub' }, cam) : null,
    taken ? h('div', { class: 'sub' }, taken) : null,
    img.status === 'failed' && img.error ? h('div', { class: 'sub err' }, img.error) : null,
  )
}

function filterForm(f: Filters): HTMLElement {
  const field = (name: keyof Filters, label: string, type = 'text', value = String(f[name] ?? '')) => {
    const id = 'f-' + name
    return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name, type, value }))
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
    h('option', { value: 'uploaded' }, 'Upload time'),
    h('option', { value: 'taken' }, 'Date taken'),
  )
  sort.value = f.sort
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter images' },
    field('q', 'Search'),
    field('format', 'Format'),
    field('make', 'Make'),
    field('model', 'Model'),
    field('takenFrom', 'Taken from', 'date'),
    field('takenTo', 'Taken to', 'date'),
    h('div', { class: 'field' }, h('label', { for: 'f-hasGps' }, 'Location'), gps),
    h('div', { class: 'field' }, h('label', { for: 'f-sort' }, 'Sort by'), sort),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'btn primary' }, 'Apply'),
      isFiltered(f) ? h('a', { class: 'btn', href: galleryHref({ ...NO_FILTERS, sort: f.sort }) }, 'Clear') : null,
    ),
  )
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const d = new FormData(form)
    const s = (k: string) => String(d.get(k) ?? '').trim()
    const hg = s('hasGps')
    location.hash = galleryHref({
      ...NO_FILTERS,
      q: s('q'),
      format: s('format').toUpperCase(),
      make: s('make'),
      model: s('model'),
      takenFrom: s('takenFrom'),
      takenTo: s('takenTo'),
      hasGps: hg === '' ? null : hg === 'true',
      sort: s('sort') === 'taken' ? 'taken' : 'uploaded',
    })
  })
  return form
}

function gallery(f: Filters) {
  const signal = pageAbort!.signal
  const notice = h('p', { id: 'notice', class: 'notice', role: 'status' })
  const grid = h('ul', { class: 'grid', id: 'grid', 'aria-label': 'Your images' })
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' })
  const empty = h('p', { class: 'empty', hidden: true })
  const selected = new Set<string>()
  const delSel = h('button', { type: 'button', class: 'btn danger', disabled: true, id: 'delete-selected' }, 'Delete selected')
  const onSelect = () => {
    delSel.disabled = selected.size === 0
    delSel.textContent = selected.size ? `Delete ${selected.size} selected` : 'Delete selected'
  }
  const uploadBox = h('div', { id: 'uploader', class: 'uploader' })
  const desc = describeFilters(f)
  main.replaceChildren(
    h('section', { class: 'upload-section', 'aria-label': 'Upload' }, uploadBox),
    h('h1', null, 'Your images'),
    filterForm(f),
    h('p', { class: 'hint' }, desc ? 'Showing: ' + desc : ''),
    h('div', { class: 'toolbar' }, delSel),
    notice,
    grid,
    empty,
    sentinel,
  )

  const items = new Map<string, Image>()
  const tiles = new Map<string, HTMLElement>()
  let cursor: string | null = null
  let done = false
  let loading = false

  const put = (img: Image, atTop = false) => {
    items.set(img.imageId, img)
    const t = card(img, selected, onSelect)
    const old = tiles.get(img.imageId)
    if (old) old.replaceWith(t)
    else if (atTop) grid.prepend(t)
    else grid.append(t)
    tiles.set(img.imageId, t)
    empty.hidden = true
  }

  const loadMore = async () => {
    if (loading || done) return
    loading = true
    sentinel.textContent = 'Loading…'
    try {
      const page = await api.listImages(toListQuery(f, cursor, PAGE), signal)
      for (const img of page.items) if (!tiles.has(img.imageId)) put(img)
      cursor = page.nextCursor
      done = !cursor
      if (items.size === 0) {
        empty.hidden = false
        empty.textContent = isFiltered(f) ? 'No images match these filters.' : 'No images yet. Drop some above to upload them.'
      }
    } catch (e) {
      if (!signal.aborted) {
        notice.className = 'notice error'
        notice.textContent = describeError(e)
      }
    } finally {
      loading = false
      sentinel.textContent = done ? '' : ' '
    }
    // Keep loading while the sentinel is still on screen (a tall window).
    if (!done && !signal.aborted) {
      const r = sentinel.getBoundingClientRect()
      if (r.top < innerHeight + 400) void loadMore()
    }
  }
  const io = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) void loadMore()
  }, { rootMargin: '400px' })
  io.observe(sentinel)
  signal.addEventListener('abort', () => io.disconnect())
  void loadMore()

  // Live status: poll the images that are still being processed.
  const poll = setInterval(async () => {
    for (const img of [...items.values()].filter((i) => !isTerminal(i.status))) {
      try {
        const fresh = await api.getImage(img.imageId, signal)
        if (fresh.status !== img.status) {
          put(fresh)
          announce(`${fresh.filename}: ${fresh.status}`)
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          tiles.get(img.imageId)?.remove()
          tiles.delete(img.imageId)
          items.delete(img.imageId)
        }
      }
    }
  }, POLL_MS)
  signal.addEventListener('abort', () => clearInterval(poll))

  delSel.addEventListener('click', async () => {
    const ids = [...selected]
    if (!ids.length || !confirm(`Delete ${ids.length} image${ids.length > 1 ? 's' : ''}? This cannot be undone.`)) return
    let failed = 0
    for (const id of ids) {
      try {
        await api.deleteImage(id)
        tiles.get(id)?.remove()
        tiles.delete(id)
        items.delete(id)
        selected.delete(id)
      } catch {
        failed++
      }
    }
    onSelect()
    notice.className = failed ? 'notice error' : 'notice'
    notice.textContent = failed ? `${failed} could not be deleted.` : `Deleted ${ids.length}.`
    announce(notice.textContent)
  })

  uploader?.destroy()
  uploader = createUploader({
    api,
    target: uploadBox,
    maxFileSize: config.maxUploadSize,
    multipartThreshold: config.multipartThreshold,
    partSize: config.partSize,
    onUploaded: async (imageId) => {
      try {
        const img = await api.getImage(imageId)
        if (!signal.aborted) put(img, !tiles.has(imageId))
      } catch {
        // ignore
      }
    },
    onDuplicate: (imageId, filename) => {
      const link = h('a', { href: imageHref(imageId), 'data-testid': 'duplicate-link' }, 'open the image already there')
      notice.className = 'notice'
      notice.replaceChildren(`${filename} was uploaded before: `, link, '.')
    },
  })
}

// --- detail --------------------------------------------------------------------------

async function detail(imageId: string) {
  const signal = pageAbort!.signal
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'))
  let img: Image
  try {
    img = await api.getImage(imageId, signal)
  } catch (e) {
    if (signal.aborted) return
    main.replaceChildren(h('p', { class: 'notice error', role: 'alert' }, describeError(e)), h('a', { href: '#/' }, 'Back to the gallery'))
    return
  }
  const render = (img: Image) => {
    const notice = h('p', { id: 'notice', class: 'notice', role: 'status' })
    const json = JSON.stringify(img.metadata ?? {}, null, 2)
    const raw = h('pre', { class: 'raw', id: 'raw-json', tabindex: 0 })
    raw.textContent = json
    const download = h('button', { type: 'button', class: 'btn' }, 'Download JSON')
    download.addEventListener('click', () => {
      const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }))
      const a = h('a', { href: url, download: img.filename.replace(/[^\w.-]+/g, '_') + '.json' })
      document.body.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 1000)
    })
    const del = h('button', { type: 'button', class: 'btn danger', id: 'delete' }, 'Delete')
    del.addEventListener('click', async () => {
      if (!confirm(`Delete ${img.filename}? This cannot be undone.`)) return
      try {
        await api.deleteImage(img.imageId)
        announce('Deleted.')
        location.hash = '#/'
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
      try {
        await api.reextract(img.imageId)
        notice.className = 'notice'
        notice.textContent = 'Extraction queued.'
        watch(img)
      } catch (e) {
        notice.className = 'notice error'
        notice.textContent = describeError(e)
      }
    })
    const groups = groupMetadata(img).map((g) =>
      h(
        'section',
        { class: 'group', 'data-group': g.id },
        h('h2', null, g.title),
        h(
          'dl',
          null,
          g.rows.map((r) =>
            h(
              'div',
              { class: 'row', 'data-field': r.fields[0] ?? '' },
              h('dt', null, r.label),
              h(
                'dd',
                null,
                h('span', { class: 'v' }, r.value),
                r.detail ? h('span', { class: 'detail' }, r.detail) : null,
                r.link ? [' ', h('a', { href: r.link.href, rel: 'noopener noreferrer', target: '_blank' }, r.link.text)] : null,
              ),
            ),
          ),
        ),
      ),
    )
    const warnings = warningsOf(img)
    main.replaceChildren(
      h('p', null, h('a', { href: '#/' }, '← Back to the gallery')),
      h('h1', { class: 'title', 'data-testid': 'detail-filename' }, img.filename),
      h('div', { class: 'meta' }, statusBadge(img.status), ' ', formatBytes(img.size)),
      h('p', { class: 'notice error', 'data-testid': 'error' }, img.error ? 'Reason: ' + img.error : ''),
      h('ul', { class: 'warnings' }, warnings.map((w) => h('li', null, w))),
      notice,
      h('div', { class: 'toolbar' }, reex, del),
      h(
        'div',
        { class: 'detail-layout' },
        h('div', { class: 'big' }, preview(img, true)),
        h('div', { class: 'groups' }, groups.length ? groups : h('p', null, 'No metadata yet.')),
      ),
      h('details', { class: 'rawbox' }, h('summary', null, 'Raw JSON'), h('div', { class: 'toolbar' }, download), raw),
    )
    if (!isTerminal(img.status)) watch(img)
  }
  const watch = (img: Image) => {
    const t = setInterval(async () => {
      try {
        const fresh = await api.getImage(img.imageId, signal)
        if (fresh.status !== img.status || fresh.updatedAt !== img.updatedAt) {
          clearInterval(t)
          render(fresh)
        }
      } catch {
        clearInterval(t)
      }
    }, POLL_MS)
    signal.addEventListener('abort', () => clearInterval(t))
  }
  render(img)
}

// --- router --------------------------------------------------------------------------

async function route() {
  pageAbort?.abort()
  pageAbort = new AbortController()
  const r: Route = parseRoute(location.hash)
  if (!username && r.name !== 'signin' && r.name !== 'signup') {
    location.replace('#/signin')
    return
  }
  if (username && (r.name === 'signin' || r.name === 'signup')) {
    location.replace('#/')
    return
  }
  if (r.name !== 'gallery') {
    uploader?.destroy()
    uploader = null
  }
  switch (r.name) {
    case 'signin':
    case 'signup':
      authScreen(r.name)
      break
    case 'gallery':
      gallery(r.filters)
      break
    case 'image':
      await detail(r.imageId)
      break
    default:
      main.replaceChildren(h('h1', null, 'Not found'), h('a', { href: '#/' }, 'Back to the gallery'))
  }
  main.focus({ preventScroll: true })
}

async function boot() {
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
