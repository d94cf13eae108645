// Parsers for the SigV4 inputs: the Authorization header, X-Amz-Credential, dates and
// x-amz-content-sha256. Error codes and messages are S3's (as mirrored by versitygw's s3err).
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html

import { MESSAGES, S3Error } from '../errors.js';
import { ALGORITHM, SERVICE, TERMINATOR } from './canonical.js';
import { recentlyComputed } from '../memo.js';

export interface CredentialScope {
  accessKeyId: string;
  /** yyyyMMdd */
  date: string;
  region: string;
}

export interface AuthorizationV4 {
  credential: CredentialScope;
  /** Lowercase names, in the order the client listed them. */
  signedHeaders: readonly string[];
  signature: string;
}

/** The x-amz-content-sha256 value, before any key is known. */
export type ContentSha256 =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; expectedHex: string }
  | { kind: 'streaming-signed'; trailer: boolean }
  | { kind: 'streaming-unsigned-trailer' };

const ECDSA_ALGORITHM = 'AWS4-ECDSA-P256-SHA256';

function malformedHeader(detail: string): S3Error {
  return new S3Error('AuthorizationHeaderMalformed', { message: `The authorization header is malformed; ${detail}` });
}

export function queryError(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', { message });
}

function notImplementedSigV4a(): S3Error {
  // SigV4a (asymmetric, multi-region) is not supported: more lenient messages would hide it.
  return new S3Error('NotImplemented', { message: 'AWS4-ECDSA-P256-SHA256 (SigV4a) signing is not implemented.' });
}

const AUTH_COMPONENTS = ['Credential', 'SignedHeaders', 'Signature'];

/**
 * `AWS4-HMAC-SHA256 Credential=AK/yyyyMMdd/region/s3/aws4_request, SignedHeaders=a;b, Signature=hex`.
 * Spaces around the commas and '=' are tolerated, and the components may come in any order
 * (more lenient than S3, which wants this order).
 */
export function parseAuthorizationHeader(value: string): AuthorizationV4 {
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme === 'AWS') throw new S3Error('InvalidRequest', { message: MESSAGES.useSigV4 });
  if (space <= 0) {
    throw new S3Error('InvalidArgument', {
      message: "Authorization header is invalid -- one and only one ' ' (space) required.",
      fields: { ArgumentName: 'Authorization' },
    });
  }
  if (scheme === ECDSA_ALGORITHM) throw notImplementedSigV4a();
  if (scheme !== ALGORITHM) {
    throw new S3Error('InvalidArgument', {
      message: 'Unsupported Authorization Type',
      fields: { ArgumentName: 'Authorization' },
    });
  }

  const components = new Map<string, string>();
  for (const raw of value.slice(space + 1).split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? '' : part.slice(0, eq).trim();
    if (!AUTH_COMPONENTS.includes(name) || components.has(name)) {
      throw malformedHeader(`the authorization component "${part}" is malformed.`);
    }
    components.set(name, part.slice(eq + 1).trim());
  }
  const credential = components.get('Credential');
  const signedHeaders = components.get('SignedHeaders');
  const signature = components.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformedHeader('the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  return {
    credential: parseCredential(credential, 'header'),
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
  };
}

/** `AK/yyyyMMdd/region/s3/aws4_request`. Any region is accepted (Coffer is one region). */
export function parseCredential(value: string, from: 'header' | 'query'): CredentialScope {
  const fail = (detail: string): S3Error => (from === 'header' ? malformedHeader(detail) : queryError(`Error parsing the X-Amz-Credential parameter; ${detail}`));
  const parts = value.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || accessKeyId === undefined || accessKeyId === '' || date === undefined || region === undefined || service === undefined || terminator === undefined) {
    throw fail('the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  if (service !== SERVICE) throw fail(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminator !== TERMINATOR) throw fail(`incorrect terminal "${terminator}". This endpoint uses "aws4_request".`);
  if (parseAmzDate(`${date}T000000Z`) === undefined) {
    throw fail(`incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`);
  }
  return { accessKeyId, date, region };
}

/** A client signs the same header list request after request; the lists are shared, so frozen. */
export const parseSignedHeaders = recentlyComputed(256, (value: string): readonly string[] =>
  Object.freeze(
    value
      .split(';')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
  ),
);

/** A client sends the same x-amz-date for a whole second. */
const amzDateTime = recentlyComputed(64, (value: string) => parseAmzDateOnce(value)?.getTime());

/** ISO 8601 basic, `yyyyMMddTHHmmssZ`, the only form x-amz-date and X-Amz-Date take. */
export function parseAmzDate(value: string): Date | undefined {
  const time = amzDateTime(value);
  return time === undefined ? undefined : new Date(time);
}

function parseAmzDateOnce(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20130231 over to March; a real calendar date round-trips.
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return date;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** ISO 8601 without milliseconds, as S3 writes ServerTime and Expires in error bodies. */
export function formatIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The accepted x-amz-content-sha256 values.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html
 */
export function parseContentSha256(value: string): ContentSha256 {
  switch (value) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'streaming-signed', trailer: false };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'streaming-signed', trailer: true };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'streaming-unsigned-trailer' };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw notImplementedSigV4a();
  }
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { kind: 'sha256', expectedHex: value.toLowerCase() };
  throw new S3Error('InvalidArgument', {
    message:
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, ' +
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, ' +
      'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER ' +
      'or a valid sha256 value.',
    fields: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value },
  });
}

/** The presigned X-Amz-Algorithm check. */
export function checkQueryAlgorithm(value: string): void {
  if (value === ECDSA_ALGORITHM) throw notImplementedSigV4a();
  if (value !== ALGORITHM) throw queryError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
}

export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

/** X-Amz-Expires: whole seconds, 0 to one week. */
export function parseExpires(value: string): number {
  if (/^-\d+$/.test(value)) throw queryError('X-Amz-Expires must be non-negative');
  if (!/^\d+$/.test(value)) throw queryError('X-Amz-Expires should be a number');
  const seconds = Number(value);
  if (seconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw queryError('X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds');
  }
  return seconds;
}
