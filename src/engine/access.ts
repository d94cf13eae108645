// Access control documents of buckets and objects: ACLs (canned, by grant headers, or as a
// document), Object Ownership, bucket policies and Block Public Access. The engine stores them and
// applies S3's rules for what may be stored; who may ask is decided by the authorizer before.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
import { S3Error } from '../errors.js';
import { GROUP_URIS, cannedGrants } from '../access.js';
import type { AclGrant, CannedAcl, Permission } from '../access.js';
import type { MetaReader } from '../meta/store.js';
import type { AccessControlList, BucketPolicy, BucketRecord, ObjectOwnership, ObjectRecord, PublicAccessBlock } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import { freshBucket, requireBucketIn, setBucketConfigDocument } from './bucket-config.js';
import { liveVersion, validateVersionId } from './object-read.js';
import { isVersionId } from './version-id.js';

/** A grantee as a request names it: by canonical id, by email address, or a group's URI. */
export type GranteeInput = { type: 'CanonicalUser'; id: string } | { type: 'Email'; email: string } | { type: 'Group'; uri: string };

export interface GrantInput {
  grantee: GranteeInput;
  permission: Permission;
}

/**
 * The ACL a request asks for: a canned ACL (x-amz-acl, or a browser POST's `acl` field), grants
 * (x-amz-grant-* headers, or an AccessControlPolicy document), each resolved when stored.
 */
export type AclInput = { canned: CannedAcl } | { grants: GrantInput[] /** The Owner/ID an ACL document names, checked against the resource's. */; ownerId?: string };

/** The canned ACL S3 treats as "no ACL" under BucketOwnerEnforced. */
const ENFORCED_ALLOWED: CannedAcl = 'bucket-owner-full-control';

function enforcedRefuses(input: AclInput | undefined, bucketOwnerId: string): boolean {
  if (input === undefined) return false;
  if ('canned' in input) return input.canned !== ENFORCED_ALLOWED;
  // "…or equivalent forms of this ACL that are expressed in the XML format": the bucket owner's FULL_CONTROL alone.
  return !(
    input.grants.length === 1 &&
    input.grants[0]!.permission === 'FULL_CONTROL' &&
    input.grants[0]!.grantee.type === 'CanonicalUser' &&
    input.grants[0]!.grantee.id === bucketOwnerId
  );
}

/**
 * Who owns a new object written by `writerId` (undefined: an anonymous request, whose object the
 * bucket owner owns): the bucket owner under BucketOwnerEnforced, and under BucketOwnerPreferred
 * when the write carries bucket-owner-full-control; the writer otherwise (ObjectWriter).
 * Under BucketOwnerEnforced any ACL but bucket-owner-full-control is AccessControlListNotSupported.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
export function newObjectOwner(bucket: BucketRecord, writerId: string | undefined, acl: AclInput | undefined): string {
  const ownership = bucket.config.ownership ?? 'ObjectWriter';
  if (ownership === 'BucketOwnerEnforced') {
    if (enforcedRefuses(acl, bucket.ownerId)) throw new S3Error('AccessControlListNotSupported');
    return bucket.ownerId;
  }
  if (writerId === undefined) return bucket.ownerId;
  if (ownership === 'BucketOwnerPreferred' && acl !== undefined && 'canned' in acl && acl.canned === 'bucket-owner-full-control') return bucket.ownerId;
  return writerId;
}

async function userByEmail(meta: MetaReader, email: string): Promise<string | undefined> {
  const wanted = email.toLowerCase();
  return (await meta.listUsers()).find((u) => u.email !== null && u.email.toLowerCase() === wanted)?.id;
}

/**
 * The stored form of a requested ACL for a resource owned by `ownerId` in a bucket owned by
 * `bucketOwnerId`: canned ACLs expanded, email addresses resolved to canonical ids
 * (UnresolvableGrantByEmailAddress), canonical ids checked (InvalidArgument), group URIs checked.
 * The private ACL is stored as nothing. Undefined input: the default (nothing stored).
 */
export async function resolveAcl(meta: MetaReader, input: AclInput | undefined, ownerId: string, bucketOwnerId: string): Promise<AccessControlList | undefined> {
  if (input === undefined) return undefined;
  let grants: AclGrant[];
  if ('canned' in input) {
    grants = cannedGrants(input.canned, ownerId, bucketOwnerId);
  } else {
    grants = [];
    for (const g of input.grants) {
      const e = g.grantee;
      if (e.type === 'Group') {
        if (!GROUP_URIS.includes(e.uri)) throw new S3Error('InvalidArgument', { message: 'Invalid group uri', fields: { ArgumentName: 'uri', ArgumentValue: e.uri } });
        grants.push({ grantee: { type: 'Group', uri: e.uri }, permission: g.permission });
      } else if (e.type === 'Email') {
        const id = await userByEmail(meta, e.email);
        if (id === undefined) throw new S3Error('UnresolvableGrantByEmailAddress', { fields: { EmailAddress: e.email } });
        grants.push({ grantee: { type: 'CanonicalUser', id }, permission: g.permission });
      } else {
        if (!(await meta.getUser(e.id))) throw new S3Error('InvalidArgument', { message: 'Invalid id', fields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: e.id } });
        grants.push({ grantee: { type: 'CanonicalUser', id: e.id }, permission: g.permission });
      }
    }
  }
  const seen = new Set<string>();
  const unique = grants.filter((g) => {
    const id = `${g.grantee.type === 'CanonicalUser' ? g.grantee.id : g.grantee.uri} ${g.permission}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const isPrivate = unique.length === 1 && unique[0]!.permission === 'FULL_CONTROL' && unique[0]!.grantee.type === 'CanonicalUser' && unique[0]!.grantee.id === ownerId;
  return isPrivate ? undefined : { grants: unique };
}

/** An ACL document names the resource's owner or no owner at all: one naming another is AccessDenied, as S3 answers. */
function checkDocumentOwner(input: AclInput, ownerId: string): void {
  if ('grants' in input && input.ownerId !== undefined && input.ownerId !== ownerId) throw new S3Error('AccessDenied');
}

export interface AclOutput {
  ownerId: string;
  acl: AccessControlList;
}

function withDefault(ownerId: string, acl: AccessControlList | undefined): AclOutput {
  return { ownerId, acl: acl ?? { grants: [{ grantee: { type: 'CanonicalUser', id: ownerId }, permission: 'FULL_CONTROL' }] } };
}

export async function getBucketAcl(deps: EngineDeps, bucket: string): Promise<AclOutput> {
  const b = await freshBucket(deps, bucket);
  return withDefault(b.ownerId, b.config.acl);
}

/** ACLs of a bucket under BucketOwnerEnforced cannot change; a public one may not be set beside it. */
export async function putBucketAcl(deps: EngineDeps, bucket: string, input: AclInput): Promise<void> {
  // Users (for email grants) are read before the transaction, which may await only its own reads.
  const b = await freshBucket(deps, bucket);
  checkDocumentOwner(input, b.ownerId);
  if (b.config.ownership === 'BucketOwnerEnforced') throw new S3Error('AccessControlListNotSupported');
  const acl = await resolveAcl(deps.meta, input, b.ownerId, b.ownerId);
  await setBucketConfigDocument(deps, bucket, 'acl', () => acl);
}

export interface ObjectAclTarget {
  bucket: string;
  key: string;
  versionId?: string;
}

function shownVersionId(bucket: BucketRecord, obj: ObjectRecord): string | undefined {
  return bucket.versioning !== null || obj.versionId !== 'null' ? obj.versionId : undefined;
}

export async function getObjectAcl(deps: EngineDeps, t: ObjectAclTarget): Promise<AclOutput & { versionId: string | undefined }> {
  validateVersionId(t.versionId);
  const bucket = await cachedBucket(deps, t.bucket);
  if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: t.bucket } });
  const obj = liveVersion(await deps.meta.getObject(t.bucket, t.key, t.versionId), t.key, t.versionId);
  // Under BucketOwnerEnforced every object is the bucket owner's, with its FULL_CONTROL alone.
  if (bucket.config.ownership === 'BucketOwnerEnforced') return { ...withDefault(bucket.ownerId, undefined), versionId: shownVersionId(bucket, obj) };
  return { ...withDefault(obj.ownerId, obj.acl), versionId: shownVersionId(bucket, obj) };
}

export async function putObjectAcl(deps: EngineDeps, t: ObjectAclTarget, input: AclInput): Promise<{ versionId: string | undefined }> {
  validateVersionId(t.versionId);
  const bucket = await freshBucket(deps, t.bucket);
  if (bucket.config.ownership === 'BucketOwnerEnforced') throw new S3Error('AccessControlListNotSupported');
  const current = liveVersion(await deps.meta.getObject(t.bucket, t.key, t.versionId), t.key, t.versionId);
  checkDocumentOwner(input, current.ownerId);
  const acl = await resolveAcl(deps.meta, input, current.ownerId, bucket.ownerId);
  return deps.meta.transaction(async (tx) => {
    const b = await requireBucketIn(tx, t.bucket);
    // The same version, still there: a write racing this one has one outcome.
    const obj = liveVersion(await tx.getObject(t.bucket, t.key, current.versionId), t.key, t.versionId);
    await tx.setObjectAcl(t.bucket, t.key, obj.versionId, acl);
    return { versionId: shownVersionId(b, obj) };
  });
}

/** GetBucketOwnershipControls: 404 OwnershipControlsNotFoundError until one is set (the bucket then behaves as ObjectWriter). */
export async function getBucketOwnershipControls(deps: EngineDeps, bucket: string): Promise<ObjectOwnership> {
  const b = await freshBucket(deps, bucket);
  if (b.config.ownership === undefined) throw new S3Error('OwnershipControlsNotFoundError', { fields: { BucketName: bucket } });
  return b.config.ownership;
}

/**
 * Set (or with undefined remove) Object Ownership. BucketOwnerEnforced is refused while the
 * bucket's ACL grants anyone but its owner: InvalidBucketAclWithObjectOwnership.
 */
export async function putBucketOwnershipControls(deps: EngineDeps, bucket: string, ownership: ObjectOwnership | undefined): Promise<void> {
  await setBucketConfigDocument(deps, bucket, 'ownership', (b) => {
    if (ownership === 'BucketOwnerEnforced' && b.config.acl !== undefined && !ownerOnly(b.config.acl, b.ownerId)) {
      throw new S3Error('InvalidBucketAclWithObjectOwnership');
    }
    return ownership;
  });
}

function ownerOnly(acl: AccessControlList, ownerId: string): boolean {
  return acl.grants.every((g) => g.grantee.type === 'CanonicalUser' && g.grantee.id === ownerId);
}

export async function getBucketPolicy(deps: EngineDeps, bucket: string): Promise<BucketPolicy> {
  const b = await freshBucket(deps, bucket);
  if (b.config.policy === undefined) throw new S3Error('NoSuchBucketPolicy', { fields: { BucketName: bucket } });
  return b.config.policy;
}

/** The bucket's policy (if any) and ACL, read past the cache, for GetBucketPolicyStatus. */
export async function bucketAccessDocuments(deps: EngineDeps, bucket: string): Promise<{ policy?: BucketPolicy; acl?: AccessControlList }> {
  const b = await freshBucket(deps, bucket);
  return { policy: b.config.policy, acl: b.config.acl };
}

export async function putBucketPolicy(deps: EngineDeps, bucket: string, policy: BucketPolicy | undefined): Promise<void> {
  await setBucketConfigDocument(deps, bucket, 'policy', () => policy);
}

export async function getPublicAccessBlock(deps: EngineDeps, bucket: string): Promise<PublicAccessBlock> {
  const b = await freshBucket(deps, bucket);
  if (b.config.publicAccessBlock === undefined) throw new S3Error('NoSuchPublicAccessBlockConfiguration', { fields: { BucketName: bucket } });
  return b.config.publicAccessBlock;
}

export async function putPublicAccessBlock(deps: EngineDeps, bucket: string, pab: PublicAccessBlock | undefined): Promise<void> {
  await setBucketConfigDocument(deps, bucket, 'publicAccessBlock', () => pab);
}

/** The object (the version named, else the latest) as the authorizer needs it; undefined when absent or a delete marker. */
export async function objectForAccess(deps: EngineDeps, bucket: string, key: string, versionId: string | undefined): Promise<ObjectRecord | undefined> {
  // A malformed version id is the handler's InvalidArgument; the authorizer sees no object.
  if (versionId !== undefined && !isVersionId(versionId)) return undefined;
  const obj = await deps.meta.getObject(bucket, key, versionId);
  return obj && !obj.deleteMarker ? obj : undefined;
}
