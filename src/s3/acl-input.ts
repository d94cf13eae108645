// ACLs as clients send and read them (pure; throws S3Error on bad input): the x-amz-acl canned ACL
// and x-amz-grant-* headers of CreateBucket, PutObject, CopyObject, CreateMultipartUpload and
// Put*Acl, the AccessControlPolicy document of Put*Acl, and the document Get*Acl answers.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlPolicy.html
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '../errors.js';
import { headerOf } from '../http/context.js';
import { PERMISSIONS, isCannedAcl } from '../auth/acl.js';
import type { AclGrant, Permission } from '../auth/acl.js';
import type { AclInput, GrantInput, GranteeInput } from '../engine/access.js';
import type { XmlObject } from './xml.js';
import { parseXml, renderXml } from './xml.js';
import { isElement, onlyChildren } from './xml-schema.js';
import type { XmlNode } from './xml-schema.js';

const GRANT_HEADERS: ReadonlyArray<readonly [string, Permission]> = [
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
];

/**
 * One x-amz-grant-* header: a comma-separated list of `id="…"`, `emailAddress="…"` or `uri="…"`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html#AmazonS3-PutObjectAcl-request-header-GrantRead
 */
export function parseGrantHeader(name: string, value: string, permission: Permission): GrantInput[] {
  const invalid = (): S3Error => new S3Error('InvalidArgument', { message: 'Invalid grant header', fields: { ArgumentName: name, ArgumentValue: value } });
  const grants: GrantInput[] = [];
  const item = /\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s"]*))\s*(,|$)/y;
  let pos = 0;
  while (pos < value.length) {
    item.lastIndex = pos;
    const m = item.exec(value);
    if (!m) throw invalid();
    const kind = m[1]!.toLowerCase();
    const v = m[2] ?? m[3] ?? '';
    let grantee: GranteeInput;
    if (kind === 'id') grantee = { type: 'CanonicalUser', id: v };
    else if (kind === 'emailaddress') grantee = { type: 'Email', email: v };
    else if (kind === 'uri') grantee = { type: 'Group', uri: v };
    else throw invalid();
    if (v === '') throw invalid();
    grants.push({ grantee, permission });
    pos = item.lastIndex;
    if (m[4] === '') break;
  }
  if (grants.length === 0) throw invalid();
  return grants;
}

/**
 * The ACL a request's headers ask for: x-amz-acl, or the x-amz-grant-* headers; undefined when
 * it sends neither. Both at once is InvalidRequest, as S3 answers.
 */
export function parseAclHeaders(headers: IncomingHttpHeaders): AclInput | undefined {
  const canned = headerOf(headers, 'x-amz-acl');
  const grants: GrantInput[] = [];
  for (const [name, permission] of GRANT_HEADERS) {
    const v = headerOf(headers, name);
    if (v !== undefined) grants.push(...parseGrantHeader(name, v, permission));
  }
  if (canned !== undefined) {
    if (grants.length > 0) throw new S3Error('InvalidRequest', { message: 'Specifying both Canned ACLs and Header Grants is not allowed' });
    if (!isCannedAcl(canned)) throw new S3Error('InvalidArgument', { fields: { ArgumentName: 'x-amz-acl', ArgumentValue: canned } });
    return { canned };
  }
  return grants.length > 0 ? { grants } : undefined;
}

function malformed(): S3Error {
  return new S3Error('MalformedACLError');
}

function text(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw malformed();
  return v.trim();
}

function parseGrantee(g: unknown): GranteeInput {
  if (!isElement(g)) throw malformed();
  onlyChildren(g, ['ID', 'DisplayName', 'EmailAddress', 'URI'], 'MalformedACLError');
  const id = text(g, 'ID');
  const email = text(g, 'EmailAddress');
  const uri = text(g, 'URI');
  text(g, 'DisplayName');
  // The document's xsi:type says which one it is; exactly one of them names the grantee.
  const given = [id, email, uri].filter((v) => v !== undefined);
  if (given.length !== 1 || given[0] === '') throw malformed();
  if (id !== undefined) return { type: 'CanonicalUser', id };
  if (email !== undefined) return { type: 'Email', email };
  return { type: 'Group', uri: uri! };
}

/**
 * An AccessControlPolicy document: an optional Owner, and an AccessControlList of Grants, each a
 * Grantee (ID, EmailAddress or URI) and a Permission. Anything not well-formed or off that
 * schema is MalformedACLError. https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlPolicy.html
 */
export function parseAclDocument(body: string): AclInput {
  const doc = parseXml(body, new Set(['Grant']), 'MalformedACLError');
  onlyChildren(doc, ['AccessControlPolicy'], 'MalformedACLError');
  const root = doc.AccessControlPolicy;
  if (!isElement(root)) throw malformed();
  onlyChildren(root, ['Owner', 'AccessControlList'], 'MalformedACLError');
  let ownerId: string | undefined;
  if (root.Owner !== undefined) {
    if (!isElement(root.Owner)) throw malformed();
    onlyChildren(root.Owner, ['ID', 'DisplayName'], 'MalformedACLError');
    ownerId = text(root.Owner, 'ID');
  }
  const list = root.AccessControlList;
  if (list === undefined) throw malformed();
  const grants: GrantInput[] = [];
  if (typeof list === 'string') {
    if (list.trim() !== '') throw malformed();
  } else if (isElement(list)) {
    onlyChildren(list, ['Grant'], 'MalformedACLError');
    for (const g of (list.Grant ?? []) as unknown[]) {
      if (!isElement(g)) throw malformed();
      onlyChildren(g, ['Grantee', 'Permission'], 'MalformedACLError');
      const permission = text(g, 'Permission');
      if (permission === undefined || !(PERMISSIONS as readonly string[]).includes(permission)) throw malformed();
      grants.push({ grantee: parseGrantee(g.Grantee), permission: permission as Permission });
    }
  } else {
    throw malformed();
  }
  return { grants, ownerId };
}

/** Group grants of an ACL input, as the authorizer's Block Public Access check reads them (user grants never make an ACL public). */
export function groupGrantsOf(input: AclInput): AclGrant[] {
  if ('canned' in input) {
    switch (input.canned) {
      case 'public-read':
        return [{ grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' }];
      case 'public-read-write':
        return [
          { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' },
          { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'WRITE' },
        ];
      case 'authenticated-read':
        return [{ grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, permission: 'READ' }];
      default:
        return [];
    }
  }
  return input.grants.flatMap((g) => (g.grantee.type === 'Group' ? [{ grantee: { type: 'Group', uri: g.grantee.uri }, permission: g.permission }] : []));
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The AccessControlPolicy document of GetBucketAcl and GetObjectAcl; `names` gives display names by user id. */
export function renderAcl(ownerId: string, grants: readonly AclGrant[], names: ReadonlyMap<string, string>): string {
  const grantee = (g: AclGrant): XmlObject =>
    g.grantee.type === 'CanonicalUser'
      ? { '@_xmlns:xsi': XSI, '@_xsi:type': 'CanonicalUser', ID: g.grantee.id, DisplayName: names.get(g.grantee.id) ?? '' }
      : { '@_xmlns:xsi': XSI, '@_xsi:type': 'Group', URI: g.grantee.uri };
  // Group grants are listed first, as Ceph RGW lists them (s3-tests compares lists in that order).
  const ordered = [...grants.filter((g) => g.grantee.type === 'Group'), ...grants.filter((g) => g.grantee.type !== 'Group')];
  return renderXml('AccessControlPolicy', {
    Owner: { ID: ownerId, DisplayName: names.get(ownerId) ?? '' },
    AccessControlList: { Grant: ordered.map((g) => ({ Grantee: grantee(g), Permission: g.permission })) },
  });
}
