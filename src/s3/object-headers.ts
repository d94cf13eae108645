// Parsing of object request headers into typed values (pure; throws S3Error on bad input).
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '../errors.js';
import { headerOf } from '../http/context.js';
import { CHECKSUM_ALGORITHMS, checksumHeaderName, isValidChecksumValue, parseChecksumAlgorithm } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';
import type { ReadConditions, WriteConditions } from '../engine/conditions.js';
import { isStorageClass } from '../engine/storage-class.js';
import type { ObjectLockState } from '../engine/records.js';
import { decodeMetadataValue } from './rfc2047.js';

export const MAX_USER_METADATA_BYTES = 2048;

/** An HTTP field name (RFC 9110 §5.1): what a metadata name must be to be sent back as a header. */
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * x-amz-meta-*: names lower-cased without the prefix, values with their RFC 2047 encoded-words
 * decoded (rfc2047.ts); names and values count toward 2 KB. A request header's name is always a
 * token; a POST form field's need not be (`x-amz-meta-a b`), and one that is not could never be
 * returned by GetObject or HeadObject, so it is refused before anything is stored.
 */
export function parseUserMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const name in headers) {
    const value = headers[name];
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const key = name.slice('x-amz-meta-'.length);
    if (!HEADER_TOKEN.test(name)) {
      throw new S3Error('InvalidArgument', { message: 'User-defined metadata names must be valid HTTP header names.', fields: { ArgumentName: name } });
    }
    const v = decodeMetadataValue(Array.isArray(value) ? value.join(',') : value);
    meta[key] = v;
    size += Buffer.byteLength(key) + Buffer.byteLength(v);
  }
  if (size > MAX_USER_METADATA_BYTES) throw new S3Error('MetadataTooLarge', { fields: { Size: size, MaxSizeAllowed: MAX_USER_METADATA_BYTES } });
  return meta;
}

export const CONTENT_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'] as const;

/**
 * The content headers to store. A request header cannot hold a control character, but a POST
 * form field can (a line break in a text field); stored, it could never be sent back as a header,
 * so it is refused before anything is stored.
 */
export function parseContentHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CONTENT_HEADERS) {
    const v = headerOf(headers, name);
    if (v === undefined) continue;
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(v)) {
      throw new S3Error('InvalidArgument', { message: `${name} must not contain control characters.`, fields: { ArgumentName: name, ArgumentValue: v } });
    }
    out[name] = v;
  }
  // aws-chunked is transport framing, not a property of the object.
  if (out['content-encoding'] !== undefined) {
    const codings = out['content-encoding'].split(',').map((s) => s.trim());
    const rest = codings.filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
    // Kept as sent unless aws-chunked was in it.
    if (rest.length === 0) delete out['content-encoding'];
    else if (rest.length < codings.length) out['content-encoding'] = rest.join(',');
  }
  return out;
}

/** x-amz-storage-class: one of the classes S3 accepts on a general purpose bucket (storage-class.ts). */
export function parseStorageClass(headers: IncomingHttpHeaders): string {
  const v = headerOf(headers, 'x-amz-storage-class');
  if (v === undefined || v === '') return 'STANDARD';
  if (!isStorageClass(v)) throw new S3Error('InvalidStorageClass', { fields: { StorageClassRequested: v } });
  return v;
}

// Content-MD5 frames every body, S3's and the admin API's: read where bodies are.
export { parseContentMd5 } from '../http/body.js';

export interface ChecksumRequest {
  algorithm?: ChecksumAlgorithm;
  /** The value from a header; a trailer's value arrives after the body. */
  value?: string;
  viaTrailer: boolean;
}

const CHECKSUM_HEADERS = ['x-amz-sdk-checksum-algorithm', 'x-amz-trailer', ...CHECKSUM_ALGORITHMS.map(checksumHeaderName)];

/** Whether any header that parseChecksumRequest reads was sent. */
function mentionsChecksum(headers: IncomingHttpHeaders): boolean {
  for (const name of CHECKSUM_HEADERS) if (headers[name] !== undefined) return true;
  return false;
}

/**
 * x-amz-sdk-checksum-algorithm, x-amz-checksum-<alg> and x-amz-trailer must agree.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export function parseChecksumRequest(headers: IncomingHttpHeaders): ChecksumRequest {
  if (!mentionsChecksum(headers)) return { viaTrailer: false };
  const sdkHeader = headerOf(headers, 'x-amz-sdk-checksum-algorithm');
  let sdk: ChecksumAlgorithm | undefined;
  if (sdkHeader !== undefined) {
    sdk = parseChecksumAlgorithm(sdkHeader);
    if (!sdk) throw new S3Error('InvalidRequest', { message: 'Value for x-amz-sdk-checksum-algorithm header is invalid.' });
  }
  const sent = CHECKSUM_ALGORITHMS.filter((a) => headerOf(headers, checksumHeaderName(a)) !== undefined);
  if (sent.length > 1) throw new S3Error('InvalidRequest', { message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.' });
  const trailerNames = (headerOf(headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const trailerAlgs = CHECKSUM_ALGORITHMS.filter((a) => trailerNames.includes(checksumHeaderName(a)));
  if (trailerNames.length > 0 && trailerAlgs.length !== trailerNames.length) {
    throw new S3Error('InvalidRequest', { message: 'The value specified in the x-amz-trailer header is not supported' });
  }
  if (trailerAlgs.length > 1 || (trailerAlgs.length > 0 && sent.length > 0)) {
    throw new S3Error('InvalidRequest', { message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.' });
  }
  const chosen = sent[0] ?? trailerAlgs[0];
  if (sdk && chosen && sdk !== chosen) {
    throw new S3Error('InvalidRequest', { message: `Value for x-amz-sdk-checksum-algorithm header is invalid.` });
  }
  const algorithm = chosen ?? sdk;
  const value = sent[0] ? headerOf(headers, checksumHeaderName(sent[0]))!.trim() : undefined;
  if (sent[0] && !isValidChecksumValue(sent[0], value!)) {
    throw new S3Error('InvalidRequest', { message: `Value for ${checksumHeaderName(sent[0])} header is invalid.` });
  }
  return { algorithm, value, viaTrailer: trailerAlgs.length > 0 };
}

function httpDate(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function parseReadConditions(headers: IncomingHttpHeaders, prefix = ''): ReadConditions {
  return {
    ifMatch: headerOf(headers, `${prefix}if-match`),
    ifNoneMatch: headerOf(headers, `${prefix}if-none-match`),
    ifModifiedSince: httpDate(headerOf(headers, `${prefix}if-modified-since`)),
    ifUnmodifiedSince: httpDate(headerOf(headers, `${prefix}if-unmodified-since`)),
  };
}

/** response-* query parameters override these headers on a signed GET or HEAD. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/**
 * A response-* value as header bytes: control characters cannot be sent in a header, and text
 * beyond Latin-1 goes out as its UTF-8 bytes, as S3 sends it.
 */
function overrideValue(param: string, value: string): string {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
    throw new S3Error('InvalidArgument', { message: `${param} must not contain control characters.`, fields: { ArgumentName: param, ArgumentValue: value } });
  }
  return /[^\x00-\xff]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/**
 * The response headers a GET or HEAD query overrides, by header name.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html ("Overriding response header values")
 */
export function parseResponseOverrides(query: URLSearchParams): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = query.get(param);
    if (v !== null) headers[name] = overrideValue(param, v);
  }
  return headers;
}

export function parseWriteConditions(headers: IncomingHttpHeaders): WriteConditions {
  const inm = headerOf(headers, 'if-none-match');
  if (inm !== undefined && inm.trim() !== '*') {
    // S3 accepts only '*' on writes.
    throw new S3Error('NotImplemented', { fields: { Header: 'If-None-Match' } });
  }
  return { ifNoneMatchStar: inm !== undefined, ifMatch: headerOf(headers, 'if-match') };
}

/**
 * Headers of capabilities that later parts of Coffer implement; until then a request relying on
 * one is refused rather than silently stored without it.
 */
const UNSUPPORTED_WRITE_HEADERS = ['x-amz-website-redirect-location'];

const UNSUPPORTED_WRITE_HEADER_SET: ReadonlySet<string> = new Set(UNSUPPORTED_WRITE_HEADERS);

export function refuseUnsupportedHeaders(headers: IncomingHttpHeaders, extra: readonly string[] = []): void {
  // One pass over the handful of headers sent, not a lookup per header refused.
  for (const name in headers) {
    if (name.charCodeAt(0) !== 0x78 || headers[name] === undefined) continue; // 'x'
    if (UNSUPPORTED_WRITE_HEADER_SET.has(name) || extra.includes(name)) {
      throw new S3Error('NotImplemented', { fields: { Header: name } });
    }
  }
}

/** An ISO 8601 date-time (what RetainUntilDate and x-amz-object-lock-retain-until-date carry), in ms; undefined if it is not one. */
export function parseIsoDate(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * x-amz-object-lock-mode, -retain-until-date and -legal-hold of PutObject, CopyObject and
 * CreateMultipartUpload: the lock the new version asks for, undefined when none is asked.
 * Mode and date come together. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 */
export function parseObjectLockHeaders(headers: IncomingHttpHeaders, now = Date.now()): ObjectLockState | undefined {
  const mode = headerOf(headers, 'x-amz-object-lock-mode');
  const until = headerOf(headers, 'x-amz-object-lock-retain-until-date');
  const hold = headerOf(headers, 'x-amz-object-lock-legal-hold');
  if (mode === undefined && until === undefined && hold === undefined) return undefined;
  const lock: ObjectLockState = {};
  if (mode !== undefined || until !== undefined) {
    if (mode === undefined || until === undefined) {
      throw new S3Error('InvalidArgument', { message: 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied' });
    }
    if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') {
      throw new S3Error('InvalidArgument', { message: 'Unknown wormMode directive.', fields: { ArgumentName: 'x-amz-object-lock-mode', ArgumentValue: mode } });
    }
    const ms = parseIsoDate(until);
    if (ms === undefined) {
      throw new S3Error('InvalidArgument', {
        message: 'The retain until date must be provided in ISO 8601 format',
        fields: { ArgumentName: 'x-amz-object-lock-retain-until-date', ArgumentValue: until },
      });
    }
    if (ms <= now)
      throw new S3Error('InvalidArgument', { message: 'The retain until date must be in the future!', fields: { ArgumentName: 'x-amz-object-lock-retain-until-date' } });
    lock.mode = mode;
    lock.retainUntil = ms;
  }
  if (hold !== undefined) {
    if (hold !== 'ON' && hold !== 'OFF') {
      throw new S3Error('InvalidArgument', {
        message: "Legal Hold must be either of 'ON' or 'OFF'",
        fields: { ArgumentName: 'x-amz-object-lock-legal-hold', ArgumentValue: hold },
      });
    }
    lock.legalHold = hold === 'ON';
  }
  return lock;
}
