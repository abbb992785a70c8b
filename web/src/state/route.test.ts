import { describe, it, expect } from 'vitest'
import { NO_FILTERS, type Filters } from './filters'
import { galleryHref, imageHref, parseRoute } from './route'

const ID = '01HZX3K4M5N6P7Q8R9S0T1V2W3'

describe('parseRoute', () => {
  it('reads the gallery from an empty or root hash', () => {
    for (const h of ['', '#', '#/', '/']) expect(parseRoute(h)).toEqual({ name: 'gallery', filters: NO_FILTERS })
  })

  it('reads the gallery filters from the query', () => {
    const r = parseRoute('#/?format=png&hasGps=true')
    expect(r.name).toBe('gallery')
    if (r.name !== 'gallery') throw new Error('unreachable')
    expect(r.filters.format).toBe('PNG')
    expect(r.filters.hasGps).toBe(true)
  })

  it('reads sign-in and sign-up', () => {
    expect(parseRoute('#/signin')).toEqual({ name: 'signin' })
    expect(parseRoute('#/signup')).toEqual({ name: 'signup' })
    expect(parseRoute('#/signin?next=x')).toEqual({ name: 'signin' })
  })

  it('reads the trash', () => {
    expect(parseRoute('#/trash')).toEqual({ name: 'trash' })
    expect(parseRoute('#/trash?x=1')).toEqual({ name: 'trash' })
    expect(parseRoute('#/trash/').name).toBe('notfound')
  })

  it('reads an image route only with a well-formed id', () => {
    expect(parseRoute(`#/images/${ID}`)).toEqual({ name: 'image', imageId: ID, filters: NO_FILTERS })
    expect(parseRoute('#/images/not-an-id')).toEqual({ name: 'notfound', path: '/images/not-an-id' })
    expect(parseRoute(`#/images/${ID.toLowerCase()}`).name).toBe('notfound')
    expect(parseRoute(`#/images/${ID}/extra`).name).toBe('notfound')
    expect(parseRoute('#/images/').name).toBe('notfound')
    // I, L, O and U are not in Crockford base32.
    expect(parseRoute('#/images/01HZX3K4M5N6P7Q8R9S0T1V2WI').name).toBe('notfound')
  })

  it('does not route hostile paths anywhere but notfound', () => {
    const r = parseRoute('#/images/<img src=x onerror=alert(1)>')
    expect(r).toEqual({ name: 'notfound', path: '/images/<img src=x onerror=alert(1)>' })
    expect(parseRoute('#javascript:alert(1)').name).toBe('notfound')
    expect(parseRoute('#/signin/').name).toBe('notfound')
  })
})

describe('hrefs', () => {
  it('makes the gallery href from the filters', () => {
    expect(galleryHref(NO_FILTERS)).toBe('#/')
    const f: Filters = { ...NO_FILTERS, q: 'a b', sort: 'uploaded' }
    expect(galleryHref(f)).toBe('#/?q=a+b&sort=uploaded')
  })

  it('round-trips gallery filters through the hash', () => {
    const f: Filters = { ...NO_FILTERS, make: 'Canon', takenFrom: '2020-01-01', status: 'failed' }
    expect(parseRoute(galleryHref(f))).toEqual({ name: 'gallery', filters: f })
  })

  it('makes image hrefs only from image ids', () => {
    expect(imageHref(ID)).toBe(`#/images/${ID}`)
    expect(parseRoute(imageHref(ID))).toEqual({ name: 'image', imageId: ID, filters: NO_FILTERS })
  })

  it('carries the gallery view in an image href, so the viewer steps through the same order', () => {
    const f: Filters = { ...NO_FILTERS, make: 'nikon', zoom: 'month' }
    expect(imageHref(ID, f)).toBe(`#/images/${ID}?make=nikon&zoom=month`)
    expect(parseRoute(imageHref(ID, f))).toEqual({ name: 'image', imageId: ID, filters: f })
    expect(() => imageHref('../signin')).toThrow()
    expect(() => imageHref('')).toThrow()
  })
})
