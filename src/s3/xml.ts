// XML in and out. Request bodies are read strictly by xml-read.ts (MalformedXML on anything that
// is not well-formed, references decoded, no DTD); responses are rendered by src/xml/render.ts.
import { S3Error } from '../errors.js';
import type { S3ErrorCode } from '../errors.js';
import { XmlSyntaxError, readXml } from './xml-read.js';

export { S3_XMLNS, escapeXmlText, renderXml, renderXmlInOrder } from '../xml/render.js';
export type { XmlObject, XmlValue } from '../xml/render.js';

/**
 * Parse a request body into plain objects (see readXml); elements that may repeat are named in
 * `arrays`. An empty body is MissingRequestBodyError; anything not well-formed is `code`.
 */
export function parseXml(text: string, arrays: ReadonlySet<string> = new Set(), code: S3ErrorCode = 'MalformedXML'): Record<string, unknown> {
  if (text.trim() === '') throw new S3Error('MissingRequestBodyError');
  try {
    return readXml(text, arrays);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new S3Error(code, { cause: err });
    throw err;
  }
}

/** A child element's text, or undefined. Elements with children, or given twice, are off-schema here. */
export function textOf(node: unknown, name: string, code: S3ErrorCode = 'MalformedXML'): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw new S3Error(code);
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
