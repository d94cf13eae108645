// Browser-based uploads (POST Object): the form's credentials and its signed policy document. The
// signature covers the base64 policy as sent; the policy says until when it is valid and which
// values each form field may have; every field the form sends must be named by a condition.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/HTTPPOSTForms.html (Signature Version 2)
import { createHmac } from 'node:crypto';
import { MESSAGES, S3Error } from '../errors.js';
import { ALGORITHM, deriveSigningKey, hmac, safeEqual } from './canonical.js';
import { parseAmzDate, parseCredential } from './parse.js';
import { checkSessionToken } from './sigv4.js';
import type { Credential, CredentialLookup } from './sigv4.js';

/** A condition, with the field it names lower-case and without its `$`. */
export type PolicyCondition =
  | { readonly op: 'eq' | 'starts-with'; readonly field: string; readonly value: string }
  | { readonly op: 'content-length-range'; readonly min: number; readonly max: number };

export interface PostPolicy {
  readonly expiration: Date;
  readonly conditions: readonly PolicyCondition[];
}

/** The bounds content-length-range sets on the file, when the policy has one. */
export interface ContentLengthRange {
  readonly min: number;
  readonly max: number;
}

function invalidPolicy(detail: string): S3Error {
  return new S3Error('InvalidPolicyDocument', { message: `Invalid Policy: ${detail}` });
}

function policyDenied(detail: string): S3Error {
  return new S3Error('AccessDenied', { message: `Invalid according to Policy: ${detail}` });
}

/** "The date must be in ISO 8601 format", e.g. 2007-12-01T12:00:00.000Z. */
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

function lengthBound(v: unknown): number | undefined {
  // Numbers, or strings of digits (some SDKs write them quoted).
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim()) ? Number(v) : undefined;
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

function parseCondition(c: unknown): PolicyCondition {
  if (Array.isArray(c)) {
    const [rawOp, a, b] = c as unknown[];
    const op = typeof rawOp === 'string' ? rawOp.toLowerCase() : '';
    if (op === 'content-length-range') {
      const min = lengthBound(a);
      const max = lengthBound(b);
      if (c.length !== 3 || min === undefined || max === undefined) throw invalidPolicy('Invalid content-length-range condition: it takes a lower and an upper bound.');
      if (min < 0 || max < min) throw invalidPolicy(`Invalid content-length-range condition: [${min}, ${max}] is not a range of lengths.`);
      return { op, min, max };
    }
    if (op !== 'eq' && op !== 'starts-with') throw invalidPolicy(`Invalid Condition: unknown operation "${String(rawOp)}".`);
    if (c.length !== 3 || typeof a !== 'string' || typeof b !== 'string') throw invalidPolicy(`Invalid Condition: "${op}" takes a field and a value.`);
    if (!a.startsWith('$')) throw invalidPolicy(`Invalid Condition: the field "${a}" must start with "$".`);
    return { op, field: a.slice(1).toLowerCase(), value: b };
  }
  if (c !== null && typeof c === 'object') {
    const entries = Object.entries(c);
    if (entries.length !== 1) throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    const [name, value] = entries[0]!;
    if (typeof value !== 'string') throw invalidPolicy(`Invalid Simple-Condition: the value of "${name}" must be a string.`);
    return { op: 'eq', field: name.toLowerCase(), value };
  }
  throw invalidPolicy('Invalid Condition: a condition is an object or an array.');
}

/** The policy document of the `policy` field (base64 of JSON). Names of its members are case-sensitive. */
export function parsePostPolicy(base64: string): PostPolicy {
  let doc: unknown;
  try {
    const text = Buffer.from(base64.replace(/\s+/g, ''), 'base64').toString('utf8');
    doc = JSON.parse(text);
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalidPolicy('Policy missing expiration.');
  if (typeof expiration !== 'string' || !EXPIRATION.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (conditions === undefined) throw invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid 'conditions' value: must be a list.");
  return { expiration: new Date(expiration), conditions: conditions.map(parseCondition) };
}

/**
 * Fields no condition needs to name: "Each form field that you specify in a form (except
 * x-amz-signature, file, policy, and field names that have an x-ignore- prefix) must appear in the
 * list of conditions." SigV2's AWSAccessKeyId and signature likewise; x-amz-checksum-* only check
 * the file's integrity (s3-tests' test_post_object_upload_checksum, which AWS passes).
 */
function exempt(field: string): boolean {
  return (
    field === 'x-amz-signature' ||
    field === 'signature' ||
    field === 'awsaccesskeyid' ||
    field === 'file' ||
    field === 'policy' ||
    field.startsWith('x-ignore-') ||
    field.startsWith('x-amz-checksum-')
  );
}

function describe(c: PolicyCondition): string {
  return c.op === 'content-length-range' ? `["content-length-range", ${c.min}, ${c.max}]` : `["${c.op}", "$${c.field}", ${JSON.stringify(c.value)}]`;
}

function holds(c: Exclude<PolicyCondition, { op: 'content-length-range' }>, value: string): boolean {
  if (c.op === 'eq') return value === c.value;
  // "If the field is Content-Type, a comma-separated list of content types is allowed, and each
  // must start with the value."
  if (c.field === 'content-type') return value.split(',').every((v) => v.trim().startsWith(c.value));
  return value.startsWith(c.value);
}

/**
 * Check the form against the policy at `now`: not expired, every condition holds (the bucket is
 * the one the request names, the key is the one after ${filename} is replaced), and no field is
 * left uncovered. Returns the content-length-range for the file, checked as it is stored.
 */
export function checkPostPolicy(policy: PostPolicy, form: { fields: ReadonlyMap<string, string>; bucket: string; key: string }, now: Date): ContentLengthRange | undefined {
  if (now.getTime() > policy.expiration.getTime()) throw policyDenied('Policy expired.');
  const fieldValue = (field: string): string => (field === 'bucket' ? form.bucket : field === 'key' ? form.key : (form.fields.get(field) ?? ''));
  const covered = new Set<string>();
  let range: ContentLengthRange | undefined;
  for (const c of policy.conditions) {
    if (c.op === 'content-length-range') {
      range = { min: c.min, max: c.max };
      continue;
    }
    covered.add(c.field);
    if (!holds(c, fieldValue(c.field))) throw policyDenied(`Policy Condition failed: ${describe(c)}`);
  }
  // The bucket is always a field of the upload, sent or not.
  const fields = new Set([...form.fields.keys(), 'bucket']);
  const extra = [...fields].filter((f) => !exempt(f) && !covered.has(f));
  if (extra.length > 0) throw policyDenied(extra.includes('bucket') ? `Policy Condition failed: ["eq", "$bucket", "${form.bucket}"]` : `Extra input fields: ${extra.join(', ')}`);
  return range;
}

function missingField(name: string): S3Error {
  return new S3Error('InvalidArgument', {
    message: `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    fields: { ArgumentName: name, ArgumentValue: '' },
  });
}

export interface PostAuthInput {
  /** The fields before the file, names lower-case. */
  fields: ReadonlyMap<string, string>;
  bucket: string;
  /** The object's key, ${filename} replaced. */
  key: string;
  now: Date;
  lookup: CredentialLookup;
  /** COFFER_SIGV2: Signature Version 2 policies (AWSAccessKeyId, signature) are accepted too. */
  sigV2: boolean;
}

export interface PostAuthResult {
  /** The policy's signer; none for an anonymous upload (a form without a policy). */
  credential?: Credential;
  contentLengthRange?: ContentLengthRange;
}

/**
 * Authenticate a POST form: an unsigned form is anonymous (a bucket policy or ACL may allow it);
 * a signed one needs its signature fields, a known key, a signature of the policy by that key,
 * and a policy the form meets. SigV4 signs with the day's signing key of x-amz-credential's scope;
 * SigV2 with HMAC-SHA1 of the secret.
 */
export async function authenticatePost(input: PostAuthInput): Promise<PostAuthResult> {
  const f = input.fields;
  const policyB64 = f.get('policy');
  const v4 = f.has('x-amz-algorithm') || f.has('x-amz-credential') || f.has('x-amz-signature');
  const v2 = f.has('awsaccesskeyid') || f.has('signature');
  if (policyB64 === undefined) {
    if (v4 || v2) throw missingField('policy');
    return {};
  }
  let accessKeyId: string;
  let verify: (secret: string) => boolean;
  if (v4 || !v2) {
    const algorithm = f.get('x-amz-algorithm');
    if (algorithm === undefined) throw missingField('x-amz-algorithm');
    if (algorithm !== ALGORITHM)
      throw new S3Error('InvalidArgument', { message: `X-Amz-Algorithm only supports "${ALGORITHM}"`, fields: { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm } });
    const rawCredential = f.get('x-amz-credential');
    if (rawCredential === undefined) throw missingField('x-amz-credential');
    const amzDate = f.get('x-amz-date');
    if (amzDate === undefined) throw missingField('x-amz-date');
    const signature = f.get('x-amz-signature');
    if (signature === undefined) throw missingField('x-amz-signature');
    const scope = parseCredential(rawCredential, 'query');
    if (parseAmzDate(amzDate) === undefined) {
      throw new S3Error('InvalidArgument', {
        message: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        fields: { ArgumentName: 'x-amz-date', ArgumentValue: amzDate },
      });
    }
    accessKeyId = scope.accessKeyId;
    verify = (secret) => safeEqual(hmac(deriveSigningKey(secret, scope.date, scope.region), policyB64).toString('hex'), signature.toLowerCase());
  } else {
    if (!input.sigV2) throw new S3Error('InvalidRequest', { message: MESSAGES.useSigV4 });
    const akid = f.get('awsaccesskeyid');
    if (akid === undefined) throw missingField('AWSAccessKeyId');
    const signature = f.get('signature');
    if (signature === undefined) throw missingField('Signature');
    accessKeyId = akid;
    verify = (secret) => safeEqual(createHmac('sha1', Buffer.from(secret, 'utf8')).update(policyB64, 'utf8').digest('base64'), signature);
  }
  const credential = await input.lookup(accessKeyId);
  if (credential === undefined) throw new S3Error('InvalidAccessKeyId', { fields: { AWSAccessKeyId: accessKeyId } });
  if (!verify(credential.secretAccessKey)) throw new S3Error('SignatureDoesNotMatch', { fields: { AWSAccessKeyId: accessKeyId } });
  checkSessionToken(credential, f.get('x-amz-security-token'));
  const policy = parsePostPolicy(policyB64);
  const contentLengthRange = checkPostPolicy(policy, input, input.now);
  return { credential, contentLengthRange };
}
