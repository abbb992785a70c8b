// End-to-end journey in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against the real `imgmeta serve` on loopback, with a temp data dir.
// Usage: npm run e2e   (IMGMETA_BIN overrides the binary; the shared corpus is ../shared
// beside the repository root, or IMGMETA_SHARED).
import { chromium } from 'playwright-core'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, existsSync, copyFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const web = path.resolve(here, '..')
const repo = path.resolve(web, '..')
const shared = process.env.IMGMETA_SHARED ?? path.resolve(repo, '..', 'shared')
const bin = process.env.IMGMETA_BIN ?? path.join(repo, 'build/dev/src/cli/imgmeta')
const dist = path.join(web, 'dist')
// Screenshots of the main screens go to web/e2e/out/screenshots; E2E_SCREENSHOTS=docs/screenshots
// (relative to the repository) refreshes the ones the README shows.
const shots = path.resolve(repo, process.env.E2E_SCREENSHOTS ?? 'web/e2e/out/screenshots')
const corpus = path.join(shared, 'corpus')
const oracle = path.join(shared, 'corpus-oracle')
const DEADLINE_MS = 6 * 60_000  // the share and trash journeys added about a minute
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
// Small enough that the 12 MiB upload below goes in three parts (the server's minimum is 5 MiB).
const MULTIPART_THRESHOLD = 6 * 1024 * 1024
const PART_SIZE = 5 * 1024 * 1024

const tmp = mkdtempSync(path.join(tmpdir(), 'imgmeta-e2e-'))
let server = null
let browser = null
let failures = 0
const log = (...a) => console.log('[e2e]', ...a)
function check(cond, what) {
  if (cond) log('ok  ', what)
  else {
    failures++
    console.error('[e2e] FAIL', what)
  }
}

const killer = setTimeout(() => {
  console.error('[e2e] FAIL: over the time limit')
  cleanup().finally(() => process.exit(1))
}, DEADLINE_MS)

async function cleanup() {
  try {
    await browser?.close()
  } catch {}
  if (server && server.exitCode === null) {
    server.kill('SIGTERM')
    await new Promise((r) => {
      const t = setTimeout(() => {
        server.kill('SIGKILL')
        r()
      }, 5000)
      server.once('exit', () => {
        clearTimeout(t)
        r()
      })
    })
  }
  tileServer?.close()
  rmSync(tmp, { recursive: true, force: true })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

// No internet in the journey: the map's tiles come from this loopback server, one small PNG
// for every /z/x/y.png.
let tileServer = null
let tileRequests = 0
async function startTileServer() {
  const png = readFileSync(path.join(corpus, 'png/libpng_basn2c08.png'))
  tileServer = createHttpServer((req, res) => {
    if (!/^\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '')) {
      res.writeHead(404).end()
      return
    }
    tileRequests++
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length, 'Cache-Control': 'max-age=3600' }).end(png)
  })
  await new Promise((r) => tileServer.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${tileServer.address().port}`
}

async function startServer() {
  const tiles = await startTileServer()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(tmp, 'data'), '--web', dist,
    '--multipart-threshold', String(MULTIPART_THRESHOLD), '--part-size', String(PART_SIZE),
    '--map-tile-url', tiles + '/{z}/{x}/{y}.png', '--map-attribution', 'Journey tiles https://example.org/tiles'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errText = ''
  server.stderr.on('data', (d) => {
    errText = (errText + d).slice(-4000)
  })
  for (let i = 0; i < 100; i++) {
    if (server.exitCode !== null) throw new Error('imgmeta serve exited: ' + errText)
    try {
      const r = await fetch(base + '/readyz')
      if (r.ok) return base
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('imgmeta serve did not become ready: ' + errText)
}

function oracleOf(rel) {
  const d = JSON.parse(readFileSync(path.join(oracle, rel + '.json'), 'utf8'))
  const o = Array.isArray(d) ? d[0] : d
  const get = (name) => {
    for (const [k, v] of Object.entries(o)) if (k === name || k.endsWith(':' + name)) return v
    return undefined
  }
  return {
    make: get('Make'),
    model: get('Model'),
    taken: get('DateTimeOriginal'),
    lat: o['Composite:GPSLatitude'] ?? get('GPSLatitude'),
    lon: o['Composite:GPSLongitude'] ?? get('GPSLongitude'),
  }
}

/** EXIF (TIFF, little-endian) with the given ASCII tags in IFD0. */
export function exifSegment(tags) {
  const entries = Object.entries(tags).map(([t, v]) => [Number(t), Buffer.from(v + '\0', 'latin1')]).sort((a, b) => a[0] - b[0])
  const ifdSize = 2 + entries.length * 12 + 4
  let dataOff = 8 + ifdSize
  const head = Buffer.alloc(8 + ifdSize)
  head.write('II', 0, 'latin1')
  head.writeUInt16LE(42, 2)
  head.writeUInt32LE(8, 4)
  head.writeUInt16LE(entries.length, 8)
  const data = []
  entries.forEach(([tag, bytes], i) => {
    const at = 10 + i * 12
    head.writeUInt16LE(tag, at)
    head.writeUInt16LE(2, at + 2)
    head.writeUInt32LE(bytes.length, at + 4)
    head.writeUInt32LE(dataOff, at + 8)
    data.push(bytes)
    dataOff += bytes.length
  })
  const tiff = Buffer.concat([head, ...data])
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const seg = Buffer.alloc(4)
  seg.writeUInt16BE(0xffe1, 0)
  seg.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([seg, body])
}

/** A JPEG whose EXIF strings are HTML/script payloads: a corpus JPEG's own APP1 segments are
 *  replaced with ours (byte-patched in the temp dir; nothing is written into the repository). */
function hostileJpeg() {
  const src = readFileSync(path.join(corpus, 'jpeg/exiftool_Canon.jpg'))
  const out = path.join(tmp, 'files', 'hostile.jpg')
  const parts = [src.subarray(0, 2), exifSegment({
    0x010e: '"><svg onload=window.__xss=3>',
    0x010f: '<img src=x onerror="window.__xss=1">',
    0x0110: '<script>window.__xss=2</script>',
  })]
  let i = 2
  while (i + 4 <= src.length && src[i] === 0xff && src[i + 1] !== 0xda) {
    const len = src.readUInt16BE(i + 2)
    if (src[i + 1] !== 0xe1) parts.push(src.subarray(i, i + 2 + len))
    i += 2 + len
  }
  parts.push(src.subarray(i))
  writeFileSync(out, Buffer.concat(parts))
  return out
}

/** A corpus JPEG padded after its end-of-image marker to 12 MiB: large enough for a multipart upload. */
function bigJpeg() {
  const src = readFileSync(path.join(corpus, 'jpeg/exiftool_Nikon.jpg'))
  const out = path.join(tmp, 'files', 'big.jpg')
  writeFileSync(out, Buffer.concat([src, Buffer.alloc(12 * 1024 * 1024 - src.length, 0x55)]))
  return out
}

async function signUp(page, base, user, pass) {
  await page.goto(base + '/#/signup')
  await page.fill('#username', user)
  await page.fill('#password', pass)
  await page.click('button[type=submit]')
  await page.waitForSelector('#uploader .uppy-Dashboard', { timeout: 15_000, state: 'attached' })
}

/** axe-core in the page (evaluated through the debugging protocol, so the page's CSP stays on). */
async function axeCheck(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource + '\n;0')
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  const v = res.violations.map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
  check(v.length === 0, `axe finds no violation: ${where}` + (v.length ? ' -> ' + v.join('; ') : ''))
}

const tileNames = (page) => page.locator('li.tile .name').allTextContents()
async function galleryAt(page, base, hash) {
  await page.goto(base + '/' + hash)
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length > 0 || !document.querySelector('.empty')?.hidden, null, { timeout: 10_000 })
  await page.waitForTimeout(100)
  return tileNames(page)
}

async function upload(page, files) {
  // With files already listed the Dashboard shows them; "Add more" brings back the picker.
  if ((await page.locator('#uploader input[type=file]').count()) === 0) await page.click('#uploader .uppy-DashboardContent-addMore')
  const input = page.locator('#uploader input[type=file][name="files[]"]:not([webkitdirectory])').first()
  await input.setInputFiles(files)
}

async function waitSettled(page, names, timeout = 60_000) {
  await page.waitForFunction(
    (names) => {
      const tiles = [...document.querySelectorAll('li.tile')]
      return names.every((n) =>
        tiles.some((t) => t.querySelector('.name')?.textContent === n && t.dataset.status && t.dataset.status !== 'pending'),
      )
    },
    names,
    { timeout, polling: 250 },
  )
}

const statusOf = (page, name) =>
  page.evaluate(
    (n) => [...document.querySelectorAll('li.tile')].find((t) => t.querySelector('.name')?.textContent === n)?.dataset.status,
    name,
  )
const idOf = (page, name) =>
  page.evaluate(
    (n) => [...document.querySelectorAll('li.tile')].find((t) => t.querySelector('.name')?.textContent === n)?.dataset.id,
    name,
  )

function oracleFileType(rel) {
  const d = JSON.parse(readFileSync(path.join(oracle, rel + '.json'), 'utf8'))
  const o = Array.isArray(d) ? d[0] : d
  return o['File:FileType'] ?? o.FileType
}

/** The API as the signed-in page's user (its access token from the page's session). */
async function apiAs(page, base, p) {
  const token = await page.evaluate(() => {
    for (const store of [localStorage, sessionStorage])
      for (let i = 0; i < store.length; i++) {
        const v = store.getItem(store.key(i))
        const m = v && /"accessToken"\s*:\s*"([^"]+)"/.exec(v)
        if (m) return m[1]
      }
    return null
  })
  return fetch(base + p, { headers: { Authorization: 'Bearer ' + token } })
}

/** The id of the signed-in user's image with this file name, from the API. */
async function apiId(page, base, name) {
  const list = await (await apiAs(page, base, '/api/images?limit=100')).json()
  return list.items.find((i) => i.filename === name)?.imageId
}

/** Previews in the browser: one image of each kind the renditions cover, a fresh user so that
 *  the bytes counted are this gallery's alone (Chromium's Network events through CDP). */
async function previewJourney(browser, base, pageErrors) {
  const raw = process.env.IMGMETA_RAW ?? path.join(shared, 'raw', 'corpus')
  const picks = [path.join(corpus, 'jpeg/mei_Apple_iPhone_5.jpg'), path.join(corpus, 'heif/ianare_mobile_iphone_13_pro_max.HEIC'),
    path.join(corpus, 'avif/libheif_example.avif'), path.join(corpus, 'png/pillow_exif.png'),
    path.join(corpus, 'tiff/pillow_tiff_adobe_deflate.tif'), path.join(raw, 'exiftool_DNG.dng'), path.join(raw, 'exiftool_Nikon.nef'),
    path.join(raw, 'exiftool_Panasonic.rw2')]
  const files = picks.map((src) => {
    const dst = path.join(tmp, 'files', 'pv-' + path.basename(src))
    copyFileSync(src, dst)
    return dst
  })
  const names = files.map((f) => path.basename(f))
  const rawNames = names.filter((n) => /\.(dng|nef)$/i.test(n))
  const originals = files.reduce((a, f) => a + readFileSync(f).length, 0)
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.on('dialog', (d) => void d.accept())
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('Network.enable')
  const imageReqs = new Map()
  let imageBytes = 0
  cdp.on('Network.responseReceived', (e) => { if (e.type === 'Image' && !e.response.url.startsWith('data:')) imageReqs.set(e.requestId, `${e.response.status} ${e.response.fromDiskCache ? 'disk ' : ''}${e.response.url}`) })
  cdp.on('Network.loadingFinished', (e) => { if (imageReqs.has(e.requestId)) imageBytes += e.encodedDataLength })
  await signUp(page, base, 'carol', 'previews please 1')
  await upload(page, files)
  await waitSettled(page, names, 90_000)
  // Every tile ends with a decoded thumbnail or, only for the DNG and NEF samples, whose
  // embedded previews are stubs, the labelled placeholder; the RW2's real one must show.
  const tileState = () => page.evaluate((names) => Object.fromEntries(names.map((n) => {
    const t = [...document.querySelectorAll('li.tile')].find((x) => x.querySelector('.name')?.textContent === n)
    const img = t?.querySelector('img.pic')
    if (img && img.complete && img.naturalWidth > 0) return [n, 'picture']
    const ph = t?.querySelector('[data-testid=placeholder]')?.textContent ?? ''
    return [n, t?.dataset.preview === 'pending' || /being made|Processing/.test(ph) || (img && !img.complete) ? 'waiting' : 'placeholder:' + ph]
  })), names)
  let state = {}
  for (let i = 0; i < 240; i++) {
    state = await tileState()
    if (Object.values(state).every((v) => v !== 'waiting')) break
    // Thumbnails load lazily: bring the waiting ones into view.
    const waiting = names.filter((n) => state[n] === 'waiting')
    await page.evaluate((w) => [...document.querySelectorAll('li.tile')].find((x) => w.includes(x.querySelector('.name')?.textContent))?.scrollIntoView(), waiting)
    await page.waitForTimeout(250)
  }
  log('preview tiles', JSON.stringify(state))
  for (const n of names) {
    if (rawNames.includes(n)) check(state[n] === 'picture' || /^placeholder:No preview/.test(state[n]), `raw ${n}: a picture or a labelled placeholder (${state[n]})`)
    else check(state[n] === 'picture', `${n}: the tile shows a decoded thumbnail (${state[n]})`)
  }
  await page.screenshot({ path: path.join(shots, 'previews.png') })
  const firstVisit = imageBytes
  check(firstVisit > 0 && firstVisit * 4 < originals, `the gallery downloads ${firstVisit} image bytes for ${originals} bytes of originals (${(firstVisit / originals).toFixed(3)}x)`)
  // The viewer shows the preview (a picture larger than the thumbnail) for the decodable kinds.
  const jpegId = await idOf(page, 'pv-mei_Apple_iPhone_5.jpg')
  for (const n of names.filter((x) => state[x] === 'picture')) {
    await page.goto(base + '/#/images/' + (await idOf(page, n)))
    const ok = await page.waitForFunction(() => {
      const img = document.querySelector('#viewer img[data-testid=viewer-image]')
      return img && img.complete && img.naturalWidth > 0 && /preview/.test(img.currentSrc) ? img.naturalWidth : false
    }, null, { timeout: 10_000 }).then((h) => h.jsonValue(), () => 0)
    check(ok > 0, `${n}: the viewer shows the preview (${ok} px wide)`)
  }
  void jpegId
  // A second visit: every rendition comes from the browser's cache.
  await page.goto(base + '/#/')
  await page.waitForSelector('li.tile')
  await page.goto('about:blank')
  imageBytes = 0
  imageReqs.clear()
  await page.goto(base + '/#/')
  await page.waitForFunction((n) => [...document.querySelectorAll('li.tile img.pic')].filter((i) => i.complete && i.naturalWidth > 0).length >= n, Object.values(state).filter((v) => v === 'picture').length, { timeout: 10_000 }).catch(() => {})
  await page.waitForTimeout(300)
  check(imageBytes === 0, `a reload downloads no image bytes again (${imageBytes} bytes over ${imageReqs.size} image responses: ${[...imageReqs.values()].map((u) => u.slice(0, 90))})`)
  await ctx.close()
}

/** The trash: delete from the gallery → the undo notice → Undo restores; delete from the viewer
 *  → the Trash view (thumbnails, days left) → Restore; Empty trash behind its dialog → gone for
 *  good; axe on the Trash view and its dialog. */
async function trashJourney(browser, base, pageErrors) {
  const picks = ['jpeg/exiftool_Canon.jpg', 'jpeg/exiftool_Apple.jpg', 'png/exiftool_PNG.png']
  const files = picks.map((rel) => {
    const dst = path.join(tmp, 'files', 'trash-' + path.basename(rel))
    copyFileSync(path.join(corpus, rel), dst)
    return dst
  })
  const [canon, apple, png] = files.map((f) => path.basename(f))
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text())
  })
  await signUp(page, base, 'frank', 'trash and back 12')
  await upload(page, files)
  await waitSettled(page, [canon, apple, png])
  const ids = { [canon]: await idOf(page, canon), [apple]: await idOf(page, apple), [png]: await idOf(page, png) }

  // Gallery: select two, delete (no confirmation: they go to the trash), the notice offers Undo.
  await page.locator('li.tile', { hasText: canon }).locator('input.select').check()
  await page.locator('li.tile', { hasText: apple }).locator('input.select').check()
  await page.click('#delete-selected')
  await page.waitForSelector('#undo-notice:not([hidden])', { timeout: 5_000 })
  const undoText = await page.textContent('#undo-notice')
  check(/Moved 2 to trash/.test(undoText ?? '') && /Undo/.test(undoText ?? ''), `the undo notice says what moved (${undoText})`)
  check((await page.getAttribute('#undo-notice', 'role')) === 'status' && (await page.getAttribute('#undo-notice', 'aria-live')) === 'polite',
    'the undo notice is a polite status region')
  // The tiles go once the API has answered for each; on a busy machine that follows the notice.
  await page.waitForFunction((n) => ![...document.querySelectorAll('li.tile .name')].some((e) => n.includes(e.textContent)),
    [canon, apple], { timeout: 5_000 }).catch(() => {})
  check((await tileNames(page)).filter((n) => n === canon || n === apple).length === 0, 'deleted tiles leave the gallery')
  const trashed = await (await apiAs(page, base, '/api/trash')).json()
  check(trashed.items.length === 2 && trashed.items.every((i) => i.trashedAt && i.purgeAt), 'both are in the trash, with trashedAt and purgeAt')
  await page.click('#undo')
  await page.waitForFunction((n) => n.every((x) => [...document.querySelectorAll('li.tile .name')].some((e) => e.textContent === x)), [canon, apple], { timeout: 5_000 })
  // The tiles come back at once; the restores may still be on their way to the server.
  let inTrash = -1
  for (let i = 0; i < 50 && inTrash !== 0; i++) {
    inTrash = (await (await apiAs(page, base, '/api/trash')).json()).items.length
    if (inTrash !== 0) await page.waitForTimeout(100)
  }
  check(inTrash === 0, `Undo restores both (the trash is empty again; ${inTrash} left)`)
  await page.waitForSelector('#undo-notice', { state: 'hidden', timeout: 5_000 })

  // The notice goes by itself after a few seconds.
  await page.locator('li.tile', { hasText: png }).locator('input.select').check()
  await page.click('#delete-selected')
  await page.waitForSelector('#undo-notice:not([hidden])', { timeout: 5_000 })
  await page.waitForSelector('#undo-notice', { state: 'hidden', timeout: 12_000 })
  check(true, 'the undo notice disappears by itself')

  // Viewer: delete moves on and offers Undo too; the image waits in the Trash view.
  await page.goto(base + '/#/images/' + ids[canon])
  await page.waitForSelector('#delete')
  await page.click('#delete')
  await page.waitForSelector('#undo-notice:not([hidden])', { timeout: 5_000 })
  check(/Moved 1 to trash/.test((await page.textContent('#undo-notice')) ?? ''), 'the viewer offers Undo after a delete')
  await page.keyboard.press('Escape')
  await page.click('#nav-trash')
  await page.waitForSelector('li.trash-item')
  await page.waitForFunction(() => document.querySelectorAll('li.trash-item').length === 2, null, { timeout: 5_000 })
  const trashNames = await page.locator('li.trash-item .name').allTextContents()
  check(trashNames.length === 2 && trashNames.includes(canon) && trashNames.includes(png), `the Trash view lists what was deleted (${trashNames})`)
  const left = await page.locator('li.trash-item [data-testid=days-left]').allTextContents()
  check(left.every((t) => t === '30 days left'), `each shows its days left (${left})`)
  check((await page.locator('li.trash-item img.pic, li.trash-item [data-testid=placeholder]').count()) === 2, 'each shows its thumbnail (or the labelled placeholder)')
  await page.screenshot({ path: path.join(shots, 'trash.png') })
  await axeCheck(page, 'trash view')
  await page.locator('li.trash-item', { hasText: canon }).locator('button.restore').click()
  await page.waitForFunction(() => document.querySelectorAll('li.trash-item').length === 1, null, { timeout: 5_000 })
  check(/Restored/.test((await page.textContent('#trash-notice')) ?? ''), 'Restore says so')
  const back = await apiAs(page, base, '/api/images/' + ids[canon])
  check(back.status === 200 && !(await back.json()).trashedAt, 'the restored image is out of the trash')

  // Empty trash: the dialog first (Cancel keeps everything), then gone for good.
  await page.click('#empty-trash')
  await page.waitForSelector('#empty-dialog[open]')
  await axeCheck(page, 'empty-trash dialog')
  await page.click('#cancel-empty')
  await page.waitForSelector('#empty-dialog:not([open])', { state: 'attached' })
  check((await page.locator('li.trash-item').count()) === 1, 'Cancel keeps the trash')
  await page.click('#empty-trash')
  await page.waitForSelector('#empty-dialog[open]')
  await page.click('#confirm-empty')
  await page.waitForSelector('#trash-empty:not([hidden])', { timeout: 10_000 })
  check(/Deleted 1 image for good/.test((await page.textContent('#trash-notice')) ?? ''), 'Empty trash reports what it deleted')
  check((await apiAs(page, base, '/api/images/' + ids[png])).status === 404, 'the emptied image is gone for good')
  check((await apiAs(page, base, '/api/images/' + ids[png] + '/content')).status === 404, 'and so are its bytes')
  await page.click('#trash-back')
  await page.waitForSelector('li.tile')
  const finalNames = await tileNames(page)
  check(finalNames.includes(canon) && finalNames.includes(apple) && !finalNames.includes(png), `the gallery keeps the restored ones (${finalNames})`)
  await ctx.close()
}

/** The map: clustered markers from GET /api/locations, a popup whose file name is text, and the
 *  visible area (bbox=) carried to the gallery. */
async function mapJourney(browser, base, pageErrors) {
  const picks = ['jpeg/exiftool_Apple.jpg', 'jpeg/exiftool_GoPro.jpg', 'jpeg/exiftool_Google.jpg', 'jpeg/exiftool_NikonD2Hs.jpg']
  const files = picks.map((rel) => {
    const dst = path.join(tmp, 'files', 'map-' + path.basename(rel))
    copyFileSync(path.join(corpus, rel), dst)
    return dst
  })
  // A located JPEG whose file name is markup (a byte after its end changes its SHA-256).
  const hostileName = '<img src=x onerror="window.__xss=4">.jpg'
  const hostileFile = path.join(tmp, 'files', hostileName)
  writeFileSync(hostileFile, Buffer.concat([readFileSync(path.join(corpus, 'jpeg/exiftool_GPS.jpg')), Buffer.from([0])]))
  files.push(hostileFile)
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  page.on('pageerror', (e) => { log('page error', e.stack); pageErrors.push(String(e).slice(0, 600)) })
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text())
  })
  await signUp(page, base, 'dave', 'maps and places 1')
  await upload(page, files)
  await waitSettled(page, files.map((f) => path.basename(f)))
  const hostileId = await apiId(page, base, hostileName)
  check(!!hostileId, 'the file named with markup is uploaded under that name')

  await page.click('#tab-map')
  await page.waitForFunction(() => /photos? with a location/.test(document.querySelector('[data-testid=map-status]')?.textContent ?? ''), null, { timeout: 15_000 })
  const status = await page.textContent('[data-testid=map-status]')
  check(status === '4 photos with a location.', `the map counts the located photos (${status})`)
  await page.waitForSelector('img.leaflet-tile-loaded', { timeout: 10_000 }).catch(() => {})
  check(tileRequests > 0 && (await page.locator('img.leaflet-tile-loaded').count()) > 0, `tiles come from the configured server (${tileRequests} requests)`)
  check(/Journey tiles/.test((await page.textContent('[data-testid=map-attribution]')) ?? '') && (await page.getAttribute('[data-testid=map-attribution] a', 'href')) === 'https://example.org/tiles',
    'the attribution from config.json, its URL a link')
  const clusters = await page.locator('.marker-cluster').allTextContents()
  check(clusters.some((c) => Number(c) >= 2), `nearby photos are clustered (${clusters})`)
  await page.screenshot({ path: path.join(shots, 'map.png') })
  await axeCheck(page, 'map')

  // Only the north of England: the hostile-named photo alone; its popup names it as text.
  await page.goto(base + '/#/map?bbox=-2.5,54.6,-1.3,55.4')
  await page.waitForSelector('.leaflet-marker-icon.map-pin', { timeout: 10_000 })
  await page.locator('.leaflet-marker-icon.map-pin').first().click()
  await page.waitForSelector('[data-testid=map-popup] [data-testid=map-name]', { timeout: 10_000 })
  const popName = await page.textContent('[data-testid=map-popup] [data-testid=map-name]')
  check(popName === hostileName, `the popup shows the file name as text (${popName})`)
  const popPic = await page.evaluate(() => {
    const p = document.querySelector('[data-testid=map-popup]')
    return { img: !!p?.querySelector('img.pic'), placeholder: p?.querySelector('[data-testid=placeholder]')?.textContent ?? null }
  })
  check(popPic.img || !!popPic.placeholder, `the popup has the thumbnail or the labelled placeholder (${JSON.stringify(popPic)})`)
  check((await page.evaluate(() => window.__xss)) === undefined && (await page.locator('body img[src=x]').count()) === 0, 'no markup from the file name ran')
  await page.waitForTimeout(300)
  await page.screenshot({ path: path.join(shots, 'map-popup.png') })
  await page.click('[data-testid=map-popup] a.map-open')
  await page.waitForSelector('#viewer [data-testid=detail-filename]', { timeout: 10_000 })
  check(page.url().includes(hostileId), 'the popup opens the viewer')

  // The visible area filters the gallery; zooming out widens it.
  await page.goto(base + '/#/map?bbox=-2.5,54.6,-1.3,55.4')
  await page.waitForSelector('.leaflet-marker-icon')
  await page.click('#map-to-gallery')
  await page.waitForFunction(() => location.hash.startsWith('#/?') && location.hash.includes('bbox='))
  await page.waitForSelector('li.tile')
  const inArea = await tileNames(page)
  check(inArea.length === 1 && inArea[0] === hostileName, `the gallery shows the map's area (${inArea})`)
  await page.click('#tab-map')
  await page.waitForSelector('.leaflet-control-zoom-out')
  const before = new URL(page.url()).hash
  for (let i = 0; i < 3; i++) {
    await page.click('.leaflet-control-zoom-out')
    await page.waitForTimeout(350)
  }
  const after = new URL(page.url()).hash
  check(after.startsWith('#/map?') && after.includes('bbox=') && after !== before, `zooming out writes the new area to the URL (${after})`)
  await page.click('#map-to-gallery')
  await page.waitForFunction(() => location.hash.startsWith('#/?'))
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length >= 2, null, { timeout: 10_000 }).catch(() => {})
  const wider = await tileNames(page)
  check(wider.includes('map-exiftool_Apple.jpg') && wider.includes(hostileName) && !wider.includes('map-exiftool_GoPro.jpg'), `a wider area, more photos, still not New York (${wider})`)
  const apiArea = await (await apiAs(page, base, '/api/locations?bbox=-2.5,54.6,-1.3,55.4')).json()
  check(apiArea.items.length === 1 && apiArea.items[0].imageId === hostileId, 'the API answers the same area')
  await ctx.close()
}

/** Share links: the owner shares a located photo (location and camera details off, the
 *  defaults), a fresh browser with no account opens the link and sees it, its download has no
 *  GPS per ExifTool; after the owner revokes it, the page says the link is gone. */
async function shareJourney(browser, base, pageErrors) {
  const file = path.join(tmp, 'files', 'share-beach.jpg')
  copyFileSync(path.join(corpus, 'jpeg/ianare_gps_DSCN0021.jpg'), file)
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.on('dialog', (d) => void d.accept())
  await signUp(page, base, 'erin', 'shares and links 1')
  await upload(page, [file])
  await waitSettled(page, ['share-beach.jpg'])
  const id = await apiId(page, base, 'share-beach.jpg')
  for (let i = 0; i < 200; i++) {
    const img = await (await apiAs(page, base, '/api/images/' + id)).json()
    if (img.previewStatus !== 'pending') break
    await page.waitForTimeout(100)
  }
  await page.locator('li.tile', { hasText: 'share-beach.jpg' }).locator('input.select').check()
  await page.click('#share-selected')
  await page.waitForSelector('#share-dialog')
  check(!(await page.isChecked('#share-location')) && !(await page.isChecked('#share-metadata')), 'the share dialog leaves location and camera details out by default')
  // The dialog alone: the gallery behind it is checked by the main journey.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource + '\n;0')
  const dialogViolations = await page.evaluate(async () =>
    (await window.axe.run('#share-dialog', { resultTypes: ['violations'] })).violations.map((x) => `${x.id}: ${x.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`))
  check(dialogViolations.length === 0, 'axe finds no violation: share dialog' + (dialogViolations.length ? ' -> ' + dialogViolations.join('; ') : ''))
  await page.click('#share-create')
  await page.waitForSelector('[data-testid=share-url]', { timeout: 30_000 })
  const url = await page.inputValue('[data-testid=share-url]')
  check(url.startsWith(base + '/share.html#') && /#[A-Za-z0-9_-]{43}$/.test(url), `the link is the share page with the token in the fragment (${url.slice(0, 60)}…)`)
  await page.click('[data-testid=share-dialog-close]')

  // A stranger: a fresh context, no sign-in, nothing in storage.
  const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  const guest = await other.newPage()
  guest.on('pageerror', (e) => pageErrors.push(String(e)))
  const sentTokens = []
  guest.on('request', (r) => {
    if (r.url().includes('#')) sentTokens.push(r.url())
  })
  await guest.goto(url)
  await guest.waitForSelector('[data-testid=share-item]', { timeout: 15_000 })
  // The name of what the download holds: the original's, or with .webp when the preview stands in.
  const sharedName = await guest.textContent('[data-testid=share-filename]')
  check(/^share-beach\.(jpg|webp)$/.test(sharedName ?? ''), `the stranger sees the shared image by name (${sharedName})`)
  const shownMeta = (await guest.locator('[data-testid=share-metadata]').allTextContents()).join(' ')
  check(!/GPS/i.test(shownMeta) && !/NIKON/i.test(shownMeta), `the share page shows no GPS and no camera details (${shownMeta.slice(0, 120)})`)
  const thumbOk = await guest.evaluate(() => [...document.querySelectorAll('.share-thumb img')].every((i) => i.complete && i.naturalWidth > 0))
  check(thumbOk, 'the thumbnail loads')
  await guest.click('.share-thumb')
  await guest.waitForSelector('[data-testid=share-preview] img')
  check(await guest.evaluate(() => { const i = document.querySelector('[data-testid=share-preview] img'); return i.complete ? i.naturalWidth > 0 : true }), 'the preview opens')
  await guest.keyboard.press('Escape')
  await axeCheck(guest, 'share page')
  const [dl] = await Promise.all([guest.waitForEvent('download'), guest.click('[data-testid=share-download]')])
  const saved = path.join(tmp, 'shared-download')
  await dl.saveAs(saved)
  const tags = JSON.parse(spawnSync('exiftool', ['-j', '-G1', '-a', saved], { encoding: 'utf8' }).stdout)[0]
  const gpsTags = Object.keys(tags).filter((k) => /GPS/i.test(k))
  const original = JSON.parse(spawnSync('exiftool', ['-j', '-G1', '-a', file], { encoding: 'utf8' }).stdout)[0]
  check(Object.keys(original).some((k) => /GPS/i.test(k)) && gpsTags.length === 0, `the download has no GPS per exiftool (${gpsTags.join(',') || 'none'}; ${tags['File:FileType']})`)
  check(sentTokens.length === 0, 'no request carried the fragment')

  // The owner revokes it; the stranger's page then says the link is gone.
  await page.click('#shared-links')
  await page.waitForSelector('[data-testid=share-link-row]')
  await page.click('[data-testid=share-link-row] [data-testid=share-revoke]')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=share-link-row]').length === 0)
  await guest.reload()
  await guest.waitForSelector('[data-testid=share-gone]', { timeout: 15_000 })
  check(true, 'after revoking, the link\'s page says it is gone')
  await other.close()
  await ctx.close()
}

async function main() {
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('web/dist is missing: run npm run build first')
  if (!existsSync(bin)) throw new Error('imgmeta binary not found at ' + bin)
  mkdirSync(shots, { recursive: true })
  mkdirSync(path.join(tmp, 'files'), { recursive: true })
  const base = await startServer()
  log('server at', base)

  // The corpus files to upload: a JPEG with camera, date and GPS, a HEIC, a PNG, a malformed file.
  const picks = ['jpeg/exiftool_Apple.jpg', 'heif/exiftool_QuickTime.heic', 'jpeg/exiftool_Canon.jpg', 'malformed/exiv2_issue_2352_poc.jpg',
    'webp/pillow_flower.webp', 'jpeg/exiftool_NikonD2Hs.jpg']
  const files = picks.map((rel) => {
    const dst = path.join(tmp, 'files', path.basename(rel))
    copyFileSync(path.join(corpus, rel), dst)
    return dst
  })
  const names = files.map((f) => path.basename(f))
  const hostile = hostileJpeg()
  const big = bigJpeg()

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const ctx1 = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx1.newPage()
  const pageErrors = []
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text())
  })
  page.on('dialog', (d) => void d.accept())
  page.on('console', (m) => { if (process.env.E2E_DEBUG) log('console', m.type(), m.text()) })
  page.on('response', (r) => { if (process.env.E2E_DEBUG && r.status() >= 400) log('http', r.status(), r.request().method(), r.url()) })
  globalThis.__page = page
  const partPuts = []
  page.on('request', (r) => {
    if (r.method() === 'PUT' && /[?&]partNumber=\d+/.test(r.url())) partPuts.push(new URL(r.url()).searchParams.get('partNumber'))
  })

  // Delivery: hashed assets compressed and cached for good, the page itself revalidated.
  const delivered = {}
  const onResponse = async (r) => {
    const u = new URL(r.url())
    if (u.pathname === '/' || /\/assets\/index-[^/]+\.(js|css)$/.test(u.pathname)) delivered[u.pathname.replace(/-[^/.]+\./, '.')] = await r.allHeaders()
  }
  page.on('response', onResponse)
  // Sign-in screen, wrong password message.
  await page.goto(base + '/')
  await page.waitForSelector('form.auth')
  await page.screenshot({ path: path.join(shots, 'signin.png') })
  await axeCheck(page, 'sign-in')
  page.off('response', onResponse)
  const js = delivered['/assets/index.js'] ?? {}
  const css = delivered['/assets/index.css'] ?? {}
  const html = delivered['/'] ?? {}
  check(js['content-encoding'] === 'br' && css['content-encoding'] === 'br' && /immutable/.test(js['cache-control'] ?? ''),
    `assets: brotli and immutable (${js['content-encoding']}, ${js['cache-control']})`)
  check(html['cache-control'] === 'no-cache' && /Accept-Encoding/i.test(html.vary ?? ''), `index.html: no-cache, varies on encoding (${html['cache-control']})`)
  await signUp(page, base, 'alice', 'correct horse battery')
  check(true, 'sign up as alice lands on the gallery')

  // Uploads.
  await upload(page, files)
  await waitSettled(page, names)
  const statuses = {}
  for (const n of names) statuses[n] = await statusOf(page, n)
  log('statuses', JSON.stringify(statuses))
  check(statuses['exiftool_Apple.jpg'] === 'ready', 'JPEG becomes ready')
  check(['ready', 'unsupported'].includes(statuses['exiftool_QuickTime.heic']), 'HEIC becomes ready')
  check(['failed', 'unsupported'].includes(statuses['exiv2_issue_2352_poc.jpg']), 'malformed file becomes failed/unsupported')
  check(statuses['pillow_flower.webp'] === 'ready', 'extended WebP becomes ready')
  await page.waitForFunction(() => {
    const t = [...document.querySelectorAll('li.tile')].find((x) => x.querySelector('.name')?.textContent === 'pillow_flower.webp')
    const img = t?.querySelector('img.pic')
    return img && img.complete && img.naturalWidth > 0
  }, null, { timeout: 10_000 }).then(() => check(true, 'the extended WebP shows as a picture'), () => check(false, 'the extended WebP shows as a picture'))
  check((await page.locator('li.tile[data-status=ready] [data-testid=status]').count()) === 0, 'no status badge on ready tiles')
  check((await page.locator('li.tile[data-status=failed] [data-testid=status]').count()) === 1, 'a badge on the failed tile')
  const reason = (await page.locator('li.tile[data-status=failed] [data-testid=reason]').textContent()) ?? ''
  check(reason.length > 20 && !/offset|IFD|0x/i.test(reason), `failure reason written for people (${reason})`)
  await page.waitForTimeout(500)
  await page.screenshot({ path: path.join(shots, 'gallery.png') })
  await axeCheck(page, 'gallery after an upload')

  // Reload: still signed in, same images newest first.
  await page.reload()
  await page.waitForSelector('li.tile')
  check((await page.locator('li.tile').count()) === names.length, 'after reload still signed in and all images listed')

  // Duplicate upload points to the existing image.
  await upload(page, [files[0], files[2]])
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=duplicate]').length === 2, null, { timeout: 15_000 })
  const dups = await page.locator('[data-testid=duplicate]').allTextContents()
  check(dups.every((d) => d.includes('already in your library')), `every duplicate reads "already in your library" (${dups})`)
  const dupHrefs = await page.locator('[data-testid=duplicate-link]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
  const appleHref = '#/images/' + (await idOf(page, 'exiftool_Apple.jpg'))
  const canonHref = '#/images/' + (await idOf(page, 'exiftool_Canon.jpg'))
  check(dupHrefs.includes(appleHref) && dupHrefs.includes(canonHref), `each duplicate links to its image (${dupHrefs})`)
  check((await page.locator('.uppy-Dashboard-Item').count()) === 0 || !(await page.locator('.uppy-Dashboard-Item', { hasText: 'Failed' }).count()), 'no "failed" pill for duplicates')
  // A refused type is listed under the drop zone, not over it.
  const txt = path.join(tmp, 'files', 'notes.txt')
  writeFileSync(txt, 'not an image')
  await upload(page, [txt])
  await page.waitForSelector('[data-testid=refused]', { timeout: 5_000 })
  const refused = (await page.textContent('[data-testid=refused]')) ?? ''
  check(/notes\.txt.*not accepted/.test(refused), `refused type listed (${refused})`)
  const boxA = await page.locator('#uploader .uppy-Dashboard-inner').boundingBox()
  const boxB = await page.locator('[data-testid=refused]').boundingBox()
  check(boxA && boxB && boxB.y >= boxA.y + boxA.height - 1, 'the refusal does not overlap the drop zone')

  // A 12 MiB file goes up in three presigned parts and is joined by the server.
  await upload(page, [big])
  await waitSettled(page, ['big.jpg'])
  check((await statusOf(page, 'big.jpg')) === 'ready', 'multipart upload becomes ready')
  check([...new Set(partPuts)].sort().join(',') === '1,2,3', `uploaded in parts 1,2,3 (got ${[...new Set(partPuts)].sort()})`)
  const bigImg = await (await apiAs(page, base, '/api/images/' + (await idOf(page, 'big.jpg')))).json()
  check(bigImg.size === 12 * 1024 * 1024 && bigImg.make === oracleOf('jpeg/exiftool_Nikon.jpg').make, `multipart object is whole (size ${bigImg.size}, make ${bigImg.make})`)

  // Detail view against ExifTool's values.
  const appleId = await idOf(page, 'exiftool_Apple.jpg')
  await page.goto(base + '/#/images/' + appleId)
  await page.waitForSelector('[data-group=camera]')
  const o = oracleOf('jpeg/exiftool_Apple.jpg')
  const rowText = (field) => page.locator(`.row[data-field="${field}"] dd`).first().textContent()
  const camera = await page.locator('[data-group=camera]').textContent()
  check(camera.includes(o.make) && camera.includes(o.model), `camera shows ${o.make} ${o.model}`)
  const taken = (await rowText('DateTimeOriginal')) ?? ''
  check(taken.replace(/\D/g, '').includes(String(o.taken).replace(/\D/g, '')), `date taken shows ${o.taken} (got ${taken})`)
  const gps = (await rowText('GPSLatitude')) ?? ''
  check(gps.includes(o.lat.toFixed(6)) && gps.includes(o.lon.toFixed(6)), `GPS shows ${o.lat}, ${o.lon} (got ${gps})`)
  await page.click('.rawbox summary')
  const raw = JSON.parse((await page.textContent('#raw-json')) ?? '{}')
  check(raw.Make === o.make, 'raw JSON view holds the metadata')
  check((await page.title()).includes('exiftool_Apple.jpg'), `the tab title names the image (${await page.title()})`)
  const sumTaken = (await page.textContent('[data-testid=sum-taken] dd')) ?? ''
  const sumCamera = (await page.textContent('[data-testid=sum-camera] dd')) ?? ''
  const sumLens = (await page.textContent('[data-testid=sum-lens] dd')) ?? ''
  check(sumTaken.startsWith('2016-09-28 18:18:05') && sumCamera.includes('iPhone 7') && sumLens.includes('3.99mm'), `header leads with date, camera and lens (${sumTaken} / ${sumCamera} / ${sumLens})`)
  const groupOrder = await page.locator('.info section.group').evaluateAll((g) => g.map((x) => x.dataset.group))
  check(groupOrder.indexOf('file') > groupOrder.indexOf('dates'), `the file group comes after the dates (${groupOrder})`)
  const lensInfo = (await page.locator('.row[data-field=LensInfo] .v').textContent().catch(() => '')) ?? ''
  check(lensInfo === '' || /^[\d.]+(-[\d.]+)? mm f\/[\d.]+/.test(lensInfo), `lens info reads as a lens (${lensInfo})`)
  await page.check('#show-raw')
  check(await page.locator('.row[data-field=Make] .rawval').isVisible(), 'raw values one click away')
  await page.uncheck('#show-raw')
  // The original, byte for byte, under its own name.
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('#download-original')])
  const got = readFileSync(await dl.path())
  check(dl.suggestedFilename() === 'exiftool_Apple.jpg' && got.equals(readFileSync(files[0])), `"Download original" gives the uploaded bytes (${dl.suggestedFilename()}, ${got.length} bytes)`)
  await page.screenshot({ path: path.join(shots, 'detail.png') })
  await axeCheck(page, 'viewer')

  // Failed image: reason shown, re-extract offered.
  await page.goto(base + '/#/')
  await page.waitForSelector('li.tile')
  const malformedId = await idOf(page, 'exiv2_issue_2352_poc.jpg')
  await page.goto(base + '/#/images/' + malformedId)
  await page.waitForSelector('[data-testid=detail-filename]')
  const st = await page.textContent('[data-testid=status]')
  if (st === 'failed') {
    const sentence = (await page.textContent('[data-testid=error]')) ?? ''
    check(sentence.length > 8 && !/IFD|offset \d/.test(sentence), `failed image says why in a sentence (${sentence})`)
    check(((await page.textContent('[data-testid=error-details]')) ?? '').length > 8, 'the technical reason is under details')
    await page.click('#reextract')
    await page.waitForSelector('[data-testid=reextract-result]', { timeout: 20_000 })
    check(/Re-extraction finished/.test((await page.textContent('[data-testid=reextract-result]')) ?? ''), 're-extract shows how it ended')
  }

  // Filters in the URL.
  const heifType = oracleFileType('heif/exiftool_QuickTime.heic')
  await page.goto(base + '/#/?format=' + heifType)
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length > 0 || !document.querySelector('.empty')?.hidden, null, { timeout: 10_000 })
  const heicNames = await page.locator('li.tile .name').allTextContents()
  check(heicNames.includes('exiftool_QuickTime.heic') && !heicNames.some((n) => n.endsWith('.jpg')), `format=${heifType} filter (got ${heicNames})`)
  check(heicNames.length === 1, `format=${heifType} filter (ExifTool's FileType)`)
  const webpNames = await galleryAt(page, base, '#/?format=webp')
  check(webpNames.length === 1 && webpNames[0] === 'pillow_flower.webp', `format=webp finds the extended WebP (${webpNames})`)
  const jpgNames = await galleryAt(page, base, '#/?format=jpg')
  check(jpgNames.length >= 4 && jpgNames.every((n) => n.endsWith('.jpg')), `format=jpg finds the JPEGs (${jpgNames})`)
  const nikonNames = await galleryAt(page, base, '#/?make=nikon')
  check(nikonNames.includes('exiftool_NikonD2Hs.jpg') && nikonNames.includes('big.jpg') && nikonNames.length === 2, `make=nikon finds NIKON and NIKON CORPORATION (${nikonNames})`)
  const iphoneNames = await galleryAt(page, base, '#/?model=iphone')
  check(iphoneNames.length === 1 && iphoneNames[0] === 'exiftool_Apple.jpg', `model=iphone finds the iPhone 7 (${iphoneNames})`)
  check((await page.locator('#dl-make option').count()) >= 3, 'make suggestions from the facets')
  check((await page.inputValue('#f-model')) === 'iphone', 'filter form reflects the URL')
  await page.goto(base + '/#/?takenFrom=2003-01-01&takenTo=2003-12-31')
  await page.waitForSelector('li.tile')
  const dateNames = await page.locator('li.tile .name').allTextContents()
  check(dateNames.sort().join() === 'exiftool_Canon.jpg,pillow_flower.webp', `date range 2003 (got ${dateNames})`)
  await page.goto(base + '/#/?sort=taken')
  await page.waitForSelector('li.tile')
  const byTaken = await page.locator('li.tile .name').allTextContents()
  check(byTaken.indexOf('exiftool_Apple.jpg') < byTaken.indexOf('exiftool_Canon.jpg'), `sort by date taken, newest first (got ${byTaken})`)
  await page.goto(base + '/#/?hasGps=true')
  await page.waitForSelector('li.tile')
  const gpsNames = await page.locator('li.tile .name').allTextContents()
  check(gpsNames.includes('exiftool_Apple.jpg') && !gpsNames.includes('exiv2_issue_2352_poc.jpg'), `hasGps filter (got ${gpsNames})`)
  await page.fill('#f-make', String(oracleOf('jpeg/exiftool_Canon.jpg').make))
  await page.selectOption('#f-hasGps', '')
  await page.click('.filters button[type=submit]')
  await page.waitForFunction(() => location.hash.includes('make='))
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length === 2, null, { timeout: 10_000 }).catch(() => {})
  const makeNames = await page.locator('li.tile .name').allTextContents()
  check(makeNames.sort().join() === 'exiftool_Canon.jpg,pillow_flower.webp', `make filter via the form (got ${makeNames})`)
  await page.screenshot({ path: path.join(shots, 'filtered.png') })

  // Exposure, lens and orientation filters: in the URL, from the form, kept by reload and Back.
  const isoNames = await galleryAt(page, base, '#/?isoMin=100&isoMax=800')
  check(isoNames.sort().join() === 'big.jpg,exiftool_Canon.jpg,exiftool_NikonD2Hs.jpg', `ISO 100-800 from the URL (${isoNames})`)
  check((await page.inputValue('#f-isoMin')) === '100' && (await page.inputValue('#f-isoMax')) === '800', 'the ISO boxes reflect the URL')
  // Export what the filters show, as a named download, in both formats.
  const [csvDl] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('#export')])
  const csv = readFileSync(await csvDl.path(), 'utf8').trim().split(/\r?\n/)
  check(/\.csv$/.test(csvDl.suggestedFilename()) && csv.length === 4 && ['big.jpg', 'exiftool_Canon.jpg', 'exiftool_NikonD2Hs.jpg'].every((n) => csv.some((l) => l.includes(n))),
    `Export gives the filtered view as CSV (${csvDl.suggestedFilename()}, ${csv.length} lines, header ${csv[0]?.slice(0, 60)})`)
  await page.selectOption('#export-format', 'ndjson')
  const [ndDl] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('#export')])
  const nd = readFileSync(await ndDl.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  check(/\.ndjson$/.test(ndDl.suggestedFilename()) && nd.length === 3, `and as NDJSON (${ndDl.suggestedFilename()}, ${nd.length} records)`)
  const squareNames = await galleryAt(page, base, '#/?orientation=landscape')
  check(squareNames.includes('exiftool_QuickTime.heic') && !squareNames.includes('exiftool_Apple.jpg'), `orientation=landscape (${squareNames})`)
  await galleryAt(page, base, '#/')
  await page.fill('#f-exposureMax', '1/100')
  await page.fill('#f-focalMin', '40')
  await page.fill('#f-lens', '')
  await page.click('.filters button[type=submit]')
  await page.waitForFunction(() => location.hash.includes('focalMin='))
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length === 1, null, { timeout: 10_000 }).catch(() => {})
  const expoHash = new URL(page.url()).hash
  const expoNames = await tileNames(page)
  check(/exposureMax=0\.01(&|$)/.test(expoHash) && expoNames.join() === 'exiftool_NikonD2Hs.jpg', `exposure at most 1/100 s and focal length from 40 mm via the form (${expoHash}: ${expoNames})`)
  await page.reload()
  await page.waitForSelector('li.tile')
  check((await page.inputValue('#f-focalMin')) === '40' && (await tileNames(page)).join() === 'exiftool_NikonD2Hs.jpg', 'reload keeps the exposure filters')
  await page.goBack()
  await page.waitForFunction(() => !location.hash.includes('focalMin'))
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length > 1, null, { timeout: 10_000 }).catch(() => {})
  check((await page.inputValue('#f-focalMin')) === '' && (await page.locator('li.tile').count()) > 1, 'Back leaves the exposure filters')
  const badNames = await galleryAt(page, base, '#/?isoMin=lots&bbox=0,95,1,96')
  check(badNames.length >= 5, `malformed filter values in the URL are dropped, not sent (${badNames.length} images)`)

  // Hostile EXIF strings show as inert text.
  await page.goto(base + '/#/')
  await page.waitForSelector('#uploader .uppy-Dashboard')
  const pdf = path.join(tmp, 'files', 'scan.jpg')
  writeFileSync(pdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n')
  await upload(page, [hostile, pdf])
  await waitSettled(page, ['hostile.jpg', 'scan.jpg'])
  await page.waitForFunction(() => /PDF/.test(document.querySelector('li.tile[data-status=unsupported] [data-testid=reason]')?.textContent ?? ''), null, { timeout: 5_000 }).catch(() => {})
  const unsupported = (await page.locator('li.tile[data-status=unsupported] [data-testid=reason]').first().textContent()) ?? ''
  check(/looks like a PDF document/.test(unsupported), `an unsupported file names the detected format (${unsupported})`)
  await page.goto(base + '/#/images/' + (await idOf(page, 'hostile.jpg')))
  await page.waitForSelector('[data-group=camera]')
  const camText = await page.locator('[data-group=camera]').textContent()
  check(camText.includes('<img src=x onerror="window.__xss=1">'), 'Make payload shown as text')
  check(camText.includes('<script>window.__xss=2</script>'), 'Model payload shown as text')
  check((await page.evaluate(() => window.__xss)) === undefined, 'no payload ran')
  check((await page.locator('body img[src=x], body script, body svg[onload]').count()) === 0, 'no payload element in the page')
  await page.screenshot({ path: path.join(shots, 'hostile.png'), fullPage: true })
  await page.goto(base + '/#/?q=onload')
  await page.waitForSelector('li.tile')
  const qNames = await page.locator('li.tile .name').allTextContents()
  check(qNames.length === 1 && qNames[0] === 'hostile.jpg', `text search in the description (got ${qNames})`)
  const hostileId = await apiId(page, base, 'hostile.jpg')
  await page.goto(base + '/#/images/' + hostileId)
  await page.waitForSelector('#delete')

  // Delete from the viewer (confirmation accepted: it moves on to the next image), then one
  // from the gallery selection.
  await page.click('#delete')
  await page.waitForFunction((id) => !location.hash.includes(id), hostileId)
  await page.keyboard.press('Escape')
  await page.waitForSelector('#viewer', { state: 'detached' })
  await page.waitForSelector('li.tile')
  check((await idOf(page, 'hostile.jpg')) === undefined, 'deleted image is gone from the gallery')
  await page.locator('li.tile', { hasText: 'exiftool_Canon.jpg' }).locator('input.select').check()
  await page.click('#delete-selected')
  await page.waitForFunction(() => ![...document.querySelectorAll('li.tile .name')].some((n) => n.textContent === 'exiftool_Canon.jpg'))
  const r = await fetch(base + '/api/images/' + appleId)
  check(r.status === 401, 'API refuses without a token')

  // A longer library: 28 more images, so that the gallery loads in pages.
  const pngs = readdirSync(path.join(corpus, 'png')).filter((n) => /^(libpng_i?basn|pillow_apng)/.test(n)).sort().slice(0, 28)
  const pngFiles = pngs.map((n) => {
    const dst = path.join(tmp, 'files', n)
    copyFileSync(path.join(corpus, 'png', n), dst)
    return dst
  })
  await page.goto(base + '/#/')
  await page.waitForSelector('li.tile')
  await upload(page, pngFiles)
  await page.waitForFunction((n) => document.querySelectorAll('li.tile').length >= n, pngs.length + 5, { timeout: 60_000 })
  await waitSettled(page, pngs)
  const total = (await (await apiAs(page, base, '/api/images?limit=100')).json()).items.length
  log('library size', total)

  // The timeline: day groups, newest first, undated images last in their own group.
  await page.goto(base + '/#/')
  await page.reload()
  await page.waitForSelector('li.tile')
  const groups = await page.locator('section.day').evaluateAll((s) => s.map((x) => x.dataset.group))
  const firstUndated = groups.findIndex((g) => g.startsWith('u:'))
  check(groups[0]?.startsWith('t:') && firstUndated > 0 && groups.slice(firstUndated).every((g) => g.startsWith('u:')), `timeline groups by day taken, undated last (${groups.slice(0, 6)}...)`)
  const takenDays = groups.filter((g) => g.startsWith('t:'))
  check(takenDays.every((g, i) => i === 0 || g < takenDays[i - 1]), 'day groups newest first')

  // Back and reload keep the list and the place.
  await page.evaluate(() => scrollTo(0, document.body.scrollHeight))
  await page.waitForFunction((n) => document.querySelectorAll('li.tile').length >= n, total, { timeout: 10_000 })
  await page.evaluate(() => scrollTo(0, Math.max(0, document.body.scrollHeight - innerHeight - 300)))
  await page.waitForTimeout(400)
  const before = await page.evaluate(() => ({ y: Math.round(scrollY), n: document.querySelectorAll('li.tile').length }))
  check(before.n > 24 && before.y > 300, `scrolled down a loaded list (${JSON.stringify(before)})`)
  const visibleTile = await page.evaluate(() => {
    const t = [...document.querySelectorAll('li.tile')].find((x) => { const r = x.getBoundingClientRect(); return r.top > 80 && r.bottom < innerHeight - 20 })
    return t?.dataset.id
  })
  await page.click(`li.tile[data-id="${visibleTile}"] a.tile-link`)
  await page.waitForSelector('#viewer [data-testid=detail-filename]')
  check((await page.locator('li.tile').count()) === before.n, 'the gallery stays behind the viewer')
  await page.keyboard.press('Escape')
  await page.waitForSelector('#viewer', { state: 'detached' })
  const afterEsc = await page.evaluate(() => ({ y: Math.round(scrollY), n: document.querySelectorAll('li.tile').length }))
  check(afterEsc.n === before.n && Math.abs(afterEsc.y - before.y) <= 2, `Escape keeps scroll and count (${JSON.stringify(afterEsc)})`)
  await page.click(`li.tile[data-id="${visibleTile}"] a.tile-link`)
  await page.waitForSelector('#viewer [data-testid=detail-filename]')
  await page.goBack()
  await page.waitForSelector('#viewer', { state: 'detached' })
  const afterBack = await page.evaluate(() => ({ y: Math.round(scrollY), n: document.querySelectorAll('li.tile').length }))
  check(afterBack.n === before.n && Math.abs(afterBack.y - before.y) <= 2, `Back keeps scroll and count (${JSON.stringify(afterBack)})`)
  await page.waitForTimeout(300)
  await page.reload()
  await page.waitForFunction((n) => document.querySelectorAll('li.tile').length >= n, before.n, { timeout: 10_000 })
  await page.waitForTimeout(300)
  const afterReload = await page.evaluate(() => ({ y: Math.round(scrollY), n: document.querySelectorAll('li.tile').length }))
  check(afterReload.n >= before.n && Math.abs(afterReload.y - before.y) <= 40, `reload restores count and scroll (${JSON.stringify(afterReload)})`)

  // Arrow keys walk the filtered order; Escape closes.
  await page.goto(base + '/#/?format=png')
  await page.waitForFunction(() => document.querySelectorAll('li.tile').length >= 3)
  const pngOrder = await page.locator('li.tile').evaluateAll((t) => t.map((x) => x.dataset.id))
  await page.click(`li.tile[data-id="${pngOrder[0]}"] a.tile-link`)
  await page.waitForSelector('#viewer [data-testid=detail-filename]')
  const shown = (id) => page.waitForSelector(`#viewer[data-id="${id}"]`, { timeout: 5_000 }).catch(() => {})
  await shown(pngOrder[0])
  await page.keyboard.press('ArrowRight')
  await shown(pngOrder[1])
  check(page.url().includes(pngOrder[1]) && page.url().includes('format=PNG'), 'ArrowRight opens the next image of the filtered order')
  await page.keyboard.press('ArrowRight')
  await shown(pngOrder[2])
  await page.keyboard.press('ArrowLeft')
  await shown(pngOrder[1])
  check(page.url().includes(pngOrder[1]), 'ArrowLeft goes back one')
  // A swipe to the left is "next"; the zoom button shows the picture at full size.
  const stageBox = await page.locator('[data-testid=stage]').boundingBox()
  await page.mouse.move(stageBox.x + stageBox.width * 0.7, stageBox.y + stageBox.height / 2)
  await page.mouse.down()
  await page.mouse.move(stageBox.x + stageBox.width * 0.3, stageBox.y + stageBox.height / 2, { steps: 4 })
  await page.mouse.up()
  await shown(pngOrder[2])
  check(page.url().includes(pngOrder[2]), 'a swipe moves to the next image')
  await page.click('#zoom')
  check(await page.locator('[data-testid=stage].zoomed').count() === 1 && (await page.getAttribute('#zoom', 'aria-pressed')) === 'true', 'zoom to full size')
  await page.keyboard.press('Escape')
  await page.waitForSelector('#viewer', { state: 'detached' })
  check(new URL(page.url()).hash.toLowerCase() === '#/?format=png', `Escape closes the viewer onto the same view (${new URL(page.url()).hash})`)

  // Shift-click selects a range; select all takes the whole filtered view.
  await page.locator(`li.tile[data-id="${pngOrder[0]}"] input.select`).click()
  await page.locator(`li.tile[data-id="${pngOrder[3]}"] input.select`).click({ modifiers: ['Shift'] })
  check((await page.textContent('#delete-selected')) === 'Delete 4 selected', `shift-click selects a range (${await page.textContent('#delete-selected')})`)
  await page.click('#select-all')
  check((await page.textContent('#delete-selected')) === `Delete ${pngOrder.length} selected`, 'select all selects the filtered view')
  await page.click('#select-all')
  check(await page.isDisabled('#delete-selected'), 'select none clears it')

  // Zoomed out: months; the scrubber jumps to a date.
  await page.goto(base + '/#/?zoom=month')
  await page.waitForSelector('li.tile')
  await page.evaluate(() => scrollTo(0, document.body.scrollHeight))
  await page.waitForFunction((n) => document.querySelectorAll('li.tile').length >= n, total, { timeout: 10_000 })
  const monthGroups = await page.locator('section.day').evaluateAll((s) => s.map((x) => x.dataset.group))
  check(monthGroups.every((g) => /^[tu]:\d{4}-\d{2}$/.test(g)), `grouped by month when zoomed out (${monthGroups})`)
  await page.goto(base + '/#/')
  await page.waitForSelector('li.tile')
  await page.evaluate(() => scrollTo(0, document.body.scrollHeight))
  await page.waitForFunction((n) => document.querySelectorAll('li.tile').length >= n, total, { timeout: 10_000 })
  await page.evaluate(() => scrollTo(0, 0))
  check(await page.isVisible('nav.scrubber'), 'a date scrubber for a long library')
  await page.click('nav.scrubber button.mark:has-text("Aug 2001")')
  await page.waitForTimeout(200)
  const jumped = await page.evaluate(() => Math.abs(document.querySelector('section.day[data-group="t:2001-08-01"]').getBoundingClientRect().top))
  check(jumped < 60, `the scrubber jumps to its date (${jumped})`)
  await page.goto(base + '/#/?format=png')
  await page.waitForSelector('li.tile')

  // The skip link moves focus to the content without leaving the view.
  await page.evaluate(() => document.activeElement?.blur())
  await page.focus('a.skip')
  await page.keyboard.press('Enter')
  check(new URL(page.url()).hash.toLowerCase() === '#/?format=png' && (await page.evaluate(() => document.activeElement?.id)) === 'main', 'skip link focuses the content and keeps the view')

  // Phone: uploader and filters fold away, the first screen shows photos.
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto(base + '/#/')
  await page.reload()
  await page.waitForSelector('li.tile img.pic')
  const phone = await page.evaluate(() => {
    const img = [...document.querySelectorAll('li.tile img.pic')].find((i) => i.complete && i.naturalWidth > 0) ?? document.querySelector('li.tile img.pic')
    return { top: img.getBoundingClientRect().top, uploadHidden: document.getElementById('upload-section').hidden, filtersHidden: document.getElementById('filter-box').hidden }
  })
  check(phone.top < 844 && phone.uploadHidden && phone.filtersHidden, `phone: a photo in the first screen, uploader and filters folded (${JSON.stringify(phone)})`)
  await page.screenshot({ path: path.join(shots, 'mobile-gallery.png') })
  await page.click('li.tile a.tile-link')
  await page.waitForSelector('#viewer [data-testid=detail-filename]')
  await page.waitForTimeout(300)
  await page.screenshot({ path: path.join(shots, 'mobile-viewer.png') })
  await axeCheck(page, 'viewer on a phone')
  await page.keyboard.press('Escape')
  await page.waitForSelector('#viewer', { state: 'detached' })
  await page.click('button.fold[aria-controls=filter-box]')
  check(await page.isVisible('#f-make') && (await page.isVisible('#f-isoMin')) && (await page.isVisible('#f-orientation')), 'phone: the Filters button unfolds the filters, exposure and orientation included')
  await page.setViewportSize({ width: 1280, height: 900 })

  // A second user sees none of alice's images, and not by id either.
  const ctx2 = await browser.newContext({ viewport: { width: 390, height: 844 } })
  const page2 = await ctx2.newPage()
  page2.on('pageerror', (e) => pageErrors.push(String(e)))
  await page2.goto(base + '/#/signup')
  await page2.fill('#username', 'alice')
  await page2.fill('#password', 'some other password')
  await page2.click('button[type=submit]')
  await page2.waitForSelector('.notice.error')
  check(/username is taken/.test((await page2.textContent('.notice.error')) ?? ''), 'taken username message')
  await signUp(page2, base, 'bob', 'another secret pw')
  await page2.waitForSelector('.empty:not([hidden])')
  check((await page2.locator('li.tile').count()) === 0, "bob's gallery is empty")
  await page2.screenshot({ path: path.join(shots, 'mobile-empty.png') })
  await page2.goto(base + '/#/images/' + appleId)
  await page2.waitForSelector('.notice.error')
  check(/Not found/i.test((await page2.textContent('.notice.error')) ?? ''), "bob gets Not found for alice's image")

  // Sign out, then wrong password.
  await page2.click('text=Sign out')
  await page2.waitForSelector('form.auth')
  await page2.fill('#username', 'bob')
  await page2.fill('#password', 'wrong password!')
  await page2.click('button[type=submit]')
  await page2.waitForSelector('.notice.error')
  check(/Wrong username or password/.test((await page2.textContent('.notice.error')) ?? ''), 'wrong password message')

  // Keyboard only: Tab from the top of the page reaches the form fields in order, Enter signs in.
  await page2.goto(base + '/#/signin')
  await page2.waitForSelector('form.auth')
  const order = []
  for (let i = 0; i < 8 && !order.includes('password'); i++) {
    await page2.keyboard.press('Tab')
    order.push(await page2.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''))
  }
  check(order.includes('username') && order.indexOf('username') < order.indexOf('password'), `focus order reaches username then password (${order})`)
  await page2.keyboard.type('another secret pw')
  await page2.keyboard.press('Shift+Tab')
  await page2.keyboard.type('bob')
  await page2.keyboard.press('Enter')
  await page2.waitForSelector('#uploader .uppy-Dashboard', { timeout: 15_000, state: 'attached' })
  check(true, 'signed in with the keyboard only')

  await previewJourney(browser, base, pageErrors)
  await mapJourney(browser, base, pageErrors)
  await shareJourney(browser, base, pageErrors)
  await trashJourney(browser, base, pageErrors)

  check(pageErrors.length === 0, 'no page errors or CSP violations' + (pageErrors.length ? ': ' + pageErrors.join(' | ') : ''))
}

const started = Date.now()
try {
  await main()
} catch (e) {
  failures++
  console.error('[e2e] FAIL', e?.stack ?? e)
  try {
    mkdirSync(path.join(here, 'out'), { recursive: true })
    await globalThis.__page?.screenshot({ path: path.join(here, 'out', 'failure.png'), fullPage: true })
    console.error('[e2e] page text:', (await globalThis.__page?.textContent('main'))?.slice(0, 1500))
  } catch {}
} finally {
  await cleanup()
  clearTimeout(killer)
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures} failure(s)`)
process.exit(failures ? 1 : 0)
