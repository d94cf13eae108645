// Header and addressing parsers: Range and x-amz-copy-source-range, the conditional headers
// (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since and their copy-source forms),
// x-amz-copy-source, x-amz-tagging, x-amz-meta-* values (RFC 2047), and the router (path-style and virtual-hosted addressing,
// then the route table). Arbitrary values get an S3 error or a well-formed result; values built
// from their grammar read back as built.
import fc from 'fast-check';
import type { IncomingHttpHeaders } from 'node:http';
import { parseRange } from '../src/s3/object-get.js';
import { parseCopySourceRange } from '../src/s3/multipart.js';
import { resolveRange } from '../src/engine/object-read.js';
import { parseReadConditions, parseWriteConditions } from '../src/s3/object-headers.js';
import { checkCopySourceConditions, checkReadConditions, checkWriteConditions } from '../src/engine/conditions.js';
import { parseCopySource } from '../src/s3/copy-source.js';
import { parseTaggingHeader } from '../src/s3/tagging-input.js';
import { decodeMetadataValue, encodeMetadataValue } from '../src/s3/rfc2047.js';
import { resolveTarget } from '../src/http/addressing.js';
import { ROUTES, SUB_RESOURCES, matchRoute } from '../src/s3/router.js';
import type { On } from '../src/s3/router.js';
import { timed, tokenString, valueOrRefusal } from './harness.js';
import type { FuzzTarget } from './harness.js';

const RANGE_TOKENS = ['bytes=', 'Bytes=', 'bytes =', '-', '0', '1', '5', '9', '99999999999999999999', ' ', '\t', ',', '=', 'items='];
const DATE_VALUES = ['Fri, 02 Jan 2026 03:04:05 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT', '2026-01-02T03:04:05Z', 'yesterday', '', '0', '-1', '99999999999999', 'Sat, 31 Dec 275760 00:00:00 GMT'];
const ETAG_TOKENS = ['"', 'W/', '*', ',', ' ', 'abc', 'd41d8cd98f00b204e9800998ecf8427e', '-1', '""'];

function goodRange(r: { start: number; end: number }, size: number): void {
  if (!(Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && r.start >= 0 && r.start <= r.end && r.end < size)) {
    throw new Error(`range ${JSON.stringify(r)} outside an object of ${size} bytes`);
  }
}

const conditionsArb = fc.record(
  {
    'if-match': fc.oneof(tokenString(ETAG_TOKENS, 6), fc.string()),
    'if-none-match': fc.oneof(tokenString(ETAG_TOKENS, 6), fc.string()),
    'if-modified-since': fc.oneof(fc.constantFrom(...DATE_VALUES), fc.string()),
    'if-unmodified-since': fc.oneof(fc.constantFrom(...DATE_VALUES), fc.string()),
  },
  { requiredKeys: [] },
);

const bucketArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);
/** Keys as UTF-16 that is also valid UTF-8 (no lone surrogates): any character a key may hold. */
const keyArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((k) => k.isWellFormed());
const encodeKeyPath = (key: string): string => encodeURIComponent(key).replace(/%2F/g, '/');

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'get', ''];
const QUERY_KEYS = [...SUB_RESOURCES, 'list-type', 'partNumber', 'versionId', 'prefix', 'x-id', 'max-keys', 'encoding-type'];
const HEADERS = ['x-amz-copy-source', 'x-amz-tagging', 'content-md5', 'range'];
/** Query parameters that never select another resource, to add as noise to a route's own. */
const NOISE_KEYS = ['prefix', 'max-keys', 'x-id', 'delimiter', 'encoding-type', 'marker', 'fetch-owner', 'start-after'];

export const HEADER_TARGETS: FuzzTarget[] = [
  {
    name: 'range-headers',
    about: 'Range and x-amz-copy-source-range: any value is ignored, refused with InvalidArgument/InvalidRange, or resolves inside the object',
    property: () =>
      fc.property(
        fc.oneof(tokenString(RANGE_TOKENS, 10), fc.string()),
        fc.oneof(fc.nat(100), fc.nat()),
        timed((value: string, size: number) => {
          const spec = parseRange(value);
          if (spec !== undefined) {
            const r = valueOrRefusal(() => resolveRange(spec, size), ['InvalidRange']);
            if (r !== undefined) goodRange(r, size);
          }
          const copy = valueOrRefusal(() => parseCopySourceRange(value), ['InvalidArgument']);
          if (copy !== undefined) {
            if ('suffix' in copy || copy.end === undefined || copy.start > copy.end) throw new Error(`copy range ${JSON.stringify(copy)}`);
            const r = valueOrRefusal(() => resolveRange(copy, size), ['InvalidRange']);
            if (r !== undefined) goodRange(r, size);
          }
        }),
      ),
  },
  {
    name: 'conditional-headers',
    about: 'If-Match, If-None-Match, If-(Un)Modified-Since and x-amz-copy-source-if-*: 304, 412, 501 or 404, never another failure',
    property: () =>
      fc.property(
        conditionsArb,
        fc.oneof(fc.constantFrom('d41d8cd98f00b204e9800998ecf8427e', 'abc', ''), fc.string()),
        fc.integer({ min: -1e15, max: 1e15 }),
        fc.boolean(),
        timed((headers: Record<string, string>, etag: string, lastModified: number, exists: boolean) => {
          const h = headers as IncomingHttpHeaders;
          const prefixed: IncomingHttpHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [`x-amz-copy-source-${k}`, v]));
          const obj = { etag, lastModified };
          const read = parseReadConditions(h);
          valueOrRefusal(() => checkReadConditions(obj, read), ['NotModified', 'PreconditionFailed']);
          valueOrRefusal(() => checkCopySourceConditions(obj, parseReadConditions(prefixed, 'x-amz-copy-source-')), ['PreconditionFailed']);
          const write = valueOrRefusal(() => parseWriteConditions(h), ['NotImplemented']);
          if (write !== undefined) valueOrRefusal(() => checkWriteConditions(exists ? obj : undefined, write), ['PreconditionFailed', 'NoSuchKey']);
        }),
      ),
  },
  {
    name: 'copy-source',
    about: 'x-amz-copy-source: any value is InvalidArgument or names a bucket and key; an encoded bucket/key?versionId reads back exactly',
    property: () =>
      fc.property(
        fc.oneof(tokenString(['/', '%', '%2F', '%zz', '?', 'versionId=', '&', 'a', 'b', '%E2%82', '%C3%A9', ' ', '+', '..'], 12), fc.string({ unit: 'binary', maxLength: 40 })),
        bucketArb,
        keyArb,
        fc.option(fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/), { nil: undefined }),
        fc.boolean(),
        timed((soup: string, bucket: string, key: string, versionId: string | undefined, leadingSlash: boolean) => {
          const any = valueOrRefusal(() => parseCopySource(soup), ['InvalidArgument']);
          if (any !== undefined && (any.bucket === '' || any.key === '')) throw new Error(`copy source ${JSON.stringify(any)} names no bucket or key`);
          const value = `${leadingSlash ? '/' : ''}${bucket}/${encodeKeyPath(key)}${versionId === undefined ? '' : `?versionId=${versionId}`}`;
          const got = parseCopySource(value);
          if (got.bucket !== bucket || got.key !== key || got.versionId !== versionId) throw new Error(`${value} read as ${JSON.stringify(got)}`);
        }),
      ),
  },
  {
    name: 'tagging-header',
    about: 'x-amz-tagging: any value is a tag set or an S3 error',
    property: () =>
      fc.property(
        fc.oneof(tokenString(['=', '&', '+', '%', '%20', '%zz', 'a', 'key', 'aws:x', ' ', 'é', '😀', '%F0%9F'], 20), fc.string({ unit: 'binary', maxLength: 60 })),
        timed((value: string) => {
          valueOrRefusal(() => parseTaggingHeader(value));
        }),
      ),
  },
  {
    name: 'metadata-rfc2047',
    about: 'x-amz-meta-* values: any value decodes to a string, every stored value encodes to a printable US-ASCII header that decodes back to it',
    property: () =>
      fc.property(
        fc.oneof(tokenString(['=?', '?=', 'UTF-8', 'utf-8', 'ISO-8859-1', 'KOI8-R', '?B?', '?Q?', '?b?', 'Y2Fmw6k=', '=C3=A9', '_', '=', ' ', 'é', '\u00c3'], 12), fc.string({ unit: 'binary', maxLength: 60 })),
        timed((value: string) => {
          const stored = decodeMetadataValue(value);
          if (typeof stored !== 'string') throw new Error(`${value} decoded to ${String(stored)}`);
          if (!stored.isWellFormed()) return;
          const sent = encodeMetadataValue(stored);
          if (!/^[\t\x20-\x7e]*$/.test(sent)) throw new Error(`${JSON.stringify(stored)} sent as ${JSON.stringify(sent)}`);
          if (sent !== stored && decodeMetadataValue(sent) !== stored) throw new Error(`${JSON.stringify(stored)} does not read back from ${sent}`);
        }),
      ),
  },
  {
    name: 'router',
    about: 'any Host, path, method, query and headers resolve to a route or an S3 error; every route is reached by a request built for it, and path-style addresses read back',
    property: () =>
      fc.property(
        fc.record({
          host: fc.oneof(fc.constantFrom('', 'coffer.test', 'b.coffer.test', 'B.Coffer.Test:9000', '[::1]:9000', 'coffer.test.'), fc.string({ maxLength: 20 })),
          path: fc.oneof(tokenString(['/', 'b', 'k', '%', '%2F', '%FF', '%C3%A9', '%zz', '+', '..', '?', ' ', '_coffer'], 16), fc.string({ unit: 'binary', maxLength: 30 })),
          method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 6 })),
          query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 6 })), fc.oneof(fc.constantFrom('', '2', '1', 'x'), fc.string({ maxLength: 6 }))), { maxLength: 4 }),
          headers: fc.subarray(HEADERS),
          route: fc.constantFrom(...ROUTES),
          noise: fc.array(fc.tuple(fc.constantFrom(...NOISE_KEYS), fc.string({ maxLength: 6 })), { maxLength: 3 }),
          bucket: bucketArb,
          key: keyArb,
        }),
        timed(({ host, path, method, query, headers, route, noise, bucket, key }) => {
          const target = valueOrRefusal(() => resolveTarget(host, path, ['coffer.test']), ['InvalidURI']);
          if (target !== undefined) {
            const on: On = target.key !== undefined ? 'object' : target.bucket !== undefined ? 'bucket' : 'service';
            const q = new URLSearchParams(query);
            valueOrRefusal(() => matchRoute({ method, on, query: q, queryEmpty: query.length === 0, hasHeader: (n) => headers.includes(n) }), ['MethodNotAllowed', 'NotImplemented']);
          }
          // A request made for a route reaches it, whatever harmless parameters ride along.
          const own: Array<[string, string]> = (route.query ?? []).map((k) => {
            const eq = k.indexOf('=');
            return eq < 0 ? [k, ''] : [k.slice(0, eq), k.slice(eq + 1)];
          });
          const q = new URLSearchParams([...own, ...noise]);
          const hit = matchRoute({ method: route.method, on: route.on, query: q, queryEmpty: own.length + noise.length === 0, hasHeader: (n) => n === route.header });
          if (hit.op !== route.op) throw new Error(`a request for ${route.op} reached ${hit.op}`);
          const back = resolveTarget('coffer.test', `/${bucket}/${encodeKeyPath(key)}`, []);
          if (back.bucket !== bucket || back.key !== key) throw new Error(`/${bucket}/${encodeKeyPath(key)} read as ${JSON.stringify(back)}`);
        }),
      ),
  },
];
