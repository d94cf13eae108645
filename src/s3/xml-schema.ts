// Small readers of a parsed request document (xml.ts's parseXml) against its schema: anything
// off-schema is MalformedXML, as S3 answers for a document that "did not validate against our
// published schema".
import { S3Error } from '../errors.js';
import type { S3ErrorCode } from '../errors.js';

export type XmlNode = Record<string, unknown>;

/** `node` as an element with children; an empty element (text '') counts as one with none. */
export function elementOf(node: unknown): XmlNode {
  if (typeof node === 'string' && node.trim() === '') return {};
  if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new S3Error('MalformedXML');
  return node as XmlNode;
}

/** Whether a parsed value is an element with children (not text, not a repeated list). */
export function isElement(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Fail with `code` unless `node` holds only the named child elements. (readXml keeps no text
 * beside child elements, so whitespace between them needs no allowance here.)
 */
export function onlyChildren(node: XmlNode, allowed: readonly string[], code: S3ErrorCode = 'MalformedXML'): void {
  for (const name of Object.keys(node)) if (!allowed.includes(name)) throw new S3Error(code);
}

/** A child that may appear once: its text, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  return v;
}

/** A child element that may appear once, or undefined. */
export function childElement(node: XmlNode, name: string): XmlNode | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new S3Error('MalformedXML');
  return elementOf(v);
}

/** A child that may repeat (named in parseXml's arrays): its elements. */
export function childList(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [elementOf(v)];
  return v.map(elementOf);
}

/** xsd:int text as a number, or MalformedXML. */
export function intText(text: string): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new S3Error('MalformedXML');
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new S3Error('MalformedXML');
  return n;
}
