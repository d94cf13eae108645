// SigV4: the canonical request's pieces, and the verifier on header-signed and presigned requests.
// Requests signed by the reference signer (reference-sigv4.ts) must verify; the same requests
// with any one character changed anywhere (method, path, query, a header's name or value, the
// Authorization header, the signature) must be refused, unless the change leaves the signed
// request the same (a header name's case, `+` for `%20`): then the reference signer computes
// the very signature the request carries. Arbitrary requests are refused with S3 errors only.
import fc from 'fast-check';
import { canonicalHeaders, canonicalQuery, canonicalUri, foldHeaderValue, parseQueryPairs } from '../src/auth/canonical.js';
import { SigV4Verifier } from '../src/auth/sigv4.js';
import type { AuthInput, Credential } from '../src/auth/sigv4.js';
import { applyEdit, asyncValueOrRefusal, editArb, timed, tokenString } from './harness.js';
import type { AnyProperty, FuzzTarget } from './harness.js';
import { claimedSigning, referenceCanonicalHeaders, referenceCanonicalQuery, referenceCanonicalUri, referenceSignature } from './reference-sigv4.js';
import type { WireRequest } from './reference-sigv4.js';

const CREDENTIAL: Credential = { accessKeyId: 'AKIDFUZZEXAMPLE', secretAccessKey: 'fuzz/secret+key', userId: 'fuzz-user' };
const NOW = new Date('2026-01-02T03:04:05Z');
const AMZ_DATE = '20260102T030405Z';
const DAY = '20260102';
const REGION = 'us-east-1';

function verifier(): SigV4Verifier {
  return new SigV4Verifier(async (id) => (id === CREDENTIAL.accessKeyId ? CREDENTIAL : undefined));
}

/** Headers that node keeps only the first of when sent twice; the others it joins with ', '. */
const FIRST_WINS = new Set(['host', 'authorization', 'content-type', 'content-length', 'user-agent', 'referer', 'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires', 'proxy-authorization']);

/** The AuthInput node's HTTP server would hand over for this request. */
export function authInput(req: WireRequest, now = NOW): AuthInput {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    const prev = headers[name];
    if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else if (!FIRST_WINS.has(name)) headers[name] = `${prev}, ${value}`;
  }
  return { method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery, headers, rawHeaders: req.rawHeaders, now };
}

const PATH_TOKENS = ['/', 'a', 'Z', '0', '-', '.', '_', '~', '%2F', '%2f', '%20', '+', '%2B', '%', '%z', '%E2%82%AC', 'é', '€', '😀', ' ', '*', '!', "'", '(', ')', '$', ',', ';', ':', '@', '=', '&', '..', '//'];
const QUERY_TOKENS = ['a', 'B', '1', '-', '_', '.', '~', '%20', '+', '%2B', '%3D', '%26', '%', '%zz', '=', 'é', '😀', ' ', '/', '?', 'versionId', 'uploads', 'X-Amz-Signature', 'x-amz-content-sha256', 'list-type'];
const VALUE_TOKENS = ['v', 'V', '1', ' ', '  ', '\t', ',', ';', '=', '/', 'é', '"', 'abc def', '%41'];

const pathArb = fc.tuple(tokenString(['a', 'b', '1', '-', '.'], 8), fc.option(tokenString(PATH_TOKENS, 20), { nil: undefined })).map(([bucket, key]) => `/${bucket}${key === undefined ? '' : `/${key}`}`.replace(/[?#]/g, ''));
const queryArb = fc.array(fc.tuple(tokenString(QUERY_TOKENS, 6), fc.option(tokenString(QUERY_TOKENS, 8), { nil: undefined })), { maxLength: 4 });
const extraHeadersArb = fc.array(
  fc.tuple(fc.constantFrom('x-amz-meta-a', 'X-Amz-Meta-Mixed', 'content-type', 'x-amz-tagging', 'range', 'if-match', 'x-amz-meta-a', 'Content-MD5'), tokenString(VALUE_TOKENS, 6)),
  { maxLength: 4 },
);
const methodArb = fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD');
const payloadArb = fc.oneof(fc.constant('UNSIGNED-PAYLOAD'), fc.constant('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), fc.stringMatching(/^[0-9a-f]{64}$/));

function rawQueryOf(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  return pairs.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join('&');
}

function signedNames(rawHeaders: readonly string[]): string[] {
  const names = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) names.add(rawHeaders[i]!.toLowerCase());
  return [...names].sort();
}

/** A request with its Authorization header signed by the reference signer. */
const headerSignedArb = fc.record({ method: methodArb, path: pathArb, query: queryArb, extra: extraHeadersArb, payload: payloadArb }).map(({ method, path, query, extra, payload }) => {
  const rawHeaders = ['Host', 'coffer.test:9000', 'x-amz-date', AMZ_DATE, 'x-amz-content-sha256', payload, ...extra.flat()];
  const req: WireRequest = { method, rawPath: path, rawQuery: rawQueryOf(ownParameters(query)), rawHeaders };
  const signedHeaders = signedNames(rawHeaders);
  const signature = referenceSignature(req, { secret: CREDENTIAL.secretAccessKey, day: DAY, region: REGION, amzDate: AMZ_DATE, signedHeaders, payloadHash: payload, presigned: false });
  rawHeaders.push('Authorization', `AWS4-HMAC-SHA256 Credential=${CREDENTIAL.accessKeyId}/${DAY}/${REGION}/s3/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`);
  return req;
});

/** A presigned request (X-Amz-* in the query) signed by the reference signer. */
const presignedArb = fc.record({ method: methodArb, path: pathArb, query: queryArb, extra: extraHeadersArb }).map(({ method, path, query, extra }) => {
  const rawHeaders = ['host', 'coffer.test', ...extra.flat()];
  const signedHeaders = signedNames(rawHeaders);
  const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const auth = [
    `X-Amz-Algorithm=AWS4-HMAC-SHA256`,
    `X-Amz-Credential=${enc(`${CREDENTIAL.accessKeyId}/${DAY}/${REGION}/s3/aws4_request`)}`,
    `X-Amz-Date=${AMZ_DATE}`,
    `X-Amz-Expires=3600`,
    `X-Amz-SignedHeaders=${enc(signedHeaders.join(';'))}`,
  ];
  const own = rawQueryOf(ownParameters(query));
  const rawQuery = [own, ...auth].filter(Boolean).join('&');
  const req: WireRequest = { method, rawPath: path, rawQuery, rawHeaders };
  const signature = referenceSignature(req, { secret: CREDENTIAL.secretAccessKey, day: DAY, region: REGION, amzDate: AMZ_DATE, signedHeaders, payloadHash: 'UNSIGNED-PAYLOAD', presigned: true });
  return { ...req, rawQuery: `${rawQuery}&X-Amz-Signature=${signature}` };
});

/** The caller's own parameters, without any that would claim to be auth parameters themselves. */
function ownParameters(query: ReadonlyArray<readonly [string, string | undefined]>): Array<readonly [string, string | undefined]> {
  return query.filter(([n]) => !/^x-amz-/i.test(decodeURIComponentSafe(n)));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Where a one-character edit lands: the method, path, query, or a raw header's name or value. */
type Site = { kind: 'method' } | { kind: 'path' } | { kind: 'query' } | { kind: 'header'; index: number };

function sites(req: WireRequest): Site[] {
  const out: Site[] = [{ kind: 'method' }, { kind: 'path' }, { kind: 'query' }];
  for (let i = 0; i < req.rawHeaders.length; i++) out.push({ kind: 'header', index: i });
  return out;
}

function edited(req: WireRequest, site: Site, edit: (s: string) => string): WireRequest {
  switch (site.kind) {
    case 'method':
      return { ...req, method: edit(req.method) };
    case 'path':
      return { ...req, rawPath: edit(req.rawPath) };
    case 'query':
      return { ...req, rawQuery: edit(req.rawQuery) };
    case 'header': {
      const rawHeaders = [...req.rawHeaders];
      rawHeaders[site.index] = edit(rawHeaders[site.index]!);
      return { ...req, rawHeaders };
    }
  }
}

/**
 * The verifier's verdict on `req`: refused with an S3 error, anonymous, or accepted, and then the
 * reference signer must agree that the request carries its own correct signature.
 */
async function checkVerdict(v: SigV4Verifier, req: WireRequest): Promise<'refused' | 'anonymous' | 'accepted'> {
  const result = await asyncValueOrRefusal(() => v.authenticate(authInput(req)));
  if (result === undefined) return 'refused';
  if (result.anonymous) {
    // An empty Authorization header is anonymous, as in S3; a signature in it or in the query never is.
    if (claimedSigning(req, CREDENTIAL.secretAccessKey)?.signature) throw new Error('a request that carries a signature was taken as anonymous');
    return 'anonymous';
  }
  const claim = claimedSigning(req, CREDENTIAL.secretAccessKey);
  if (claim === undefined) throw new Error('accepted a request that claims no SigV4 signature');
  const expected = referenceSignature(req, claim.params);
  if (expected !== claim.signature) throw new Error(`accepted signature ${claim.signature}; the reference signer computes ${expected}`);
  return 'accepted';
}

function mutationProperty(base: fc.Arbitrary<WireRequest>): AnyProperty {
  const v = verifier();
  const arb = base.chain((req) => fc.tuple(fc.constant(req), fc.constantFrom(...sites(req)), fc.array(editArb, { minLength: 1, maxLength: 2 })));
  return fc.asyncProperty(arb, async ([req, site, edits]) => {
    if ((await checkVerdict(v, req)) !== 'accepted') throw new Error('a request signed by the reference signer was not accepted');
    const mutated = edited(req, site, (s) => edits.reduce(applyEdit, s));
    const verdict = await checkVerdict(v, mutated);
    // A changed signature is never accepted (checkVerdict already holds it to the reference).
    const sig = (r: WireRequest): string | undefined => claimedSigning(r, CREDENTIAL.secretAccessKey)?.signature;
    if (verdict === 'accepted' && sig(mutated) !== sig(req)) throw new Error('accepted a changed signature');
  });
}

const AUTH_TOKENS = [
  'AWS4-HMAC-SHA256 ',
  'AWS4-ECDSA-P256-SHA256 ',
  'AWS ',
  'Credential=',
  'SignedHeaders=',
  'Signature=',
  `${CREDENTIAL.accessKeyId}/${DAY}/${REGION}/s3/aws4_request`,
  '/',
  ',',
  ', ',
  ';',
  'host',
  'x-amz-date',
  '0123456789abcdef'.repeat(4),
  '=',
  ' ',
];
const HEADER_NAMES = ['authorization', 'Authorization', 'x-amz-date', 'date', 'x-amz-content-sha256', 'x-amz-security-token', 'host', 'x-amz-meta-x', 'x-amz-decoded-content-length'];
const HEADER_VALUES = [AMZ_DATE, 'Fri, 02 Jan 2026 03:04:05 GMT', 'UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'e3b0c442'.repeat(8), '', ' '];
const PRESIGN_TOKENS = ['X-Amz-Algorithm=', 'X-Amz-Credential=', 'X-Amz-Signature=', 'X-Amz-Date=', 'X-Amz-SignedHeaders=', 'X-Amz-Expires=', 'X-Amz-Security-Token=', 'AWSAccessKeyId=', 'Signature=', 'AWS4-HMAC-SHA256', AMZ_DATE, '604801', '-1', 'host', '&', '%2F'];

const arbitraryRequestArb: fc.Arbitrary<WireRequest> = fc.record({
  method: fc.oneof(methodArb, fc.string({ maxLength: 8 })),
  rawPath: fc.oneof(pathArb, fc.string({ unit: 'binary', maxLength: 30 })),
  rawQuery: fc.oneof(tokenString(PRESIGN_TOKENS, 20), tokenString(QUERY_TOKENS, 12)),
  rawHeaders: fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ maxLength: 12 })), fc.oneof(tokenString(AUTH_TOKENS, 12), fc.constantFrom(...HEADER_VALUES), fc.string({ unit: 'binary', maxLength: 20 }))), { maxLength: 6 })
    .map((pairs) => pairs.flat()),
});

export const SIGV4_TARGETS: FuzzTarget[] = [
  {
    name: 'sigv4-canonical',
    about: 'canonical URI, query and headers of any input equal the reference rules, and never throw',
    property: () =>
      fc.property(
        fc.oneof(pathArb, fc.string({ unit: 'binary', maxLength: 40 })),
        fc.oneof(tokenString(QUERY_TOKENS, 16), fc.string({ unit: 'binary', maxLength: 40 })),
        fc.array(fc.tuple(fc.constantFrom('a', 'A', 'x-amz-date', 'b'), tokenString(VALUE_TOKENS, 8)), { maxLength: 5 }),
        fc.boolean(),
        timed((path: string, query: string, headers: Array<[string, string]>, presigned: boolean) => {
          const uri = canonicalUri(path);
          if (uri !== referenceCanonicalUri(path)) throw new Error(`canonical URI ${uri} differs from the reference ${referenceCanonicalUri(path)}`);
          const q = canonicalQuery(query, presigned);
          if (q !== referenceCanonicalQuery(query, presigned)) throw new Error(`canonical query ${q} differs from the reference ${referenceCanonicalQuery(query, presigned)}`);
          const raw = headers.flat();
          const names = [...new Set(headers.map(([n]) => n.toLowerCase()))].sort();
          const h = canonicalHeaders(names, raw, {});
          if (h !== referenceCanonicalHeaders(raw, names)) throw new Error(`canonical headers ${JSON.stringify(h)} differ from the reference`);
          parseQueryPairs(query);
          for (const [, value] of headers) foldHeaderValue(value);
        }),
      ),
  },
  {
    name: 'sigv4-header-mutation',
    about: 'header-signed requests verify; one or two characters changed anywhere are refused unless the signed request is unchanged',
    property: () => mutationProperty(headerSignedArb),
  },
  {
    name: 'sigv4-query-mutation',
    about: 'presigned requests verify; one or two characters changed anywhere are refused unless the signed request is unchanged',
    property: () => mutationProperty(presignedArb),
  },
  {
    name: 'sigv4-arbitrary',
    about: 'arbitrary methods, paths, queries and headers (Authorization and X-Amz-* built from their grammar) get an S3 error or are anonymous',
    property: () => {
      const v = verifier();
      return fc.asyncProperty(arbitraryRequestArb, async (req) => {
        await checkVerdict(v, req);
      });
    },
  },
];
