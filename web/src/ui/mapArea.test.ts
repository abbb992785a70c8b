import { describe, it, expect } from 'vitest'
import { attributionNodes, boundsToBbox } from './mapArea'

const bounds = (w: number, s: number, e: number, n: number) => ({ getWest: () => w, getSouth: () => s, getEast: () => e, getNorth: () => n })

describe('boundsToBbox', () => {
  it('writes six decimals in the API order', () => {
    expect(boundsToBbox(bounds(-2.1234567, 54.5, -1.3, 55.4000001))).toBe('-2.123457,54.5,-1.3,55.4')
  })
  it('wraps longitudes and clamps latitudes', () => {
    expect(boundsToBbox(bounds(170, -95, 190, 95))).toBe('170,-90,-170,90')
    expect(boundsToBbox(bounds(-400, -10, 400, 10))).toBe('-180,-10,180,10')
  })
})

describe('attributionNodes', () => {
  it('makes links of URLs and leaves markup as text', () => {
    const nodes = attributionNodes('© <b>Someone</b> https://example.org/c')
    expect(nodes[0]).toBe('© <b>Someone</b> ')
    const a = nodes[1] as HTMLAnchorElement
    expect(a.tagName).toBe('A')
    expect(a.getAttribute('href')).toBe('https://example.org/c')
    expect(a.textContent).toBe('example.org/c')
    expect(attributionNodes('no link')).toEqual(['no link'])
  })
})
