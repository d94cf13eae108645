// Bucket policies: the IAM policy language as S3 accepts it in PutBucketPolicy, parsed into a
// PolicyDocument (src/access.ts) or refused with MalformedPolicy and S3's message, and S3's test
// of whether a policy is "public". Evaluation is in policy-eval.ts.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
import { S3Error } from '../errors.js';
import type { PolicyDocument, PolicyPrincipal, PolicyStatement } from '../access.js';
import { S3_ACTION_NAMES, actionResourceKinds, wildcardMatch } from './policy-actions.js';
import { CONDITION_OPERATORS, parseOperator } from './policy-conditions.js';

/** "The maximum size of a policy is 20 KB." https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html */
export const MAX_POLICY_BYTES = 20 * 1024;

function malformed(message: string): S3Error {
  return new S3Error('MalformedPolicy', { message });
}

const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or a non-empty list of strings, as a list; undefined when absent; `bad` otherwise. */
function stringList(v: unknown, bad: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  throw malformed(bad);
}

function parsePrincipal(v: unknown): PolicyPrincipal {
  if (v === '*') return '*';
  if (!isObject(v)) throw malformed('Invalid principal in policy');
  const aws: string[] = [];
  const canonicalUser: string[] = [];
  for (const [type, value] of Object.entries(v)) {
    const values = stringList(value, 'Invalid principal in policy')!;
    if (type === 'AWS') {
      for (const p of values) if (!validAwsPrincipal(p)) throw malformed('Invalid principal in policy');
      aws.push(...values);
    } else if (type === 'CanonicalUser') {
      canonicalUser.push(...values);
    } else if (type === 'Service' || type === 'Federated') {
      // Service and federated principals are valid policy syntax but no Coffer request is made
      // by one: kept out of the lists, they match nobody.
    } else {
      throw malformed('Invalid principal in policy');
    }
  }
  return { aws, canonicalUser };
}

/** `*`, an account's root or a user's ARN, or a bare account (here: a Coffer user's id or name). */
function validAwsPrincipal(p: string): boolean {
  if (p === '*') return true;
  if (p.startsWith('arn:')) return /^arn:aws:(iam|sts)::[^:]*:.+$/.test(p);
  return /^[A-Za-z0-9._@+=,-]+$/.test(p);
}

function validAction(a: string): boolean {
  if (a === '*') return true;
  const colon = a.indexOf(':');
  if (colon < 0) return false;
  const service = a.slice(0, colon).toLowerCase();
  const name = a.slice(colon + 1);
  if (service !== 's3' || name === '') return false;
  return S3_ACTION_NAMES.some((known) => wildcardMatch(name, known, true));
}

/** A Resource of this bucket: `*`, `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/keys` (wildcards allowed). */
function validResource(r: string, bucket: string): boolean {
  if (r === '*') return true;
  if (!r.startsWith('arn:aws:s3:::')) return false;
  const rest = r.slice('arn:aws:s3:::'.length);
  const slash = rest.indexOf('/');
  const bucketPart = slash < 0 ? rest : rest.slice(0, slash);
  return bucketPart !== '' && wildcardMatch(bucketPart, bucket, false);
}

/** What a Resource names: the bucket, its objects, or (with `*`) both. */
function resourceKinds(r: string): Set<'bucket' | 'object'> {
  if (r === '*' || r === 'arn:aws:s3:::*') return new Set(['bucket', 'object']);
  const rest = r.slice('arn:aws:s3:::'.length);
  if (rest.includes('/')) return new Set(['object']);
  // `arn:aws:s3:::my*` can also match `my-bucket/key`: wildcards cross the slash.
  return rest.includes('*') ? new Set(['bucket', 'object']) : new Set(['bucket']);
}

function parseCondition(v: unknown): PolicyStatement['condition'] {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw malformed('Invalid Condition');
  const out: Record<string, Record<string, string[]>> = {};
  for (const [op, block] of Object.entries(v)) {
    if (parseOperator(op) === undefined) throw malformed(`Invalid Condition type : ${op}`);
    if (!isObject(block)) throw malformed(`Invalid Condition type : ${op}`);
    const keys: Record<string, string[]> = {};
    for (const [key, raw] of Object.entries(block)) {
      if (!/^[A-Za-z0-9]+:[^\s]+$/.test(key)) throw malformed('Policy has an invalid condition key');
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0 || !list.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) {
        throw malformed('Invalid Condition value');
      }
      keys[key] = list.map(String);
    }
    out[op] = keys;
  }
  return out;
}

function parseStatement(v: unknown, bucket: string): PolicyStatement {
  if (!isObject(v)) throw malformed('Missing required field Statement');
  for (const field of Object.keys(v)) if (!STATEMENT_FIELDS.has(field)) throw malformed(`Unknown field ${field}`);
  const sid = v.Sid;
  if (sid !== undefined && typeof sid !== 'string') throw malformed('Statement IDs (SID) must be strings');
  const effect = v.Effect;
  if (effect === undefined) throw malformed('Missing required field Effect');
  if (effect !== 'Allow' && effect !== 'Deny') throw malformed(`Invalid effect: ${String(effect)}`);
  if (v.Principal === undefined && v.NotPrincipal === undefined) throw malformed('Missing required field Principal');
  if (v.Principal !== undefined && v.NotPrincipal !== undefined) throw malformed('Invalid principal in policy');
  // NotPrincipal only narrows a Deny: with Allow it would grant everyone but a few, which S3
  // refuses (s3-tests' test_bucket_policy_allow_notprincipal).
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
  if (v.NotPrincipal !== undefined && effect === 'Allow') throw malformed('Invalid principal in policy');
  if (v.Action === undefined && v.NotAction === undefined) throw malformed('Missing required field Action');
  if (v.Action !== undefined && v.NotAction !== undefined) throw malformed('Policy has invalid action');
  if (v.Resource === undefined && v.NotResource === undefined) throw malformed('Missing required field Resource');
  if (v.Resource !== undefined && v.NotResource !== undefined) throw malformed('Policy has invalid resource');
  const action = stringList(v.Action, 'Policy has invalid action');
  const notAction = stringList(v.NotAction, 'Policy has invalid action');
  for (const a of action ?? notAction ?? []) if (!validAction(a)) throw malformed('Policy has invalid action');
  const resource = stringList(v.Resource, 'Policy has invalid resource');
  const notResource = stringList(v.NotResource, 'Policy has invalid resource');
  for (const r of resource ?? notResource ?? []) if (!validResource(r, bucket)) throw malformed('Policy has invalid resource');
  // S3 refuses a statement none of whose actions acts on any of its resources (s3:GetObject on
  // the bucket's own ARN).
  if (action !== undefined && resource !== undefined) {
    const actionKinds = new Set(action.flatMap((a) => [...actionResourceKinds(a)]));
    const applies = resource.some((r) => [...resourceKinds(r)].some((k) => actionKinds.has(k)));
    if (!applies) throw malformed('Action does not apply to any resource(s) in statement');
  }
  return {
    sid,
    effect,
    principal: v.Principal === undefined ? undefined : parsePrincipal(v.Principal),
    notPrincipal: v.NotPrincipal === undefined ? undefined : parsePrincipal(v.NotPrincipal),
    action,
    notAction,
    resource,
    notResource,
    condition: parseCondition(v.Condition),
  };
}

/**
 * Parse and validate a bucket policy for `bucket`, or throw MalformedPolicy with S3's message.
 * The size limit is checked by the caller before the body is read whole.
 */
export function parseBucketPolicy(text: string, bucket: string): PolicyDocument {
  if (!text.trimStart().startsWith('{')) throw malformed("Policies must be valid JSON and the first byte must be '{'");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (!isObject(raw)) throw malformed("Policies must be valid JSON and the first byte must be '{'");
  for (const field of Object.keys(raw)) if (field !== 'Version' && field !== 'Id' && field !== 'Statement') throw malformed(`Unknown field ${field}`);
  const version = raw.Version;
  if (version !== undefined && (typeof version !== 'string' || !VERSIONS.has(version))) throw malformed('The policy must contain a valid version string');
  const id = raw.Id;
  if (id !== undefined && typeof id !== 'string') throw malformed('Policy Id must be a string');
  if (raw.Statement === undefined) throw malformed('Missing required field Statement');
  const list = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
  if (list.length === 0) throw malformed('Could not parse the policy: Statement is empty!');
  const statements = list.map((s) => parseStatement(s, bucket));
  const sids = statements.map((s) => s.sid).filter((s): s is string => s !== undefined && s !== '');
  if (new Set(sids).size !== sids.length) throw malformed('Statement IDs (SID) in a single policy must be unique.');
  return { version, id, statements };
}

/**
 * Condition keys whose fixed values keep a statement with a `*` principal from being public.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 */
const NARROWING_KEYS = new Set([
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:userid',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:dataaccesspointarn',
  's3:dataaccesspointaccount',
]);

/** An IP range narrower than the whole internet: a /8 or longer for IPv4, a /32 or longer for IPv6. */
function narrowIpRange(cidr: string): boolean {
  const [addr, bits] = cidr.split('/');
  if (addr === undefined) return false;
  const prefix = bits === undefined ? (addr.includes(':') ? 128 : 32) : Number(bits);
  return addr.includes(':') ? prefix >= 32 : prefix >= 8;
}

function principalIsEveryone(p: PolicyPrincipal | undefined): boolean {
  if (p === '*') return true;
  return p?.aws.includes('*') === true;
}

/** A statement's conditions fix who may use it, by S3's list of narrowing keys. */
function narrowedByCondition(s: PolicyStatement): boolean {
  for (const [op, keys] of Object.entries(s.condition ?? {})) {
    const parsed = parseOperator(op);
    if (parsed === undefined || parsed.set === 'ForAllValues' || parsed.ifExists) continue;
    for (const [key, values] of Object.entries(keys)) {
      const k = key.toLowerCase();
      if (k === 'aws:sourceip' && parsed.base === 'IpAddress' && values.every(narrowIpRange)) return true;
      const exact = parsed.base === 'StringEquals' || parsed.base === 'StringEqualsIgnoreCase' || parsed.base === 'ArnEquals';
      const likeWithoutWildcards = (parsed.base === 'StringLike' || parsed.base === 'ArnLike') && values.every((v) => !v.includes('*') && !v.includes('?'));
      if (NARROWING_KEYS.has(k) && (exact || likeWithoutWildcards)) return true;
    }
  }
  return false;
}

/**
 * S3's "public" policy: one with an Allow statement for everyone (`*`) that no
 * fixed-value condition narrows. https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 */
export function isPublicPolicy(doc: PolicyDocument): boolean {
  return doc.statements.some((s) => s.effect === 'Allow' && principalIsEveryone(s.principal) && !narrowedByCondition(s));
}

export { CONDITION_OPERATORS };
