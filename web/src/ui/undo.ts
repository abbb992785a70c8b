import { h } from './dom'

// The notice after a delete: "Moved N to trash · Undo", for a few seconds. It lives outside
// <main> (and outside the viewer), so a route change or the viewer's inert page does not
// take it away or make it unreachable. role="status": screen readers announce it politely.

export interface UndoNotice {
  readonly element: HTMLElement
  /** Shows `text` with an Undo button that runs `onUndo` once; replaces any notice shown. */
  show(text: string, onUndo: () => Promise<void> | void): void
  hide(): void
}

export function createUndoNotice(host: HTMLElement, visibleMs = 8000): UndoNotice {
  const text = h('span', { class: 'undo-text', 'data-testid': 'undo-text' })
  const button = h('button', { type: 'button', class: 'btn', id: 'undo' }, 'Undo')
  const element = h('div', { id: 'undo-notice', class: 'undo-notice', role: 'status', 'aria-live': 'polite', hidden: true }, text, ' · ', button)
  host.append(element)
  let timer = 0
  let action: (() => Promise<void> | void) | null = null

  const hide = () => {
    clearTimeout(timer)
    action = null
    element.hidden = true
  }
  button.addEventListener('click', async () => {
    const run = action
    if (!run) return
    action = null
    clearTimeout(timer)
    button.disabled = true
    try {
      await run()
    } finally {
      button.disabled = false
      element.hidden = true
    }
  })
  return {
    element,
    show(message, onUndo) {
      clearTimeout(timer)
      text.textContent = message
      action = onUndo
      button.disabled = false
      element.hidden = false
      timer = window.setTimeout(hide, visibleMs)
    },
    hide,
  }
}
