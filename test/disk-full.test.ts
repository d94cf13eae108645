// A data volume that fills up: a disk write that fails part-way answers an error, keeps the
// server up and leaves no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildCofferForTest } from './helpers/child.js';
import { newBucketRaw } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes, md5Hex } from './helpers/bytes.js';
import { tmpFiles } from './helpers/files.js';
import { rawRequest } from './helpers/raw.js';

const KiB = 1024;
const MiB = 1024 * KiB;

test('a blob write that stops short (the file size limit reached) answers 500, keeps the server up and leaves no temp file', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-efbig-'));
  const dataDir = join(root, 'data');
  // 1 MiB per file: room for the SQLite files of a few small writes, not for a 3 MiB blob.
  const child = await startChildCofferForTest(t, root, dataDir, { fileSizeLimitKiB: 1024 });
  const bucket = await newBucketRaw(child.endpoint, 'efbig');

  const tooBig = await rawRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/big`, body: deterministicBytes('big', 3 * MiB) });
  assert.equal(tooBig.status, 500, tooBig.body);
  assert.equal(tooBig.code, 'InternalError');
  const part = await rawRequest(child.endpoint, { method: 'POST', path: `/${bucket}/mp`, query: { uploads: '' } });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(part.body)![1]!;
  const tooBigPart = await rawRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/mp`, query: { partNumber: '1', uploadId }, body: deterministicBytes('part', 2 * MiB) });
  assert.equal(tooBigPart.status, 500, tooBigPart.body);

  // Still serving, and nothing half-written is visible or left on disk.
  const body = deterministicBytes('after', 200 * KiB);
  assert.equal((await rawRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/after`, body })).status, 200);
  const got = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}/after` });
  assert.equal(md5Hex(got.body), md5Hex(body));
  assert.equal((await rawRequest(child.endpoint, { method: 'HEAD', path: `/${bucket}/big` })).status, 404);
  const parts = await rawRequest(child.endpoint, { method: 'GET', path: `/${bucket}/mp`, query: { uploadId } });
  assert.doesNotMatch(parts.body, /<Part>/);
  assert.deepEqual(await tmpFiles(dataDir), []);
});
