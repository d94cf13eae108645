import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode as code } from '../../test/helpers/s3-errors.js';
import { ROUTES, checkRouteTable, matchRoute } from './router.js';
import type { On, Route } from './router.js';
import { checkS3Routes } from './dispatch.js';

function op(method: string, on: On, query = '', headers: string[] = []): string {
  return matchRoute({ method, on, query: new URLSearchParams(query), hasHeader: (h) => headers.includes(h) }).op;
}

test('the route table has no two rows matching one request', () => {
  checkRouteTable();
});

test('every route has a handler and an action the authorizer knows for its kind of resource', () => {
  checkS3Routes();
  for (const r of ROUTES) assert.match(r.action, /^s3:[A-Z][A-Za-z]+$/, r.op);
});

test('the start-up check refuses a route without an action, with an unknown one, or one for another kind of resource', () => {
  const row: Route = { method: 'GET', on: 'object', op: 'GetObject', action: 's3:GetObject', body: 'none' };
  assert.throws(() => checkRouteTable([{ ...row, action: '' }]), /route GetObject has no action/);
  assert.throws(() => checkRouteTable([{ ...row, action: undefined as unknown as string }]), /route GetObject has no action/);
  assert.throws(() => checkRouteTable([{ ...row, action: 's3:GetObjekt' }]), /s3:GetObjekt, which the authorizer does not know/);
  assert.throws(() => checkRouteTable([{ ...row, action: 's3:ListBucket' }]), /does not act on the object/);
  assert.throws(() => checkRouteTable([{ ...row, versionAction: 's3:Nope' }]), /s3:Nope/);
  assert.throws(() => checkRouteTable([{ ...row, on: 'service', action: 's3:GetObject' }]), /does not act on the service/);
  assert.throws(() => checkRouteTable([{ ...row, copySource: true }]), /does not match on x-amz-copy-source/);
  checkRouteTable([row]);
});

test('reading, deleting and tagging a version carry the version actions; copies also read their source', () => {
  const route = (method: string, query: string, headers: string[] = []): Route =>
    matchRoute({ method, on: 'object', query: new URLSearchParams(query), hasHeader: (h) => headers.includes(h) });
  assert.equal(route('GET', 'versionId=v').versionAction, 's3:GetObjectVersion');
  assert.equal(route('HEAD', 'versionId=v').versionAction, 's3:GetObjectVersion');
  assert.equal(route('DELETE', 'versionId=v').versionAction, 's3:DeleteObjectVersion');
  assert.equal(route('GET', 'attributes&versionId=v').versionAction, 's3:GetObjectVersionAttributes');
  assert.equal(route('GET', 'tagging&versionId=v').versionAction, 's3:GetObjectVersionTagging');
  assert.equal(route('PUT', 'tagging&versionId=v').versionAction, 's3:PutObjectVersionTagging');
  assert.equal(route('DELETE', 'tagging&versionId=v').versionAction, 's3:DeleteObjectVersionTagging');
  assert.equal(route('PUT', '', ['x-amz-copy-source']).copySource, true);
  assert.equal(route('PUT', 'partNumber=1&uploadId=u', ['x-amz-copy-source']).copySource, true);
  assert.equal(route('PUT', 'tagging', ['x-amz-copy-source']).copySource, undefined);
  assert.equal(route('PUT', '').copySource, undefined);
});

test('each route resolves to its operation', () => {
  assert.equal(op('GET', 'service'), 'ListBuckets');
  assert.equal(op('PUT', 'bucket'), 'CreateBucket');
  assert.equal(op('HEAD', 'bucket'), 'HeadBucket');
  assert.equal(op('DELETE', 'bucket'), 'DeleteBucket');
  assert.equal(op('GET', 'bucket', 'location'), 'GetBucketLocation');
  assert.equal(op('GET', 'bucket'), 'ListObjects');
  assert.equal(op('GET', 'bucket', 'versioning'), 'GetBucketVersioning');
  assert.equal(op('PUT', 'bucket', 'versioning'), 'PutBucketVersioning');
  assert.equal(op('PUT', 'bucket', 'object-lock'), 'PutObjectLockConfiguration');
  assert.equal(op('GET', 'bucket', 'object-lock'), 'GetObjectLockConfiguration');
  assert.equal(op('PUT', 'object', 'retention'), 'PutObjectRetention');
  assert.equal(op('GET', 'object', 'retention&versionId=v'), 'GetObjectRetention');
  assert.equal(op('PUT', 'object', 'legal-hold&versionId=v'), 'PutObjectLegalHold');
  assert.equal(op('GET', 'object', 'legal-hold'), 'GetObjectLegalHold');
  assert.equal(op('GET', 'bucket', 'list-type=2&prefix=a'), 'ListObjectsV2');
  assert.equal(op('POST', 'bucket', 'delete'), 'DeleteObjects');
  assert.equal(op('PUT', 'object'), 'PutObject');
  assert.equal(op('PUT', 'object', '', ['x-amz-copy-source']), 'CopyObject');
  assert.equal(op('GET', 'object', 'versionId=x&response-content-type=a'), 'GetObject');
  assert.equal(op('HEAD', 'object'), 'HeadObject');
  assert.equal(op('DELETE', 'object'), 'DeleteObject');
  assert.equal(op('GET', 'object', 'attributes'), 'GetObjectAttributes');
  assert.equal(op('GET', 'bucket', 'uploads&prefix=a'), 'ListMultipartUploads');
  assert.equal(op('GET', 'bucket', 'versions&prefix=a&key-marker=k&version-id-marker=null'), 'ListObjectVersions');
  assert.equal(op('POST', 'object', 'uploads'), 'CreateMultipartUpload');
  assert.equal(op('PUT', 'object', 'partNumber=1&uploadId=u'), 'UploadPart');
  assert.equal(op('PUT', 'object', 'partNumber=1&uploadId=u', ['x-amz-copy-source']), 'UploadPartCopy');
  assert.equal(op('POST', 'object', 'uploadId=u'), 'CompleteMultipartUpload');
  assert.equal(op('DELETE', 'object', 'uploadId=u'), 'AbortMultipartUpload');
  assert.equal(op('GET', 'object', 'uploadId=u'), 'ListParts');
  assert.equal(op('GET', 'object', 'tagging'), 'GetObjectTagging');
  assert.equal(op('GET', 'object', 'tagging&versionId=v'), 'GetObjectTagging');
  assert.equal(op('PUT', 'object', 'tagging'), 'PutObjectTagging');
  assert.equal(op('PUT', 'object', 'tagging', ['x-amz-copy-source']), 'PutObjectTagging');
  assert.equal(op('DELETE', 'object', 'tagging'), 'DeleteObjectTagging');
  assert.equal(op('GET', 'bucket', 'tagging'), 'GetBucketTagging');
  assert.equal(op('PUT', 'bucket', 'tagging'), 'PutBucketTagging');
  assert.equal(op('GET', 'bucket', 'encryption'), 'GetBucketEncryption');
  assert.equal(op('PUT', 'bucket', 'encryption'), 'PutBucketEncryption');
  assert.equal(op('DELETE', 'bucket', 'encryption'), 'DeleteBucketEncryption');
  assert.equal(op('DELETE', 'bucket', 'tagging'), 'DeleteBucketTagging');
  assert.equal(op('POST', 'bucket'), 'PostObject');
  assert.equal(op('GET', 'bucket', 'cors'), 'GetBucketCors');
  assert.equal(op('PUT', 'bucket', 'cors'), 'PutBucketCors');
  assert.equal(op('DELETE', 'bucket', 'cors'), 'DeleteBucketCors');
  assert.equal(op('GET', 'bucket', 'acl'), 'GetBucketAcl');
  assert.equal(op('PUT', 'bucket', 'acl'), 'PutBucketAcl');
  assert.equal(op('GET', 'object', 'acl'), 'GetObjectAcl');
  assert.equal(op('GET', 'object', 'acl&versionId=v'), 'GetObjectAcl');
  assert.equal(op('PUT', 'object', 'acl'), 'PutObjectAcl');
  assert.equal(op('GET', 'bucket', 'policy'), 'GetBucketPolicy');
  assert.equal(op('PUT', 'bucket', 'policy'), 'PutBucketPolicy');
  assert.equal(op('DELETE', 'bucket', 'policy'), 'DeleteBucketPolicy');
  assert.equal(op('GET', 'bucket', 'policyStatus'), 'GetBucketPolicyStatus');
  assert.equal(op('GET', 'bucket', 'ownershipControls'), 'GetBucketOwnershipControls');
  assert.equal(op('PUT', 'bucket', 'ownershipControls'), 'PutBucketOwnershipControls');
  assert.equal(op('DELETE', 'bucket', 'ownershipControls'), 'DeleteBucketOwnershipControls');
  assert.equal(op('GET', 'bucket', 'publicAccessBlock'), 'GetPublicAccessBlock');
  assert.equal(op('PUT', 'bucket', 'publicAccessBlock'), 'PutPublicAccessBlock');
  assert.equal(op('DELETE', 'bucket', 'publicAccessBlock'), 'DeletePublicAccessBlock');
});

test('the CORS routes carry their IAM actions; DeleteBucketCors is s3:PutBucketCORS; PostObject is s3:PutObject, asked by its handler', () => {
  const route = (method: string, query: string) => matchRoute({ method, on: 'bucket', query: new URLSearchParams(query), hasHeader: () => false });
  assert.equal(route('GET', 'cors').action, 's3:GetBucketCORS');
  assert.equal(route('PUT', 'cors').action, 's3:PutBucketCORS');
  assert.equal(route('DELETE', 'cors').action, 's3:PutBucketCORS');
  assert.equal(route('POST', '').action, 's3:PutObject');
  assert.equal(route('POST', '').postForm, true);
});

test('the access routes carry their IAM actions, with the version actions of object ACLs', () => {
  const route = (method: string, on: On, query: string): Route => matchRoute({ method, on, query: new URLSearchParams(query), hasHeader: () => false });
  assert.equal(route('GET', 'bucket', 'acl').action, 's3:GetBucketAcl');
  assert.equal(route('PUT', 'bucket', 'acl').action, 's3:PutBucketAcl');
  assert.equal(route('GET', 'object', 'acl').versionAction, 's3:GetObjectVersionAcl');
  assert.equal(route('PUT', 'object', 'acl').versionAction, 's3:PutObjectVersionAcl');
  assert.equal(route('DELETE', 'bucket', 'policy').action, 's3:DeleteBucketPolicy');
  assert.equal(route('GET', 'bucket', 'policyStatus').action, 's3:GetBucketPolicyStatus');
  assert.equal(route('DELETE', 'bucket', 'ownershipControls').action, 's3:PutBucketOwnershipControls');
  assert.equal(route('DELETE', 'bucket', 'publicAccessBlock').action, 's3:PutBucketPublicAccessBlock');
});

test('the tagging routes carry their IAM actions; DeleteBucketTagging is s3:PutBucketTagging', () => {
  const action = (method: string, on: On, query: string): string => matchRoute({ method, on, query: new URLSearchParams(query), hasHeader: () => false }).action;
  assert.equal(action('GET', 'object', 'tagging'), 's3:GetObjectTagging');
  assert.equal(action('PUT', 'object', 'tagging'), 's3:PutObjectTagging');
  assert.equal(action('DELETE', 'object', 'tagging'), 's3:DeleteObjectTagging');
  assert.equal(action('GET', 'bucket', 'tagging'), 's3:GetBucketTagging');
  assert.equal(action('PUT', 'bucket', 'tagging'), 's3:PutBucketTagging');
  assert.equal(action('DELETE', 'bucket', 'tagging'), 's3:PutBucketTagging');
});

test('RestoreObject and the lifecycle routes match with their IAM actions; DeleteBucketLifecycle is s3:PutLifecycleConfiguration', () => {
  const route = (method: string, on: On, query: string): Route => matchRoute({ method, on, query: new URLSearchParams(query), hasHeader: () => false });
  assert.deepEqual([route('POST', 'object', 'restore').op, route('POST', 'object', 'restore').action], ['RestoreObject', 's3:RestoreObject']);
  assert.equal(route('POST', 'object', 'restore&versionId=abc').op, 'RestoreObject');
  assert.deepEqual([route('GET', 'bucket', 'lifecycle').op, route('GET', 'bucket', 'lifecycle').action], ['GetBucketLifecycleConfiguration', 's3:GetLifecycleConfiguration']);
  assert.deepEqual([route('PUT', 'bucket', 'lifecycle').op, route('PUT', 'bucket', 'lifecycle').action], ['PutBucketLifecycleConfiguration', 's3:PutLifecycleConfiguration']);
  assert.deepEqual([route('DELETE', 'bucket', 'lifecycle').op, route('DELETE', 'bucket', 'lifecycle').action], ['DeleteBucketLifecycle', 's3:PutLifecycleConfiguration']);
});

test('an unhandled sub-resource is NotImplemented, a wrong method MethodNotAllowed', () => {
  assert.equal(
    code(() => op('GET', 'bucket', 'torrent')),
    'NotImplemented',
  );
  assert.equal(
    code(() => op('POST', 'object', 'tagging')),
    'MethodNotAllowed',
  );
  assert.equal(
    code(() => op('POST', 'object')),
    'MethodNotAllowed',
  );
  assert.equal(
    code(() => op('PATCH', 'bucket')),
    'MethodNotAllowed',
  );
});
