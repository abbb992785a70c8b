import type { ApiClient, Image } from '../api/client'
import { describeError } from '../api/client'
import { daysLeft, daysLeftLabel, trashPeriodDays } from '../state/trash'
import { h } from './dom'

// The Trash view (#/trash): what was deleted, each with its thumbnail and the days left
// before it goes for good; Restore per image or for the selection; Empty trash behind a
// confirmation dialog. Every string from an image goes through h()/textContent.

export interface TrashDeps {
  api: ApiClient
  root: HTMLElement
  signal: AbortSignal
  /** The image's small picture (the gallery's tile picture). */
  picture(img: Image): HTMLElement
  announce(message: string): void
  /** Called with an image after it was restored (the gallery may show it again). */
  onRestored?(img: Image): void
  now?(): number
}

const PAGE = 60

export function trashScreen(d: TrashDeps): void {
  const now = d.now ?? Date.now
  const count = h('span', { class: 'count', 'data-testid': 'trash-count' })
  const hint = h('p', { class: 'hint', id: 'trash-hint' }, 'Deleted images wait here before they are deleted for good.')
  const notice = h('p', { id: 'trash-notice', class: 'notice', role: 'status' })
  const selectAll = h('button', { type: 'button', class: 'btn', id: 'trash-select-all' }, 'Select all')
  const restoreSel = h('button', { type: 'button', class: 'btn', id: 'restore-selected', disabled: true }, 'Restore selected')
  const emptyBtn = h('button', { type: 'button', class: 'btn danger', id: 'empty-trash', disabled: true }, 'Empty trash')
  const grid = h('ul', { class: 'grid', id: 'trash-grid', 'aria-label': 'Images in the trash' })
  const empty = h('p', { class: 'empty', id: 'trash-empty', hidden: true }, 'The trash is empty.')
  const more = h('button', { type: 'button', class: 'btn', id: 'trash-more', hidden: true }, 'Show more')

  const dialogText = h('p', { id: 'empty-dialog-text' })
  const confirmEmpty = h('button', { type: 'button', class: 'btn danger', id: 'confirm-empty' }, 'Delete forever')
  const cancelEmpty = h('button', { type: 'button', class: 'btn', id: 'cancel-empty' }, 'Cancel')
  const dialog = h(
    'dialog',
    { id: 'empty-dialog', class: 'card dialog', 'aria-labelledby': 'empty-dialog-title', 'aria-describedby': 'empty-dialog-text' },
    h('h2', { id: 'empty-dialog-title' }, 'Empty the trash?'),
    dialogText,
    h('div', { class: 'toolbar' }, cancelEmpty, confirmEmpty),
  )

  d.root.replaceChildren(
    h(
      'div',
      { class: 'trash' },
      h('div', { class: 'gallery-head' }, h('h1', null, 'Trash ', count), h('a', { class: 'btn', href: '#/', id: 'trash-back' }, 'Back to the gallery')),
      hint,
      h('div', { class: 'toolbar' }, selectAll, restoreSel, emptyBtn),
      notice,
      grid,
      empty,
      more,
      dialog,
    ),
  )

  const items = new Map<string, Image>()
  const rows = new Map<string, HTMLLIElement>()
  const selected = new Set<string>()
  let cursor: string | null = null

  const say = (text: string, error = false) => {
    notice.className = error ? 'notice error' : 'notice'
    notice.textContent = text
    d.announce(text)
  }
  const refresh = () => {
    count.textContent = items.size ? `(${items.size}${cursor ? '+' : ''})` : ''
    empty.hidden = items.size > 0 || cursor !== null
    emptyBtn.disabled = items.size === 0
    restoreSel.disabled = selected.size === 0
    restoreSel.textContent = selected.size ? `Restore ${selected.size} selected` : 'Restore selected'
    const all = items.size > 0 && [...items.keys()].every((id) => selected.has(id))
    selectAll.textContent = all ? 'Select none' : 'Select all'
    more.hidden = cursor === null
  }
  const drop = (id: string) => {
    rows.get(id)?.remove()
    rows.delete(id)
    items.delete(id)
    selected.delete(id)
    refresh()
  }

  const restore = async (ids: string[]) => {
    let failed = 0
    const names: string[] = []
    for (const id of ids) {
      try {
        const img = await d.api.restoreImage(id)
        names.push(img.filename)
        drop(id)
        d.onRestored?.(img)
      } catch {
        failed++
      }
    }
    if (failed) say(`${failed} could not be restored.`, true)
    else say(names.length === 1 ? `Restored ${names[0]}.` : `Restored ${names.length} images.`)
  }

  const row = (img: Image): HTMLLIElement => {
    const box = h('input', { type: 'checkbox', class: 'select', 'aria-label': `Select ${img.filename}` })
    box.checked = selected.has(img.imageId)
    box.addEventListener('change', () => {
      if (box.checked) selected.add(img.imageId)
      else selected.delete(img.imageId)
      refresh()
    })
    const left = daysLeft(img.purgeAt, now())
    const restoreOne = h('button', { type: 'button', class: 'btn restore', 'aria-label': `Restore ${img.filename}` }, 'Restore')
    restoreOne.addEventListener('click', () => void restore([img.imageId]))
    return h(
      'li',
      { class: 'tile trash-item', 'data-id': img.imageId },
      box,
      h('div', { class: 'frame' }, d.picture(img)),
      h('span', { class: 'name', 'data-testid': 'filename' }, img.filename),
      h('div', { class: 'sub', 'data-testid': 'days-left' }, daysLeftLabel(left)),
      restoreOne,
    )
  }

  const load = async () => {
    more.disabled = true
    try {
      const page = await d.api.listTrash({ limit: PAGE, cursor: cursor ?? undefined }, d.signal)
      for (const img of page.items) {
        if (items.has(img.imageId)) continue
        items.set(img.imageId, img)
        const r = row(img)
        rows.set(img.imageId, r)
        grid.append(r)
      }
      cursor = page.nextCursor ?? null
      const first = page.items[0]
      const period = first ? trashPeriodDays(first.trashedAt, first.purgeAt) : null
      if (period !== null)
        hint.textContent = `Deleted images stay here for ${period} day${period === 1 ? '' : 's'}, then they are deleted for good.`
    } catch (e) {
      if (!d.signal.aborted) say(describeError(e), true)
      cursor = null
    } finally {
      more.disabled = false
      refresh()
    }
  }

  selectAll.addEventListener('click', () => {
    const all = items.size > 0 && [...items.keys()].every((id) => selected.has(id))
    for (const [id, r] of rows) {
      if (all) selected.delete(id)
      else selected.add(id)
      const box = r.querySelector('input.select') as HTMLInputElement | null
      if (box) box.checked = !all
    }
    refresh()
  })
  restoreSel.addEventListener('click', () => void restore([...selected]))
  more.addEventListener('click', () => void load())

  emptyBtn.addEventListener('click', () => {
    const n = items.size
    dialogText.textContent = `${n}${cursor ? ' or more' : ''} image${n === 1 && !cursor ? '' : 's'} will be deleted for good, with their metadata. This cannot be undone.`
    dialog.showModal()
    cancelEmpty.focus()
  })
  cancelEmpty.addEventListener('click', () => dialog.close())
  confirmEmpty.addEventListener('click', async () => {
    confirmEmpty.disabled = true
    try {
      const out = await d.api.emptyTrash()
      for (const id of [...items.keys()]) drop(id)
      cursor = null
      refresh()
      say(out.deleted === 1 ? 'Deleted 1 image for good.' : `Deleted ${out.deleted} images for good.`)
    } catch (e) {
      say('The trash could not be emptied: ' + describeError(e), true)
    } finally {
      confirmEmpty.disabled = false
      dialog.close()
    }
  })
  d.signal.addEventListener('abort', () => {
    if (dialog.open) dialog.close()
  })

  refresh()
  void load()
}
