import { describe, it, expect } from 'vitest'
import {
  NO_FILTERS,
  toExportQuery,
  exportFilename,
  parseNumber,
  parseBbox,
  describeFilters,
  filtersToParams,
  isFiltered,
  isValidDate,
  parseFilters,
  sameFilters,
  toListQuery,
  type Filters,
} from './filters'

const f = (over: Partial<Filters>): Filters => ({ ...NO_FILTERS, ...over })

describe('isValidDate', () => {
  it('accepts real calendar dates', () => {
    expect(isValidDate('2021-04-11')).toBe(true)
    expect(isValidDate('2024-02-29')).toBe(true)
    expect(isValidDate('1999-12-31')).toBe(true)
  })
  it('refuses impossible or malformed dates', () => {
    expect(isValidDate('2023-02-29')).toBe(false)
    expect(isValidDate('2021-04-31')).toBe(false)
    expect(isValidDate('2021-13-01')).toBe(false)
    expect(isValidDate('2021-00-10')).toBe(false)
    expect(isValidDate('2021-4-1')).toBe(false)
    expect(isValidDate('2021-04-11T00:00')).toBe(false)
    expect(isValidDate(' 2021-04-11')).toBe(false)
    expect(isValidDate('')).toBe(false)
    expect(isValidDate('abcd-ef-gh')).toBe(false)
  })
})

describe('parseFilters', () => {
  it('gives the defaults for an empty query', () => {
    expect(parseFilters('')).toEqual(NO_FILTERS)
    expect(parseFilters('?')).toEqual(NO_FILTERS)
    expect(parseFilters(new URLSearchParams())).toEqual(NO_FILTERS)
  })

  it('reads every filter', () => {
    const p = parseFilters(
      '?q=sunset&format=heic&make=Canon&model=EOS%2040D&takenFrom=2020-01-01&takenTo=2020-12-31&lens=EF&hasGps=true&status=ready&sort=uploaded&zoom=month',
    )
    expect(p).toEqual({
      ...NO_FILTERS,
      q: 'sunset',
      format: 'HEIC',
      make: 'Canon',
      model: 'EOS 40D',
      lens: 'EF',
      takenFrom: '2020-01-01',
      takenTo: '2020-12-31',
      hasGps: true,
      status: 'ready',
      sort: 'uploaded',
      zoom: 'month',
    })
  })

  it('accepts a query with or without the leading ?', () => {
    expect(parseFilters('q=x').q).toBe('x')
    expect(parseFilters('?q=x').q).toBe('x')
  })

  it('drops values that make no sense', () => {
    const p = parseFilters('takenFrom=2021-02-30&takenTo=yesterday&hasGps=yes&status=deleted&sort=random')
    expect(p.takenFrom).toBe('')
    expect(p.takenTo).toBe('')
    expect(p.hasGps).toBeNull()
    expect(p.status).toBeNull()
    expect(p.sort).toBe('taken')
  })

  it('reads hasGps=false as false, not as absent', () => {
    expect(parseFilters('hasGps=false').hasGps).toBe(false)
  })

  it('does not accept inherited property names as a status', () => {
    expect(parseFilters('status=constructor').status).toBeNull()
    expect(parseFilters('status=toString').status).toBeNull()
    expect(parseFilters('status=READY').status).toBeNull()
  })

  it('strips control characters, trims and caps text', () => {
    const p = parseFilters(new URLSearchParams({ q: '  a\u0000b\nc\u007f  ', make: 'x'.repeat(500) }))
    expect(p.q).toBe('abc')
    expect(p.make).toHaveLength(200)
  })

  it('keeps hostile text as plain data', () => {
    const evil = '<img src=x onerror=alert(1)>'
    expect(parseFilters(new URLSearchParams({ q: evil })).q).toBe(evil)
  })

  it('swaps a range that ends before it starts', () => {
    const p = parseFilters('takenFrom=2021-05-01&takenTo=2020-01-01')
    expect(p.takenFrom).toBe('2020-01-01')
    expect(p.takenTo).toBe('2021-05-01')
  })

  it('keeps a one-sided range', () => {
    const p = parseFilters('takenTo=2020-01-01')
    expect(p.takenFrom).toBe('')
    expect(p.takenTo).toBe('2020-01-01')
  })

  it('uses the first of repeated parameters', () => {
    expect(parseFilters('q=a&q=b').q).toBe('a')
  })
})

describe('filtersToParams', () => {
  it('is empty for the defaults', () => {
    expect(filtersToParams(NO_FILTERS).toString()).toBe('')
  })

  it('writes only what differs, in a fixed order', () => {
    const a = filtersToParams(f({ sort: 'uploaded', status: 'failed', q: 'x y', hasGps: false, zoom: 'month' })).toString()
    expect(a).toBe('q=x+y&hasGps=false&status=failed&sort=uploaded&zoom=month')
  })

  it('round-trips through parseFilters', () => {
    const all = f({
      q: 'café & <b>',
      format: 'JPEG',
      make: 'Apple',
      model: 'iPhone 7',
      takenFrom: '2019-01-01',
      takenTo: '2019-06-30',
      hasGps: true,
      status: 'pending',
      sort: 'taken',
    })
    expect(parseFilters(filtersToParams(all).toString())).toEqual(all)
    expect(parseFilters(filtersToParams(f({ hasGps: false })))).toEqual(f({ hasGps: false }))
  })
})

describe('sameFilters and isFiltered', () => {
  it('compares by meaning', () => {
    expect(sameFilters(f({ q: 'a' }), f({ q: 'a' }))).toBe(true)
    expect(sameFilters(f({ q: 'a' }), f({ q: 'b' }))).toBe(false)
    expect(sameFilters(f({ hasGps: null }), f({ hasGps: false }))).toBe(false)
  })

  it('does not count the sort order as a filter', () => {
    expect(isFiltered(NO_FILTERS)).toBe(false)
    expect(isFiltered(f({ sort: 'taken' }))).toBe(false)
    expect(isFiltered(f({ hasGps: false }))).toBe(true)
    expect(isFiltered(f({ takenTo: '2020-01-01' }))).toBe(true)
  })
})

describe('toListQuery', () => {
  it('sends only the set filters, with limit and sort', () => {
    expect(toListQuery(NO_FILTERS, null, 50)).toEqual({ limit: 50, sort: 'taken' })
  })

  it('carries every filter and the cursor', () => {
    const q = toListQuery(
      f({ q: 'a', format: 'PNG', make: 'm', model: 'n', takenFrom: '2020-01-01', takenTo: '2020-02-01', hasGps: false, status: 'ready', sort: 'taken' }),
      'CUR',
      10,
    )
    expect(q).toEqual({
      limit: 10,
      sort: 'taken',
      cursor: 'CUR',
      q: 'a',
      format: 'PNG',
      make: 'm',
      model: 'n',
      takenFrom: '2020-01-01',
      takenTo: '2020-02-01',
      hasGps: false,
      status: 'ready',
    })
  })
})

describe('describeFilters', () => {
  it('is empty without filters', () => {
    expect(describeFilters(NO_FILTERS)).toBe('')
  })
  it('phrases ranges and location', () => {
    expect(describeFilters(f({ format: 'HEIC', hasGps: true }))).toBe('format HEIC, with location')
    expect(describeFilters(f({ takenFrom: '2020-01-01', takenTo: '2020-02-01' }))).toBe('taken 2020-01-01 to 2020-02-01')
    expect(describeFilters(f({ takenFrom: '2020-01-01' }))).toBe('taken from 2020-01-01')
    expect(describeFilters(f({ takenTo: '2020-02-01', hasGps: false }))).toBe('taken until 2020-02-01, without location')
    expect(describeFilters(f({ q: 'x', make: 'A', model: 'B', status: 'failed' }))).toBe('text “x”, make A, model B, status failed')
  })
})

describe('exposure, orientation and area filters', () => {
  it('reads numbers, fractions and drops nonsense', () => {
    expect(parseNumber('200')).toBe('200')
    expect(parseNumber(' 2,8 ')).toBe('2.8')
    expect(parseNumber('1/250')).toBe('0.004')
    expect(parseNumber('1/0')).toBe('')
    expect(parseNumber('-5')).toBe('')
    expect(parseNumber('1e9')).toBe('')
    expect(parseNumber('abc')).toBe('')
  })
  it('checks a bbox', () => {
    expect(parseBbox('-10,40,5.5,52')).toBe('-10,40,5.5,52')
    expect(parseBbox('170,-10,-170,10')).toBe('170,-10,-170,10')
    expect(parseBbox('0,91,1,92')).toBe('')
    expect(parseBbox('0,10,1,5')).toBe('')
    expect(parseBbox('0,1,2')).toBe('')
    expect(parseBbox('a,b,c,d')).toBe('')
  })
  it('round-trips through the URL and swaps reversed ranges', () => {
    const f = parseFilters('isoMin=800&isoMax=100&fMin=1.8&exposureMax=1/60&orientation=portrait&bbox=1,2,3,4')
    expect(f.isoMin).toBe('100')
    expect(f.isoMax).toBe('800')
    expect(f.exposureMax).toBe(String(Number((1 / 60).toPrecision(6))))
    expect(f.orientation).toBe('portrait')
    expect(parseFilters(filtersToParams(f))).toEqual(f)
    expect(isFiltered(f)).toBe(true)
    expect(parseFilters('orientation=sideways').orientation).toBe('')
  })
  it('sends them to the API as numbers', () => {
    const q = toListQuery(parseFilters('isoMin=100&focalMax=50&orientation=square&bbox=1,2,3,4'), null, 24)
    expect(q).toMatchObject({ isoMin: 100, focalMax: 50, orientation: 'square', bbox: '1,2,3,4' })
    expect('fMin' in q).toBe(false)
  })
  it('describes them', () => {
    expect(describeFilters(parseFilters('isoMin=100&isoMax=400&fMax=2.8&orientation=portrait'))).toBe('ISO 100–400, aperture at most f/2.8, portrait')
  })
})

describe('export', () => {
  it('sends the view\'s filters with the file type renamed', () => {
    expect(toExportQuery(parseFilters('format=heic&make=canon&isoMin=100&sort=uploaded'), 'csv')).toEqual({ format: 'csv', fileType: 'HEIC', make: 'canon', isoMin: 100 })
    expect(toExportQuery(NO_FILTERS, 'ndjson')).toEqual({ format: 'ndjson' })
  })
  it('names the file by date', () => {
    expect(exportFilename('ndjson', new Date('2026-12-06T01:00:00Z'))).toBe('imgmeta-export-2026-12-06.ndjson')
  })
})
