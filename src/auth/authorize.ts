// The one place that decides whether a principal may perform an IAM action on a resource. Every
// S3 request is asked about once, with its route's action; copies ask again for their source.
// The decision is a pure function of what it is given: the caller looks the resource's owners up
// and passes them in, so ACLs, bucket policies and public-access blocks, when they come, arrive
// here as more inputs and this stays the only place that answers.
//
// Today it answers as an owner-only store does: a bucket and what is in it belong to the user who
// created the bucket, and nobody else, admin users included, may touch them. Anonymous requests are
// refused. A bucket that does not exist is said so to anyone (S3 answers NoSuchBucket before
// AccessDenied).
import { S3Error } from '../errors.js';

/** What an action acts on: the service (no resource), a bucket, an object, or the admin API. */
export type ActionTarget = 'service' | 'bucket' | 'object' | 'admin';

export interface ActionSpec {
  /** The kinds of route that may carry this action. */
  readonly on: readonly ActionTarget[];
  /** The action makes its bucket: there is no owner to check yet (CreateBucket). */
  readonly creates?: true;
}

/**
 * The IAM actions Coffer's routes name, with the resource types AWS lists for each.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * s3:DeleteObject is also carried by DeleteObjects, a bucket request whose body names the objects.
 */
export const ACTIONS: Readonly<Record<string, ActionSpec>> = {
  's3:ListAllMyBuckets': { on: ['service'] },
  's3:CreateBucket': { on: ['bucket'], creates: true },
  's3:DeleteBucket': { on: ['bucket'] },
  's3:ListBucket': { on: ['bucket'] },
  's3:ListBucketVersions': { on: ['bucket'] },
  's3:ListBucketMultipartUploads': { on: ['bucket'] },
  's3:GetBucketLocation': { on: ['bucket'] },
  's3:GetBucketVersioning': { on: ['bucket'] },
  's3:GetBucketTagging': { on: ['bucket'] },
  's3:PutBucketTagging': { on: ['bucket'] },
  's3:GetBucketCORS': { on: ['bucket'] },
  's3:PutBucketCORS': { on: ['bucket'] },
  's3:GetObject': { on: ['object'] },
  's3:GetObjectVersion': { on: ['object'] },
  's3:GetObjectAttributes': { on: ['object'] },
  's3:GetObjectVersionAttributes': { on: ['object'] },
  's3:PutObject': { on: ['object'] },
  's3:DeleteObject': { on: ['object', 'bucket'] },
  's3:DeleteObjectVersion': { on: ['object'] },
  's3:AbortMultipartUpload': { on: ['object'] },
  's3:ListMultipartUploadParts': { on: ['object'] },
  's3:GetObjectTagging': { on: ['object'] },
  's3:GetObjectVersionTagging': { on: ['object'] },
  's3:PutObjectTagging': { on: ['object'] },
  's3:PutObjectVersionTagging': { on: ['object'] },
  's3:DeleteObjectTagging': { on: ['object'] },
  's3:DeleteObjectVersionTagging': { on: ['object'] },
  's3:RestoreObject': { on: ['object'] },
  's3:GetLifecycleConfiguration': { on: ['bucket'] },
  's3:PutLifecycleConfiguration': { on: ['bucket'] },
  // Coffer's own JSON API under /_coffer/admin/v1/: admin users only.
  'coffer:Admin': { on: ['admin'] },
};

/** Who asks: a signed-in user, or nobody (an unsigned request). */
export type Principal = { readonly type: 'anonymous' } | { readonly type: 'user'; readonly userId: string; readonly admin: boolean };

export const ANONYMOUS: Principal = { type: 'anonymous' };

/** What the request is about, with what the metadata store says of it. */
export interface Resource {
  /** `*` for the service, `arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/key`. */
  readonly arn: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly versionId?: string;
  /** The bucket owner's user id; null when the bucket does not exist; absent when no bucket is named. */
  readonly bucketOwnerId?: string | null;
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
  /** How the request was signed: in the Authorization header, in the query, in a POST form's policy, or not at all. */
  readonly authType: 'header' | 'query' | 'post' | 'anonymous';
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
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly error: S3Error };

const ALLOW: Decision = { allowed: true };

function deny(error: S3Error): Decision {
  return { allowed: false, error };
}

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

export function decide(r: AccessRequest): Decision {
  const spec = ACTIONS[r.action];
  // A route naming an action this table lacks is refused at start-up (checkRouteTable); reaching
  // here with one is a bug, and a bug must not open anything.
  if (spec === undefined) throw new Error(`unknown action ${r.action}`);
  const mustExist = needsBucketOwner(r.action);
  if (r.principal.type === 'anonymous') {
    if (mustExist && r.resource.bucketOwnerId === null) return deny(noSuchBucket(r.resource));
    return deny(new S3Error('AccessDenied'));
  }
  if (spec.on.includes('admin')) return r.principal.admin ? ALLOW : deny(new S3Error('AccessDenied'));
  // Any user may list their own buckets and create one; the engine answers BucketAlreadyExists.
  if (!mustExist) return ALLOW;
  const owner = r.resource.bucketOwnerId;
  if (owner === undefined) throw new Error(`${r.action} on ${r.resource.arn} asked without its bucket's owner`);
  if (owner === null) return deny(noSuchBucket(r.resource));
  if (owner !== r.principal.userId) return deny(new S3Error('AccessDenied'));
  if (r.expectedBucketOwner !== undefined && r.expectedBucketOwner !== owner) return deny(new S3Error('AccessDenied'));
  return ALLOW;
}

/** decide(), throwing the refusal. */
export function authorize(r: AccessRequest): void {
  const d = decide(r);
  if (!d.allowed) throw d.error;
}
