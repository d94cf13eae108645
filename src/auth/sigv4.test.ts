// SigV4 verification, checked against AWS's published examples and against the official AWS
// SDK signer (@smithy/signature-v4, configured as the S3 client configures it).

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';
import { type AuthInput, type Credential, type CredentialLookup, SigV4Verifier, authenticate } from './sigv4.js';
import { rejectsWith } from '../../test/helpers/s3-errors.js';

/** The SDK's hash interface over node:crypto. */
class NodeSha256 implements Checksum {
  readonly #secret: SourceData | undefined;
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = this.#fresh();
  }
  #fresh() {
    if (this.#secret === undefined) return createHash('sha256');
    const key = typeof this.#secret === 'string' ? this.#secret : Buffer.from(this.#secret as Uint8Array);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

const CRED: Credential = { accessKeyId: 'AKIDCOFFER0001', secretAccessKey: 'c0ffer/Secret+Key=42', userId: 'u-1' };
const TEMP: Credential = { accessKeyId: 'ASIACOFFER0002', secretAccessKey: 'temp-secret', userId: 'u-2', sessionToken: 'tok-abc' };
const AWS_EXAMPLE: Credential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  userId: 'example',
};
const lookup: CredentialLookup = async (id) => [CRED, TEMP, AWS_EXAMPLE].find((c) => c.accessKeyId === id);
const SIGNED_AT = new Date('2026-01-01T12:00:00Z');
const SOON = new Date('2026-01-01T12:01:00Z');
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// The S3 client's encoder (encodeURIComponent plus !'()*).
const escapeUri = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encodeKey = (key: string): string => key.split('/').map(escapeUri).join('/');

function sdkSigner(cred: Credential = CRED, region = 'us-east-1'): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey, sessionToken: cred.sessionToken },
    region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false, // S3 does not double-encode
  });
}

interface Req {
  method?: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
}

function httpRequest(req: Req): HttpRequest {
  return {
    method: req.method ?? 'GET',
    protocol: 'http:',
    hostname: 'localhost',
    port: 9000,
    path: req.path,
    query: req.query ?? {},
    headers: { host: 'localhost:9000', 'x-amz-content-sha256': EMPTY_SHA, ...req.headers },
  };
}

function queryString(query: HttpRequest['query'] = {}): string {
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    for (const v of Array.isArray(value) ? value : [value ?? '']) parts.push(`${escapeUri(key)}=${escapeUri(v)}`);
  }
  return parts.join('&');
}

/** What the HTTP layer would hand over for this request. */
function toInput(req: HttpRequest, now: Date, override: Partial<AuthInput> = {}): AuthInput {
  const rawHeaders = Object.entries(req.headers).flat();
  const headers: AuthInput['headers'] = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
  return { method: req.method, rawPath: req.path, rawQuery: queryString(req.query), headers, rawHeaders, now, ...override };
}

async function signed(req: Req, cred: Credential = CRED, region?: string): Promise<HttpRequest> {
  return sdkSigner(cred, region).sign(httpRequest(req), { signingDate: SIGNED_AT });
}

async function presigned(req: Req, expiresIn = 3600, cred: Credential = CRED): Promise<HttpRequest> {
  const r = httpRequest(req);
  // The S3 presigner signs UNSIGNED-PAYLOAD; it travels hoisted into the query.
  r.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return sdkSigner(cred).presign(r, { signingDate: SIGNED_AT, expiresIn });
}

const verifier = new SigV4Verifier(lookup);

/** Fills `headers` from `rawHeaders`, as node does. */
function withHeaders(input: Omit<AuthInput, 'headers'>): AuthInput {
  const headers: AuthInput['headers'] = {};
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) headers[(input.rawHeaders[i] ?? '').toLowerCase()] = input.rawHeaders[i + 1];
  return { ...input, headers };
}

describe('AWS documented examples', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (GET Object)
  test('the GET Object example with a Range header verifies', async () => {
    const result = await verifier.authenticate(
      withHeaders({
        method: 'GET',
        rawPath: '/test.txt',
        rawQuery: '',
        rawHeaders: [
          'Host',
          'examplebucket.s3.amazonaws.com',
          'Range',
          'bytes=0-9',
          'x-amz-content-sha256',
          EMPTY_SHA,
          'x-amz-date',
          '20130524T000000Z',
          'Authorization',
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
            'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
            'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
        ],
        now: new Date('2013-05-24T00:05:00Z'),
      }),
    );
    assert.equal(result.anonymous, false);
    assert.equal(result.credential?.userId, 'example');
    assert.deepEqual(result.payload, { kind: 'sha256', expectedHex: EMPTY_SHA });
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
  test('the presigned GET example verifies as UNSIGNED-PAYLOAD', async () => {
    const result = await verifier.authenticate(
      withHeaders({
        method: 'GET',
        rawPath: '/test.txt',
        rawQuery:
          'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
          '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
          '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
        rawHeaders: ['Host', 'examplebucket.s3.amazonaws.com'],
        now: new Date('2013-05-24T10:00:00Z'),
      }),
    );
    assert.equal(result.presigned, true);
    assert.equal(result.region, 'us-east-1');
    assert.deepEqual(result.payload, { kind: 'unsigned' });
  });
});

// The request of the sigv4-streaming example (its body is decoded in aws-chunked.test.ts).
const STREAMING_EXAMPLE_INPUT = withHeaders({
  method: 'PUT',
  rawPath: '/examplebucket/chunkObject.txt',
  rawQuery: '',
  rawHeaders: [
    'Host',
    's3.amazonaws.com',
    'x-amz-date',
    '20130524T000000Z',
    'x-amz-storage-class',
    'REDUCED_REDUNDANCY',
    'Authorization',
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;' +
      'content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,' +
      'Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    'x-amz-content-sha256',
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'Content-Encoding',
    'aws-chunked',
    'x-amz-decoded-content-length',
    '66560',
    'Content-Length',
    '66824',
  ],
  now: new Date('2013-05-24T00:00:00Z'),
});

describe('streaming payloads', () => {
  test('the chunked PUT example yields the seed signature and signing context', async () => {
    const result = await authenticate(STREAMING_EXAMPLE_INPUT, lookup);
    assert.equal(result.payload.kind, 'streaming-signed');
    if (result.payload.kind !== 'streaming-signed') return;
    assert.equal(result.payload.seedSignature, '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
    assert.equal(result.payload.scope, '20130524/us-east-1/s3/aws4_request');
    assert.equal(result.payload.amzDate, '20130524T000000Z');
    assert.equal(result.payload.trailer, false);
  });

  test('x-amz-content-sha256 values map to payload modes', async () => {
    for (const [value, kind] of [
      ['UNSIGNED-PAYLOAD', 'unsigned'],
      ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'streaming-unsigned-trailer'],
      ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'streaming-signed'],
      ['A'.repeat(64), 'sha256'],
    ] as const) {
      const req = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': value } });
      const result = await verifier.authenticate(toInput(req, SOON));
      assert.equal(result.payload.kind, kind, value);
      if (result.payload.kind === 'sha256') assert.equal(result.payload.expectedHex, 'a'.repeat(64));
      if (result.payload.kind === 'streaming-signed') assert.equal(result.payload.trailer, true);
    }
  });

  test('an unknown x-amz-content-sha256 is InvalidArgument and SigV4a is NotImplemented', async () => {
    const bad = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'nope' } });
    await rejectsWith(verifier.authenticate(toInput(bad, SOON)), 'InvalidArgument', /^x-amz-content-sha256 must be/);
    const v4a = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' } });
    await rejectsWith(verifier.authenticate(toInput(v4a, SOON)), 'NotImplemented');
  });

  test('a header-signed request without x-amz-content-sha256 is InvalidRequest', async () => {
    const req = await signed({ path: '/b/k' });
    const input = toInput(req, SOON);
    delete input.headers['x-amz-content-sha256'];
    await rejectsWith(verifier.authenticate(input), 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  });
});

describe('header authentication with the AWS SDK signer', () => {
  test('a signed PUT verifies and returns the credential and region', async () => {
    const req = await signed({ method: 'PUT', path: '/bucket/photos/cat.jpg', headers: { 'content-type': 'image/jpeg', 'x-amz-meta-owner': 'ann' } }, CRED, 'eu-west-3');
    const result = await verifier.authenticate(toInput(req, SOON));
    assert.equal(result.anonymous, false);
    assert.equal(result.presigned, false);
    assert.equal(result.credential?.userId, 'u-1');
    assert.equal(result.region, 'eu-west-3');
  });

  test('keys with spaces, unicode, +, %2F, ~ and reserved characters verify', async () => {
    for (const key of ['dir/my file.txt', 'ünïcødé/€ 漢字.txt', 'a+b', "x!'()*;:@&=$,?#[]", 'tilde~x', 'trailing/']) {
      const req = await signed({ path: `/bucket/${encodeKey(key)}` });
      await verifier.authenticate(toInput(req, SOON));
    }
    // A slash encoded inside a segment stays %2F in the canonical URI.
    const slash = await signed({ path: '/bucket/a%2Fb' });
    await verifier.authenticate(toInput(slash, SOON));
  });

  test('the path is decoded and re-encoded once, and + in the path means a space as in S3', async () => {
    const req = await signed({ path: '/bucket/a%20b%21' });
    for (const wire of ['/bucket/a+b!', '/bucket/a%20b%21', '/bucket/a b!']) {
      await verifier.authenticate(toInput(req, SOON, { rawPath: wire }));
    }
    const lower = await signed({ path: '/bucket/%E2%82%AC' });
    await verifier.authenticate(toInput(lower, SOON, { rawPath: '/bucket/%e2%82%ac' }));
    // S3 does not collapse '//' or '.' segments.
    const dots = await signed({ path: '/bucket/a//./b' });
    await verifier.authenticate(toInput(dots, SOON));
    await rejectsWith(verifier.authenticate(toInput(dots, SOON, { rawPath: '/bucket/a/b' })), 'SignatureDoesNotMatch');
  });

  test('repeated query keys, empty values and valueless keys verify', async () => {
    const req = await signed({ path: '/bucket', query: { tagging: '', 'list-type': '2', 'b-key': ['2', '10', ''], prefix: 'a b/ü' } });
    await verifier.authenticate(toInput(req, SOON));
    // `?tagging` on the wire is signed as `tagging=`; order on the wire does not matter.
    await verifier.authenticate(toInput(req, SOON, { rawQuery: 'tagging&prefix=a+b%2F%C3%BC&b-key=10&b-key=&b-key=2&list-type=2' }));
  });

  test('+ in the query is a space, %2B is a plus', async () => {
    const space = await signed({ path: '/b', query: { q: 'x y' } });
    await verifier.authenticate(toInput(space, SOON, { rawQuery: 'q=x+y' }));
    const plus = await signed({ path: '/b', query: { q: 'x+y' } });
    await verifier.authenticate(toInput(plus, SOON, { rawQuery: 'q=x%2By' }));
    await rejectsWith(verifier.authenticate(toInput(plus, SOON, { rawQuery: 'q=x+y' })), 'SignatureDoesNotMatch');
  });

  test('header values are trimmed and inner whitespace folded', async () => {
    const req = await signed({ path: '/b/k', headers: { 'x-amz-meta-note': 'a b c' } });
    const input = toInput(req, SOON);
    const i = input.rawHeaders.indexOf('x-amz-meta-note');
    input.rawHeaders[i + 1] = '  a   b \t c  ';
    await verifier.authenticate(input);
  });

  test('a repeated header is signed as its values joined with commas, in order', async () => {
    const req = await signed({ path: '/b/k', headers: { 'x-amz-meta-multi': 'one,two' } });
    const input = toInput(req, SOON);
    const i = input.rawHeaders.indexOf('x-amz-meta-multi');
    input.rawHeaders.splice(i, 2, 'X-Amz-Meta-Multi', 'one', 'x-amz-meta-multi', ' two');
    input.headers['x-amz-meta-multi'] = 'one, two'; // what node would merge
    await verifier.authenticate(input);
    [input.rawHeaders[i + 1], input.rawHeaders[i + 3]] = [' two', 'one'];
    await rejectsWith(verifier.authenticate(input), 'SignatureDoesNotMatch');
  });

  test('an unknown access key is InvalidAccessKeyId', async () => {
    const req = await signed({ path: '/b/k' }, { ...CRED, accessKeyId: 'AKIDNOBODY' });
    const err = await rejectsWith(verifier.authenticate(toInput(req, SOON)), 'InvalidAccessKeyId');
    assert.equal(err.fields.AWSAccessKeyId, 'AKIDNOBODY');
  });

  test('a wrong secret or a changed header is SignatureDoesNotMatch', async () => {
    const wrong = await signed({ path: '/b/k' }, { ...CRED, secretAccessKey: 'not-it' });
    await rejectsWith(verifier.authenticate(toInput(wrong, SOON)), 'SignatureDoesNotMatch');
    const req = await signed({ path: '/b/k', headers: { range: 'bytes=0-9' } });
    const input = toInput(req, SOON);
    input.rawHeaders[input.rawHeaders.indexOf('range') + 1] = 'bytes=0-99';
    await rejectsWith(verifier.authenticate(input), 'SignatureDoesNotMatch');
  });

  test('a clock skew over 15 minutes is RequestTimeTooSkewed', async () => {
    const req = await signed({ path: '/b/k' });
    await verifier.authenticate(toInput(req, new Date(SIGNED_AT.getTime() + 14 * 60_000)));
    await rejectsWith(verifier.authenticate(toInput(req, new Date(SIGNED_AT.getTime() + 16 * 60_000))), 'RequestTimeTooSkewed');
    await rejectsWith(verifier.authenticate(toInput(req, new Date(SIGNED_AT.getTime() - 16 * 60_000))), 'RequestTimeTooSkewed');
  });

  test('host and every x-amz-* header must be signed', async () => {
    const req = await signed({ path: '/b/k' });
    const input = toInput(req, SOON);
    input.rawHeaders.push('x-amz-acl', 'public-read');
    const err = await rejectsWith(verifier.authenticate(input), 'AccessDenied', 'There were headers present in the request which were not signed');
    assert.equal(err.fields.HeadersNotSigned, 'x-amz-acl');

    const noHost = await sdkSigner().sign(httpRequest({ path: '/b/k' }), { signingDate: SIGNED_AT, unsignableHeaders: new Set(['host']) });
    await rejectsWith(verifier.authenticate(toInput(noHost, SOON)), 'AccessDenied');
  });
});

describe('Authorization header parsing', () => {
  const input = (authorization: string, extra: string[] = []): AuthInput => ({
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    now: SOON,
    headers: { authorization },
    rawHeaders: ['Host', 'h', 'x-amz-date', '20260101T120000Z', 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD', ...extra],
  });
  const cred = 'Credential=AKIDCOFFER0001/20260101/us-east-1/s3/aws4_request';
  const rest = 'SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=' + '0'.repeat(64);
  const withAuth = (authorization: string): AuthInput => {
    const i = withHeaders(input(authorization));
    i.headers.authorization = authorization;
    return i;
  };

  test('SigV2 is InvalidRequest "Please use AWS4-HMAC-SHA256."', async () => {
    await rejectsWith(verifier.authenticate(withAuth('AWS AKIDCOFFER0001:c2lnbmF0dXJl')), 'InvalidRequest', 'Please use AWS4-HMAC-SHA256.');
    await rejectsWith(
      verifier.authenticate({ ...input(''), headers: {}, rawQuery: 'AWSAccessKeyId=AKIDCOFFER0001&Expires=1&Signature=abc' }),
      'InvalidRequest',
      'Please use AWS4-HMAC-SHA256.',
    );
  });

  test('malformed headers get S3 codes', async () => {
    await rejectsWith(verifier.authenticate(withAuth('Bearer abc')), 'InvalidArgument', 'Unsupported Authorization Type');
    await rejectsWith(verifier.authenticate(withAuth('AWS4-HMAC-SHA256')), 'InvalidArgument', /one and only one ' ' \(space\)/);
    await rejectsWith(verifier.authenticate(withAuth(`AWS4-HMAC-SHA256 ${cred}, SignedHeaders=host`)), 'AuthorizationHeaderMalformed', /requires three components/);
    await rejectsWith(verifier.authenticate(withAuth(`AWS4-HMAC-SHA256 ${cred}, Foo=bar, ${rest}`)), 'AuthorizationHeaderMalformed', /component "Foo=bar"/);
    await rejectsWith(
      verifier.authenticate(withAuth(`AWS4-HMAC-SHA256 Credential=AKIDCOFFER0001/20260101/us-east-1/ec2/aws4_request, ${rest}`)),
      'AuthorizationHeaderMalformed',
      /incorrect service "ec2"/,
    );
    await rejectsWith(
      verifier.authenticate(withAuth(`AWS4-HMAC-SHA256 Credential=AKIDCOFFER0001/20260102/us-east-1/s3/aws4_request, ${rest}`)),
      'AuthorizationHeaderMalformed',
      /Invalid credential date "20260102"/,
    );
    await rejectsWith(verifier.authenticate(withAuth(`AWS4-HMAC-SHA256 Credential=AKID/2026/us/s3, ${rest}`)), 'AuthorizationHeaderMalformed', /mal-formed/);
  });

  test('components may be separated with or without spaces, in any order', async () => {
    // Reaches the signature check, so parsing succeeded.
    await rejectsWith(verifier.authenticate(withAuth(`AWS4-HMAC-SHA256 ${rest.replace(', ', ',')},${cred}`)), 'SignatureDoesNotMatch');
  });

  test('a missing date is AccessDenied', async () => {
    const i = withAuth(`AWS4-HMAC-SHA256 ${cred}, ${rest}`);
    delete i.headers['x-amz-date'];
    await rejectsWith(verifier.authenticate(i), 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  });

  test('Authorization and a presigned query together are InvalidArgument', async () => {
    const i = withAuth(`AWS4-HMAC-SHA256 ${cred}, ${rest}`);
    await rejectsWith(verifier.authenticate({ ...i, rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256' }), 'InvalidArgument', /Only one auth mechanism/);
  });
});

describe('presigned URLs', () => {
  test('an SDK-presigned GET with response overrides verifies as unsigned payload', async () => {
    const req = await presigned({ path: '/bucket/my%20report.pdf', query: { 'response-content-disposition': 'attachment; filename="r (1).pdf"' } });
    const result = await verifier.authenticate(toInput(req, SOON));
    assert.equal(result.presigned, true);
    assert.equal(result.anonymous, false);
    assert.equal(result.credential?.userId, 'u-1');
    assert.deepEqual(result.payload, { kind: 'unsigned' });
  });

  test('an expired URL is AccessDenied "Request has expired"', async () => {
    const req = await presigned({ path: '/b/k' }, 60);
    const err = await rejectsWith(verifier.authenticate(toInput(req, new Date(SIGNED_AT.getTime() + 61_000))), 'AccessDenied', 'Request has expired');
    assert.equal(err.fields.Expires, '2026-01-01T12:01:00Z');
  });

  test('a URL dated in the future beyond the skew is AccessDenied "Request is not valid yet"', async () => {
    const req = await presigned({ path: '/b/k' });
    await rejectsWith(verifier.authenticate(toInput(req, new Date(SIGNED_AT.getTime() - 20 * 60_000))), 'AccessDenied', 'Request is not valid yet');
  });

  test('X-Amz-Expires over a week or not a number is AuthorizationQueryParametersError', async () => {
    const req = await presigned({ path: '/b/k' });
    const input = toInput(req, SOON);
    await rejectsWith(
      verifier.authenticate({ ...input, rawQuery: input.rawQuery.replace('X-Amz-Expires=3600', 'X-Amz-Expires=604801') }),
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
    await rejectsWith(
      verifier.authenticate({ ...input, rawQuery: input.rawQuery.replace('X-Amz-Expires=3600', 'X-Amz-Expires=soon') }),
      'AuthorizationQueryParametersError',
      'X-Amz-Expires should be a number',
    );
  });

  test('a missing parameter is AuthorizationQueryParametersError', async () => {
    const req = await presigned({ path: '/b/k' });
    const input = toInput(req, SOON);
    const rawQuery = input.rawQuery
      .split('&')
      .filter((p) => !p.startsWith('X-Amz-SignedHeaders='))
      .join('&');
    await rejectsWith(verifier.authenticate({ ...input, rawQuery }), 'AuthorizationQueryParametersError', /requires the X-Amz-Algorithm/);
  });

  test('a changed query parameter is SignatureDoesNotMatch', async () => {
    const req = await presigned({ path: '/b/k', query: { versionId: 'v1' } });
    const input = toInput(req, SOON);
    await rejectsWith(verifier.authenticate({ ...input, rawQuery: input.rawQuery.replace('versionId=v1', 'versionId=v2') }), 'SignatureDoesNotMatch');
  });
});

describe('session tokens', () => {
  test('a token on a key that has none is InvalidSecurity', async () => {
    const req = await signed({ path: '/b/k', headers: { 'x-amz-security-token': 'forged' } });
    await rejectsWith(verifier.authenticate(toInput(req, SOON)), 'InvalidSecurity');
  });

  test('a temporary key verifies with its token and fails with another or none', async () => {
    const ok = await signed({ path: '/b/k' }, TEMP);
    assert.equal((await verifier.authenticate(toInput(ok, SOON))).credential?.userId, 'u-2');
    const other = await signed({ path: '/b/k' }, { ...TEMP, sessionToken: 'tok-abd' });
    await rejectsWith(verifier.authenticate(toInput(other, SOON)), 'InvalidSecurity');
    const none = await signed({ path: '/b/k' }, { ...TEMP, sessionToken: undefined });
    await rejectsWith(verifier.authenticate(toInput(none, SOON)), 'InvalidSecurity');
  });

  test('a presigned URL carries its token in X-Amz-Security-Token', async () => {
    const req = await presigned({ path: '/b/k' }, 3600, TEMP);
    assert.ok(queryString(req.query).includes('X-Amz-Security-Token=tok-abc'));
    await verifier.authenticate(toInput(req, SOON));
  });
});

describe('anonymous requests', () => {
  test('no Authorization and no presigned query is anonymous and unsigned', async () => {
    const result = await verifier.authenticate({ method: 'GET', rawPath: '/b/k', rawQuery: 'versionId=1', headers: {}, rawHeaders: [], now: SOON });
    assert.deepEqual(result, { anonymous: true, presigned: false, payload: { kind: 'unsigned' } });
  });

  test('an anonymous body may be unsigned aws-chunked but not signed streaming', async () => {
    const anon = (value: string): AuthInput => ({
      method: 'PUT',
      rawPath: '/b/k',
      rawQuery: '',
      headers: { 'x-amz-content-sha256': value },
      rawHeaders: ['x-amz-content-sha256', value],
      now: SOON,
    });
    assert.equal((await verifier.authenticate(anon('STREAMING-UNSIGNED-PAYLOAD-TRAILER'))).payload.kind, 'streaming-unsigned-trailer');
    await rejectsWith(verifier.authenticate(anon('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')), 'InvalidRequest', /Anonymous requests/);
  });
});
