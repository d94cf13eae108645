import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode as code } from '../../test/helpers/s3-errors.js';
import { groupGrantsOf, parseAclDocument, parseAclHeaders, parseGrantHeader } from './acl-input.js';

test('a grant header lists id, emailAddress and uri grantees, quoted or not', () => {
  assert.deepEqual(parseGrantHeader('x-amz-grant-read', 'id="abc", emailAddress="a@b.c",uri="http://acs.amazonaws.com/groups/global/AllUsers"', 'READ'), [
    { grantee: { type: 'CanonicalUser', id: 'abc' }, permission: 'READ' },
    { grantee: { type: 'Email', email: 'a@b.c' }, permission: 'READ' },
    { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' },
  ]);
  assert.deepEqual(parseGrantHeader('x-amz-grant-read', 'id=abc', 'READ'), [{ grantee: { type: 'CanonicalUser', id: 'abc' }, permission: 'READ' }]);
  for (const bad of ['', 'name="x"', 'id=""', 'id="a" junk'])
    assert.equal(
      code(() => parseGrantHeader('x-amz-grant-read', bad, 'READ')),
      'InvalidArgument',
      bad,
    );
});

test('x-amz-acl and the grant headers: one or the other, never both; an unknown canned ACL is InvalidArgument', () => {
  assert.deepEqual(parseAclHeaders({ 'x-amz-acl': 'public-read' }), { canned: 'public-read' });
  assert.equal(parseAclHeaders({}), undefined);
  assert.deepEqual(parseAclHeaders({ 'x-amz-grant-full-control': 'id="a"' }), { grants: [{ grantee: { type: 'CanonicalUser', id: 'a' }, permission: 'FULL_CONTROL' }] });
  assert.equal(
    code(() => parseAclHeaders({ 'x-amz-acl': 'private', 'x-amz-grant-read': 'id="a"' })),
    'InvalidRequest',
  );
  assert.equal(
    code(() => parseAclHeaders({ 'x-amz-acl': 'everyone' })),
    'InvalidArgument',
  );
});

test('an ACL document reads its owner and grants; anything off-schema is MalformedACLError', () => {
  const doc =
    '<AccessControlPolicy><Owner><ID>o</ID><DisplayName>n</DisplayName></Owner><AccessControlList>' +
    '<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>' +
    '<Grant><Grantee xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>' +
    '</AccessControlList></AccessControlPolicy>';
  assert.deepEqual(parseAclDocument(doc), {
    ownerId: 'o',
    grants: [
      { grantee: { type: 'CanonicalUser', id: 'o' }, permission: 'FULL_CONTROL' },
      { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' },
    ],
  });
  assert.deepEqual(parseAclDocument('<AccessControlPolicy><AccessControlList/></AccessControlPolicy>'), { ownerId: undefined, grants: [] });
  for (const bad of [
    '<AccessControlPolicy>',
    '<Acl/>',
    '<AccessControlPolicy/>',
    '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>a</ID><URI>u</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
    '<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>a</ID></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>',
    '<AccessControlPolicy><AccessControlList><Extra/></AccessControlList></AccessControlPolicy>',
  ]) {
    assert.equal(
      code(() => parseAclDocument(bad)),
      'MalformedACLError',
      bad,
    );
  }
});

test('only group grants can make an ACL public', () => {
  assert.equal(groupGrantsOf({ canned: 'public-read-write' }).length, 2);
  assert.equal(groupGrantsOf({ canned: 'bucket-owner-full-control' }).length, 0);
  assert.equal(groupGrantsOf({ grants: [{ grantee: { type: 'Email', email: 'a@b.c' }, permission: 'READ' }] }).length, 0);
});
