// Envelope encryption: every object (or multipart upload) gets its own random 256-bit data key,
// which encrypts its frames (frames.ts); what is stored is that key sealed by a key-encryption key
// (the SSE-S3 master key, a KMS key, or one derived from the customer's SSE-C key). Sealing is
// AES-256-GCM with the key's purpose as additional data, so a sealed key opens only for the use it
// was made for.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export const DATA_KEY_BYTES = 32;

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** `plain` sealed by `kek`, bound to `aad`: base64 of nonce ‖ ciphertext ‖ tag. */
export function seal(kek: Buffer, plain: Buffer, aad: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/** What `seal` sealed, or undefined when `kek` or `aad` is not the one it was sealed with. */
export function unseal(kek: Buffer, sealed: string, aad: string): Buffer | undefined {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < 28) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function derive(key: Buffer, salt: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, purpose, 32));
}

/**
 * What Coffer keeps of an SSE-C key: never the key, only a salted HMAC that tells whether a later
 * request's key is the same one, and the data key sealed by a key derived from it.
 */
export interface CustomerKeyRecord {
  salt: string;
  hmac: string;
  sealedKey: string;
}

const CUSTOMER_CHECK = 'coffer sse-c key check';
const CUSTOMER_KEK = 'coffer sse-c key encryption';

export function sealForCustomer(customerKey: Buffer, dataKey: Buffer): CustomerKeyRecord {
  const salt = randomBytes(16);
  const hmac = createHmac('sha256', derive(customerKey, salt, CUSTOMER_CHECK))
    .update(salt)
    .digest();
  return { salt: salt.toString('base64'), hmac: hmac.toString('base64'), sealedKey: seal(derive(customerKey, salt, CUSTOMER_KEK), dataKey, 'SSE-C') };
}

/** Whether `customerKey` is the key `record` was made with (in constant time). */
export function isCustomerKey(customerKey: Buffer, record: Pick<CustomerKeyRecord, 'salt' | 'hmac'>): boolean {
  const salt = Buffer.from(record.salt, 'base64');
  const hmac = createHmac('sha256', derive(customerKey, salt, CUSTOMER_CHECK))
    .update(salt)
    .digest();
  const stored = Buffer.from(record.hmac, 'base64');
  return stored.length === hmac.length && timingSafeEqual(stored, hmac);
}

export function unsealForCustomer(customerKey: Buffer, record: CustomerKeyRecord): Buffer | undefined {
  return unseal(derive(customerKey, Buffer.from(record.salt, 'base64'), CUSTOMER_KEK), record.sealedKey, 'SSE-C');
}

/**
 * The ETag of an object or part encrypted with SSE-C or SSE-KMS: "not an MD5 digest of their
 * object data" on S3, and not one here either (an MD5 of the plaintext would tell who holds a
 * candidate file whether it is the one stored). Keyed by the data key, so it is stable for the
 * stored bytes. https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
 */
export function encryptedEtag(dataKey: Buffer, md5Hex: string): string {
  return createHmac('sha256', derive(dataKey, Buffer.alloc(0), 'coffer etag'))
    .update(md5Hex)
    .digest('hex')
    .slice(0, 32);
}

/** A short public name for a key: the start of a hash of it. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('coffer key id').update(key).digest('hex').slice(0, 16);
}
