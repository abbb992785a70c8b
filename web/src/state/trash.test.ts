import { describe, expect, it } from 'vitest'
import { daysLeft, daysLeftLabel, movedLabel, trashPeriodDays } from './trash'

const NOW = Date.parse('2026-01-10T12:00:00Z')

describe('daysLeft', () => {
  it('rounds up to whole days', () => {
    expect(daysLeft('2026-02-09T12:00:00Z', NOW)).toBe(30)
    expect(daysLeft('2026-01-10T12:00:01Z', NOW)).toBe(1)
    expect(daysLeft('2026-01-11T11:00:00Z', NOW)).toBe(1)
  })
  it('never goes below zero and ignores what is not a date', () => {
    expect(daysLeft('2026-01-01T00:00:00Z', NOW)).toBe(0)
    expect(daysLeft('soon', NOW)).toBeNull()
    expect(daysLeft(null, NOW)).toBeNull()
    expect(daysLeft(undefined, NOW)).toBeNull()
  })
})

describe('labels', () => {
  it('says days left in words', () => {
    expect(daysLeftLabel(30)).toBe('30 days left')
    expect(daysLeftLabel(1)).toBe('1 day left')
    expect(daysLeftLabel(0)).toMatch(/next clean-up/)
    expect(daysLeftLabel(null)).toBe('')
  })
  it('counts what was moved', () => {
    expect(movedLabel(1)).toBe('Moved 1 to trash')
    expect(movedLabel(12)).toBe('Moved 12 to trash')
  })
  it('reads the trash period from the two dates', () => {
    expect(trashPeriodDays('2026-01-10T12:00:00Z', '2026-02-09T12:00:00Z')).toBe(30)
    expect(trashPeriodDays('2026-01-10T12:00:00Z', '2026-01-10T12:00:00Z')).toBe(0)
    expect(trashPeriodDays('2026-01-10T12:00:00Z', 'x')).toBeNull()
    expect(trashPeriodDays(undefined, '2026-01-10T12:00:00Z')).toBeNull()
  })
})
