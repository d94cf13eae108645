// Object keys are names, never paths: whatever bytes a key holds ('..', '/', NUL, control
// characters, any Unicode), it is stored and read back as given and writes nothing outside the
// data directory. Keys are 1 to 1024 bytes of UTF-8.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { startChildCofferForTest } from './helpers/child.js';
import { newBucketRaw } from './helpers/coffer.js';
import { bytesRequest, deterministicBytes, encodeKey, md5Hex } from './helpers/bytes.js';
import { sha256Hex } from './helpers/raw.js';

const KiB = 1024;
const INLINE_MAX = 64 * KiB;

const KEYS = [
  '../../etc/passwd',
  '../../../../../../../../tmp/coffer-escape',
  'a/../../b',
  '..',
  '.',
  './../x',
  '/abs',
  '/etc/hosts',
  '//double//slash//',
  'trailing/',
  'nul\u0000byte',
  '\u0000',
  'ctrl\u0001\u001f\u007fbytes',
  'tab\tnew\nline\rcr',
  'back\\slash\\..\\..\\win.ini',
  'C:\\Windows\\system32',
  'space key',
  'plus+key',
  'percent%25%2F..%2F',
  'query?x=1#frag',
  'xml<&>"\'',
  '日本語/ключ/😀',
  '\u00e9', // é precomposed and é decomposed are two different keys: no Unicode normalization
  'e\u0301',
  '\ufeffbom',
  'a'.repeat(1024),
  'é'.repeat(512), // 1024 bytes of UTF-8
];

/** Every path under `dir`, relative, '/'-separated, directories included. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p).split(sep).join('/') + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out.sort();
}

test('keys with path traversal, NUL, control bytes, and Unicode are stored and read back as keys, and no file is created outside the data dir', async (t) => {
  // The data dir sits a few levels down a fresh temp dir, and the server runs there: a key that
  // leaked into a path ('..', absolute, relative to the working dir) would land inside `root`.
  const root = await mkdtemp(join(tmpdir(), 'coffer-keys-'));
  const home = join(root, 'l1', 'l2', 'l3');
  await mkdir(home, { recursive: true });
  const dataDir = join(home, 'data');
  const child = await startChildCofferForTest(t, root, dataDir, { cwd: home, env: { COFFER_INLINE_MAX: String(INLINE_MAX) } });
  const bucket = await newBucketRaw(child.endpoint, 'keys');

  // Every other key gets a body above the inline limit, so it goes through a blob file.
  const bodyOf = (key: string, i: number): Buffer => deterministicBytes(key, i % 2 === 0 ? 100 + i : INLINE_MAX + 1 + i);
  for (const [i, key] of KEYS.entries()) {
    const body = bodyOf(key, i);
    const res = await bytesRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/${encodeKey(key)}`, body, payloadHash: sha256Hex(body) });
    assert.equal(res.status, 200, `PUT ${JSON.stringify(key)}: ${res.status} ${res.body.toString('utf8')}`);
  }
  for (const [i, key] of KEYS.entries()) {
    const res = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}/${encodeKey(key)}` });
    assert.equal(res.status, 200, `GET ${JSON.stringify(key)}`);
    assert.ok(res.body.equals(bodyOf(key, i)), `body of ${JSON.stringify(key)}`);
    assert.equal(res.headers.etag, `"${md5Hex(bodyOf(key, i))}"`);
  }
  // The same key addressed with its slashes percent-encoded (%2F) is the same object.
  const fullyEncoded = `/${bucket}/${encodeKey(KEYS[0]!).replaceAll('/', '%2F')}`;
  const again = await bytesRequest(child.endpoint, { method: 'GET', path: fullyEncoded });
  assert.equal(again.status, 200);
  assert.ok(again.body.equals(bodyOf(KEYS[0]!, 0)));

  // ListObjectsV2 with encoding-type=url (XML 1.0 cannot carry NUL or \x01) names exactly these keys.
  const list = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2', 'encoding-type': 'url' } });
  assert.equal(list.status, 200);
  const listed = [...list.body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => decodeURIComponent(m[1]!.replaceAll('+', ' ')));
  assert.deepEqual([...listed].sort(), [...KEYS].sort());
  // Listed in the order of their UTF-8 bytes, as S3 lists.
  const byBytes = [...KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(listed, byBytes);

  // Nothing but the data dir under root, and in it only the store's own files.
  const blobSized = KEYS.filter((_, i) => i % 2 === 1).length;
  const entries = await tree(root);
  const allowed = [
    /^l1\/$/,
    /^l1\/l2\/$/,
    /^l1\/l2\/l3\/$/,
    /^l1\/l2\/l3\/data\/$/,
    /^l1\/l2\/l3\/data\/(blobs|tmp)\/$/,
    // The server's own temp directory: host~pid namespace~pid~random.
    /^l1\/l2\/l3\/data\/tmp\/[A-Za-z0-9._-]+~[A-Za-z0-9._-]+~\d+~[0-9a-f]{8}\/$/,
    /^l1\/l2\/l3\/data\/coffer\.sqlite(-wal|-shm|\.lock)?$/,
    // The SSE key file (src/crypto/keyring.ts), made on first start.
    /^l1\/l2\/l3\/data\/sse-keys\.json$/,
    /^l1\/l2\/l3\/data\/blobs\/[0-9a-f]{2}\/$/,
    /^l1\/l2\/l3\/data\/blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/$/,
    // The archive volume (COFFER_ARCHIVE_DIR, by default in the data dir): the same layout, empty here.
    /^l1\/l2\/l3\/data\/archive\/((blobs|tmp)\/)?$/,
    /^l1\/l2\/l3\/data\/archive\/tmp\/[A-Za-z0-9._-]+~[A-Za-z0-9._-]+~\d+~[0-9a-f]{8}\/$/,
  ];
  const blobFile = /^l1\/l2\/l3\/data\/blobs\/([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2[0-9a-f]{28}$/;
  const stray = entries.filter((e) => !blobFile.test(e) && !allowed.some((re) => re.test(e)));
  assert.deepEqual(stray, [], 'no file or directory outside the store layout');
  assert.equal(entries.filter((e) => blobFile.test(e)).length, blobSized, 'one blob file per blob-sized object');
  assert.ok(entries.includes('l1/l2/l3/data/coffer.sqlite'));
  // The deepest traversal key climbs out of root altogether if joined to a path.
  for (const base of [dataDir, join(dataDir, 'blobs', '00', '00'), home]) {
    assert.equal(existsSync(resolve(base, KEYS[1]!)), false, `${resolve(base, KEYS[1]!)} was not created`);
  }

  for (const key of KEYS) {
    const res = await bytesRequest(child.endpoint, { method: 'DELETE', path: `/${bucket}/${encodeKey(key)}` });
    assert.equal(res.status, 204, `DELETE ${JSON.stringify(key)}`);
  }
  const empty = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2' } });
  assert.doesNotMatch(empty.body.toString('utf8'), /<Contents>/);
  assert.equal((await tree(root)).filter((e) => blobFile.test(e)).length, 0, 'deleting removed the blob files');
});

test('a key of 1025 bytes is refused with 400 KeyTooLong and stores nothing', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-keys-'));
  const child = await startChildCofferForTest(t, root, join(root, 'data'), { cwd: root });
  const bucket = await newBucketRaw(child.endpoint, 'keys');
  for (const key of ['a'.repeat(1025), 'é'.repeat(512) + 'a']) {
    const body = Buffer.from('too long');
    const res = await bytesRequest(child.endpoint, { method: 'PUT', path: `/${bucket}/${encodeKey(key)}`, body, payloadHash: sha256Hex(body) });
    assert.deepEqual([res.status, res.code], [400, 'KeyTooLong'], `${Buffer.byteLength(key)}-byte key`);
  }
  const list = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2' } });
  assert.doesNotMatch(list.body.toString('utf8'), /<Contents>/);
});
