// The one place that decides whether a principal may perform an IAM action on a resource. Every
// S3 request is asked about once, with its route's action; copies ask again for their source.
// The decision is a pure function of what it is given: the caller looks up the bucket (its owner,
// ACL, policy, Object Ownership and Block Public Access settings, all on the cached bucket record)
// and, when the answer can depend on it, the object's owner, ACL and tags, and passes them in.
//
// S3's evaluation, for the users of one Coffer, each of whom is an account of their own:
//   1. a bucket that does not exist is NoSuchBucket to anyone (S3 answers it before AccessDenied);
//   2. an explicit Deny in the bucket policy refuses (the bucket owner keeps the bucket-policy
//      operations, so a policy can always be repaired);
//   3. then the bucket owner may do anything in their bucket; an object's owner may read and
//      change its ACL; anyone else needs an Allow from the policy or a grant in an ACL;
//   4. ACLs count for nothing under BucketOwnerEnforced, public grants nothing under
//      IgnorePublicAcls, and a public policy allows nobody outside the owner under
//      RestrictPublicBuckets.
// An object that is not there is 404 to whoever may list the bucket and 403 to anyone else, so a
// refusal reveals no more than S3 reveals.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions
import { S3Error } from '../errors.js';
import type { AccessControlList, ObjectOwnership, Permission, PolicyDocument, PublicAccessBlock } from '../access.js';
import { aclGrants, defaultAcl, isPublicAcl } from './acl.js';
import type { AclGrant, AclView } from './acl.js';
import { conditionKeys } from './condition-keys.js';
import { evaluatePolicy } from './policy-eval.js';
import { isPublicPolicy } from './policy.js';

/** What an action acts on: the service (no resource), a bucket, an object, or the admin API. */
export type ActionTarget = 'service' | 'bucket' | 'object' | 'admin' | 'metrics';

export interface ActionSpec {
  /** The kinds of route that may carry this action. */
  readonly on: readonly ActionTarget[];
  /** The action makes its bucket: there is no owner to check yet (CreateBucket). */
  readonly creates?: true;
  /** The bucket ACL permission that grants this action to others. */
  readonly bucketAcl?: Permission;
  /** The object ACL permission that grants this action to others: the object's ACL is then needed. */
  readonly objectAcl?: Permission;
  /**
   * Only the bucket owner's account may perform it: anyone else a policy allows gets 405, and the
   * owner keeps it against an explicit Deny ("the root user of the AWS account that owns a bucket
   * can always use this operation"). https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
   */
  readonly ownerAccountOnly?: true;
}

/**
 * The IAM actions Coffer's routes name, with the resource types AWS lists for each and the ACL
 * permission that grants each (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * s3:DeleteObject is also carried by DeleteObjects, a bucket request whose body names the objects.
 */
export const ACTIONS: Readonly<Record<string, ActionSpec>> = {
  's3:ListAllMyBuckets': { on: ['service'] },
  's3:CreateBucket': { on: ['bucket'], creates: true },
  's3:DeleteBucket': { on: ['bucket'] },
  's3:ListBucket': { on: ['bucket'], bucketAcl: 'READ' },
  's3:ListBucketVersions': { on: ['bucket'], bucketAcl: 'READ' },
  's3:ListBucketMultipartUploads': { on: ['bucket'], bucketAcl: 'READ' },
  's3:GetBucketLocation': { on: ['bucket'] },
  's3:GetBucketVersioning': { on: ['bucket'] },
  's3:PutBucketVersioning': { on: ['bucket'] },
  's3:GetBucketObjectLockConfiguration': { on: ['bucket'] },
  's3:PutBucketObjectLockConfiguration': { on: ['bucket'] },
  's3:GetBucketTagging': { on: ['bucket'] },
  's3:PutBucketTagging': { on: ['bucket'] },
  's3:GetEncryptionConfiguration': { on: ['bucket'] },
  's3:PutEncryptionConfiguration': { on: ['bucket'] },
  's3:GetBucketCORS': { on: ['bucket'] },
  's3:PutBucketCORS': { on: ['bucket'] },
  's3:GetBucketAcl': { on: ['bucket'], bucketAcl: 'READ_ACP' },
  's3:PutBucketAcl': { on: ['bucket'], bucketAcl: 'WRITE_ACP' },
  's3:GetBucketPolicy': { on: ['bucket'], ownerAccountOnly: true },
  's3:PutBucketPolicy': { on: ['bucket'], ownerAccountOnly: true },
  's3:DeleteBucketPolicy': { on: ['bucket'], ownerAccountOnly: true },
  's3:GetBucketPolicyStatus': { on: ['bucket'] },
  's3:GetBucketOwnershipControls': { on: ['bucket'] },
  's3:PutBucketOwnershipControls': { on: ['bucket'] },
  's3:GetBucketPublicAccessBlock': { on: ['bucket'] },
  's3:PutBucketPublicAccessBlock': { on: ['bucket'] },
  's3:GetObject': { on: ['object'], objectAcl: 'READ' },
  's3:GetObjectVersion': { on: ['object'], objectAcl: 'READ' },
  's3:GetObjectAttributes': { on: ['object'] },
  's3:GetObjectVersionAttributes': { on: ['object'] },
  's3:PutObject': { on: ['object'], bucketAcl: 'WRITE' },
  's3:DeleteObject': { on: ['object', 'bucket'], bucketAcl: 'WRITE' },
  's3:DeleteObjectVersion': { on: ['object'], bucketAcl: 'WRITE' },
  's3:AbortMultipartUpload': { on: ['object'], bucketAcl: 'WRITE' },
  's3:ListMultipartUploadParts': { on: ['object'], bucketAcl: 'WRITE' },
  's3:GetObjectAcl': { on: ['object'], objectAcl: 'READ_ACP' },
  's3:GetObjectVersionAcl': { on: ['object'], objectAcl: 'READ_ACP' },
  's3:PutObjectAcl': { on: ['object'], objectAcl: 'WRITE_ACP' },
  's3:PutObjectVersionAcl': { on: ['object'], objectAcl: 'WRITE_ACP' },
  's3:GetObjectTagging': { on: ['object'] },
  's3:GetObjectVersionTagging': { on: ['object'] },
  's3:PutObjectTagging': { on: ['object'] },
  's3:PutObjectVersionTagging': { on: ['object'] },
  's3:DeleteObjectTagging': { on: ['object'] },
  's3:DeleteObjectVersionTagging': { on: ['object'] },
  's3:GetObjectRetention': { on: ['object'] },
  's3:PutObjectRetention': { on: ['object'] },
  's3:GetObjectLegalHold': { on: ['object'] },
  's3:PutObjectLegalHold': { on: ['object'] },
  // Asked, besides the route's action, when a request sends x-amz-bypass-governance-retention:
  // without it the header is not honoured. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-bypass
  's3:BypassGovernanceRetention': { on: ['object'] },
  // Coffer's own JSON API under /_coffer/admin/v1/: admin users only.
  'coffer:Admin': { on: ['admin'] },
  // /_coffer/metrics: admin users, the bearer token COFFER_METRICS_TOKEN, or anyone with COFFER_METRICS_PUBLIC=on.
  'coffer:ReadMetrics': { on: ['metrics'] },
};

/** Who asks: a signed-in user, or nobody (an unsigned request). */
export type Principal =
  | { readonly type: 'anonymous' }
  | { readonly type: 'user'; readonly userId: string; readonly admin: boolean /** For aws:username and policies naming users. */; readonly name?: string };

export const ANONYMOUS: Principal = { type: 'anonymous' };

/** What the authorizer needs of an object: its owner, ACL and tags. */
export interface ObjectFacts {
  readonly ownerId: string;
  /** Absent: the owner's FULL_CONTROL alone. */
  readonly acl?: AccessControlList;
  readonly tags?: readonly { readonly key: string; readonly value: string }[];
}

/** What the request is about, with what the metadata store says of it. */
export interface Resource {
  /** `*` for the service, `arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/key`. */
  readonly arn: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly versionId?: string;
  /** The bucket owner's user id; null when the bucket does not exist; absent when no bucket is named. */
  readonly bucketOwnerId?: string | null;
  /** The bucket's ACL; absent: its owner's FULL_CONTROL alone. */
  readonly bucketAcl?: AccessControlList;
  /** The bucket's policy, if it has one. */
  readonly policy?: PolicyDocument;
  readonly ownership?: ObjectOwnership;
  readonly publicAccessBlock?: PublicAccessBlock;
  /**
   * The object (the version named, else the latest) when the answer depends on it (see
   * needsObject): null when it was looked up and is not there (or is a delete marker).
   */
  readonly object?: ObjectFacts | null;
  /** The operator opened this resource to every caller, signed or not (COFFER_METRICS_PUBLIC=on). */
  readonly openToAnyone?: boolean;
}

/**
 * The request's conditions as IAM and bucket policies read them (aws:SourceIp,
 * aws:SecureTransport, s3:x-amz-acl, s3:prefix, s3:authType, s3:signatureversion…).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
 */
export interface RequestFacts {
  readonly sourceIp: string | undefined;
  /** The request came over TLS. */
  readonly secureTransport: boolean;
  /** Lower-case header names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
  /** How the request was signed: in the Authorization header, in the query, by a browser POST form, or not at all. */
  readonly authType: 'header' | 'query' | 'post' | 'anonymous';
  /** s3:signatureversion: AWS4-HMAC-SHA256, or AWS for Signature Version 2. */
  readonly signatureVersion?: 'AWS4-HMAC-SHA256' | 'AWS';
  /** When the request is decided (ms), for aws:CurrentTime and aws:EpochTime; now when absent. */
  readonly now?: number;
  /** The tag set a PutObjectTagging body asks for (s3:RequestObjectTag/…), once it is read. */
  readonly requestTags?: readonly { readonly key: string; readonly value: string }[];
}

export interface AccessRequest {
  readonly action: string;
  readonly resource: Resource;
  readonly principal: Principal;
  readonly facts: RequestFacts;
  /**
   * The owner the client expects the bucket to have (x-amz-expected-bucket-owner, or
   * x-amz-source-expected-bucket-owner for a copy source): any other owner is 403 AccessDenied.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
   */
  readonly expectedBucketOwner?: string;
  /** A bearer token the edge verified, and what it grants: 'metrics' for COFFER_METRICS_TOKEN. */
  readonly token?: 'metrics';
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly error: S3Error };

const ALLOW: Decision = { allowed: true };

function deny(error: S3Error): Decision {
  return { allowed: false, error };
}

const accessDenied = (): Decision => deny(new S3Error('AccessDenied'));

function noSuchBucket(r: Resource): S3Error {
  return new S3Error('NoSuchBucket', { fields: { BucketName: r.bucket ?? '' } });
}

/** The ARN of a bucket or an object, as IAM policies name them. */
export function resourceArn(bucket: string | undefined, key?: string): string {
  if (bucket === undefined) return '*';
  return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

/** Whether deciding `action` needs the bucket's owner: every action on a bucket that must exist. */
export function needsBucketOwner(action: string): boolean {
  const spec = ACTIONS[action];
  return spec !== undefined && spec.creates !== true && (spec.on.includes('bucket') || spec.on.includes('object'));
}

/** What needsObject reads of the bucket: its owner, whether it may hold others' objects, its policy. */
export interface BucketFacts {
  readonly ownerId: string;
  readonly policy?: PolicyDocument;
  readonly ownership?: ObjectOwnership;
  /** Some version in it is owned by another user (BucketConfig.foreignObjects). */
  readonly foreignObjects?: boolean;
}

/**
 * Whether the answer for `action` can depend on the object the request names, so the caller must
 * look it up: an action an object ACL grants, asked by anyone but the bucket owner (or by the
 * owner of a bucket holding objects others own), or a policy that tests s3:ExistingObjectTag.
 * The bucket owner's own requests on a bucket of their own objects and without such a policy
 * never cost an object read.
 */
export function needsObject(action: string, principal: Principal, bucket: BucketFacts | undefined): boolean {
  const spec = ACTIONS[action];
  if (bucket === undefined || spec === undefined || !spec.on.includes('object')) return false;
  if (bucket.policy !== undefined && policyTestsObjectTags(bucket.policy)) return true;
  if (spec.objectAcl === undefined) return false;
  if (principal.type === 'anonymous' || principal.userId !== bucket.ownerId) return true;
  return bucket.foreignObjects === true && bucket.ownership !== 'BucketOwnerEnforced';
}

function policyTestsKey(doc: PolicyDocument, test: (lowerCaseKey: string) => boolean): boolean {
  return doc.statements.some((s) => Object.values(s.condition ?? {}).some((keys) => Object.keys(keys).some((k) => test(k.toLowerCase()))));
}

function policyTestsObjectTags(doc: PolicyDocument): boolean {
  return policyTestsKey(doc, (k) => k.startsWith('s3:existingobjecttag/'));
}

/** Whether a policy tests the tags a request asks for (s3:RequestObjectTag/…, s3:RequestObjectTagKeys). */
export function policyTestsRequestTags(doc: PolicyDocument): boolean {
  return policyTestsKey(doc, (k) => k.startsWith('s3:requestobjecttag'));
}

function userIdOf(p: Principal): string | undefined {
  return p.type === 'user' ? p.userId : undefined;
}

/** The policy's answer for this request: Deny, Allow or None. */
function policyAnswer(r: AccessRequest, policy: PolicyDocument): 'Deny' | 'Allow' | 'None' {
  const userId = userIdOf(r.principal);
  const userName = r.principal.type === 'user' ? r.principal.name : undefined;
  const keys = conditionKeys({
    ...r.facts,
    now: r.facts.now ?? Date.now(),
    userId,
    userName,
    existingObjectTags: r.resource.object?.tags,
  });
  return evaluatePolicy(policy, { requester: { userId, userName }, action: r.action, arn: r.resource.arn, keys });
}

/** Whether an ACL grants the request's permission: the bucket's for bucket permissions, the object's for object ones. */
function aclAllows(r: AccessRequest, spec: ActionSpec, bucketOwner: string): boolean {
  const res = r.resource;
  if (res.ownership === 'BucketOwnerEnforced') return false;
  const ignorePublic = res.publicAccessBlock?.ignorePublicAcls === true;
  const who = { userId: userIdOf(r.principal) };
  if (spec.bucketAcl !== undefined) {
    const acl: AclView = res.bucketAcl ? { ownerId: bucketOwner, grants: res.bucketAcl.grants } : defaultAcl(bucketOwner);
    if (aclGrants(acl, who, spec.bucketAcl, ignorePublic)) return true;
  }
  if (spec.objectAcl !== undefined && res.object) {
    const acl: AclView = res.object.acl ? { ownerId: res.object.ownerId, grants: res.object.acl.grants } : defaultAcl(res.object.ownerId);
    if (aclGrants(acl, who, spec.objectAcl, ignorePublic)) return true;
  }
  return false;
}

/**
 * Whether the requester may list the bucket where the key would be: then a missing key is 404,
 * else 403. The listing is asked as s3:ListBucket with the key as its s3:prefix, so a policy
 * allowing `public/*` listings reveals only the absence of `public/…` keys.
 */
function mayList(r: AccessRequest, bucketOwner: string, policy: PolicyDocument | undefined): boolean {
  if (userIdOf(r.principal) === bucketOwner) return true;
  const resource: Resource = { ...r.resource, arn: resourceArn(r.resource.bucket), object: undefined };
  const listing: AccessRequest = { ...r, action: 's3:ListBucket', resource, facts: { ...r.facts, query: new URLSearchParams({ prefix: r.resource.key ?? '' }) } };
  if (policy !== undefined && policyAnswer(listing, policy) === 'Allow') return true;
  return aclAllows(listing, ACTIONS['s3:ListBucket']!, bucketOwner);
}

export function decide(r: AccessRequest): Decision {
  const spec = ACTIONS[r.action];
  // A route naming an action this table lacks is refused at start-up (checkRouteTable); reaching
  // here with one is a bug, and a bug must not open anything.
  if (spec === undefined) throw new Error(`unknown action ${r.action}`);
  if (spec.on.includes('admin')) return r.principal.type === 'user' && r.principal.admin ? ALLOW : accessDenied();
  if (spec.on.includes('metrics')) {
    // As MinIO and Garage expose theirs: public when the operator says so, else a bearer token or an admin.
    const allowed = r.resource.openToAnyone === true || r.token === 'metrics' || (r.principal.type === 'user' && r.principal.admin);
    return allowed ? ALLOW : deny(new S3Error('AccessDenied'));
  }
  const mustExist = needsBucketOwner(r.action);
  if (!mustExist) {
    // Any user may list their own buckets and create one (the engine answers BucketAlreadyExists);
    // nobody may do either anonymously.
    return r.principal.type === 'anonymous' ? accessDenied() : ALLOW;
  }
  const res = r.resource;
  const owner = res.bucketOwnerId;
  if (owner === undefined) throw new Error(`${r.action} on ${res.arn} asked without its bucket's owner`);
  if (owner === null) return deny(noSuchBucket(res));
  if (r.expectedBucketOwner !== undefined && r.expectedBucketOwner !== owner) return accessDenied();
  const userId = userIdOf(r.principal);
  const isBucketOwner = userId === owner;

  const policy = res.policy;
  const answer = policy === undefined ? 'None' : policyAnswer(r, policy);
  if (answer === 'Deny' && !(isBucketOwner && spec.ownerAccountOnly === true)) return accessDenied();
  // The bucket owner may do anything in their bucket, except read or re-grant an object another
  // user owns (ObjectWriter): that takes a grant, as for anyone. They may still delete it.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
  const othersObject = res.object ? res.object.ownerId !== owner && res.ownership !== 'BucketOwnerEnforced' : false;
  if (isBucketOwner && !(othersObject && spec.objectAcl !== undefined)) return ALLOW;
  if (spec.ownerAccountOnly === true) {
    // Allowed by the policy or not, only the owner's account may touch the policy itself.
    return answer === 'Allow' ? deny(new S3Error('MethodNotAllowed', { fields: { ResourceType: 'BUCKET' } })) : accessDenied();
  }
  // A public policy allows nobody outside the owner's account under RestrictPublicBuckets.
  const restricted = policy !== undefined && res.publicAccessBlock?.restrictPublicBuckets === true && isPublicPolicy(policy);
  if (!restricted && answer === 'Allow') return ALLOW;
  // An object's owner may always read and change its ACL.
  const objectOwner = res.object ? res.object.ownerId : undefined;
  if (objectOwner !== undefined && userId === objectOwner && (spec.objectAcl === 'READ_ACP' || spec.objectAcl === 'WRITE_ACP')) return ALLOW;
  if (aclAllows(r, spec, owner)) return ALLOW;
  // The object is not there: whoever may list the bucket learns so (the handler answers 404).
  if (spec.objectAcl !== undefined && res.object === null && mayList(r, owner, restricted ? undefined : policy)) return ALLOW;
  return accessDenied();
}

/** decide(), throwing the refusal. */
export function authorize(r: AccessRequest): void {
  const d = decide(r);
  if (!d.allowed) throw d.error;
}

/**
 * Whether a new ACL may be set (by a canned ACL, grant headers or an ACL document) on a bucket
 * or object: BlockPublicAcls refuses one that grants to AllUsers or AuthenticatedUsers.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-options
 */
export function decideNewAcl(grants: readonly AclGrant[], pab: PublicAccessBlock | undefined): Decision {
  if (pab?.blockPublicAcls === true && isPublicAcl(grants)) return accessDenied();
  return ALLOW;
}

/** Whether a bucket policy may be set: BlockPublicPolicy refuses a public one. */
export function decideNewPolicy(policy: PolicyDocument, pab: PublicAccessBlock | undefined): Decision {
  if (pab?.blockPublicPolicy === true && isPublicPolicy(policy)) return accessDenied();
  return ALLOW;
}
