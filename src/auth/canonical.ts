// The byte-level pieces of a SigV4 canonical request, as S3 builds them.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { digestOnce } from '../checksums/index.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SERVICE = 's3';
export const TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** sha256 of zero bytes, the "empty hash" of chunk string-to-signs. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const UPPER_HEX = '0123456789ABCDEF';

function isUnreserved(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Node hands us the request line and header values as latin1 strings (one char per byte), so a
 * char up to 0xFF is a byte. A wider char can only come from a caller that already decoded UTF-8,
 * so it is encoded back to UTF-8.
 */
export function toBytes(s: string): Buffer {
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8') : Buffer.from(s, 'latin1');
}

/** SigV4 UriEncode: every byte except A-Za-z0-9-._~ becomes %XY with uppercase hex. */
export function uriEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${UPPER_HEX[b >> 4]}${UPPER_HEX[b & 15]}`;
  }
  return out;
}

/**
 * Percent-decodes to raw bytes. A '%' not followed by two hex digits stays a literal '%'.
 * S3 reads '+' as a space in both the path and the query (form decoding): s3cmd sends spaces as
 * '+' and S3's own CanonicalRequest in SignatureDoesNotMatch shows them as %20
 * (https://github.com/nginx/nginx-s3-gateway/issues/77, https://github.com/ceph/ceph/pull/10919).
 * SDKs always send a literal plus as %2B, so they are unaffected.
 */
export function percentDecode(raw: string, plusAsSpace = true): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out.push((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    if (c === 0x2b && plusAsSpace) out.push(0x20);
    else if (c <= 0xff) out.push(c);
    else {
      const cp = raw.codePointAt(i) ?? c;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(out);
}

const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

/**
 * CanonicalURI for S3: the path as sent, each segment decoded and re-encoded once. S3 does not
 * double-encode and does not normalise '.', '..' or '//' (unlike other services); an encoded
 * slash (%2F) inside a segment stays %2F.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  // Nothing to decode or encode: the common case of plain keys.
  if (PLAIN_PATH.test(rawPath)) return rawPath;
  return rawPath
    .split('/')
    .map((segment) => uriEncode(percentDecode(segment)))
    .join('/');
}

/** The query's name/value pairs, decoded as UTF-8 strings, in order. */
export function parseQueryPairs(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(name).toString('utf8'), percentDecode(value).toString('utf8')]);
  }
  return pairs;
}

function byteOrder(a: string, b: string): number {
  // Encoded names and values are ASCII, so UTF-16 order is byte order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * CanonicalQueryString: each name and value decoded then UriEncoded, sorted by name then value,
 * a name without '=' signed as `name=`, repeated names kept. X-Amz-Signature is left out of a
 * presigned request's canonical query.
 */
export function canonicalQuery(rawQuery: string, omitSignature: boolean): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = uriEncode(percentDecode(eq === -1 ? part : part.slice(0, eq)));
    if (omitSignature && name === 'X-Amz-Signature') continue;
    pairs.push([name, uriEncode(percentDecode(eq === -1 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort((a, b) => byteOrder(a[0], b[0]) || byteOrder(a[1], b[1]));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** A value with a tab, a leading or trailing space, or two spaces in a row. */
const FOLDABLE = /\t|^ | $| {2}/;

/** Trim(): strip leading/trailing blanks and fold inner runs to one space. Only SP and HTAB
 *  count: a latin1 0xA0 is half of a UTF-8 character, not whitespace. */
export function foldHeaderValue(value: string): string {
  if (!FOLDABLE.test(value)) return value;
  return value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * CanonicalHeaders for the signed names, in the order given: `name:value\n` each, where a header
 * sent several times has its values joined with ',' in arrival order (read from rawHeaders, as
 * node's `headers` object merges or drops repeats).
 */
export function canonicalHeaders(signedHeaders: readonly string[], rawHeaders: readonly string[], headers: Record<string, string | string[] | undefined>): string {
  let out = '';
  for (const name of signedHeaders) {
    // A few signed names over a dozen raw headers: a scan per name allocates nothing.
    let value: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const raw = rawHeaders[i]!;
      if (raw.length !== name.length || raw.toLowerCase() !== name) continue;
      const v = foldHeaderValue(rawHeaders[i + 1] ?? '');
      value = value === undefined ? v : `${value},${v}`;
    }
    if (value === undefined) {
      // Synthetic inputs may carry only the parsed headers object.
      const v = headers[name];
      value = v === undefined ? '' : (Array.isArray(v) ? v : [v]).map(foldHeaderValue).join(',');
    }
    out += `${name}:${value}\n`;
  }
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return digestOnce('sha256', data, 'hex');
}

export function hmac(key: Uint8Array | string, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"), "aws4_request"). */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string): Buffer {
  const kDate = hmac(Buffer.from(`AWS4${secretAccessKey}`, 'utf8'), date);
  const kRegion = hmac(kDate, toBytes(region));
  const kService = hmac(kRegion, SERVICE);
  return hmac(kService, TERMINATOR);
}

/** Equal-length buffers compared in constant time; a length mismatch is not secret. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Constant time even when the lengths differ (session tokens are secrets of any length). */
export function safeEqualSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Signing keys per (secret, date, region), least recently used evicted. A key is valid for a
 * whole day, so one entry serves every request of a client that day.
 */
export class SigningKeyCache {
  readonly #max: number;
  readonly #keys = new Map<string, Buffer>();
  #last: { secret: string; date: string; region: string; key: Buffer } | undefined;

  constructor(maxEntries = 256) {
    this.#max = maxEntries;
  }

  get(secretAccessKey: string, date: string, region: string): Buffer {
    // Most requests come from the client of the request before.
    const last = this.#last;
    if (last !== undefined && last.secret === secretAccessKey && last.date === date && last.region === region) return last.key;
    const key = this.#get(secretAccessKey, date, region);
    this.#last = { secret: secretAccessKey, date, region, key };
    return key;
  }

  #get(secretAccessKey: string, date: string, region: string): Buffer {
    const id = `${date}\n${region}\n${secretAccessKey}`;
    const hit = this.#keys.get(id);
    if (hit !== undefined) {
      this.#keys.delete(id);
      this.#keys.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secretAccessKey, date, region);
    this.#keys.set(id, key);
    if (this.#keys.size > this.#max) {
      const oldest = this.#keys.keys().next();
      if (oldest.done !== true) this.#keys.delete(oldest.value);
    }
    return key;
  }
}
