// A second, deliberately plain SigV4 signer written from the AWS documentation, for the fuzzer's
// oracle: when Coffer's verifier accepts a mutated request, this signer must compute the very
// signature the request carries, or the verifier accepted what it should not have.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
// It shares no code with src/auth, and spells each rule out in a different way (regular
// expressions and string tables, not byte loops), so a slip in one is unlikely to be in both.
import { createHash, createHmac } from 'node:crypto';

/** A request as the verifier sees it: the request line's path and query, and the raw headers. */
export interface WireRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** name, value, name, value… as sent. */
  rawHeaders: string[];
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string | Buffer): Buffer => createHmac('sha256', key).update(data).digest();

/** Node gives the request line and header values as latin1 (one char per byte); wider chars are UTF-8. */
function bytesOf(s: string): Buffer {
  return [...s].some((ch) => ch.codePointAt(0)! > 0xff) ? Buffer.from(s, 'utf8') : Buffer.from(s, 'latin1');
}

/** A char up to U+00FF is that byte (node's latin1 request line); a wider one is its UTF-8. */
function pushChars(out: number[], s: string): void {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0xff) out.push(cp);
    else out.push(...Buffer.from(ch, 'utf8'));
  }
}

const ESCAPE = /%([0-9A-Fa-f]{2})|\+/g;

/**
 * Form decoding as S3 applies it to a signed path or query component: `%XY` is a byte, `+` a space,
 * anything else itself; a `%` without two hex digits stays a `%`.
 */
function decodeComponent(raw: string): Buffer {
  const out: number[] = [];
  let last = 0;
  for (const m of raw.matchAll(ESCAPE)) {
    pushChars(out, raw.slice(last, m.index));
    out.push(m[1] === undefined ? 0x20 : Number.parseInt(m[1], 16));
    last = m.index + m[0].length;
  }
  pushChars(out, raw.slice(last));
  return Buffer.from(out);
}

/** Each byte's spelling in UriEncode: the unreserved characters stay, the rest are %XY in upper-case hex. */
const SPELLING: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  const ch = String.fromCharCode(b);
  return /^[A-Za-z0-9\-._~]$/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
});

function encodeBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += SPELLING[b];
  return out;
}

export function referenceCanonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath
    .split('/')
    .map((segment) => encodeBytes(decodeComponent(segment)))
    .join('/');
}

export function referenceCanonicalQuery(rawQuery: string, presigned: boolean): string {
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const [name = '', ...rest] = p.split('=');
      return [encodeBytes(decodeComponent(name)), encodeBytes(decodeComponent(rest.join('=')))] as const;
    })
    .filter(([name]) => !(presigned && name === 'X-Amz-Signature'));
  // Sorted by name, then value, by bytes (the encoded strings are ASCII).
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Trim, and each run of spaces and tabs inside becomes one space. */
function trimAll(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[ \t]+/g, ' ');
}

export function referenceCanonicalHeaders(rawHeaders: readonly string[], signed: readonly string[]): string {
  return signed
    .map((name) => {
      const values: string[] = [];
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(trimAll(rawHeaders[i + 1]!));
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

export interface SigningParams {
  secret: string;
  /** yyyyMMdd of the credential scope. */
  day: string;
  region: string;
  /** yyyyMMddTHHmmssZ */
  amzDate: string;
  signedHeaders: readonly string[];
  payloadHash: string;
  presigned: boolean;
}

/** The signature of `req` under `p`, computed from scratch. */
export function referenceSignature(req: WireRequest, p: SigningParams): string {
  const canonical = [
    req.method,
    referenceCanonicalUri(req.rawPath),
    referenceCanonicalQuery(req.rawQuery, p.presigned),
    referenceCanonicalHeaders(req.rawHeaders, p.signedHeaders),
    p.signedHeaders.join(';'),
    p.payloadHash,
  ].join('\n');
  const scope = `${p.day}/${p.region}/s3/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${p.amzDate}\n${scope}\n${sha256(bytesOf(canonical))}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${p.secret}`, p.day), bytesOf(p.region)), 's3'), 'aws4_request');
  return hmac(key, stringToSign).toString('hex');
}

function headerValues(req: WireRequest, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) out.push(req.rawHeaders[i + 1]!);
  return out;
}

/** The fields a signature claims, as the Authorization header or the presigned query gives them. */
interface Claimed {
  credential: string | undefined;
  signature: string | undefined;
  signedHeaders: string | undefined;
  amzDate: string;
  payloadHash: string;
  presigned: boolean;
}

/** The claim as signing parameters: Credential is key/day/region/…, SignedHeaders a `;` list. */
function claimedParams(c: Claimed, secret: string): { params: SigningParams; signature: string; accessKeyId: string } {
  const cred = (c.credential ?? '').split('/');
  return {
    accessKeyId: cred[0] ?? '',
    signature: c.signature ?? '',
    params: {
      secret,
      day: cred[1] ?? '',
      region: cred[2] ?? '',
      amzDate: c.amzDate,
      signedHeaders: (c.signedHeaders ?? '')
        .split(';')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      payloadHash: c.payloadHash,
      presigned: c.presigned,
    },
  };
}

/**
 * What the request claims to be signed with, read as leniently as Coffer documents that it reads
 * (components in any order, blanks around them), or undefined when it claims no SigV4 signature.
 */
export function claimedSigning(req: WireRequest, secret: string): { params: SigningParams; signature: string; accessKeyId: string } | undefined {
  const auth = headerValues(req, 'authorization')[0]?.trim();
  if (auth !== undefined && auth !== '') {
    const m = /^AWS4-HMAC-SHA256 (.*)$/s.exec(auth);
    if (m === null) return undefined;
    const parts = new Map<string, string>();
    for (const raw of m[1]!.split(',')) {
      const part = raw.trim();
      if (part === '') continue;
      const eq = part.indexOf('=');
      parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    return claimedParams(
      {
        credential: parts.get('Credential'),
        signature: parts.get('Signature'),
        signedHeaders: parts.get('SignedHeaders'),
        amzDate: headerValues(req, 'x-amz-date')[0] ?? '',
        payloadHash: headerValues(req, 'x-amz-content-sha256')[0] ?? '',
        presigned: false,
      },
      secret,
    );
  }
  const query = new Map<string, string>();
  for (const p of req.rawQuery.split('&')) {
    if (p === '') continue;
    const eq = p.indexOf('=');
    const name = decodeComponent(eq < 0 ? p : p.slice(0, eq)).toString('utf8');
    if (!query.has(name)) query.set(name, decodeComponent(eq < 0 ? '' : p.slice(eq + 1)).toString('utf8'));
  }
  if (!query.has('X-Amz-Signature')) return undefined;
  let hoisted: string | undefined;
  for (const [name, value] of query) if (name.toLowerCase() === 'x-amz-content-sha256') hoisted ??= value;
  return claimedParams(
    {
      credential: query.get('X-Amz-Credential'),
      signature: query.get('X-Amz-Signature'),
      signedHeaders: query.get('X-Amz-SignedHeaders'),
      amzDate: query.get('X-Amz-Date') ?? '',
      payloadHash: headerValues(req, 'x-amz-content-sha256')[0] ?? hoisted ?? 'UNSIGNED-PAYLOAD',
      presigned: true,
    },
    secret,
  );
}
