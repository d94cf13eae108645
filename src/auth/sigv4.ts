// Verifies AWS Signature Version 4 on an S3 request: the Authorization header or a presigned
// query, and decides how the body is to be checked (PayloadMode).
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html

import { MESSAGES, S3Error } from '../errors.js';
import {
  ALGORITHM,
  SERVICE,
  SigningKeyCache,
  TERMINATOR,
  UNSIGNED_PAYLOAD,
  canonicalHeaders,
  canonicalQuery,
  canonicalUri,
  hmac,
  parseQueryPairs,
  safeEqual,
  safeEqualSecret,
  sha256Hex,
  toBytes,
} from './canonical.js';
import {
  type ContentSha256,
  type CredentialScope,
  checkQueryAlgorithm,
  formatAmzDate,
  formatIsoSeconds,
  parseAmzDate,
  parseAuthorizationHeader,
  parseContentSha256,
  parseCredential,
  parseExpires,
  parseSignedHeaders,
  queryError,
} from './parse.js';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  userId: string;
  sessionToken?: string;
}
export type CredentialLookup = (accessKeyId: string) => Promise<Credential | undefined>;

export interface AuthInput {
  method: string;
  /** Path exactly as on the request line, before '?', still percent-encoded. */
  rawPath: string;
  /** Everything after the first '?', '' if none, still encoded. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  now: Date;
  /** The bucket named by the Host header (virtual-hosted style): SigV2 signs it as part of the resource. */
  hostBucket?: string;
}

export type PayloadMode =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; expectedHex: string }
  | { kind: 'streaming-signed'; trailer: boolean; signingKey: Buffer; seedSignature: string; amzDate: string; scope: string }
  | { kind: 'streaming-unsigned-trailer' };

export interface AuthResult {
  anonymous: boolean;
  credential?: Credential;
  payload: PayloadMode;
  presigned: boolean;
  region?: string;
}

/** Turns a request's credentials into an AuthResult, or throws the S3 error that refuses them. */
export interface RequestVerifier {
  authenticate(input: AuthInput): Promise<AuthResult>;
}

/** S3 rejects header-signed requests more than 15 minutes from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const NON_ASCII = /[^\x00-\x7f]/;

export const DATE_REQUIRED = 'AWS authentication requires a valid Date or x-amz-date header';

/** What the two ways of signing share once their parameters are parsed. */
interface SignedRequest {
  scope: CredentialScope;
  signedHeaders: readonly string[];
  signature: string;
  amzDate: string;
  /** The value hashed as the canonical request's last line. */
  payloadHash: string;
  content: ContentSha256;
  sessionToken: string | undefined;
  presigned: boolean;
}

/** A request signed both in the Authorization header and in the query. */
export function onlyOneAuthMechanism(): S3Error {
  return new S3Error('InvalidArgument', {
    message: 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' + 'parameter or the Authorization header should be specified',
    fields: { ArgumentName: 'Authorization' },
  });
}

function header(headers: AuthInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Holds the signing-key cache (a key serves a client for a whole day), so construct one per
 * server, not per request.
 */
export class SigV4Verifier implements RequestVerifier {
  readonly #lookup: CredentialLookup;
  readonly #keys: SigningKeyCache;

  constructor(lookup: CredentialLookup, options: { signingKeyCacheSize?: number } = {}) {
    this.#lookup = lookup;
    this.#keys = new SigningKeyCache(options.signingKeyCacheSize);
  }

  async authenticate(input: AuthInput): Promise<AuthResult> {
    // An empty Authorization header signs nothing: the request is anonymous, as in S3.
    const authorization = header(input.headers, 'authorization')?.trim() || undefined;
    const query = new Map<string, string>();
    if (input.rawQuery !== '') {
      for (const [name, value] of parseQueryPairs(input.rawQuery)) if (!query.has(name)) query.set(name, value);
    }
    const presigned = query.size > 0 && (query.has('X-Amz-Algorithm') || query.has('X-Amz-Credential') || query.has('X-Amz-Signature'));

    if (authorization !== undefined && presigned) throw onlyOneAuthMechanism();
    if (authorization !== undefined) return this.#verify(input, fromHeader(input, authorization));
    if (presigned) return this.#verify(input, fromQuery(input, query));
    if (query.has('AWSAccessKeyId') && query.has('Signature')) {
      throw new S3Error('InvalidRequest', { message: MESSAGES.useSigV4 });
    }
    return { anonymous: true, presigned: false, payload: anonymousPayload(input) };
  }

  async #verify(input: AuthInput, req: SignedRequest): Promise<AuthResult> {
    requireSigned(input.rawHeaders, req.signedHeaders);

    // S3's order: unknown key, then signature.
    const credential = await this.#lookup(req.scope.accessKeyId);
    if (credential === undefined) {
      throw new S3Error('InvalidAccessKeyId', { fields: { AWSAccessKeyId: req.scope.accessKeyId } });
    }

    const signingKey = this.#keys.get(credential.secretAccessKey, req.scope.date, req.scope.region);
    const scope = `${req.scope.date}/${req.scope.region}/${SERVICE}/${TERMINATOR}`;
    const canonicalRequest = [
      input.method,
      canonicalUri(input.rawPath),
      canonicalQuery(input.rawQuery, req.presigned),
      canonicalHeaders(req.signedHeaders, input.rawHeaders, input.headers),
      req.signedHeaders.join(';'),
      req.payloadHash,
    ].join('\n');
    // An ASCII canonical request (nearly all are) hashes as the string itself.
    const stringToSign = [ALGORITHM, req.amzDate, scope, sha256Hex(NON_ASCII.test(canonicalRequest) ? toBytes(canonicalRequest) : canonicalRequest)].join('\n');
    const expected = hmac(signingKey, stringToSign).toString('hex');
    if (!safeEqual(expected, req.signature)) {
      // S3 also returns SignatureProvided and the *Bytes dumps. Secrets stay out of the body (and
      // so out of the error log): the signature always, the canonical request when it holds a
      // session token.
      const fields: Record<string, string> = { AWSAccessKeyId: req.scope.accessKeyId, StringToSign: stringToSign };
      if (req.sessionToken === undefined) fields.CanonicalRequest = canonicalRequest;
      throw new S3Error('SignatureDoesNotMatch', { fields });
    }

    checkSessionToken(credential, req.sessionToken);

    return {
      anonymous: false,
      credential,
      presigned: req.presigned,
      region: req.scope.region,
      payload:
        req.content.kind === 'streaming-signed'
          ? { kind: 'streaming-signed', trailer: req.content.trailer, signingKey, seedSignature: expected, amzDate: req.amzDate, scope }
          : req.content,
    };
  }
}

/** A token Coffer did not issue for this key, or a temporary key used without its token, is InvalidSecurity. */
export function checkSessionToken(credential: Credential, token: string | undefined): void {
  if (token !== undefined || credential.sessionToken !== undefined) {
    if (token === undefined || credential.sessionToken === undefined || !safeEqualSecret(token, credential.sessionToken)) {
      throw new S3Error('InvalidSecurity');
    }
  }
}

/** One-shot form of SigV4Verifier.authenticate, without a signing-key cache across calls. */
export async function authenticate(input: AuthInput, lookup: CredentialLookup): Promise<AuthResult> {
  return new SigV4Verifier(lookup, { signingKeyCacheSize: 1 }).authenticate(input);
}

function fromHeader(input: AuthInput, authorization: string): SignedRequest {
  const auth = parseAuthorizationHeader(authorization);

  // S3 requires the payload hash on every header-signed request.
  const payloadHash = header(input.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw new S3Error('InvalidRequest', { message: 'Missing required header for this request: x-amz-content-sha256' });
  }
  const content = parseContentSha256(payloadHash);

  // x-amz-date wins over Date; with only Date, the string to sign carries its ISO 8601 form.
  const amzDateHeader = header(input.headers, 'x-amz-date');
  const dateHeader = header(input.headers, 'date');
  let signedAt: Date | undefined;
  if (amzDateHeader !== undefined) signedAt = parseAmzDate(amzDateHeader);
  else if (dateHeader !== undefined && /[a-z]/i.test(dateHeader)) {
    const ms = Date.parse(dateHeader);
    signedAt = Number.isNaN(ms) ? undefined : new Date(ms);
  }
  if (signedAt === undefined) throw new S3Error('AccessDenied', { message: DATE_REQUIRED });
  const amzDate = amzDateHeader ?? formatAmzDate(signedAt);

  if (auth.credential.date !== amzDate.slice(0, 8)) {
    throw new S3Error('AuthorizationHeaderMalformed', {
      message: `The authorization header is malformed; Invalid credential date "${auth.credential.date}". ` + `This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    });
  }
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', {
      fields: {
        RequestTime: amzDateHeader ?? dateHeader ?? '',
        ServerTime: formatIsoSeconds(input.now),
        MaxAllowedSkewMilliseconds: MAX_CLOCK_SKEW_MS,
      },
    });
  }

  return {
    scope: auth.credential,
    signedHeaders: auth.signedHeaders,
    signature: auth.signature,
    amzDate,
    payloadHash,
    content,
    sessionToken: header(input.headers, 'x-amz-security-token'),
    presigned: false,
  };
}

const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const;

function fromQuery(input: AuthInput, query: Map<string, string>): SignedRequest {
  const p: Partial<Record<(typeof PRESIGN_PARAMS)[number], string>> = {};
  for (const name of PRESIGN_PARAMS) {
    const value = query.get(name);
    if (value === undefined) {
      throw queryError(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
          'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    p[name] = value;
  }
  checkQueryAlgorithm(p['X-Amz-Algorithm'] ?? '');
  const scope = parseCredential(p['X-Amz-Credential'] ?? '', 'query');
  const amzDate = p['X-Amz-Date'] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    throw queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  const expiresSeconds = parseExpires(p['X-Amz-Expires'] ?? '');
  if (scope.date !== amzDate.slice(0, 8)) {
    throw queryError(`Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }

  const now = input.now.getTime();
  if (signedAt.getTime() - now > MAX_CLOCK_SKEW_MS) {
    throw new S3Error('AccessDenied', { message: 'Request is not valid yet' });
  }
  const expiresAt = new Date(signedAt.getTime() + expiresSeconds * 1000);
  if (now > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', {
      message: 'Request has expired',
      fields: {
        'X-Amz-Expires': expiresSeconds,
        Expires: formatIsoSeconds(expiresAt),
        ServerTime: formatIsoSeconds(input.now),
      },
    });
  }

  // A presigned URL cannot know its body, so it signs UNSIGNED-PAYLOAD unless the client said
  // otherwise in a (then signed) header or in the query. The SDK hoists the header into the
  // query under its lowercase name, so the query name is matched case-insensitively.
  let hoisted: string | undefined;
  for (const [name, value] of query) if (name.toLowerCase() === 'x-amz-content-sha256') hoisted ??= value;
  const payloadHash = header(input.headers, 'x-amz-content-sha256') ?? hoisted ?? UNSIGNED_PAYLOAD;
  return {
    scope,
    signedHeaders: parseSignedHeaders(p['X-Amz-SignedHeaders'] ?? ''),
    signature: p['X-Amz-Signature'] ?? '',
    amzDate,
    payloadHash,
    content: parseContentSha256(payloadHash),
    sessionToken: query.get('X-Amz-Security-Token') ?? header(input.headers, 'x-amz-security-token'),
    presigned: true,
  };
}

/**
 * Host and every x-amz-* header sent must be signed, or an unsigned x-amz-acl, x-amz-copy-source
 * or x-amz-security-token could be added to a signed request. S3 answers AccessDenied with the
 * names in HeadersNotSigned.
 */
function requireSigned(rawHeaders: readonly string[], signedHeaders: readonly string[]): void {
  // A handful of names each side: scanning the list beats building sets on every request.
  let missing: Set<string> | undefined;
  if (!signedHeaders.includes('host')) (missing ??= new Set()).add('host');
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] ?? '';
    if (raw.length < 6 || (raw.charCodeAt(0) | 0x20) !== 0x78) continue;
    const name = raw.toLowerCase();
    if (name.startsWith('x-amz-') && !signedHeaders.includes(name)) (missing ??= new Set()).add(name);
  }
  if (missing !== undefined) {
    throw new S3Error('AccessDenied', {
      message: 'There were headers present in the request which were not signed',
      fields: { HeadersNotSigned: [...missing].join(', ') },
    });
  }
}

/**
 * An anonymous request may still declare its body: a sha256 to check, or the unsigned
 * aws-chunked encoding. Signed streaming needs a signature to chain from, so S3 refuses it.
 */
function anonymousPayload(input: AuthInput): PayloadMode {
  const value = header(input.headers, 'x-amz-content-sha256');
  if (value === undefined) return { kind: 'unsigned' };
  const content = parseContentSha256(value);
  if (content.kind === 'streaming-signed') {
    throw new S3Error('InvalidRequest', {
      message: "Anonymous requests don't support this x-amz-content-sha256 value. " + 'Please use UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER.',
    });
  }
  return content;
}
