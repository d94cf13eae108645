// Access control lists as the authorizer reads them: who is granted which permission on a bucket
// or an object, the canned ACLs S3 names, and which grants make a resource public. Pure: the
// records that hold ACLs (src/meta/types.ts) share their shapes (src/access.ts), and the S3 side
// passes them in.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html

import { ALL_USERS, AUTHENTICATED_USERS } from '../access.js';
import type { AclGrant, AclGrantee, Permission } from '../access.js';

export type { AclGrant, AclGrantee, CannedAcl, Permission } from '../access.js';
export { ALL_USERS, AUTHENTICATED_USERS, CANNED_ACLS, GROUP_URIS, LOG_DELIVERY, PERMISSIONS, cannedGrants, isCannedAcl } from '../access.js';

/** A resource's ACL with its owner, as the authorizer reads it. */
export interface AclView {
  readonly ownerId: string;
  readonly grants: readonly AclGrant[];
}

/** The ACL a resource has when none was set: its owner's FULL_CONTROL ("private"). */
export function defaultAcl(ownerId: string): AclView {
  return { ownerId, grants: [{ grantee: { type: 'CanonicalUser', id: ownerId }, permission: 'FULL_CONTROL' }] };
}

/** Whether a grant goes to everyone or to every signed-in user: S3's "public" ACL. */
export function isPublicGrant(g: AclGrant): boolean {
  return g.grantee.type === 'Group' && (g.grantee.uri === ALL_USERS || g.grantee.uri === AUTHENTICATED_USERS);
}

/** Whether the ACL holds a grant that Block Public Access calls public. */
export function isPublicAcl(grants: readonly AclGrant[]): boolean {
  return grants.some(isPublicGrant);
}

/** Who asks, as an ACL sees them: a canonical user id, or nobody. */
export interface AclRequester {
  readonly userId?: string;
}

function granteeMatches(g: AclGrantee, who: AclRequester): boolean {
  if (g.type === 'CanonicalUser') return who.userId !== undefined && g.id === who.userId;
  if (g.uri === ALL_USERS) return true;
  return g.uri === AUTHENTICATED_USERS && who.userId !== undefined;
}

/**
 * Whether `acl` grants `who` the permission (FULL_CONTROL grants every one). With `ignorePublic`
 * (Block Public Access's IgnorePublicAcls), grants to AllUsers and AuthenticatedUsers count for nothing.
 */
export function aclGrants(acl: AclView, who: AclRequester, permission: Permission, ignorePublic: boolean): boolean {
  for (const g of acl.grants) {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') continue;
    if (ignorePublic && isPublicGrant(g)) continue;
    if (granteeMatches(g.grantee, who)) return true;
  }
  return false;
}

/** The ACL with each grant once, in the order first given (S3 keeps a repeated grant once). */
export function uniqueGrants(grants: readonly AclGrant[]): AclGrant[] {
  const seen = new Set<string>();
  const out: AclGrant[] = [];
  for (const g of grants) {
    const id = `${g.grantee.type === 'CanonicalUser' ? g.grantee.id : g.grantee.uri} ${g.permission}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(g);
  }
  return out;
}
