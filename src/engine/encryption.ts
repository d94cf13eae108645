// Server-side encryption in the engine: which encryption a new version or upload gets (the
// request's, else the bucket's default), and the data key of a stored one, after checking what the
// request presented for it. The bytes themselves are encrypted by the stored-bytes transform.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html
import { S3Error, MESSAGES } from '../errors.js';
import { encryptedEtag, isCustomerKey, newDataKey, seal, sealForCustomer, unseal, unsealForCustomer } from '../crypto/envelope.js';
import { DEFAULT_KMS_KEY_ID } from '../crypto/keyring.js';
import type { KmsKeyStore, MasterKeys } from '../crypto/keyring.js';
import type { BucketRecord, ObjectEncryption } from '../meta/types.js';
import type { StoredBytesLayers } from './stored-bytes.js';

export interface EncryptionKeys {
  master: MasterKeys;
  kms: KmsKeyStore;
}

/** An SSE-C key as a request presents it, already checked against its MD5 (src/s3/sse-headers.ts). */
export interface SseCustomerKey {
  key: Buffer;
  /** base64 MD5 of the key, as sent. */
  keyMd5: string;
}

/** The encryption a write asks for with its x-amz-server-side-encryption* headers (or POST fields). */
export interface SseRequest {
  /** x-amz-server-side-encryption. */
  algorithm?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** x-amz-server-side-encryption-context: base64 of a JSON object. */
  kmsContext?: string;
  bucketKeyEnabled?: boolean;
  /** x-amz-server-side-encryption-customer-*. */
  customer?: SseCustomerKey;
}

/** A new version's or upload's encryption, with its data key to encrypt with. */
export interface NewEncryption {
  encryption: ObjectEncryption;
  dataKey: Buffer;
}

function sealAad(masterKeyId: string): string {
  return `AES256\n${masterKeyId}`;
}

/**
 * The encryption a write to `bucket` gets: the one it asks for, else the bucket's default, else
 * none. A bucket that blocks SSE-C refuses a write asking for it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html
 */
export async function newEncryption(keys: EncryptionKeys, bucket: BucketRecord, request: SseRequest | undefined): Promise<NewEncryption | undefined> {
  const config = bucket.config.encryption;
  if (request?.customer) {
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/blocking-unblocking-s3-c-encryption-gpb.html
    if (config?.blockedEncryptionTypes?.includes('SSE-C')) throw new S3Error('AccessDenied', { message: MESSAGES.sseCNotEnabled });
    const dataKey = newDataKey();
    const record = sealForCustomer(request.customer.key, dataKey);
    return {
      dataKey,
      encryption: {
        algorithm: 'SSE-C',
        customerKeyMd5: request.customer.keyMd5,
        customerKeySalt: record.salt,
        customerKeyHmac: record.hmac,
        sealedKey: record.sealedKey,
      },
    };
  }
  const algorithm = request?.algorithm ?? config?.defaultAlgorithm;
  if (algorithm === 'AES256') {
    const master = await keys.master.current();
    const dataKey = newDataKey();
    const bucketKeyEnabled = request?.algorithm ? request.bucketKeyEnabled : config?.bucketKeyEnabled;
    return { dataKey, encryption: { algorithm: 'AES256', masterKeyId: master.id, sealedKey: seal(master.key, dataKey, sealAad(master.id)), bucketKeyEnabled } };
  }
  if (algorithm === 'aws:kms') {
    // "If you specify x-amz-server-side-encryption:aws:kms, but don't provide
    // x-amz-server-side-encryption-aws-kms-key-id, Amazon S3 uses the AWS managed key (aws/s3)."
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#AmazonS3-PutObject-request-header-SSEKMSKeyId
    const named = request?.algorithm ? request.kmsKeyId : config?.kmsMasterKeyId;
    const keyId = await keys.kms.resolve(named ?? DEFAULT_KMS_KEY_ID);
    if (keyId === undefined) throw kmsKeyNotFound(named ?? DEFAULT_KMS_KEY_ID);
    const context = request?.algorithm ? (request.kmsContext ?? '') : '';
    const generated = await keys.kms.generateDataKey(keyId, context);
    return {
      dataKey: generated.plaintext,
      encryption: {
        algorithm: 'aws:kms',
        // Reported back as the request named it (an id, an alias or an ARN).
        kmsKeyId: named ?? keyId,
        kmsContext: context === '' ? undefined : context,
        bucketKeyEnabled: request?.algorithm ? request.bucketKeyEnabled : config?.bucketKeyEnabled,
        sealedKey: generated.sealed,
      },
    };
  }
  return undefined;
}

/** S3 answers an SSE-KMS write naming a key KMS does not have with 400 KMS.NotFoundException. */
function kmsKeyNotFound(keyId: string): S3Error {
  return new S3Error('KMS.NotFoundException', { message: `Invalid keyId ${keyId}` });
}

/** What a request is doing with a stored version or upload, which decides the error S3 answers. */
export type KeyUse = 'read' | 'copy-source' | 'part' | 'complete';

/**
 * The data key of a stored version or upload (`encryption`), for a request presenting `customer`
 * (its SSE-C headers, or x-amz-copy-source-…-customer-* for a copy source). SSE-C data needs the
 * key it was written with; anything else refuses SSE-C parameters.
 */
export async function openDataKey(keys: EncryptionKeys, encryption: ObjectEncryption | undefined, customer: SseCustomerKey | undefined, use: KeyUse): Promise<StoredBytesLayers> {
  if (encryption?.algorithm !== 'SSE-C') {
    // "The encryption parameters are not applicable to this object." (S3, and the seed)
    if (customer !== undefined) throw new S3Error('InvalidRequest', { message: MESSAGES.sseParametersNotApplicable });
    if (encryption === undefined) return {};
    return { dataKey: await openServerKey(keys, encryption) };
  }
  if (customer === undefined) {
    // Every part of an SSE-C upload, and its completion, presents the upload's key (s3-tests'
    // test_copy_part_enc checks Complete; AWS documents the headers on Complete).
    if (use === 'part' || use === 'complete') {
      throw new S3Error('InvalidRequest', {
        message: 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
      });
    }
    throw new S3Error('InvalidRequest', { message: MESSAGES.sseParametersRequired });
  }
  const record = { salt: encryption.customerKeySalt ?? '', hmac: encryption.customerKeyHmac ?? '', sealedKey: encryption.sealedKey ?? '' };
  if (!isCustomerKey(customer.key, record)) {
    // A part or completion with another key than the upload's is a bad request; a read with the
    // wrong key is 403, as S3 answers (the key is the credential to the object).
    if (use === 'part' || use === 'complete') throw new S3Error('InvalidRequest', { message: 'The provided encryption parameters did not match the ones used originally.' });
    throw new S3Error('AccessDenied');
  }
  const dataKey = unsealForCustomer(customer.key, record);
  if (!dataKey) throw new Error('the data key of an SSE-C object does not open with the key that passed its check');
  return { dataKey };
}

async function openServerKey(keys: EncryptionKeys, encryption: ObjectEncryption): Promise<Buffer> {
  if (encryption.algorithm === 'AES256') {
    const id = encryption.masterKeyId ?? '';
    const master = await keys.master.get(id);
    if (!master) throw new Error(`the SSE-S3 master key ${id} is not in the key ring`);
    const key = unseal(master, encryption.sealedKey ?? '', sealAad(id));
    if (!key) throw new Error(`a data key sealed by master key ${id} does not open`);
    return key;
  }
  const keyId = (await keys.kms.resolve(encryption.kmsKeyId ?? DEFAULT_KMS_KEY_ID)) ?? encryption.kmsKeyId ?? DEFAULT_KMS_KEY_ID;
  return keys.kms.decryptDataKey(keyId, encryption.sealedKey ?? '', encryption.kmsContext ?? '');
}

/**
 * The ETag of data written under `encryption` with MD5 `md5Hex`: the MD5 for plaintext and
 * SSE-S3; for SSE-C and SSE-KMS an opaque value, "not an MD5 digest of their object data".
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html#AmazonS3-Type-Object-ETag
 */
export function etagOf(encryption: ObjectEncryption | undefined, layers: StoredBytesLayers, md5Hex: string): string {
  if (!encryption || encryption.algorithm === 'AES256' || !layers.dataKey) return md5Hex;
  return encryptedEtag(layers.dataKey, md5Hex);
}

/** A copy onto itself must change something; asking for an encryption counts. */
export function asksForEncryption(request: SseRequest | undefined): boolean {
  return request !== undefined && (request.algorithm !== undefined || request.customer !== undefined);
}
