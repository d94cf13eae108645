// The x-amz-server-side-encryption* request headers, parsed into what the engine takes, and the
// response headers S3 sends for an object's encryption. Pure; throws S3Error on bad input.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MESSAGES, S3Error } from '../errors.js';
import { headerOf } from '../http/context.js';
import type { SseCustomerKey, SseRequest } from '../engine/encryption.js';
import type { ObjectEncryption } from '../engine/records.js';

const SSE = 'x-amz-server-side-encryption';
const KMS_KEY_ID = 'x-amz-server-side-encryption-aws-kms-key-id';
const KMS_CONTEXT = 'x-amz-server-side-encryption-context';
const BUCKET_KEY = 'x-amz-server-side-encryption-bucket-key-enabled';

/** The three SSE-C headers: the request's object's (prefix ''), or a copy's source's (prefix 'x-amz-copy-source-'). */
function customerHeaders(prefix: string): { algorithm: string; key: string; md5: string } {
  const base = `${prefix === '' ? 'x-amz-' : prefix}server-side-encryption-customer-`;
  return { algorithm: `${base}algorithm`, key: `${base}key`, md5: `${base}key-md5` };
}

function invalid(message: string, name: string, value?: string): S3Error {
  return new S3Error('InvalidArgument', { message, fields: value === undefined ? { ArgumentName: name } : { ArgumentName: name, ArgumentValue: value } });
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The SSE-C key a request presents under `prefix`, checked as S3 checks it, each failure with its
 * own message; undefined when it sends none of the headers. SSE-C travels only over TLS: the key is
 * in the headers. `secure`: the request came over TLS.
 */
export function parseSseCustomer(headers: IncomingHttpHeaders, secure: boolean, prefix = ''): SseCustomerKey | undefined {
  const names = customerHeaders(prefix);
  const algorithm = headerOf(headers, names.algorithm);
  const key = headerOf(headers, names.key);
  const md5 = headerOf(headers, names.md5);
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  if (!secure) throw invalid(MESSAGES.sseCNeedsTls, names.algorithm);
  if (algorithm === undefined) {
    // A key without its algorithm (S3's wording; the seed has no row for it).
    throw invalid('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.', names.algorithm);
  }
  if (algorithm !== 'AES256') throw new S3Error('InvalidEncryptionAlgorithmError', { fields: { ArgumentName: names.algorithm, ArgumentValue: algorithm } });
  if (key === undefined || key === '') throw invalid(MESSAGES.sseCNeedsKey, names.key);
  if (md5 === undefined || md5 === '') throw invalid(MESSAGES.sseCNeedsKeyMd5, names.md5);
  if (!STRICT_BASE64.test(md5) || Buffer.from(md5, 'base64').length !== 16) throw invalid(MESSAGES.sseCKeyMd5Encoding, names.md5);
  const raw = STRICT_BASE64.test(key) ? Buffer.from(key, 'base64') : undefined;
  // "The secret key was invalid for the specified algorithm": AES256 takes 256 bits.
  if (raw?.length !== 32) throw invalid('The secret key was invalid for the specified algorithm.', names.key);
  if (createHash('md5').update(raw).digest('base64') !== md5) throw invalid(MESSAGES.sseCKeyMd5Mismatch, names.md5);
  return { key: raw, keyMd5: md5 };
}

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings. */
function parseKmsContext(value: string): string {
  let parsed: unknown;
  try {
    if (!STRICT_BASE64.test(value)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw invalid('The header x-amz-server-side-encryption-context must be a base64-encoded UTF-8 string holding JSON.', KMS_CONTEXT, value);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw invalid('The header x-amz-server-side-encryption-context must hold a JSON object of string values.', KMS_CONTEXT, value);
  }
  return value;
}

/**
 * The encryption a write asks for: SSE-S3 (AES256), SSE-KMS (aws:kms, a key id, a context, bucket
 * keys) or SSE-C; undefined when it names none (the bucket's default then applies).
 */
export function parseSseRequest(headers: IncomingHttpHeaders, secure: boolean): SseRequest | undefined {
  const customer = parseSseCustomer(headers, secure);
  const algorithm = headerOf(headers, SSE);
  const kmsKeyId = headerOf(headers, KMS_KEY_ID);
  const context = headerOf(headers, KMS_CONTEXT);
  const bucketKey = headerOf(headers, BUCKET_KEY);
  if (customer) {
    if (algorithm !== undefined || kmsKeyId !== undefined) {
      throw invalid('Server Side Encryption with Customer provided key is incompatible with the encryption method specified', SSE, algorithm ?? '');
    }
    return { customer };
  }
  if (algorithm === undefined) {
    // "x-amz-server-side-encryption-aws-kms-key-id ... is only valid with aws:kms" (S3's wording).
    if (kmsKeyId !== undefined || context !== undefined) {
      throw invalid('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', SSE);
    }
    return undefined;
  }
  if (algorithm === 'aws:kms:dsse') {
    // Dual-layer SSE-KMS: a second, independent encryption layer Coffer does not have.
    throw new S3Error('NotImplemented', { message: 'Dual-layer server-side encryption (aws:kms:dsse) is not implemented.', fields: { Header: SSE } });
  }
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms') throw invalid('The encryption method specified is not supported', SSE, algorithm);
  if (algorithm === 'AES256' && (kmsKeyId !== undefined || context !== undefined)) {
    throw invalid('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', SSE, algorithm);
  }
  if (kmsKeyId !== undefined && kmsKeyId.trim() === '') throw invalid('KMS key id must not be empty.', KMS_KEY_ID, kmsKeyId);
  if (bucketKey !== undefined && bucketKey.toLowerCase() !== 'true' && bucketKey.toLowerCase() !== 'false') {
    throw invalid('The header x-amz-server-side-encryption-bucket-key-enabled must be true or false.', BUCKET_KEY, bucketKey);
  }
  return {
    algorithm,
    kmsKeyId: kmsKeyId?.trim(),
    kmsContext: context === undefined ? undefined : parseKmsContext(context),
    bucketKeyEnabled: bucketKey === undefined ? undefined : bucketKey.toLowerCase() === 'true',
  };
}

/**
 * GET and HEAD take only the SSE-C headers: x-amz-server-side-encryption and its KMS headers
 * are for writes, and S3 refuses them on a read with 400.
 */
export function refuseSseWriteHeaders(headers: IncomingHttpHeaders): void {
  for (const name of [SSE, KMS_KEY_ID, KMS_CONTEXT]) {
    if (headers[name] !== undefined) throw invalid(`${name} header is not supported for this operation.`, name);
  }
}

/** The response headers of an object's (or upload's) encryption, as S3 sends them on writes and reads. */
export function sseResponseHeaders(encryption: ObjectEncryption | undefined, withContext = false): Record<string, string | undefined> {
  if (!encryption) return {};
  if (encryption.algorithm === 'SSE-C') {
    return { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key-md5': encryption.customerKeyMd5 };
  }
  return {
    [SSE]: encryption.algorithm,
    [KMS_KEY_ID]: encryption.algorithm === 'aws:kms' ? encryption.kmsKeyId : undefined,
    [KMS_CONTEXT]: withContext ? encryption.kmsContext : undefined,
    [BUCKET_KEY]: encryption.bucketKeyEnabled ? 'true' : undefined,
  };
}
