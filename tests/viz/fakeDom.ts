/**
 * A deliberately tiny DOM, just enough for d3-selection and d3-axis to build SVG in Node
 * (jsdom is not installed). Supports: createElement(NS), append/insert/remove, attributes,
 * textContent, children, and selectors made of compound parts (`tag`, `.class`, `tag.class`,
 * `*`, `[attr]`) joined by descendant spaces, comma lists, and `:scope > x`. Not a general DOM.
 */
export const SVG_NS = 'http://www.w3.org/2000/svg';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

export class FakeElement {
  readonly children: FakeElement[] = [];
  parentNode: FakeElement | null = null;
  private readonly attrs = new Map<string, string>();
  private text = '';
  [key: string]: unknown;

  constructor(
    readonly ownerDocument: FakeDocument,
    readonly namespaceURI: string,
    readonly localName: string,
  ) {}

  get tagName(): string {
    return this.namespaceURI === XHTML_NS ? this.localName.toUpperCase() : this.localName;
  }
  get nodeName(): string {
    return this.tagName;
  }
  get childNodes(): FakeElement[] {
    return this.children;
  }
  get firstChild(): FakeElement | null {
    return this.children[0] ?? null;
  }
  get nextSibling(): FakeElement | null {
    const p = this.parentNode;
    return p ? (p.children[p.children.indexOf(this) + 1] ?? null) : null;
  }
  get previousSibling(): FakeElement | null {
    const p = this.parentNode;
    return p ? (p.children[p.children.indexOf(this) - 1] ?? null) : null;
  }

  getAttribute(name: string): string | null {
    return this.attrs.get(name) ?? null;
  }
  setAttribute(name: string, value: unknown): void {
    this.attrs.set(name, String(value));
  }
  removeAttribute(name: string): void {
    this.attrs.delete(name);
  }
  hasAttribute(name: string): boolean {
    return this.attrs.has(name);
  }

  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join('');
  }
  set textContent(v: string) {
    for (const c of [...this.children]) this.removeChild(c);
    this.text = v ?? '';
  }

  appendChild(child: FakeElement): FakeElement {
    return this.insertBefore(child, null);
  }
  insertBefore(child: FakeElement, next: FakeElement | null): FakeElement {
    if (child.parentNode) child.parentNode.removeChild(child);
    const at = next ? this.children.indexOf(next) : -1;
    if (next && at < 0) throw new Error('insertBefore: reference node is not a child');
    if (at < 0) this.children.push(child);
    else this.children.splice(at, 0, child);
    child.parentNode = this;
    return child;
  }
  removeChild(child: FakeElement): FakeElement {
    const i = this.children.indexOf(child);
    if (i < 0) throw new Error('removeChild: not a child');
    this.children.splice(i, 1);
    child.parentNode = null;
    return child;
  }

  /** Document order: 4 (FOLLOWING) when `other` comes after this node, 2 (PRECEDING) before. */
  compareDocumentPosition(other: FakeElement): number {
    if (other === this) return 0;
    const order = this.ownerDocument.documentElement.descendantsAndSelf();
    return order.indexOf(other) > order.indexOf(this) ? 4 : 2;
  }

  descendantsAndSelf(): FakeElement[] {
    const out: FakeElement[] = [this];
    for (const c of this.children) out.push(...c.descendantsAndSelf());
    return out;
  }

  matches(selector: string): boolean {
    return selector.split(',').some((s) => matchesChain(this, parseChain(s.trim()), null));
  }
  querySelectorAll(selector: string): FakeElement[] {
    const alternatives = selector.split(',').map((s) => s.trim());
    return this.descendantsAndSelf()
      .slice(1)
      .filter((el) => alternatives.some((s) => matchesChain(el, parseChain(s), this)));
  }
  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }

  /** The names in the class attribute (test convenience). */
  classes(): string[] {
    return (this.getAttribute('class') ?? '').split(/\s+/).filter(Boolean);
  }

  /** Markup of this element, one element per line, attributes in the order set: a stable text to snapshot. */
  serialize(indent = ''): string {
    const escape = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const attrs = [...this.attrs].map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
    const open = `${indent}<${this.localName}${attrs}`;
    if (this.children.length === 0) return this.text === '' ? `${open}/>` : `${open}>${escape(this.text)}</${this.localName}>`;
    const inner = this.children.map((c) => c.serialize(`${indent}  `)).join('\n');
    return `${open}>${this.text === '' ? '' : escape(this.text)}\n${inner}\n${indent}</${this.localName}>`;
  }
}

interface Compound {
  readonly tag: string | null;
  readonly classes: readonly string[];
  readonly attrs: readonly string[];
  readonly child: boolean; // joined to the previous part by '>'
  readonly scope: boolean;
}

function parseChain(selector: string): Compound[] {
  const parts: Compound[] = [];
  let child = false;
  for (const token of selector.split(/\s+/).filter(Boolean)) {
    if (token === '>') {
      child = true;
      continue;
    }
    if (token === ':scope') {
      parts.push({ tag: null, classes: [], attrs: [], child, scope: true });
      child = false;
      continue;
    }
    const m = /^([a-zA-Z*][\w-]*)?((?:\.[\w-]+)*)((?:\[[\w-]+\])*)$/.exec(token);
    if (!m) throw new Error(`fakeDom: unsupported selector part "${token}"`);
    const tag = m[1] && m[1] !== '*' ? m[1] : null;
    const classes = (m[2] ?? '').split('.').filter(Boolean);
    const attrs = (m[3] ?? '').split(/[[\]]/).filter(Boolean);
    parts.push({ tag, classes, attrs, child, scope: false });
    child = false;
  }
  return parts;
}

function matchesCompound(el: FakeElement, c: Compound, scope: FakeElement | null): boolean {
  if (c.scope) return el === scope;
  if (c.tag && el.localName.toLowerCase() !== c.tag.toLowerCase()) return false;
  const cls = el.classes();
  return c.classes.every((k) => cls.includes(k)) && c.attrs.every((a) => el.hasAttribute(a));
}

function matchesChain(el: FakeElement, chain: readonly Compound[], scope: FakeElement | null): boolean {
  const last = chain[chain.length - 1];
  if (!last || !matchesCompound(el, last, scope)) return false;
  const rest = chain.slice(0, -1);
  if (rest.length === 0) return true;
  if (last.child) return el.parentNode !== null && matchesChain(el.parentNode, rest, scope);
  for (let p = el.parentNode; p; p = p.parentNode) if (matchesChain(p, rest, scope)) return true;
  return false;
}

export class FakeDocument {
  readonly documentElement: FakeElement;
  readonly defaultView = null;
  constructor() {
    this.documentElement = new FakeElement(this, XHTML_NS, 'html');
  }
  createElement(name: string): FakeElement {
    return new FakeElement(this, XHTML_NS, name.toLowerCase());
  }
  createElementNS(ns: string, name: string): FakeElement {
    return new FakeElement(this, ns, name);
  }
}

/** A detached-from-the-real-world `<svg>` inside a fake document, typed as the real thing. */
export function fakeSvg(): { svg: SVGSVGElement; el: FakeElement; doc: FakeDocument } {
  const doc = new FakeDocument();
  const el = doc.createElementNS(SVG_NS, 'svg');
  doc.documentElement.appendChild(el);
  return { svg: el as unknown as SVGSVGElement, el, doc };
}
