import { describe, it, expect } from 'vitest'
import { ACCEPT_EXTENSIONS, browserCanShow, canonicalFormat, contentTypeFor, hasLocation, isTerminal } from './images'

describe('isTerminal', () => {
  it('is false only while pending', () => {
    expect(isTerminal('pending')).toBe(false)
    expect(isTerminal('ready')).toBe(true)
    expect(isTerminal('failed')).toBe(true)
    expect(isTerminal('unsupported')).toBe(true)
  })
})

describe('browserCanShow', () => {
  it('decides by the detected format first', () => {
    expect(browserCanShow('image/jpeg', 'HEIC')).toBe(false)
    expect(browserCanShow('application/octet-stream', 'JPEG')).toBe(true)
    expect(browserCanShow('image/heic', 'webp')).toBe(true)
    expect(browserCanShow('image/jpeg', 'TIFF')).toBe(false)
  })

  it('falls back to the content type, ignoring case and parameters', () => {
    expect(browserCanShow('image/png', null)).toBe(true)
    expect(browserCanShow('IMAGE/PNG; charset=binary', null)).toBe(true)
    expect(browserCanShow('image/heic', null)).toBe(false)
    expect(browserCanShow('image/svg+xml', null)).toBe(false)
    expect(browserCanShow('text/html', null)).toBe(false)
    expect(browserCanShow('', null)).toBe(false)
  })

  it('does not take inherited property names for formats', () => {
    expect(browserCanShow('', 'constructor')).toBe(false)
    expect(browserCanShow('constructor', null)).toBe(false)
  })
})

describe('contentTypeFor', () => {
  it('keeps an accepted browser type', () => {
    expect(contentTypeFor('a.bin', 'image/heic')).toBe('image/heic')
    expect(contentTypeFor('a.jpg', 'IMAGE/PNG')).toBe('image/png')
    expect(contentTypeFor('a', 'image/x-ms-bmp')).toBe('image/x-ms-bmp')
  })

  it('uses the extension when the browser type is missing, generic or not accepted', () => {
    expect(contentTypeFor('IMG_0001.HEIC', '')).toBe('image/heic')
    expect(contentTypeFor('photo.cr3', 'application/octet-stream')).toBe('image/x-canon-cr3')
    expect(contentTypeFor('photo.jpg', 'text/plain')).toBe('image/jpeg')
    expect(contentTypeFor('photo.dng', undefined)).toBe('image/x-adobe-dng')
  })

  it('sends unknown files as octet-stream only when the browser did not know either', () => {
    expect(contentTypeFor('notes', '')).toBe('application/octet-stream')
    expect(contentTypeFor('notes.xyz', undefined)).toBe('application/octet-stream')
    expect(contentTypeFor('notes.txt', 'application/octet-stream')).toBe('application/octet-stream')
    expect(contentTypeFor('page.html', 'text/html')).toBeNull()
    expect(contentTypeFor('x.svg', 'image/svg+xml')).toBeNull()
  })

  it('does not take inherited property names for extensions', () => {
    for (const name of ['x.constructor', 'x.tostring', 'x.valueof', 'x.__proto__']) {
      const t = contentTypeFor(name, '')
      expect(t).toBe('application/octet-stream')
    }
    expect(contentTypeFor('x.constructor', 'text/html')).toBeNull()
  })

  it('lists the accepted extensions with dots', () => {
    expect(ACCEPT_EXTENSIONS).toContain('.jpg')
    expect(ACCEPT_EXTENSIONS).toContain('.heic')
    expect(ACCEPT_EXTENSIONS.every((e) => /^\.[a-z0-9]+$/.test(e))).toBe(true)
  })
})

describe('canonicalFormat', () => {
  it('folds the variants people and ExifTool write', () => {
    expect(canonicalFormat('Extended WEBP')).toBe('WEBP')
    expect(canonicalFormat('jpg')).toBe('JPEG')
    expect(canonicalFormat('tif')).toBe('TIFF')
    expect(canonicalFormat('APNG')).toBe('PNG')
    expect(canonicalFormat(' heic ')).toBe('HEIC')
  })
  it('lets every browser-decodable variant show', () => {
    expect(browserCanShow('image/webp', 'Extended WEBP')).toBe(true)
    expect(browserCanShow('image/png', 'APNG')).toBe(true)
  })
})

describe('hasLocation', () => {
  it('needs both coordinates, finite and in range', () => {
    expect(hasLocation({ GPSLatitude: 54.9, GPSLongitude: -1.9 })).toBe(true)
    expect(hasLocation({ GPSAltitude: 12 })).toBe(false)
    expect(hasLocation({ GPSLatitude: 54.9 })).toBe(false)
    expect(hasLocation({ GPSLatitude: 91, GPSLongitude: 0 })).toBe(false)
    expect(hasLocation({ GPSLatitude: '54.9', GPSLongitude: 1 })).toBe(false)
    expect(hasLocation(null)).toBe(false)
  })
})
