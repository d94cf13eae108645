// Signature Version 4 in the browser, with WebCrypto: the console signs each S3 and admin request
// itself, so the secret key never leaves the page. A small signer rather than the AWS SDK: the
// console needs upload progress by the byte (XMLHttpRequest, which the SDK's fetch handler cannot
// give), and the whole console stays a few tens of kilobytes.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignInput {
  method: string;
  /** The request path, not yet encoded: '/bucket/a key'. */
  path: string;
  query?: Record<string, string>;
  /** Headers to sign besides host and x-amz-date (lower-case names). */
  headers?: Record<string, string>;
  host: string;
  region: string;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
  now?: Date;
}

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const encoder = new TextEncoder();

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export async function sha256Base64(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  return btoa(String.fromCharCode(...digest));
}

async function hmac(key: Uint8Array | ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, encoder.encode(data));
}

/** RFC 3986 encoding, as SigV4 asks: everything but A-Z a-z 0-9 - . _ ~ is %XX. */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** S3 paths are encoded once, segment by segment ('/' kept). */
export function encodePath(path: string): string {
  return path.split('/').map(uriEncode).join('/');
}

export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

async function signature(creds: Credentials, date: string, region: string, stringToSign: string): Promise<string> {
  let key = await hmac(encoder.encode(`AWS4${creds.secretAccessKey}`), date.slice(0, 8));
  key = await hmac(key, region);
  key = await hmac(key, 's3');
  key = await hmac(key, 'aws4_request');
  return hex(await hmac(key, stringToSign));
}

async function stringToSign(input: SignInput, date: string, headers: Record<string, string>, query: Record<string, string>): Promise<{ text: string; signed: string }> {
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signed = names.join(';');
  const canonical = [input.method, encodePath(input.path), canonicalQuery(query), canonicalHeaders, signed, input.payloadHash].join('\n');
  const scope = `${date.slice(0, 8)}/${input.region}/s3/aws4_request`;
  return { text: ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(canonical)].join('\n'), signed };
}

/** The headers to send: the caller's, plus x-amz-date, x-amz-content-sha256 and Authorization. */
export async function signRequest(creds: Credentials, input: SignInput): Promise<Record<string, string>> {
  const date = amzDate(input.now ?? new Date());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['x-amz-date'] = date;
  headers['x-amz-content-sha256'] = input.payloadHash;
  const { text, signed } = await stringToSign(input, date, { ...headers, host: input.host }, input.query ?? {});
  const sig = await signature(creds, date, input.region, text);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${date.slice(0, 8)}/${input.region}/s3/aws4_request, SignedHeaders=${signed}, Signature=${sig}`;
  return headers;
}

/** A presigned URL's query string (signed for host only, body unsigned), valid `expiresSeconds`. */
export async function presignQuery(creds: Credentials, input: Omit<SignInput, 'payloadHash' | 'headers'>, expiresSeconds: number): Promise<string> {
  const date = amzDate(input.now ?? new Date());
  const query: Record<string, string> = {
    ...input.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${creds.accessKeyId}/${date.slice(0, 8)}/${input.region}/s3/aws4_request`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(expiresSeconds),
    'X-Amz-SignedHeaders': 'host',
  };
  const { text } = await stringToSign({ ...input, payloadHash: UNSIGNED_PAYLOAD }, date, { host: input.host }, query);
  query['X-Amz-Signature'] = await signature(creds, date, input.region, text);
  return canonicalQuery(query);
}
