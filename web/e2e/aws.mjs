// The browser journey against the AWS shape on loopback: `deploy/deploy.sh local` (moto, the
// deployed template, the Lambda zips' bootstraps, the HTTP API with its JWT authorizer, the
// site as published to Amplify) driven in headless Chromium (Debian's /usr/bin/chromium,
// playwright-core). Sign-up and sign-in go through the page to the local Cognito pool with
// amazon-cognito-identity-js (SRP), uploads go to presigned S3 URLs, the metadata comes from
// the extractor Lambda (S3 -> SNS -> its bootstrap), delete goes through ObjectRemoved.
// Usage: node e2e/aws.mjs   (after npm run build; IMGMETA_WEB_DIST another built site,
// IMGMETA_BIN the binary packaged,
// IMGMETA_SHARED the corpus location).
import { chromium } from 'playwright-core'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const web = path.resolve(here, '..')
const repo = path.resolve(web, '..')
const shared = process.env.IMGMETA_SHARED ?? path.resolve(repo, '..', 'shared')
const bin = process.env.IMGMETA_BIN ?? path.join(repo, 'build/dev/src/cli/imgmeta')
const dist = process.env.IMGMETA_WEB_DIST ?? path.join(web, 'dist')
const corpus = path.join(shared, 'corpus')
const oracle = path.join(shared, 'corpus-oracle')
const DEADLINE_MS = 6 * 60_000
const PASSWORD = 'Correct-Horse-9'

const tmp = mkdtempSync(path.join(tmpdir(), 'imgmeta-e2e-aws-'))
let local = null
let browser = null
let failures = 0
const log = (...a) => console.log('[e2e-aws]', ...a)
function check(cond, what) {
  if (cond) log('ok  ', what)
  else {
    failures++
    console.error('[e2e-aws] FAIL', what)
  }
}

const killer = setTimeout(() => {
  console.error('[e2e-aws] FAIL: over the time limit')
  cleanup().finally(() => process.exit(1))
}, DEADLINE_MS)

// Stops deploy.sh local as Ctrl-C would (it stops everything it started) and waits for it.
async function cleanup() {
  try {
    await browser?.close()
  } catch {}
  if (local && local.exitCode === null) {
    const exited = new Promise((r) => local.once('exit', r))
    try {
      process.kill(-local.pid, 'SIGINT')
    } catch {}
    const t = setTimeout(() => {
      try {
        process.kill(-local.pid, 'SIGKILL')
      } catch {}
    }, 60_000)
    await exited
    clearTimeout(t)
  }
  rmSync(tmp, { recursive: true, force: true })
}

async function startLocal() {
  const ready = path.join(tmp, 'ready.json')
  local = spawn(path.join(repo, 'deploy/deploy.sh'),
    ['local', '--stack-name', 'imgmeta-e2e', '--port', '0', '--binary', bin, '--web-dist', dist, '--ready-file', ready], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: SIGINT to the group is Ctrl-C
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
    })
  let out = ''
  const keep = (d) => {
    out = (out + d).slice(-8000)
    if (process.env.E2E_DEBUG) process.stdout.write(d)
  }
  local.stdout.on('data', keep)
  local.stderr.on('data', keep)
  for (let i = 0; i < 2400; i++) {
    if (local.exitCode !== null) throw new Error('deploy.sh local exited:\n' + out)
    if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8'))
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('deploy.sh local did not come up:\n' + out)
}

function oracleOf(rel) {
  const d = JSON.parse(readFileSync(path.join(oracle, rel + '.json'), 'utf8'))
  const o = Array.isArray(d) ? d[0] : d
  const get = (name) => {
    for (const [k, v] of Object.entries(o)) if (k === name || k.endsWith(':' + name)) return v
    return undefined
  }
  return { make: get('Make'), model: get('Model') }
}

// Sign-up through the page: the pool asks for the emailed code (a prompt), which the local
// pool does not check; then the page signs in with SRP and shows the gallery.
async function signUp(page, base, email) {
  await page.goto(base + '/#/signup')
  await page.waitForSelector('form.auth')
  await page.fill('#username', email)
  if (await page.locator('#email').count()) await page.fill('#email', email)
  await page.fill('#password', PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForSelector('#uploader .uppy-Dashboard', { timeout: 30_000 })
}

async function signIn(page, base, email) {
  await page.goto(base + '/#/signin')
  await page.waitForSelector('form.auth')
  await page.fill('#username', email)
  await page.fill('#password', PASSWORD)
  await page.click('button[type=submit]')
  await page.waitForSelector('#uploader .uppy-Dashboard', { timeout: 30_000 })
}

async function upload(page, files) {
  if ((await page.locator('#uploader input[type=file]').count()) === 0) await page.click('#uploader .uppy-DashboardContent-addMore')
  const input = page.locator('#uploader input[type=file][name="files[]"]:not([webkitdirectory])').first()
  await input.setInputFiles(files)
}

const tileAttr = (page, name, attr) =>
  page.evaluate(
    ([n, a]) => [...document.querySelectorAll('li.tile')].find((t) => t.querySelector('.name')?.textContent === n)?.dataset[a],
    [name, attr],
  )

// The API as the page's signed-in user: amazon-cognito-identity-js keeps the ID token in
// localStorage under CognitoIdentityServiceProvider.<client>.<user>.idToken.
async function apiAs(page, base, p, method = 'GET') {
  const token = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)
      if (k.startsWith('CognitoIdentityServiceProvider.') && k.endsWith('.idToken')) return localStorage.getItem(k)
    }
    return null
  })
  return fetch(base + p, { method, headers: token ? { Authorization: 'Bearer ' + token } : {} })
}

async function main() {
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error('web/dist is missing: run npm run build first')
  if (!existsSync(bin)) throw new Error('imgmeta binary not found at ' + bin)
  const info = await startLocal()
  const base = info.site
  log('deploy.sh local at', base, 'functions', JSON.stringify(Object.fromEntries(
    Object.entries(info.functions).map(([n, f]) => [n, f.running ? 'running' : 'init failed: ' + f.initError]))))

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const pageErrors = []
  const watch = (page) => {
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('dialog', (d) => void (d.type() === 'prompt' ? d.accept('123456') : d.accept()))
    page.on('console', (m) => { if (process.env.E2E_DEBUG) log('console', m.type(), m.text()) })
    page.on('response', (r) => { if (process.env.E2E_DEBUG && r.status() >= 400) log('http', r.status(), r.request().method(), r.url()) })
  }

  const ctx1 = await browser.newContext()
  const page = await ctx1.newPage()
  watch(page)
  globalThis.__page = page

  // Config as deployed: Cognito mode against the local pool.
  const config = await (await fetch(base + '/config.json')).json()
  check(config.auth?.mode === 'cognito' && config.auth.userPoolId === info.outputs.UserPoolId, 'the site runs in Cognito mode on the deployed pool')

  await signUp(page, base, 'alice@example.com')
  check(true, 'sign-up through the page (Cognito, code prompt) lands on the gallery')

  // Upload to a presigned S3 URL; the extractor Lambda makes it ready with ExifTool's values.
  const rel = 'jpeg/exiftool_Canon.jpg'
  const puts = []
  page.on('request', (r) => { if (r.method() === 'PUT') puts.push(r.url()) })
  await upload(page, [path.join(corpus, rel)])
  const name = path.basename(rel)
  await page.waitForFunction(
    (n) => [...document.querySelectorAll('li.tile')].some((t) => t.querySelector('.name')?.textContent === n && t.dataset.status && t.dataset.status !== 'pending'),
    name, { timeout: 60_000, polling: 250 })
  check((await tileAttr(page, name, 'status')) === 'ready', 'the upload becomes ready (S3 -> SNS -> the extractor Lambda)')
  check(puts.some((u) => u.startsWith(info.endpoint + '/') && u.includes('X-Amz-Signature=')), 'the bytes went to a presigned S3 URL')
  // The preview function (the same SNS topic) made the thumbnail; the tile shows it from S3.
  const thumb = await page.waitForFunction((n) => {
    const t = [...document.querySelectorAll('li.tile')].find((x) => x.querySelector('.name')?.textContent === n)
    const img = t?.querySelector('img.pic')
    return img && img.complete && img.naturalWidth > 0 && /\/previews\//.test(img.currentSrc) ? img.currentSrc : false
  }, name, { timeout: 60_000, polling: 250 }).then((h) => h.jsonValue()).catch(() => '')
  check(thumb.startsWith(info.endpoint + '/') && thumb.includes('thumb.webp'), 'the tile shows the thumbnail the preview Lambda stored in S3')
  const id = await tileAttr(page, name, 'id')
  await page.goto(base + '/#/images/' + id)
  await page.waitForSelector('[data-group=camera]')
  const o = oracleOf(rel)
  const camera = (await page.locator('[data-group=camera]').textContent()) ?? ''
  check(camera.includes(o.make) && camera.includes(o.model), `the detail view shows ${o.make} ${o.model} from the extractor`)

  // A second user, through the page in another browser context, sees nothing of alice's.
  const ctx2 = await browser.newContext()
  const page2 = await ctx2.newPage()
  watch(page2)
  await signUp(page2, base, 'bob@example.com')
  await page2.waitForSelector('.empty:not([hidden])')
  check((await page2.locator('li.tile').count()) === 0, "bob's gallery is empty")
  check((await apiAs(page2, base, '/api/images/' + id)).status === 404, "bob gets 404 for alice's image")

  // Sign-in through the page (a fresh context: no session), then delete from the detail view.
  const ctx3 = await browser.newContext()
  const page3 = await ctx3.newPage()
  watch(page3)
  globalThis.__page = page3
  await signIn(page3, base, 'alice@example.com')
  await page3.waitForSelector('li.tile')
  check((await tileAttr(page3, name, 'id')) === id, 'sign-in through the page shows alice her image')
  await page3.goto(base + '/#/images/' + id)
  await page3.waitForSelector('#delete')
  await page3.click('#delete')
  await page3.waitForFunction(() => location.hash === '#/')
  check((await tileAttr(page3, name, 'id')) === undefined, 'the deleted image is gone from the gallery')
  const trash = await (await apiAs(page3, base, '/api/trash')).json()
  check(trash.items.some((i) => i.imageId === id && i.trashedAt), 'it waits in the trash')
  check((await apiAs(page3, base, '/api/trash/empty', 'POST')).status === 200, 'emptying the trash deletes the S3 object')
  let status = 0
  for (let i = 0; i < 50 && status !== 404; i++) {
    status = (await apiAs(page3, base, '/api/images/' + id)).status
    if (status !== 404) await new Promise((r) => setTimeout(r, 200))
  }
  check(status === 404, 'and from the API after ObjectRemoved')
  check((await fetch(base + '/api/images')).status === 401, 'the HTTP API refuses a request without a token')

  check(pageErrors.length === 0, 'no page errors' + (pageErrors.length ? ': ' + pageErrors.join(' | ') : ''))
}

const started = Date.now()
try {
  await main()
} catch (e) {
  failures++
  console.error('[e2e-aws] FAIL', e?.stack ?? e)
  try {
    mkdirSync(path.join(here, 'out'), { recursive: true })
    await globalThis.__page?.screenshot({ path: path.join(here, 'out', 'aws-failure.png'), fullPage: true })
    console.error('[e2e-aws] page text:', (await globalThis.__page?.textContent('main'))?.slice(0, 1500))
  } catch {}
} finally {
  await cleanup()
  clearTimeout(killer)
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures} failure(s)`)
process.exit(failures ? 1 : 0)
