// The CORSConfiguration document of Put/GetBucketCors: read strictly, checked as S3 checks it,
// and written back in S3's element order.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html
import { S3Error } from '../errors.js';
import type { CorsRule } from '../engine/records.js';
import { parseXml, renderXml, textOf } from './xml.js';
import { isElement, onlyChildren } from './xml-schema.js';

/** "You can add up to 100 rules to the configuration." https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html */
export const MAX_CORS_RULES = 100;
/** A rule's ID "cannot be longer than 255 characters". */
export const MAX_CORS_RULE_ID_LENGTH = 255;
/** The methods a rule may allow: "GET, PUT, HEAD, POST, and DELETE". */
export const CORS_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);

const RULE_ELEMENTS: readonly string[] = ['ID', 'AllowedHeader', 'AllowedMethod', 'AllowedOrigin', 'ExposeHeader', 'MaxAgeSeconds'];

/** The texts of a repeated element (an absent one is none). */
function texts(rule: Record<string, unknown>, name: string): string[] {
  const v = rule[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x !== 'string') throw new S3Error('MalformedXML');
    return x.trim();
  });
}

function wildcards(s: string): number {
  return s.split('*').length - 1;
}

function parseRule(rule: unknown): CorsRule {
  if (!isElement(rule)) throw new S3Error('MalformedXML');
  onlyChildren(rule, RULE_ELEMENTS);
  const allowedMethods = texts(rule, 'AllowedMethod');
  const allowedOrigins = texts(rule, 'AllowedOrigin');
  // Both are required: "AllowedMethod … Required: Yes", "AllowedOrigin … Required: Yes".
  if (allowedMethods.length === 0 || allowedOrigins.length === 0) throw new S3Error('MalformedXML');
  for (const m of allowedMethods) {
    if (!CORS_METHODS.has(m)) throw new S3Error('InvalidRequest', { message: `Found unsupported HTTP method in CORS config. Unsupported method is ${m}` });
  }
  for (const o of allowedOrigins) {
    if (wildcards(o) > 1) throw new S3Error('InvalidRequest', { message: `AllowedOrigin "${o}" can not have more than one wildcard.` });
  }
  const allowedHeaders = texts(rule, 'AllowedHeader');
  for (const h of allowedHeaders) {
    if (wildcards(h) > 1) throw new S3Error('InvalidRequest', { message: `AllowedHeader "${h}" can not have more than one wildcard.` });
  }
  const exposeHeaders = texts(rule, 'ExposeHeader');
  for (const h of exposeHeaders) {
    if (h.includes('*')) throw new S3Error('InvalidRequest', { message: `ExposeHeader "${h}" contains wildcard. We currently do not support wildcard for ExposeHeader.` });
  }
  const id = textOf(rule, 'ID');
  if (id !== undefined && id.length > MAX_CORS_RULE_ID_LENGTH) {
    throw new S3Error('InvalidArgument', {
      message: `The ID of a CORS rule cannot be longer than ${MAX_CORS_RULE_ID_LENGTH} characters.`,
      fields: { ArgumentName: 'ID', ArgumentValue: id },
    });
  }
  const maxAge = textOf(rule, 'MaxAgeSeconds');
  let maxAgeSeconds: number | undefined;
  if (maxAge !== undefined) {
    // An xsd:int: digits only (a sign, a fraction or text is off-schema).
    if (!/^\d{1,10}$/.test(maxAge.trim()) || Number(maxAge.trim()) > 2 ** 31 - 1) throw new S3Error('MalformedXML');
    maxAgeSeconds = Number(maxAge.trim());
  }
  return { ...(id !== undefined ? { id } : {}), allowedMethods, allowedOrigins, allowedHeaders, exposeHeaders, ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) };
}

/** `<CORSConfiguration><CORSRule>…</CORSRule>…</CORSConfiguration>`: at least one rule, at most 100. */
export function parseCorsConfiguration(text: string): CorsRule[] {
  const doc = parseXml(text, new Set(['CORSRule', 'AllowedMethod', 'AllowedOrigin', 'AllowedHeader', 'ExposeHeader']));
  onlyChildren(doc, ['CORSConfiguration']);
  const root = doc.CORSConfiguration;
  if (!isElement(root)) throw new S3Error('MalformedXML');
  onlyChildren(root, ['CORSRule']);
  const nodes = (root.CORSRule ?? []) as unknown[];
  if (nodes.length === 0) throw new S3Error('MalformedXML');
  if (nodes.length > MAX_CORS_RULES) {
    throw new S3Error('InvalidRequest', { message: `The number of CORS rules should not exceed allowed limit of ${MAX_CORS_RULES} rules.` });
  }
  return nodes.map(parseRule);
}

/** GetBucketCors's document, each rule's elements in the order of S3's schema. */
export function renderCorsConfiguration(rules: readonly CorsRule[]): string {
  return renderXml('CORSConfiguration', {
    CORSRule: rules.map((r) => ({
      ID: r.id,
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      MaxAgeSeconds: r.maxAgeSeconds,
    })),
  });
}
