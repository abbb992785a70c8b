import { describe, it, expect } from 'vitest'
import type { Image } from '../api/client'
import { compareImages, dayLabel, dayTaken, groupTimeline, neighbour } from './timeline'

const img = (id: string, over: Partial<Image> = {}): Image => ({
  imageId: id,
  filename: id + '.jpg',
  contentType: 'image/jpeg',
  size: 1,
  sha256: null,
  status: 'ready',
  error: null,
  uploadedAt: '2026-12-06T10:00:00Z',
  metadata: {},
  ...over,
}) as Image

describe('dayTaken', () => {
  it('reads the wall-clock day the camera wrote, not the UTC instant', () => {
    expect(dayTaken(img('a', { metadata: { DateTimeOriginal: '2021:04:11 23:30:00' }, takenAt: '2021-04-12T04:30:00Z' }))).toBe('2021-04-11')
  })
  it('falls back to CreateDate, then takenAt, then nothing', () => {
    expect(dayTaken(img('a', { metadata: { CreateDate: '2019:01:02 03:04:05' } }))).toBe('2019-01-02')
    expect(dayTaken(img('a', { takenAt: '2018-05-06T00:00:00Z' }))).toBe('2018-05-06')
    expect(dayTaken(img('a'))).toBeNull()
  })
})

describe('dayLabel', () => {
  it('names the weekday, or the month alone', () => {
    expect(dayLabel('2021-04-11')).toBe('Sunday 11 April 2021')
    expect(dayLabel('2021-04')).toBe('April 2021')
  })
})

describe('groupTimeline', () => {
  const items = [
    img('3', { metadata: { DateTimeOriginal: '2021:04:11 15:00:00' } }),
    img('2', { metadata: { DateTimeOriginal: '2021:04:11 09:00:00' } }),
    img('1', { metadata: { DateTimeOriginal: '2021:04:02 09:00:00' } }),
    img('0', { uploadedAt: '2026-12-05T12:00:00Z' }),
  ]
  it('groups by day taken in the order given, undated last by upload day', () => {
    const g = groupTimeline(items, 'taken', 'day')
    expect(g.map((x) => x.key)).toEqual(['t:2021-04-11', 't:2021-04-02', 'u:2026-12-05'])
    expect(g[0]!.items.map((i) => i.imageId)).toEqual(['3', '2'])
    expect(g[2]!.label).toMatch(/^No date taken · uploaded /)
  })
  it('groups by month when zoomed out', () => {
    const g = groupTimeline(items, 'taken', 'month')
    expect(g.map((x) => x.key)).toEqual(['t:2021-04', 'u:2026-12'])
    expect(g[0]!.label).toBe('April 2021')
    expect(g[0]!.items).toHaveLength(3)
  })
  it('groups by upload day when sorted by upload', () => {
    const g = groupTimeline(items, 'uploaded', 'day')
    expect(g.every((x) => x.key.startsWith('u:'))).toBe(true)
    expect(g[0]!.label).toMatch(/^Uploaded /)
  })
})

describe('compareImages', () => {
  it('puts the newest date taken first and undated last', () => {
    const a = img('A', { takenAt: '2020-01-01T00:00:00Z' })
    const b = img('B', { takenAt: '2021-01-01T00:00:00Z' })
    const c = img('C')
    expect([a, c, b].sort((x, y) => compareImages(x, y, 'taken')).map((i) => i.imageId)).toEqual(['B', 'A', 'C'])
  })
  it('orders by upload time, then by id, newest first', () => {
    const a = img('A', { uploadedAt: '2020-01-01T00:00:00Z' })
    const b = img('B', { uploadedAt: '2020-01-01T00:00:00Z' })
    const c = img('C', { uploadedAt: '2019-01-01T00:00:00Z' })
    expect([c, a, b].sort((x, y) => compareImages(x, y, 'uploaded')).map((i) => i.imageId)).toEqual(['B', 'A', 'C'])
  })
})

describe('neighbour', () => {
  it('steps within the order and stops at the ends', () => {
    expect(neighbour(['a', 'b', 'c'], 'b', 1)).toBe('c')
    expect(neighbour(['a', 'b', 'c'], 'b', -1)).toBe('a')
    expect(neighbour(['a', 'b', 'c'], 'c', 1)).toBeNull()
    expect(neighbour(['a', 'b', 'c'], 'a', -1)).toBeNull()
    expect(neighbour(['a'], 'x', 1)).toBeNull()
  })
})
