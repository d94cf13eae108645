// The console's browser signer, checked against AWS's published SigV4 examples and against
// Coffer's own verifier (keys with spaces, unicode and reserved characters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, canonicalQuery, encodePath, presignQuery, signRequest } from './sigv4.js';
import { authenticate } from '../../auth/sigv4.js';
import type { Credential } from '../../auth/sigv4.js';

const EXAMPLE = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const AT = new Date('2013-05-24T00:00:00Z');

test('a signed GET matches AWS\'s "GET Object" example signature', async () => {
  const headers = await signRequest(EXAMPLE, {
    method: 'GET',
    path: '/test.txt',
    headers: { range: 'bytes=0-9' },
    host: 'examplebucket.s3.amazonaws.com',
    region: 'us-east-1',
    payloadHash: EMPTY_SHA256,
    now: AT,
  });
  assert.equal(
    headers.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  );
});

test("a presigned GET matches AWS's presigned URL example signature", async () => {
  const q = await presignQuery(EXAMPLE, { method: 'GET', path: '/test.txt', host: 'examplebucket.s3.amazonaws.com', region: 'us-east-1', now: AT }, 86400);
  assert.match(q, /&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404(&|$)/);
});

test('paths are encoded once per segment and query pairs are sorted by encoded name', () => {
  assert.equal(encodePath('/b/a dir/ü+*(1)~.txt'), '/b/a%20dir/%C3%BC%2B%2A%281%29~.txt');
  assert.equal(canonicalQuery({ prefix: 'a b/', delimiter: '/', 'list-type': '2' }), 'delimiter=%2F&list-type=2&prefix=a%20b%2F');
});

test("requests the console signs are accepted by Coffer's verifier, header and presigned", async () => {
  const cred: Credential = { accessKeyId: 'CONSOLEKEY', secretAccessKey: 's3cr3t/+=', userId: 'u-1' };
  const lookup = async (id: string) => (id === cred.accessKeyId ? cred : undefined);
  const path = '/bucket/folder/naïve file (1).txt';
  const query = { tagging: '', 'x-id': 'odd value/+' };
  const headers = await signRequest(cred, {
    method: 'PUT',
    path,
    query,
    host: '127.0.0.1:9000',
    region: 'us-east-1',
    payloadHash: UNSIGNED_PAYLOAD,
    headers: { 'x-amz-meta-who': 'me' },
  });
  const rawQuery = canonicalQuery(query);
  const all = { ...headers, host: '127.0.0.1:9000' };
  const ok = await authenticate({ method: 'PUT', rawPath: encodePath(path), rawQuery, headers: all, rawHeaders: Object.entries(all).flat(), now: new Date() }, lookup);
  assert.equal(ok.credential?.accessKeyId, 'CONSOLEKEY');
  const presigned = await presignQuery(cred, { method: 'GET', path, host: '127.0.0.1:9000', region: 'us-east-1' }, 600);
  const viaUrl = await authenticate(
    { method: 'GET', rawPath: encodePath(path), rawQuery: presigned, headers: { host: '127.0.0.1:9000' }, rawHeaders: ['Host', '127.0.0.1:9000'], now: new Date() },
    lookup,
  );
  assert.equal(viaUrl.credential?.accessKeyId, 'CONSOLEKEY');
});
