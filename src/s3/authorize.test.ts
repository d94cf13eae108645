import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../http/context.js';
import { actionOf, copySourceAction, mayBypassGovernance } from './authorize.js';
import type { BucketRecord } from '../engine/records.js';
import { matchRoute } from './router.js';
import { parseCopySource } from './copy-source.js';

function ctxWithQuery(rawQuery: string): RequestContext {
  return { rawQuery, query: new URLSearchParams(rawQuery) } as RequestContext;
}

test("a request naming a version is asked with the route's version action, any other with its action", () => {
  const getObject = matchRoute({ method: 'GET', on: 'object', query: new URLSearchParams(), hasHeader: () => false });
  assert.equal(actionOf(ctxWithQuery(''), getObject), 's3:GetObject');
  assert.equal(actionOf(ctxWithQuery('response-content-type=a'), getObject), 's3:GetObject');
  assert.equal(actionOf(ctxWithQuery('versionId=null'), getObject), 's3:GetObjectVersion');
  const putObject = matchRoute({ method: 'PUT', on: 'object', query: new URLSearchParams(), hasHeader: () => false });
  assert.equal(actionOf(ctxWithQuery('versionId=v'), putObject), 's3:PutObject');
});

test('a copy source is asked as s3:GetObject, or s3:GetObjectVersion when it names a version', () => {
  assert.equal(copySourceAction(parseCopySource('/b/k')), 's3:GetObject');
  assert.equal(copySourceAction(parseCopySource('b/k?versionId=3HL4kqtJlcpXroDTDmJ')), 's3:GetObjectVersion');
});

function bypassCtx(headers: Record<string, string>): RequestContext {
  return { rawQuery: '', query: new URLSearchParams(), bucket: 'b', key: 'k', secure: false, req: { headers, socket: {} } } as unknown as RequestContext;
}

test('x-amz-bypass-governance-retention is honoured only when sent as true and s3:BypassGovernanceRetention is granted', () => {
  const bucket = { name: 'b', ownerId: 'owner', config: {} } as unknown as BucketRecord;
  const owner = { type: 'user', userId: 'owner', admin: false } as const;
  const other = { type: 'user', userId: 'other', admin: true } as const;
  const sent = { 'x-amz-bypass-governance-retention': 'true' };
  assert.equal(mayBypassGovernance(bypassCtx(sent), bucket, owner), true);
  assert.equal(mayBypassGovernance(bypassCtx({ 'x-amz-bypass-governance-retention': 'TRUE' }), bucket, owner), true);
  assert.equal(mayBypassGovernance(bypassCtx({}), bucket, owner), false);
  assert.equal(mayBypassGovernance(bypassCtx({ 'x-amz-bypass-governance-retention': 'false' }), bucket, owner), false);
  assert.equal(mayBypassGovernance(bypassCtx(sent), bucket, other), false);
  assert.equal(mayBypassGovernance(bypassCtx(sent), bucket, { type: 'anonymous' }), false);
  assert.equal(mayBypassGovernance(bypassCtx(sent), undefined, owner), false);
});
