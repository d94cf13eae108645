// Users, ACL documents and policies for the access-control tests.
import type { S3Client } from '@aws-sdk/client-s3';
import type { TestCoffer } from './coffer.js';
import { bucketName } from './coffer.js';
import { contentMd5 } from './tagging.js';
import type { RawRequest } from './raw.js';

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

export interface TestUser {
  id: string;
  name: string;
  email: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  s3: S3Client;
}

/** A fresh non-admin user with an email address, and an SDK client signed by them. */
export async function newUser(c: TestCoffer, prefix = 'user'): Promise<TestUser> {
  const name = bucketName(prefix);
  const email = `${name}@example.com`;
  const u = await c.server.engine.createUser({ name, email });
  return { id: u.user.id, name, email, credentials: { accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey }, s3: c.client(u.accessKeyId, u.secretAccessKey) };
}

/** The id of the root user the test Coffer's default client signs as. */
export async function rootId(c: TestCoffer): Promise<string> {
  const users = await c.server.engine.listUsers();
  return users.find((u) => u.name === 'root')!.id;
}

export type GranteeSpec = { id: string } | { email: string } | { uri: string };

/** An AccessControlPolicy document with these grants. */
export function aclXml(ownerId: string | undefined, grants: Array<[GranteeSpec, string]>): string {
  const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const grantee = (g: GranteeSpec): string =>
    'id' in g
      ? `<Grantee ${xsi} xsi:type="CanonicalUser"><ID>${g.id}</ID></Grantee>`
      : 'email' in g
        ? `<Grantee ${xsi} xsi:type="AmazonCustomerByEmail"><EmailAddress>${g.email}</EmailAddress></Grantee>`
        : `<Grantee ${xsi} xsi:type="Group"><URI>${g.uri}</URI></Grantee>`;
  const owner = ownerId === undefined ? '' : `<Owner><ID>${ownerId}</ID></Owner>`;
  return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${owner}<AccessControlList>${grants
    .map(([g, p]) => `<Grant>${grantee(g)}<Permission>${p}</Permission></Grant>`)
    .join('')}</AccessControlList></AccessControlPolicy>`;
}

/** A body with its Content-MD5, for raw requests. */
export function withBody(body: string, type = 'application/xml'): Pick<RawRequest, 'body' | 'headers'> {
  return { body, headers: { 'content-md5': contentMd5(body), 'content-type': type } };
}

/** A policy document of these statements, as JSON text. */
export function policyJson(...statements: Array<Record<string, unknown>>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** Grants of an SDK Get*Acl answer as "grantee permission" strings, sorted. */
export function grantsOf(out: { Grants?: Array<{ Grantee?: { ID?: string; URI?: string; Type?: string }; Permission?: string }> }): string[] {
  return (out.Grants ?? []).map((g) => `${g.Grantee?.ID ?? g.Grantee?.URI} ${g.Permission}`).sort();
}
