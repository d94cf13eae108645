// XML in and out, through fast-xml-parser. Request bodies are validated first (MalformedXML on
// anything that is not well-formed) and parsed with every value kept as a string.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors.js';
import type { S3ErrorCode } from '../errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, format: false });
/** The same output, from a list of [name, value] children whose order is kept (see renderXmlInOrder). */
const orderedBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, format: false, preserveOrder: true });
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
});

export type XmlValue = string | number | boolean | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Render a document with the XML declaration; `undefined` children are left out. `null`: no xmlns. */
export function renderXml(root: string, body: XmlObject, xmlns: string | null = S3_XMLNS): string {
  const node: XmlObject = xmlns ? { '@_xmlns': xmlns, ...body } : body;
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build({ [root]: node });
}

type OrderedNode = Record<string, unknown>;

/** One element in fast-xml-parser's preserveOrder form: `{ name: [children] }`, text as `#text`. */
function orderedNodes(name: string, value: XmlValue, out: OrderedNode[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) orderedNodes(name, v, out);
    return;
  }
  if (typeof value === 'object') {
    const children: OrderedNode[] = [];
    for (const [k, v] of Object.entries(value)) orderedNodes(k, v, children);
    out.push({ [name]: children });
    return;
  }
  out.push({ [name]: [{ '#text': value }] });
}

/**
 * Render a document whose children of different names interleave in a given order, which an
 * object cannot express (ListVersionsResult lists Version and DeleteMarker elements as they sort).
 * `children` are [name, value] pairs; `undefined` values are left out.
 */
export function renderXmlInOrder(root: string, children: ReadonlyArray<readonly [string, XmlValue]>, xmlns: string | null = S3_XMLNS): string {
  const nodes: OrderedNode[] = [];
  for (const [name, value] of children) orderedNodes(name, value, nodes);
  const doc: OrderedNode = { [root]: nodes };
  if (xmlns) doc[':@'] = { '@_xmlns': xmlns };
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + orderedBuilder.build([doc]);
}

/** Parse a request body into plain objects; elements that may repeat are in `arrays`. */
export function parseXml(text: string, arrays: ReadonlySet<string> = new Set(), code: S3ErrorCode = 'MalformedXML'): Record<string, unknown> {
  if (text.trim() === '') throw new S3Error('MissingRequestBodyError');
  if (XMLValidator.validate(text) !== true) throw new S3Error(code);
  try {
    const p = new XMLParser({
      ignoreAttributes: true,
      removeNSPrefix: true,
      parseTagValue: false,
      trimValues: false,
      processEntities: true,
      ignoreDeclaration: true,
      isArray: (name) => arrays.has(name),
    });
    return (arrays.size > 0 ? p : parser).parse(text) as Record<string, unknown>;
  } catch {
    throw new S3Error(code);
  }
}

/** A child element's text, or undefined. Elements with children are off-schema here. */
export function textOf(node: unknown, name: string, code: S3ErrorCode = 'MalformedXML'): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) return '';
  throw new S3Error(code);
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
