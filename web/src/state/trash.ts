// The trash's wording and arithmetic, kept apart from the DOM so it is tested on its own.

const DAY_MS = 86_400_000

/** Whole days until `purgeAt` (rounded up: "1 day left" until the last moment), never below 0;
 *  null when the date is missing or not a date. */
export function daysLeft(purgeAt: string | null | undefined, nowMs: number): number | null {
  if (!purgeAt) return null
  const at = Date.parse(purgeAt)
  if (!Number.isFinite(at)) return null
  return Math.max(0, Math.ceil((at - nowMs) / DAY_MS))
}

export function daysLeftLabel(days: number | null): string {
  if (days === null) return ''
  if (days === 0) return 'Deleted for good at the next clean-up'
  return days === 1 ? '1 day left' : `${days} days left`
}

/** The undo notice's text after moving `n` images to the trash. */
export function movedLabel(n: number): string {
  return `Moved ${n} to trash`
}

/** The trash period in days, as the server reports it through an item's two dates. */
export function trashPeriodDays(trashedAt: string | null | undefined, purgeAt: string | null | undefined): number | null {
  if (!trashedAt || !purgeAt) return null
  const a = Date.parse(trashedAt)
  const b = Date.parse(purgeAt)
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return null
  return Math.round((b - a) / DAY_MS)
}
