// Building the page from data that strangers wrote (EXIF, XMP and IPTC strings, file names)
// goes through these helpers only: text becomes Text nodes, attributes go through
// setAttribute, and nothing is ever parsed as HTML. There is no innerHTML in this app.

export type Child = Node | string | number | null | undefined | false
type Listener = (ev: Event) => void
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>

// URLs the app itself puts into href/src: its own hash routes, http(s) and blob: URLs.
// Anything else (javascript:, data:text/html, ...) is refused rather than rendered.
const SAFE_URL = /^(?:#|\.?\/|https?:|blob:)/i

export function isSafeUrl(url: string): boolean {
  return SAFE_URL.test(url.trim())
}

function setAttr(el: Element, name: string, value: string | number | boolean) {
  if (typeof value === 'boolean') {
    el.toggleAttribute(name, value)
    return
  }
  const text = String(value)
  if ((name === 'href' || name === 'src' || name === 'action') && !isSafeUrl(text)) {
    throw new Error(`refusing unsafe ${name}: ${text.slice(0, 40)}`)
  }
  el.setAttribute(name, text)
}

export function append(parent: Node, ...children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

/** h('a', {href: '#/x', class: 'link', onclick: fn}, 'text', child) */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined) continue
      if (typeof value === 'function') {
        el.addEventListener(name.replace(/^on/, ''), value)
      } else if (name === 'class') {
        el.className = String(value)
      } else {
        setAttr(el, name, value)
      }
    }
  }
  append(el, ...children)
  return el
}

/** An SVG icon from path data the app ships (never from image data). */
export function icon(pathData: string, label?: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('class', 'icon')
  if (label) {
    svg.setAttribute('role', 'img')
    svg.setAttribute('aria-label', label)
  } else {
    svg.setAttribute('aria-hidden', 'true')
  }
  const path = document.createElementNS(ns, 'path')
  path.setAttribute('d', pathData)
  svg.appendChild(path)
  return svg
}

export function clear(el: Element): void {
  el.replaceChildren()
}

/** Announces a message to screen readers through the page's polite live region. */
export function announce(message: string): void {
  const region = document.getElementById('live')
  if (!region) return
  region.textContent = ''
  // A separate task, so that repeating the same message is announced again.
  setTimeout(() => {
    region.textContent = message
  }, 30)
}
