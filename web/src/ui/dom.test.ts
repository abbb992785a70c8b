import { afterEach, describe, it, expect, vi } from 'vitest'
import { announce, append, clear, h, icon, isSafeUrl } from './dom'

const EVIL = '<img src=x onerror=alert(1)>'

describe('h and append', () => {
  it('puts untrusted strings in text nodes, never in markup', () => {
    const el = h('div', null, EVIL, h('span', null, EVIL))
    expect(el.querySelector('img')).toBeNull()
    expect(el.childNodes[0]!.nodeType).toBe(Node.TEXT_NODE)
    expect(el.textContent).toBe(EVIL + EVIL)
    expect(el.innerHTML).toBe('&lt;img src=x onerror=alert(1)&gt;<span>&lt;img src=x onerror=alert(1)&gt;</span>')
    expect(el.querySelectorAll('*')).toHaveLength(1)
  })

  it('puts untrusted strings in attributes as values only', () => {
    const quote = '" onmouseover="alert(1)'
    const el = h('div', { title: quote, 'data-x': EVIL })
    expect(el.getAttribute('title')).toBe(quote)
    expect(el.getAttribute('data-x')).toBe(EVIL)
    expect(el.hasAttribute('onmouseover')).toBe(false)
    expect(el.attributes).toHaveLength(2)
  })

  it('skips null, undefined and false children and flattens arrays', () => {
    const el = h('ul', null, null, undefined, false, [h('li', null, 'a'), 'b'], 0, 1.5)
    expect(el.childNodes).toHaveLength(4)
    expect(el.textContent).toBe('ab01.5')
  })

  it('sets class, boolean attributes and listeners', () => {
    const click = vi.fn()
    const el = h('button', { class: 'primary big', disabled: true, hidden: false, onclick: click, type: 'button', tabindex: 0 }, 'Go')
    expect(el.className).toBe('primary big')
    expect(el.hasAttribute('disabled')).toBe(true)
    expect(el.hasAttribute('hidden')).toBe(false)
    expect(el.getAttribute('tabindex')).toBe('0')
    expect(el.hasAttribute('onclick')).toBe(false)
    el.dispatchEvent(new Event('click'))
    expect(click).toHaveBeenCalledOnce()
  })

  it('skips null and undefined attributes', () => {
    const el = h('a', { href: undefined, title: null })
    expect(el.attributes).toHaveLength(0)
  })

  it('appends to an existing node', () => {
    const p = document.createElement('p')
    append(p, EVIL, [null, 'x'])
    expect(p.children).toHaveLength(0)
    expect(p.textContent).toBe(EVIL + 'x')
  })
})

describe('URLs', () => {
  it('allows the app’s own kinds of URL', () => {
    for (const u of ['#/images/x', './a', '/a', 'https://x.example/a', 'http://x', 'blob:https://x/1', ' https://x', 'HTTPS://X']) {
      expect(isSafeUrl(u), u).toBe(true)
    }
  })

  it('refuses script and data URLs, however they are spelt', () => {
    for (const u of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', '\u0000javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>', 'vbscript:x', 'a.html', '']) {
      expect(isSafeUrl(u), JSON.stringify(u)).toBe(false)
    }
  })

  it('refuses to render an unsafe href or src', () => {
    expect(() => h('a', { href: 'javascript:alert(1)' })).toThrow(/unsafe href/)
    expect(() => h('img', { src: 'data:image/svg+xml,<svg onload=alert(1)>' })).toThrow(/unsafe src/)
    expect(() => h('form', { action: 'javascript:x' })).toThrow(/unsafe action/)
    expect(h('a', { href: '#/images/1' }).getAttribute('href')).toBe('#/images/1')
  })
})

describe('icon', () => {
  it('is hidden from screen readers without a label', () => {
    const s = icon('M0 0h24v24H0z')
    expect(s.namespaceURI).toBe('http://www.w3.org/2000/svg')
    expect(s.getAttribute('aria-hidden')).toBe('true')
    expect(s.hasAttribute('role')).toBe(false)
    expect(s.querySelector('path')?.getAttribute('d')).toBe('M0 0h24v24H0z')
  })
  it('is an image with a label', () => {
    const s = icon('M0 0', EVIL)
    expect(s.getAttribute('role')).toBe('img')
    expect(s.getAttribute('aria-label')).toBe(EVIL)
    expect(s.hasAttribute('aria-hidden')).toBe(false)
    expect(s.children).toHaveLength(1)
  })
})

describe('clear and announce', () => {
  afterEach(() => {
    vi.useRealTimers()
    document.body.replaceChildren()
  })

  it('clears an element', () => {
    const el = h('div', null, 'a', h('b', null, 'c'))
    clear(el)
    expect(el.childNodes).toHaveLength(0)
  })

  it('announces in the live region as text, after clearing it', () => {
    vi.useFakeTimers()
    const live = h('div', { id: 'live' }, 'old')
    document.body.append(live)
    announce(EVIL)
    expect(live.textContent).toBe('')
    vi.advanceTimersByTime(50)
    expect(live.textContent).toBe(EVIL)
    expect(live.children).toHaveLength(0)
  })

  it('does nothing without a live region', () => {
    expect(() => announce('x')).not.toThrow()
  })
})
