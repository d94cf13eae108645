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
import { childClient, startChildCofferForTest } from './helpers/child.js';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { bodyBytes, newBucketRaw } from './helpers/coffer.js';
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

const BLOB_FILE = /^l1\/l2\/l3\/data\/blobs\/([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2[0-9a-f]{28}$/;

/**
 * Every path under `root` (which holds l1/l2/l3/data), checked to be the store's own layout and
 * nothing else: no file or directory a key could have named, anywhere around the data dir.
 */
async function storeLayout(root: string): Promise<string[]> {
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
  const stray = entries.filter((e) => !BLOB_FILE.test(e) && !allowed.some((re) => re.test(e)));
  assert.deepEqual(stray, [], 'no file or directory outside the store layout');
  return entries;
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
  const entries = await storeLayout(root);
  assert.equal(entries.filter((e) => BLOB_FILE.test(e)).length, blobSized, 'one blob file per blob-sized object');
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
  assert.equal((await tree(root)).filter((e) => BLOB_FILE.test(e)).length, 0, 'deleting removed the blob files');
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

/** The key each listed <Key> or <Prefix> names, from a listing with encoding-type=url. */
function urlListed(xml: string, element: 'Key' | 'Prefix'): string[] {
  return [...xml.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, 'g'))].map((m) => decodeURIComponent(m[1]!.replaceAll('+', ' ')));
}

const PATH_KEYS = [
  '../../../../../../tmp/coffer-sdk-escape',
  '..',
  '.',
  './x',
  'a/./b/../c',
  '/abs/path',
  '//double//slash//',
  'back\\slash\\..\\..\\x',
  'nul\u0000byte',
  'ctrl\u0001\u001f\u007f',
  'cr\rlf\n',
  '\u00e9', // NFC é …
  'e\u0301', // … and NFD é: two keys, never normalized into one
  '\u212b', // Å as ANGSTROM SIGN, which NFC and NFKC turn into U+00C5
  '\u00c5',
  `deep/${'é'.repeat(509)}x`, // 1024 bytes of UTF-8
];

test('keys that look like paths go through the SDK, CopyObject, multipart uploads and every listing exactly, and nothing lands outside the data dir', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'coffer-keys-'));
  const home = join(root, 'l1', 'l2', 'l3');
  await mkdir(home, { recursive: true });
  const child = await startChildCofferForTest(t, root, join(home, 'data'), { cwd: home, env: { COFFER_INLINE_MAX: String(INLINE_MAX) } });
  const s3 = childClient(t, child);
  const bucket = await newBucketRaw(child.endpoint, 'sdk-keys');
  const copies = await newBucketRaw(child.endpoint, 'sdk-copies');
  assert.equal(Buffer.byteLength(PATH_KEYS.at(-1)!), 1024);

  const bodyOf = (key: string, i: number): Buffer => deterministicBytes(`sdk:${key}`, i % 3 === 0 ? INLINE_MAX + 10 + i : 10 + i);
  for (const [i, Key] of PATH_KEYS.entries()) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bodyOf(Key, i) }));
  for (const [i, Key] of PATH_KEYS.entries()) {
    const got = await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: bucket, Key })));
    assert.ok(got.equals(bodyOf(Key, i)), `SDK GetObject ${JSON.stringify(Key)}`);
    // CopyObject names its source URL-encoded; the copy lands under the same key in another bucket.
    const copied = await s3.send(new CopyObjectCommand({ Bucket: copies, Key, CopySource: `${bucket}/${encodeKey(Key)}` }));
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5Hex(bodyOf(Key, i))}"`, `CopyObject ${JSON.stringify(Key)}`);
    assert.ok((await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: copies, Key })))).equals(bodyOf(Key, i)));
  }

  // Multipart over the copies: create, one part by UploadPart and one by UploadPartCopy, listed, completed.
  const multipartKeys = [PATH_KEYS[0]!, PATH_KEYS[8]!, PATH_KEYS[12]!, PATH_KEYS.at(-1)!];
  const uploads = new Map<string, string>();
  for (const Key of multipartKeys) uploads.set(Key, (await s3.send(new CreateMultipartUploadCommand({ Bucket: copies, Key }))).UploadId!);
  const listedUploads = await bytesRequest(child.endpoint, { method: 'GET', path: `/${copies}`, query: { uploads: '', 'encoding-type': 'url' } });
  assert.deepEqual(urlListed(listedUploads.body.toString('utf8'), 'Key').sort(), [...uploads.keys()].sort());
  for (const [Key, UploadId] of uploads) {
    const mpKey = Key;
    const first = deterministicBytes(`part:${Key}`, 5 * 1024 * 1024);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: copies, Key: mpKey, UploadId, PartNumber: 1, Body: first }));
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: copies, Key: mpKey, UploadId, PartNumber: 2, CopySource: `${bucket}/${encodeKey(Key)}` }));
    const parts = await s3.send(new ListPartsCommand({ Bucket: copies, Key: mpKey, UploadId }));
    assert.equal(parts.Key, mpKey);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: copies,
        Key: mpKey,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const whole = await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: copies, Key: mpKey })));
    const i = PATH_KEYS.indexOf(Key);
    assert.ok(whole.equals(Buffer.concat([first, bodyOf(Key, i)])), `multipart ${JSON.stringify(mpKey)}`);
  }

  // Listings: v2 and v1, with encoding-type=url, name exactly the keys in UTF-8 byte order, and a
  // '/' delimiter rolls them up exactly at their first '/', leading and doubled ones included.
  const byBytes = [...PATH_KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const listings: Array<Record<string, string>> = [{ 'list-type': '2', 'encoding-type': 'url' }, { 'encoding-type': 'url' }];
  for (const query of listings) {
    const list = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}`, query });
    assert.deepEqual(urlListed(list.body.toString('utf8'), 'Key'), byBytes, JSON.stringify(query));
    const rolled = await bytesRequest(child.endpoint, { method: 'GET', path: `/${bucket}`, query: { ...query, delimiter: '/' } });
    const xml = rolled.body.toString('utf8');
    const prefixes = [...new Set(PATH_KEYS.filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/') + 1)))].sort();
    assert.deepEqual(
      // The request's own (empty) Prefix is echoed too.
      urlListed(xml, 'Prefix')
        .filter((p) => p !== '')
        .sort(),
      prefixes,
    );
    assert.deepEqual(
      urlListed(xml, 'Key'),
      byBytes.filter((k) => !k.includes('/')),
    );
  }
  // The SDK's own listing (its XML reader takes &#x0; and friends) names them exactly too.
  const sdkList = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url' }));
  assert.deepEqual(
    sdkList.Contents?.map((o) => decodeURIComponent(o.Key!)),
    byBytes,
  );
  const prefixed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: '//', EncodingType: 'url' }));
  assert.deepEqual(
    prefixed.Contents?.map((o) => decodeURIComponent(o.Key!)),
    ['//double//slash//'],
  );

  // NFC and NFD spellings are different objects with their own bytes.
  const nfc = await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: '\u00e9' })));
  const nfd = await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'e\u0301' })));
  assert.ok(!nfc.equals(nfd));

  // One byte more than 1024 is KeyTooLong for a copy's destination and a multipart upload too.
  const tooLong = `${PATH_KEYS.at(-1)!}x`;
  await assert.rejects(s3.send(new CopyObjectCommand({ Bucket: copies, Key: tooLong, CopySource: `${bucket}/${encodeKey(PATH_KEYS[0]!)}` })), { name: 'KeyTooLong' });
  await assert.rejects(s3.send(new CreateMultipartUploadCommand({ Bucket: copies, Key: tooLong })), { name: 'KeyTooLong' });

  await storeLayout(root);
  for (const base of [join(home, 'data'), home, root]) {
    assert.equal(existsSync(resolve(base, PATH_KEYS[0]!)), false, `${resolve(base, PATH_KEYS[0]!)} was not created`);
  }
  assert.equal(existsSync('/tmp/coffer-sdk-escape'), false);
});
