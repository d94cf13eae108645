// The shapes of access control documents, shared by the records that keep them (src/meta) and the
// authorizer that reads them (src/auth): ACLs, bucket policies, Object Ownership and Block Public
// Access, and the grants S3's canned ACLs stand for; what they mean for a request is decided in
// src/auth.

export type Permission = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';

export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

/** A grantee once resolved: a user by canonical id, or a predefined group by URI (emails are resolved to ids when stored). */
export type AclGrantee = { readonly type: 'CanonicalUser'; readonly id: string } | { readonly type: 'Group'; readonly uri: string };

export interface AclGrant {
  readonly grantee: AclGrantee;
  readonly permission: Permission;
}

/**
 * A bucket's or an object version's ACL: its grants. The owner is the resource's (the bucket's
 * or the version's ownerId); the owner's own FULL_CONTROL is one of the grants, as S3 shows it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
 */
export interface AccessControlList {
  readonly grants: readonly AclGrant[];
}

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html */
export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html */
export interface PublicAccessBlock {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

/** A Principal or NotPrincipal element: everyone (`"*"`), or the AWS and CanonicalUser values it lists. */
export type PolicyPrincipal = '*' | { readonly aws: readonly string[]; readonly canonicalUser: readonly string[] };

/** One statement, its single-or-list elements made lists. */
export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principal?: PolicyPrincipal;
  readonly notPrincipal?: PolicyPrincipal;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  /** operator (e.g. `ForAnyValue:StringLikeIfExists`) → condition key → values. */
  readonly condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly version?: string;
  readonly id?: string;
  readonly statements: readonly PolicyStatement[];
}

/** A bucket policy: the text as the owner sent it (GetBucketPolicy answers it) and its parsed form. */
export interface BucketPolicy {
  readonly text: string;
  readonly document: PolicyDocument;
}

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

/** The predefined groups S3 knows; a grant to any other URI is refused. */
export const GROUP_URIS: readonly string[] = [ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY];

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

export function isCannedAcl(v: string): v is CannedAcl {
  return (CANNED_ACLS as readonly string[]).includes(v);
}

const user = (id: string, permission: Permission): AclGrant => ({ grantee: { type: 'CanonicalUser', id }, permission });
const group = (uri: string, permission: Permission): AclGrant => ({ grantee: { type: 'Group', uri }, permission });

/**
 * The grants a canned ACL stands for. `bucketOwnerId` matters only for the bucket-owner-* ACLs of
 * an object; on a bucket they grant the owner FULL_CONTROL alone. aws-exec-read's extra READ goes
 * to Amazon EC2's own account, which no Coffer deployment has: it leaves the owner's grant alone.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
 */
export function cannedGrants(canned: CannedAcl, ownerId: string, bucketOwnerId: string): AclGrant[] {
  // Group grants come first and the owner's last, the order Ceph RGW answers in (and s3-tests
  // compares grants lists that start with a group in that order).
  const grants: AclGrant[] = [];
  switch (canned) {
    case 'public-read':
      grants.push(group(ALL_USERS, 'READ'));
      break;
    case 'public-read-write':
      grants.push(group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE'));
      break;
    case 'authenticated-read':
      grants.push(group(AUTHENTICATED_USERS, 'READ'));
      break;
    case 'bucket-owner-read':
      if (bucketOwnerId !== ownerId) grants.push(user(bucketOwnerId, 'READ'));
      break;
    case 'bucket-owner-full-control':
      if (bucketOwnerId !== ownerId) grants.push(user(bucketOwnerId, 'FULL_CONTROL'));
      break;
    case 'log-delivery-write':
      grants.push(group(LOG_DELIVERY, 'WRITE'), group(LOG_DELIVERY, 'READ_ACP'));
      break;
    default:
      break;
  }
  grants.push(user(ownerId, 'FULL_CONTROL'));
  return grants;
}
