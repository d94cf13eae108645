// The XML of request bodies, read strictly (https://www.w3.org/TR/xml/). Text comes out decoded:
// the five predefined entities and decimal and hex character references, so the ETag Go's
// encoding/xml writes as `&#34;d82d…&#34;` (rclone, restic, Terraform, the Go SDKs) reads as
// `"d82d…"`. A DOCTYPE or any other markup declaration is refused outright: no entity is ever
// declared, so none is ever expanded ("billion laughs" cannot start).
//
// fast-xml-parser, which builds our responses, is not used for reading them: it decodes numeric
// references only together with HTML's named entities, expands the entities a DOCTYPE declares,
// and passes documents that are not well-formed. S3's request documents are data: elements,
// text, CDATA, comments, processing instructions, attributes (only namespaces, which are ignored).
// Elements that hold other elements hold no text but whitespace (mixed content is off-schema).

/** The reason a document is not well-formed XML; the S3 layer answers MalformedXML. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position})`);
    this.name = 'XmlSyntaxError';
  }
}

/** An element's value: its text, its child elements by local name, or (repeated) a list of them. */
export type XmlValue = string | XmlElement | XmlValue[];
/** Child elements by local name (namespace prefix removed). Has no prototype. */
export interface XmlElement {
  [name: string]: XmlValue;
}

/** S3 documents nest a few levels; a cap keeps a hostile one from costing anything. */
const MAX_DEPTH = 100;

// Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Whether a code point is a Char of XML 1.0, the only ones a document may hold or reference. */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NAME = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'uy');

const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);
const REFERENCE = /&(?:#x([0-9A-Fa-f]+);|#([0-9]+);|([^\s&;<]*);)/y;

const XML_DECL = new RegExp(
  '^<\\?xml[ \\t\\n]+version[ \\t\\n]*=[ \\t\\n]*(?:"1\\.[0-9]+"|\'1\\.[0-9]+\')' +
    '(?:[ \\t\\n]+encoding[ \\t\\n]*=[ \\t\\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|\'([A-Za-z][A-Za-z0-9._-]*)\'))?' +
    '(?:[ \\t\\n]+standalone[ \\t\\n]*=[ \\t\\n]*(?:"(?:yes|no)"|\'(?:yes|no)\'))?[ \\t\\n]*\\?>$',
);
/**
 * The body is decoded as UTF-8 before it gets here. A declaration naming another encoding is
 * taken only for a document that is all ASCII, which every ASCII-compatible encoding reads alike.
 */
const READABLE_ENCODING = /^(?:utf-?8|us-ascii)$/i;
const NON_ASCII = /[^\x00-\x7f]/;

// XML's whitespace; a literal CR is gone after end-of-line handling, but &#13; decodes to one.
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

interface Frame {
  qname: string;
  local: string;
  text: string;
  children: XmlElement | undefined;
}

/**
 * Read a document into its root element: `{ [rootLocalName]: value }`. Elements named in
 * `repeated` are always lists; any other element given twice becomes a list too, which callers
 * reading text refuse. Throws XmlSyntaxError on anything that is not well-formed.
 */
export function readXml(text: string, repeated: ReadonlySet<string> = new Set()): XmlElement {
  return new Reader(text, repeated).document();
}

class Reader {
  private readonly s: string;
  private pos = 0;

  constructor(
    text: string,
    private readonly repeated: ReadonlySet<string>,
  ) {
    // End-of-line handling: CRLF and a lone CR read as LF (XML 1.0 §2.11); a CR that must stay
    // is written as a reference (&#13;), as S3 asks of keys.
    this.s = text.replace(/\r\n?/g, '\n');
  }

  private fail(message: string, at = this.pos): never {
    throw new XmlSyntaxError(message, at);
  }

  document(): XmlElement {
    const s = this.s;
    const bad = NOT_XML_CHAR.exec(s);
    if (bad) this.fail(`U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, bad.index);
    if (s.startsWith('\uFEFF')) this.pos = 1;
    if (s.startsWith('<?xml', this.pos) && (isSpace(s[this.pos + 5]) || s[this.pos + 5] === '?')) this.declaration();
    this.misc();
    if (s.startsWith('<!DOCTYPE', this.pos)) this.fail('a DOCTYPE is not accepted');
    if (s[this.pos] !== '<' || s.startsWith('<!', this.pos)) this.fail('no root element');
    const [name, value] = this.element();
    this.misc();
    if (this.pos !== s.length) this.fail('content after the root element');
    const root: XmlElement = Object.create(null) as XmlElement;
    root[name] = value;
    return root;
  }

  private declaration(): void {
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) this.fail('an unterminated XML declaration');
    const m = XML_DECL.exec(this.s.slice(this.pos, end + 2));
    if (!m) this.fail('a malformed XML declaration');
    const encoding = m[1] ?? m[2];
    if (encoding !== undefined && !READABLE_ENCODING.test(encoding) && NON_ASCII.test(this.s)) {
      this.fail(`non-ASCII text declared as ${encoding} (bodies are read as UTF-8)`);
    }
    this.pos = end + 2;
  }

  /** Whitespace, comments and processing instructions, before or after the root element. */
  private misc(): void {
    const s = this.s;
    for (;;) {
      while (isSpace(s[this.pos])) this.pos++;
      if (s.startsWith('<!--', this.pos)) this.comment();
      else if (s.startsWith('<?', this.pos)) this.processingInstruction();
      else return;
    }
  }

  private comment(): void {
    const start = this.pos + 4;
    const end = this.s.indexOf('-->', start);
    if (end < 0) this.fail('an unterminated comment');
    const body = this.s.slice(start, end);
    if (body.includes('--') || body.endsWith('-')) this.fail('"--" inside a comment');
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    const at = this.pos;
    this.pos += 2;
    const target = this.name();
    if (target === undefined) this.fail('a processing instruction without a target');
    if (target.toLowerCase() === 'xml') this.fail('an XML declaration that is not at the start', at);
    if (!this.s.startsWith('?>', this.pos) && !isSpace(this.s[this.pos])) this.fail('a malformed processing instruction');
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) this.fail('an unterminated processing instruction');
    this.pos = end + 2;
  }

  private name(): string | undefined {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.s);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private skipSpace(): boolean {
    const from = this.pos;
    while (isSpace(this.s[this.pos])) this.pos++;
    return this.pos > from;
  }

  /** `<name attr="v" …>` or `<name …/>`; attributes are checked and dropped. */
  private startTag(): { qname: string; empty: boolean } {
    this.pos++;
    const qname = this.name();
    if (qname === undefined) this.fail('a tag without a name');
    const seen = new Set<string>();
    for (;;) {
      const spaced = this.skipSpace();
      if (this.s.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { qname, empty: true };
      }
      if (this.s[this.pos] === '>') {
        this.pos++;
        return { qname, empty: false };
      }
      if (!spaced) this.fail('an attribute not separated by whitespace');
      const attr = this.name();
      if (attr === undefined) this.fail('a malformed attribute');
      if (seen.has(attr)) this.fail(`the attribute ${attr} given twice`);
      seen.add(attr);
      this.skipSpace();
      if (this.s[this.pos] !== '=') this.fail('an attribute without a value');
      this.pos++;
      this.skipSpace();
      const quote = this.s[this.pos];
      if (quote !== '"' && quote !== "'") this.fail('an unquoted attribute value');
      const end = this.s.indexOf(quote, this.pos + 1);
      if (end < 0) this.fail('an unterminated attribute value');
      if (this.s.slice(this.pos + 1, end).includes('<')) this.fail('"<" in an attribute value');
      this.decode(this.pos + 1, end);
      this.pos = end + 1;
    }
  }

  /** The root element and everything in it, read without recursion. */
  private element(): [string, XmlValue] {
    const s = this.s;
    const stack: Frame[] = [];
    let root: [string, XmlValue] | undefined;
    const close = (frame: Frame): void => {
      const value: XmlValue = frame.children ?? frame.text;
      const parent = stack[stack.length - 1];
      if (parent) this.addChild(parent, frame.local, value);
      else root = [frame.local, value];
    };
    const open = (): void => {
      const { qname, empty } = this.startTag();
      const frame: Frame = { qname, local: qname.slice(qname.lastIndexOf(':') + 1), text: '', children: undefined };
      if (empty) close(frame);
      else if (stack.push(frame) > MAX_DEPTH) this.fail('elements nested too deeply');
    };
    open();
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`the element ${frame.qname} is not closed`);
      if (lt > this.pos) {
        if (s.slice(this.pos, lt).includes(']]>')) this.fail('"]]>" in text');
        this.addText(frame, this.decode(this.pos, lt));
      }
      this.pos = lt;
      if (s.startsWith('</', lt)) {
        this.pos += 2;
        const name = this.name();
        if (name !== frame.qname) this.fail(`</${name ?? ''}> where </${frame.qname}> was expected`, lt);
        this.skipSpace();
        if (s[this.pos] !== '>') this.fail('a malformed end tag');
        this.pos++;
        stack.pop();
        close(frame);
      } else if (s.startsWith('<!--', lt)) {
        this.comment();
      } else if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end < 0) this.fail('an unterminated CDATA section');
        this.addText(frame, s.slice(lt + 9, end));
        this.pos = end + 3;
      } else if (s.startsWith('<?', lt)) {
        this.processingInstruction();
      } else if (s.startsWith('<!', lt)) {
        this.fail('a markup declaration (DOCTYPE, ENTITY, …) is not accepted');
      } else {
        open();
      }
    }
    return root!;
  }

  private addText(frame: Frame, text: string): void {
    if (frame.children !== undefined && !isWhitespace(text)) this.fail(`text mixed with elements in ${frame.qname}`);
    frame.text += text;
  }

  private addChild(parent: Frame, name: string, value: XmlValue): void {
    if (parent.children === undefined) {
      if (!isWhitespace(parent.text)) this.fail(`text mixed with elements in ${parent.qname}`);
      parent.children = Object.create(null) as XmlElement;
    }
    const children = parent.children;
    const existing = children[name];
    // A value is never a list itself: a list here is one of repetitions.
    if (Array.isArray(existing)) existing.push(value);
    else if (existing !== undefined) children[name] = [existing, value];
    else children[name] = this.repeated.has(name) ? [value] : value;
  }

  /** The text of [start, end) with its references replaced. */
  private decode(start: number, end: number): string {
    const s = this.s;
    let amp = s.indexOf('&', start);
    if (amp < 0 || amp >= end) return s.slice(start, end);
    let out = '';
    let from = start;
    while (amp >= 0 && amp < end) {
      out += s.slice(from, amp);
      REFERENCE.lastIndex = amp;
      const m = REFERENCE.exec(s);
      if (!m || REFERENCE.lastIndex > end) this.fail('a malformed reference ("&" must be written &amp;)', amp);
      const [, hex, dec, named] = m;
      if (named !== undefined) {
        const value = PREDEFINED_ENTITIES.get(named);
        if (value === undefined) this.fail(`the undeclared entity &${named};`, amp);
        out += value;
      } else {
        const digits = (hex ?? dec)!.replace(/^0+(?=.)/, '');
        const cp = digits.length > 8 ? -1 : parseInt(digits, hex !== undefined ? 16 : 10);
        if (!isXmlChar(cp)) this.fail(`the character reference ${m[0]} names no XML character`, amp);
        out += String.fromCodePoint(cp);
      }
      from = REFERENCE.lastIndex;
      amp = s.indexOf('&', from);
    }
    return out + s.slice(from, end);
  }
}

function isWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text[i])) return false;
  return true;
}
