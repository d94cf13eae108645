// Random raw HTTP requests against a running Coffer: methods, paths, queries, headers, bodies and
// framings drawn from what S3 requests are made of, signed (by the reference signer), anonymous or
// with a broken Authorization. Every request must get a whole HTTP response before the connection
// closes: a success, or S3's XML error with a code from the table at that code's status, never
// an InternalError. The server must still serve afterwards. (/_coffer/, the admin API, answers
// JSON and is not fuzzed here.)
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { S3_ERRORS } from '../src/errors.js';
import type { S3ErrorCode } from '../src/errors.js';
import { tokenString } from './harness.js';
import type { AnyProperty } from './harness.js';
import { referenceSignature } from './reference-sigv4.js';
import { streamArb } from './targets-chunked.js';
import { documentArb } from './targets-xml.js';

export interface FuzzServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A bucket the caller created, with objects `k` and `dir/k2`. */
  bucket: string;
}

/** The longest a request may wait for its answer: the test servers time bodies out after 1 s. */
const RESPONSE_TIMEOUT_MS = 15_000;

/** 5xx codes that are refusals by design, not failures. */
const DESIGNED_5XX: ReadonlySet<string> = new Set(['NotImplemented', 'ServiceUnavailable', 'SlowDown', 'InsufficientStorage']);

const QUERY_KEYS = [
  'uploads',
  'uploadId',
  'partNumber',
  'tagging',
  'delete',
  'versions',
  'versionId',
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'acl',
  'cors',
  'location',
  'versioning',
  'encoding-type',
  'continuation-token',
  'attributes',
  'x-id',
  'marker',
  'start-after',
  'max-uploads',
  'part-number-marker',
  'response-content-type',
];
const QUERY_VALUES = ['', '1', '2', '0', '-1', '10001', 'url', '/', 'x', '%2F', '%zz', 'null', 'AAAA', '99999999999999999999', 'é'];
const HEADER_NAMES = [
  'content-md5',
  'x-amz-copy-source',
  'x-amz-copy-source-range',
  'x-amz-copy-source-if-match',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'x-amz-tagging',
  'x-amz-tagging-directive',
  'x-amz-metadata-directive',
  'x-amz-meta-a',
  'content-type',
  'expect',
  'x-amz-checksum-crc32',
  'x-amz-checksum-sha256',
  'x-amz-sdk-checksum-algorithm',
  'x-amz-checksum-algorithm',
  'x-amz-checksum-type',
  'x-amz-trailer',
  'x-amz-decoded-content-length',
  'content-encoding',
  'x-amz-storage-class',
  'x-amz-acl',
  'x-amz-object-attributes',
  'x-amz-max-parts',
  'cache-control',
  'x-amz-server-side-encryption',
  'x-amz-expected-bucket-owner',
  'x-amz-bucket-object-lock-enabled',
  'x-amz-mp-object-size',
];
const HEADER_VALUES = [
  '',
  'aws-chunked',
  'CRC32',
  'SHA256',
  'COMPOSITE',
  'FULL_OBJECT',
  'x-amz-checksum-crc32',
  '100-continue',
  'bytes=0-1',
  'bytes=5-',
  'bytes=-3',
  'bytes=9-1',
  '"d41d8cd98f00b204e9800998ecf8427e"',
  '*',
  'COPY',
  'REPLACE',
  'STANDARD',
  'GLACIER',
  'private',
  'public-read',
  'ETag,ObjectSize,Checksum',
  '10',
  '-1',
  '1e3',
  'AAAAAA==',
  '1B2M2Y8AsgTpgAmY7PhCfg==',
  'Fri, 02 Jan 2026 03:04:05 GMT',
  'a=b&c=d',
  'AES256',
  'true',
  ' ',
  'é',
];
const KEY_TOKENS = ['k', 'dir/', 'k2', '/', '..', '.', '%2F', '%00', '%01', '%FF', '%C3%A9', '%', '+', '%20', 'é', '?', '#', '\\', '~'];

interface Spec {
  method: string;
  bucket: string;
  key: string | undefined;
  query: Array<[string, string | undefined]>;
  headers: Array<[string, string]>;
  body: Buffer;
  framing: 'length' | 'chunked' | 'none' | 'short';
  auth: 'signed' | 'anonymous' | 'garbage';
  payload: 'body' | 'unsigned' | 'wrong' | 'streaming';
}

function specArb(bucket: string): fc.Arbitrary<Spec> {
  return fc.record({
    method: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD') }, { weight: 1, arbitrary: fc.constantFrom('OPTIONS', 'PATCH', 'PROPFIND', 'get', 'TRACE', 'CONNECT') }),
    bucket: fc.oneof({ weight: 6, arbitrary: fc.constant(bucket) }, { weight: 1, arbitrary: fc.constantFrom('no-such-bucket-fuzz', 'UPPER', 'a', '', 'fuzz..x', '192.168.1.1', `${bucket}-new`) }),
    key: fc.option(fc.oneof(fc.constantFrom('k', 'dir/k2'), tokenString(KEY_TOKENS, 8)), { nil: undefined }),
    query: fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.option(fc.constantFrom(...QUERY_VALUES), { nil: undefined })), { maxLength: 3 }),
    headers: fc.array(
      fc.tuple(
        fc.constantFrom(...HEADER_NAMES),
        fc.oneof(fc.constantFrom(...HEADER_VALUES), fc.constantFrom(`${bucket}/k`, `/${bucket}/dir/k2`, `${bucket}/k?versionId=null`, `${bucket}/nope`, 'x/y')),
      ),
      { maxLength: 5 },
    ),
    body: fc.oneof(
      { weight: 4, arbitrary: fc.constant(Buffer.alloc(0)) },
      { weight: 3, arbitrary: documentArb.map((d) => Buffer.from(d.text)) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: streamArb.map((s) => s.body) },
    ),
    framing: fc.constantFrom('length', 'length', 'length', 'length', 'length', 'chunked', 'none', 'short'),
    auth: fc.constantFrom('signed', 'signed', 'signed', 'anonymous', 'garbage'),
    payload: fc.constantFrom('body', 'body', 'unsigned', 'wrong', 'streaming'),
  });
}

function amzDateOf(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The request's bytes, exactly as sent. */
export function wire(server: FuzzServer, s: Spec): Buffer {
  const host = new URL(server.endpoint).host;
  const rawPath = `/${s.bucket}${s.key === undefined ? '' : `/${s.key}`}`;
  const rawQuery = s.query.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&');
  const rawHeaders: string[] = ['Host', host];
  for (const [n, v] of s.headers) rawHeaders.push(n, v);
  if (s.framing === 'length') rawHeaders.push('Content-Length', String(s.body.length));
  if (s.framing === 'short') rawHeaders.push('Content-Length', String(s.body.length + 7));
  if (s.framing === 'chunked') rawHeaders.push('Transfer-Encoding', 'chunked');
  if (s.auth === 'signed') {
    const now = new Date();
    const amzDate = amzDateOf(now);
    const payloadHash =
      s.payload === 'body'
        ? createHash('sha256').update(s.body).digest('hex')
        : s.payload === 'unsigned'
          ? 'UNSIGNED-PAYLOAD'
          : s.payload === 'streaming'
            ? 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
            : createHash('sha256').update('other').digest('hex');
    rawHeaders.push('x-amz-date', amzDate, 'x-amz-content-sha256', payloadHash);
    const signedHeaders = [...new Set(rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()))].sort();
    const day = amzDate.slice(0, 8);
    const signature = referenceSignature({ method: s.method, rawPath, rawQuery, rawHeaders }, { secret: server.secretAccessKey, day, region: 'us-east-1', amzDate, signedHeaders, payloadHash, presigned: false });
    rawHeaders.push('Authorization', `AWS4-HMAC-SHA256 Credential=${server.accessKeyId}/${day}/us-east-1/s3/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`);
  } else if (s.auth === 'garbage') {
    rawHeaders.push('Authorization', `AWS4-HMAC-SHA256 Credential=${server.accessKeyId}/20260102/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`);
  }
  let head = `${s.method} ${rawPath}${rawQuery === '' ? '' : `?${rawQuery}`} HTTP/1.1\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  const body = s.framing === 'chunked' ? Buffer.concat([Buffer.from(s.body.length > 0 ? `${s.body.length.toString(16)}\r\n` : ''), s.body, Buffer.from(s.body.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n')]) : s.body;
  return Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), body]);
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send `bytes` on a fresh connection; the first final response, or why there was none. */
export function exchange(endpoint: string, bytes: Buffer, head: boolean): Promise<Answer | string> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (a: Answer | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => done(`no response within ${RESPONSE_TIMEOUT_MS} ms`), RESPONSE_TIMEOUT_MS);
    socket.on('error', () => undefined);
    const parse = (final: boolean): void => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
        if (Number.isNaN(status)) return done(`not an HTTP response: ${JSON.stringify(lines[0])}`);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
        }
        if (status === 100) {
          buf = buf.subarray(end + 4);
          continue;
        }
        const rest = buf.subarray(end + 4);
        if (head || status === 204 || status === 304) return done({ status, headers, body: '' });
        if (headers['content-length'] !== undefined) {
          const n = Number(headers['content-length']);
          if (rest.length >= n) return done({ status, headers, body: rest.subarray(0, n).toString('utf8') });
          if (final) return done(`connection closed ${n - rest.length} bytes into a ${status} response`);
          return;
        }
        if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
          if (rest.includes('\r\n0\r\n\r\n') || rest.subarray(0, 5).toString() === '0\r\n\r\n') return done({ status, headers, body: rest.toString('utf8') });
          if (final) return done(`connection closed inside a chunked ${status} response`);
          return;
        }
        if (final) return done({ status, headers, body: rest.toString('utf8') });
        return;
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parse(false);
    });
    socket.on('close', () => {
      parse(true);
      done(buf.length === 0 ? 'connection closed without a response' : `connection closed inside a response: ${JSON.stringify(buf.subarray(0, 200).toString('latin1'))}`);
    });
    socket.write(bytes);
  });
}

/** Why `a` is not an acceptable answer, or undefined when it is. */
export function judge(a: Answer | string, head: boolean): string | undefined {
  if (typeof a === 'string') return a;
  if (a.headers['x-amz-request-id'] === undefined) return `a ${a.status} answer without x-amz-request-id`;
  // A HEAD answer has no body to name its code: 500 is the one status no design gives.
  if (head) return a.status === 500 ? 'HEAD answered 500' : undefined;
  if (a.status < 400) return undefined;
  if (a.body === '') return `a ${a.status} answer without an error document`;
  const code = /<Error>\s*<Code>([^<]+)<\/Code>/.exec(a.body)?.[1];
  if (code === undefined) return `a ${a.status} answer that is not S3's error document: ${a.body.slice(0, 200)}`;
  if (!Object.hasOwn(S3_ERRORS, code)) return `error code ${code} is not in the table`;
  if (S3_ERRORS[code as S3ErrorCode].status !== a.status) return `${code} sent with status ${a.status}, the table says ${S3_ERRORS[code as S3ErrorCode].status}`;
  if (a.status >= 500 && !DESIGNED_5XX.has(code)) return `${a.status} ${code}: ${a.body.slice(0, 300)}`;
  return undefined;
}

/** The property: one random request, answered acceptably. */
export function httpProperty(server: FuzzServer): AnyProperty {
  return fc.asyncProperty(specArb(server.bucket), async (s) => {
    const bytes = wire(server, s);
    const head = s.method === 'HEAD';
    const why = judge(await exchange(server.endpoint, bytes, head), head);
    if (why !== undefined) throw new Error(`${why}\nrequest: ${JSON.stringify(bytes.subarray(0, 600).toString('latin1'))}`);
  });
}
