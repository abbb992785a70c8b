import { describe, expect, it } from 'vitest'
import { openShare, tokenFromHash } from './api'
import { shareRequest } from './dialog'
import { renderShare, showShare, valueText } from './page'

const TOKEN = 'A'.repeat(43)
const IMAGE_ID = '01HZX0000000000000000000A1'

function answer(status: number, body: unknown, headers: Record<string, string> = {}): typeof fetch {
  const calls: { url: string; init?: RequestInit }[] = []
  const fn = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init })
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
  }) as unknown as typeof fetch
  ;(fn as unknown as { calls: typeof calls }).calls = calls
  return fn
}

const hostile = {
  expiresAt: '2030-01-01T00:00:00.000Z',
  images: [
    {
      imageId: IMAGE_ID,
      filename: '<img src=x onerror="window.__xss=1">.jpg',
      thumbnailUrl: 'https://example.test/t.webp',
      previewUrl: 'https://example.test/p.webp',
      downloadUrl: 'https://example.test/d.jpg',
      metadata: { ImageDescription: '<script>window.__xss=2</script>', ImageWidth: 640, Tags: ['a', '<b>'] },
    },
  ],
}

describe('share links in the browser', () => {
  it('reads the token from the fragment only when it is one', () => {
    expect(tokenFromHash('#' + TOKEN)).toBe(TOKEN)
    expect(tokenFromHash(TOKEN)).toBe(TOKEN)
    expect(tokenFromHash('#' + TOKEN + 'x')).toBeNull()
    expect(tokenFromHash('#/gallery')).toBeNull()
    expect(tokenFromHash('')).toBeNull()
  })

  it('asks for neither location nor camera details unless ticked, and no empty password', () => {
    expect(shareRequest([IMAGE_ID], 3600, '', false, false)).toEqual({
      imageIds: [IMAGE_ID], expiresIn: 3600, includeLocation: false, includeMetadata: false,
    })
    expect(shareRequest([IMAGE_ID], 60, 'pw', true, true).password).toBe('pw')
  })

  it('shows file names and metadata as text, never as markup', () => {
    const root = document.createElement('main')
    renderShare(root, hostile)
    expect(root.querySelector('script')).toBeNull()
    expect(root.querySelectorAll('img').length).toBe(1)  // the thumbnail only
    expect(root.querySelector('[data-testid=share-filename]')?.textContent).toBe(hostile.images[0]!.filename)
    expect(root.textContent).toContain('<script>window.__xss=2</script>')
    expect((root.querySelector('[data-testid=share-download]') as HTMLAnchorElement).getAttribute('href')).toBe('https://example.test/d.jpg')
    expect(valueText(['a', '<b>'])).toBe('["a","<b>"]')
  })

  it('says the link is gone on 404, asks for the password on 401, and waits on 429', async () => {
    const root = document.createElement('main')
    expect(await showShare(root, '', TOKEN, answer(404, { error: { code: 'NotFound', message: 'x' } }))).toBe('gone')
    expect(root.querySelector('[data-testid=share-gone]')).not.toBeNull()
    expect(await showShare(root, '', TOKEN, answer(401, { error: { code: 'PasswordRequired', message: 'x' } }))).toBe('password')
    expect(root.querySelector('#share-password')).not.toBeNull()
    expect(await showShare(root, '', TOKEN, answer(429, { error: { code: 'TooManyRequests', message: 'x' } }, { 'Retry-After': '120' }))).toBe('wait')
    expect(await showShare(root, '', null, answer(200, hostile))).toBe('gone')
  })

  it('sends the password in a header and never credentials', async () => {
    const fn = answer(200, hostile)
    const r = await openShare('https://api.test', TOKEN, 'secret', fn)
    expect(r.kind).toBe('ok')
    const call = (fn as unknown as { calls: { url: string; init: RequestInit }[] }).calls[0]!
    expect(call.url).toBe('https://api.test/api/public/shares/' + TOKEN)
    expect((call.init.headers as Record<string, string>)['X-Share-Password']).toBe('secret')
    expect((call.init.headers as Record<string, string>).Authorization).toBeUndefined()
    expect(call.init.credentials).toBe('omit')
  })
})
