// Rendering XML documents: S3's responses and error documents. Shared by the S3 handlers and the
// HTTP edge (which writes error documents itself), so it depends on neither. Built with
// fast-xml-parser's builder, every text escaped by escapeXmlText.
import { XMLBuilder } from 'fast-xml-parser';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const escapeValue = (_name: string, value: unknown): unknown => (typeof value === 'string' ? escapeXmlText(value) : value);

const BUILDER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  format: false,
  processEntities: false,
  tagValueProcessor: escapeValue,
  attributeValueProcessor: escapeValue,
} as const;
const builder = new XMLBuilder(BUILDER_OPTIONS);

// What escapeXmlText replaces: markup, quotes, CR, and anything XML 1.0 has no character for.
const NEEDS_ESCAPE = /[&<>"'\r]|[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Text as element content or attribute value. The five markup characters become the predefined
 * entities (S3 writes an ETag's quotes as &quot;); a CR becomes &#13;, since a parser reads a
 * literal CR as LF and the key would come back changed.
 *
 * A character XML 1.0 does not allow at all (most C0 controls, U+FFFE, U+FFFF) has no correct
 * spelling in an XML 1.0 document. Keys may hold them (a PUT path can carry %01). S3 lists such a
 * key anyway and writes the character as a numeric reference, `&#x1;`, which strict parsers
 * refuse; with encoding-type=url the key is percent-encoded and the listing is valid XML (the
 * SDKs ask for that by default for listings). Coffer deliberately does what S3 does: the key
 * stays exact for lenient readers, and a listing never fails on the server for one odd key.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html#object-key-xml-related-constraints
 * (S3's `&#x1;` in listings: https://github.com/basho/riak_cs/pull/1255)
 */
export function escapeXmlText(text: string): string {
  NEEDS_ESCAPE.lastIndex = 0;
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? `&#x${c.codePointAt(0)!.toString(16)};`);
}

export type XmlValue = string | number | boolean | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Render a document with the XML declaration; `undefined` children are left out. `null`: no xmlns. */
export function renderXml(root: string, body: XmlObject, xmlns: string | null = S3_XMLNS): string {
  const node: XmlObject = xmlns ? { '@_xmlns': xmlns, ...body } : body;
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build({ [root]: node });
}

/**
 * One element and its content, written directly: the text escaped, child objects in key order,
 * arrays as repeated elements, `undefined` left out. This is the builder's own output for these
 * shapes; written by hand because the builder's order-preserving mode costs half of a
 * 1000-version listing's time.
 */
function writeElement(name: string, value: XmlValue, out: string[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) writeElement(name, v, out);
    return;
  }
  out.push(`<${name}>`);
  if (typeof value === 'object') {
    for (const k in value) writeElement(k, value[k], out);
  } else {
    out.push(typeof value === 'string' ? escapeXmlText(value) : String(value));
  }
  out.push(`</${name}>`);
}

/**
 * Render a document whose children of different names interleave in a given order, which an
 * object cannot express (ListVersionsResult lists Version and DeleteMarker elements as they sort).
 * `children` are [name, value] pairs; `undefined` values are left out.
 */
export function renderXmlInOrder(root: string, children: ReadonlyArray<readonly [string, XmlValue]>, xmlns: string | null = S3_XMLNS): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n', xmlns ? `<${root} xmlns="${escapeXmlText(xmlns)}">` : `<${root}>`];
  for (const [name, value] of children) writeElement(name, value, out);
  out.push(`</${root}>`);
  return out.join('');
}
