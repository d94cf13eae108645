// Verifies AWS Signature Version 2, for the legacy clients that still sign with it (boto3 and
// aws-cli v1 presigned URLs for a custom endpoint, `s3cmd signurl`, s3cmd with signature_v2),
// when COFFER_SIGV2=on. The result is the same AuthResult SigV4 produces, so nothing after
// authentication knows which version signed a request.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html

import { createHmac } from 'node:crypto';
import { MESSAGES, S3Error } from '../errors.js';
import { parseQueryPairs, safeEqual, toBytes } from './canonical.js';
import { formatIsoSeconds, parseAmzDate, parseContentSha256 } from './parse.js';
import {
  type AuthInput,
  type AuthResult,
  type CredentialLookup,
  DATE_REQUIRED,
  MAX_CLOCK_SKEW_MS,
  type PayloadMode,
  type RequestVerifier,
  checkSessionToken,
  onlyOneAuthMechanism,
} from './sigv4.js';
import { amzQueryParameters, canonicalizedAmzHeaders, canonicalizedResource, stringToSignV2 } from './sigv2-canonical.js';

export type SigV2Form = 'header' | 'query';

/** What the header and the query forms share once their parameters are parsed. */
interface SignedRequestV2 {
  accessKeyId: string;
  signature: string;
  /** The StringToSign's Date line. */
  date: string;
  /** x-amz-* parameters of a presigned URL, signed as headers. */
  amzQuery: Array<[string, string]>;
  sessionToken: string | undefined;
  payload: PayloadMode;
  presigned: boolean;
}

function header(headers: AuthInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `AWS AKID:signature`, the header form. S3 answers anything else after `AWS ` with InvalidArgument. */
export function parseAuthorizationV2(value: string): { accessKeyId: string; signature: string } {
  const m = /^AWS +([^\s:]+):(\S+)$/.exec(value);
  if (m === null) {
    // The value is left out of the body: it carries a signature, and error bodies are logged.
    throw new S3Error('InvalidArgument', {
      message: 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature',
      fields: { ArgumentName: 'Authorization' },
    });
  }
  return { accessKeyId: m[1]!, signature: m[2]! };
}

const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

/**
 * A Date or x-amz-date in one of the RFC 2616 forms S3 takes (RFC 1123 `Tue, 27 Mar 2007 19:36:42
 * +0000`, RFC 850, asctime), or the ISO 8601 basic form SigV4 uses (more lenient than S3's SigV2).
 * A time before 1970 is no valid date: S3 answers it with AccessDenied, not a clock skew.
 */
export function parseHttpDate(value: string): Date | undefined {
  const iso = parseAmzDate(value);
  if (iso !== undefined) return iso;
  // Date.parse also reads bare numbers and ISO dates, which are not HTTP dates.
  if (!/[a-z]/i.test(value)) return undefined;
  // asctime has no zone, and HTTP dates are GMT: Date.parse would read it as local time.
  const ms = Date.parse(ASCTIME.test(value) ? `${value} GMT` : value);
  return Number.isNaN(ms) || ms < 0 ? undefined : new Date(ms);
}

/**
 * SigV2 has no payload hash: the body is checked by its Content-MD5 and x-amz-checksum-* only, or
 * by an x-amz-content-sha256 digest when the client sends (and so signs) one. aws-chunked bodies
 * are framed with SigV4 chunk signatures or trailers, so they need SigV4.
 */
function payloadV2(input: AuthInput): PayloadMode {
  const value = header(input.headers, 'x-amz-content-sha256');
  if (value === undefined) return { kind: 'unsigned' };
  if (value.startsWith('STREAMING-')) throw new S3Error('InvalidRequest', { message: MESSAGES.useSigV4 });
  const content = parseContentSha256(value);
  if (content.kind === 'streaming-signed' || content.kind === 'streaming-unsigned-trailer') {
    throw new S3Error('InvalidRequest', { message: MESSAGES.useSigV4 });
  }
  return content;
}

function fromHeader(input: AuthInput, authorization: string): SignedRequestV2 {
  const { accessKeyId, signature } = parseAuthorizationV2(authorization);
  const payload = payloadV2(input);

  // x-amz-date, for clients that cannot set Date, wins over Date; the Date line is then empty
  // and x-amz-date is signed among the x-amz-* headers.
  const amzDate = header(input.headers, 'x-amz-date');
  const date = header(input.headers, 'date');
  const sent = amzDate ?? date;
  const signedAt = sent === undefined ? undefined : parseHttpDate(sent);
  if (signedAt === undefined) throw new S3Error('AccessDenied', { message: DATE_REQUIRED });
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', {
      fields: { RequestTime: sent ?? '', ServerTime: formatIsoSeconds(input.now), MaxAllowedSkewMilliseconds: MAX_CLOCK_SKEW_MS },
    });
  }
  return {
    accessKeyId,
    signature,
    date: amzDate !== undefined ? '' : (date ?? ''),
    amzQuery: [],
    sessionToken: header(input.headers, 'x-amz-security-token'),
    payload,
    presigned: false,
  };
}

const QUERY_PARAMS_REQUIRED = 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters';

/**
 * `?AWSAccessKeyId=AK&Expires=<epoch seconds>&Signature=<base64>`. Expires takes the Date's place
 * in the StringToSign; there is no clock-skew check, and no limit on how far ahead it may be.
 */
function fromQuery(input: AuthInput): SignedRequestV2 {
  const params = new Map<string, string>();
  for (const [name, value] of parseQueryPairs(input.rawQuery)) if (!params.has(name)) params.set(name, value);
  const accessKeyId = params.get('AWSAccessKeyId');
  const signature = params.get('Signature');
  const expires = params.get('Expires');
  if (!accessKeyId || !signature || expires === undefined) throw new S3Error('AccessDenied', { message: QUERY_PARAMS_REQUIRED });
  if (!/^\d+$/.test(expires)) {
    throw new S3Error('AccessDenied', { message: `Invalid date (should be seconds since epoch): ${expires}` });
  }
  const expiresAt = new Date(Number(expires) * 1000);
  if (input.now.getTime() > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', {
      message: 'Request has expired',
      fields: { Expires: formatIsoSeconds(expiresAt), ServerTime: formatIsoSeconds(input.now) },
    });
  }
  const amzQuery = amzQueryParameters(input.rawQuery);
  return {
    accessKeyId,
    // Base64 has no spaces: a '+' the client left unencoded was read as one (more lenient than S3).
    signature: signature.replaceAll(' ', '+'),
    date: expires,
    amzQuery,
    sessionToken: amzQuery.find(([name]) => name === 'x-amz-security-token')?.[1] ?? header(input.headers, 'x-amz-security-token'),
    payload: payloadV2(input),
    presigned: true,
  };
}

export class SigV2Verifier {
  readonly #lookup: CredentialLookup;

  constructor(lookup: CredentialLookup) {
    this.#lookup = lookup;
  }

  async authenticate(input: AuthInput, form: SigV2Form): Promise<AuthResult> {
    const req = form === 'header' ? fromHeader(input, header(input.headers, 'authorization')?.trim() ?? '') : fromQuery(input);

    // S3's order: unknown key, then signature.
    const credential = await this.#lookup(req.accessKeyId);
    if (credential === undefined) throw new S3Error('InvalidAccessKeyId', { fields: { AWSAccessKeyId: req.accessKeyId } });

    const signed = (resource: string): { bytes: Buffer; matches: boolean } => {
      const stringToSign = stringToSignV2({
        method: input.method,
        contentMd5: header(input.headers, 'content-md5') ?? '',
        contentType: header(input.headers, 'content-type') ?? '',
        date: req.date,
        amzHeaders: canonicalizedAmzHeaders(input.rawHeaders, req.amzQuery),
        resource,
      });
      // Signature = Base64(HMAC-SHA1(secret, UTF-8 bytes of StringToSign)): the bytes as received.
      const bytes = toBytes(stringToSign);
      const expected = createHmac('sha1', Buffer.from(credential.secretAccessKey, 'utf8')).update(bytes).digest('base64');
      return { bytes, matches: safeEqual(expected, req.signature) };
    };
    const resource = canonicalizedResource(input.rawPath, input.rawQuery, input.hostBucket);
    let { bytes, matches } = signed(resource);
    // botocore's HmacV1 signs a path-style request to a bucket with the bucket's virtual-hosted
    // resource, /bucket/, while it sends /bucket (boto3 with signature_version='s3': CreateBucket,
    // PutBucketCors…); both name the same bucket, so both are taken (more lenient than S3).
    if (!matches && input.hostBucket === undefined && /^\/[^/]+$/.test(input.rawPath)) {
      const slashed = signed(resource.replace(/^(\/[^/?]+)/, '$1/'));
      if (slashed.matches) ({ bytes, matches } = slashed);
    }
    if (!matches) {
      // As on the SigV4 path: the signature stays out of the body (and so out of the error log),
      // and so does the StringToSign when it holds a session token among its x-amz-* headers.
      const fields: Record<string, string> = { AWSAccessKeyId: req.accessKeyId };
      if (req.sessionToken === undefined) fields.StringToSign = bytes.toString('utf8');
      throw new S3Error('SignatureDoesNotMatch', { fields });
    }
    checkSessionToken(credential, req.sessionToken);
    return { anonymous: false, credential, presigned: req.presigned, payload: req.payload };
  }
}

const V4_QUERY_PARAMS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature']);

/**
 * Whether a request is signed with SigV2, and how: `Authorization: AWS …`, or AWSAccessKeyId /
 * Signature in the query. Anything else (SigV4, anonymous) is for the SigV4 verifier.
 */
export function sigV2Form(input: AuthInput): SigV2Form | undefined {
  const authorization = header(input.headers, 'authorization')?.trim() || undefined;
  let v2Query = false;
  let v4Query = false;
  if (input.rawQuery !== '') {
    for (const [name] of parseQueryPairs(input.rawQuery)) {
      if (name === 'AWSAccessKeyId' || name === 'Signature') v2Query = true;
      else if (V4_QUERY_PARAMS.has(name)) v4Query = true;
    }
  }
  if (authorization !== undefined) {
    if (authorization !== 'AWS' && !authorization.startsWith('AWS ')) return undefined;
    if (v2Query || v4Query) throw onlyOneAuthMechanism();
    return 'header';
  }
  return v2Query && !v4Query ? 'query' : undefined;
}

/** SigV2 requests verified by `v2`, all others by `v4` (which refuses SigV2 with InvalidRequest). */
export function withSigV2(v4: RequestVerifier, v2: SigV2Verifier): RequestVerifier {
  return {
    async authenticate(input: AuthInput): Promise<AuthResult> {
      const form = sigV2Form(input);
      return form === undefined ? v4.authenticate(input) : v2.authenticate(input, form);
    },
  };
}
