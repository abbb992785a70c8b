import { afterEach, describe, expect, it, vi } from 'vitest'
import { createUndoNotice } from './undo'

afterEach(() => {
  vi.useRealTimers()
  document.body.replaceChildren()
})

describe('undo notice', () => {
  it('is a polite status region with the text and an Undo button', () => {
    const n = createUndoNotice(document.body)
    expect(n.element.hidden).toBe(true)
    n.show('Moved 2 to trash', () => {})
    expect(n.element.hidden).toBe(false)
    expect(n.element.getAttribute('role')).toBe('status')
    expect(n.element.getAttribute('aria-live')).toBe('polite')
    expect(n.element.textContent).toBe('Moved 2 to trash · Undo')
  })

  it('runs the undo once, then hides', async () => {
    const n = createUndoNotice(document.body)
    const undo = vi.fn(async () => {})
    n.show('Moved 1 to trash', undo)
    const button = n.element.querySelector('button') as HTMLButtonElement
    button.click()
    button.click()
    await vi.waitFor(() => expect(n.element.hidden).toBe(true))
    expect(undo).toHaveBeenCalledTimes(1)
  })

  it('goes away by itself after the visible time, and then undoes nothing', () => {
    vi.useFakeTimers()
    const n = createUndoNotice(document.body, 8000)
    const undo = vi.fn()
    n.show('Moved 1 to trash', undo)
    vi.advanceTimersByTime(7900)
    expect(n.element.hidden).toBe(false)
    vi.advanceTimersByTime(200)
    expect(n.element.hidden).toBe(true)
    ;(n.element.querySelector('button') as HTMLButtonElement).click()
    expect(undo).not.toHaveBeenCalled()
  })

  it('a second delete replaces the first notice and its undo', () => {
    const n = createUndoNotice(document.body)
    const first = vi.fn()
    const second = vi.fn()
    n.show('Moved 1 to trash', first)
    n.show('Moved 3 to trash', second)
    ;(n.element.querySelector('button') as HTMLButtonElement).click()
    expect(first).not.toHaveBeenCalled()
    expect(second).toHaveBeenCalledTimes(1)
    expect(n.element.textContent).toContain('Moved 3 to trash')
  })
})
