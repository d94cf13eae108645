// Multipart uploads end to end through the AWS SDK: lib-storage's Upload, object attributes set
// at creation, flexible checksums (COMPOSITE and FULL_OBJECT), partNumber reads, ranges across
// part boundaries, part replacement and per-part integrity checks.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ChecksumAlgorithm, ChecksumType, CompletedPart } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { bodyBytes, newBucket, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes, md5Hex } from './helpers/bytes.js';
import { crc32Base64, crc32cBase64, crc64nvmeBase64, digestBase64 } from './helpers/digests.js';
import { blobFiles, tmpFiles } from './helpers/files.js';
import { MIN_PART, MiB, RawMultipart, compositeOf, multipartEtag, xmlAll } from './helpers/multipart.js';

const c = testCofferForFile();
const raw = new RawMultipart(c);

async function rejectsWith(p: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof S3ServiceException, `expected an S3 error, got ${String(err)}`);
    assert.equal(err.$metadata.httpStatusCode, status);
    assert.equal(err.name, code);
    return true;
  });
}

type Alg = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

/** Independent oracles (node:zlib, a table CRC32C, the SDK's CRC64NVME, node:crypto). */
async function checksumOf(alg: Alg, data: Buffer): Promise<string> {
  return alg === 'CRC64NVME' ? crc64nvmeBase64(data) : digestOrCrc(alg, data);
}

type ChecksumFields = Partial<Record<`Checksum${Alg}`, string>>;
const field = (alg: Alg): `Checksum${Alg}` => `Checksum${alg}`;

/** One 5 MiB part shared by the tests that need a full-size non-last part. */
const BIG = deterministicBytes('multipart-upload/big', MIN_PART);

test('lib-storage Upload of 50 MiB streamed with default checksums reads back byte-exact with the multipart ETag and a COMPOSITE CRC32', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const PARTS = 10;
  const partOf = (i: number): Buffer => deterministicBytes(`upload-50/${i}`, MIN_PART);
  // Expected digests, computed before the upload from the same deterministic bytes.
  const whole = createHash('sha256');
  const md5s: Buffer[] = [];
  const crcs: string[] = [];
  for (let i = 0; i < PARTS; i++) {
    const p = partOf(i);
    whole.update(p);
    md5s.push(createHash('md5').update(p).digest());
    crcs.push(crc32Base64(p));
  }
  async function* stream(): AsyncGenerator<Buffer> {
    for (let i = 0; i < PARTS; i++) {
      const p = partOf(i);
      for (let off = 0; off < p.length; off += MiB) yield p.subarray(off, off + MiB);
    }
  }
  const upload = new Upload({ client: c.s3, params: { Bucket: bucket, Key: 'big/fifty.bin', Body: Readable.from(stream()) } });
  const out = await upload.done();
  const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${PARTS}"`;
  assert.equal(out.ETag, etag);
  // lib-storage asks for CRC32 by default, which S3 combines as COMPOSITE.
  assert.equal(out.ChecksumType, 'COMPOSITE');
  assert.equal(out.ChecksumCRC32, `${compositeOf(crc32Base64, crcs)}-${PARTS}`);

  const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/fifty.bin' }));
  assert.equal(got.ContentLength, PARTS * MIN_PART);
  assert.equal(got.ETag, etag);
  const readBack = createHash('sha256');
  let n = 0;
  for await (const chunk of got.Body as Readable) {
    readBack.update(chunk as Buffer);
    n += (chunk as Buffer).length;
  }
  assert.equal(n, PARTS * MIN_PART);
  assert.equal(readBack.digest('hex'), whole.digest('hex'));
});

test('metadata, content headers and storage class given at CreateMultipartUpload come back on GET and HEAD', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const key = 'docs/report.csv';
  const expires = new Date('2031-01-02T03:04:05Z');
  const created = await c.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      Metadata: { color: 'blue', 'team-name': 'data platform' },
      ContentType: 'text/csv',
      ContentDisposition: 'attachment; filename="report.csv"',
      ContentLanguage: 'de-CH',
      ContentEncoding: 'identity',
      CacheControl: 'max-age=60',
      Expires: expires,
      StorageClass: 'STANDARD_IA',
    }),
  );
  const body = Buffer.from('a,b,c\n1,2,3\n');
  const part = await c.s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: body }));
  const listed = await c.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  assert.equal(listed.Uploads?.[0]?.StorageClass, 'STANDARD_IA');
  await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  for (const out of [await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))]) {
    assert.deepEqual(out.Metadata, { color: 'blue', 'team-name': 'data platform' });
    assert.equal(out.ContentType, 'text/csv');
    assert.equal(out.ContentDisposition, 'attachment; filename="report.csv"');
    assert.equal(out.ContentLanguage, 'de-CH');
    assert.equal(out.ContentEncoding, 'identity');
    assert.equal(out.CacheControl, 'max-age=60');
    assert.equal(out.Expires?.toISOString(), expires.toISOString());
    assert.equal(out.StorageClass, 'STANDARD_IA');
    assert.equal(out.ETag, multipartEtag([body]));
  }
  const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  assert.deepEqual(await bodyBytes(got), body);
});

const CHECKSUM_CASES: Array<{ alg: Alg; type?: ChecksumType; expect: ChecksumType }> = [
  { alg: 'CRC32', expect: 'COMPOSITE' },
  { alg: 'CRC32C', expect: 'COMPOSITE' },
  { alg: 'CRC32', type: 'FULL_OBJECT', expect: 'FULL_OBJECT' },
  { alg: 'CRC32C', type: 'FULL_OBJECT', expect: 'FULL_OBJECT' },
  { alg: 'CRC64NVME', expect: 'FULL_OBJECT' },
  { alg: 'CRC64NVME', type: 'FULL_OBJECT', expect: 'FULL_OBJECT' },
  { alg: 'SHA1', expect: 'COMPOSITE' },
  { alg: 'SHA256', expect: 'COMPOSITE' },
];

for (const { alg, type, expect } of CHECKSUM_CASES) {
  const label = `${alg}${type ? ` with x-amz-checksum-type ${type}` : ''}`;
  test(`ChecksumAlgorithm ${label}: parts, Complete, HEAD and GET carry the ${expect} checksum`, async () => {
    const bucket = await newBucket(c.s3, 'mpu');
    const key = `ck/${alg}-${type ?? 'default'}`;
    const parts = [BIG, deterministicBytes(`multipart-upload/tail/${alg}`, 3000)];
    const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: alg as ChecksumAlgorithm, ChecksumType: type }));
    assert.equal(created.ChecksumAlgorithm, alg);
    assert.equal(created.ChecksumType, expect);

    const completed: CompletedPart[] = [];
    const partSums: string[] = [];
    for (const [i, body] of parts.entries()) {
      const out = await c.s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: created.UploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: alg as ChecksumAlgorithm,
        }),
      );
      const sum = await checksumOf(alg, body);
      assert.equal((out as ChecksumFields)[field(alg)], sum, `part ${i + 1} checksum`);
      assert.equal(out.ETag, `"${md5Hex(body)}"`);
      partSums.push(sum);
      completed.push({ PartNumber: i + 1, ETag: out.ETag, [field(alg)]: sum });
    }
    const whole = Buffer.concat(parts);
    const expected = expect === 'FULL_OBJECT' ? await checksumOf(alg, whole) : `${compositeOf((d) => digestOrCrc(alg, d), partSums)}-${parts.length}`;

    const done = await c.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: completed },
        ChecksumType: expect,
        // A full-object checksum can be sent with Complete and is checked.
        ...(expect === 'FULL_OBJECT' ? { [field(alg)]: expected } : {}),
      }),
    );
    assert.equal((done as ChecksumFields)[field(alg)], expected);
    assert.equal(done.ChecksumType, expect);
    assert.equal(done.ETag, multipartEtag(parts));

    const head = await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    assert.equal((head as ChecksumFields)[field(alg)], expected);
    assert.equal(head.ChecksumType, expect);
    assert.equal(head.ContentLength, whole.length);

    const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    assert.equal((got as ChecksumFields)[field(alg)], expected);
    assert.equal(got.ChecksumType, expect);
    assert.ok((await bodyBytes(got)).equals(whole), 'GET body');
  });
}

/** The composite step for the synchronous algorithms (CRC64NVME is never composite). */
function digestOrCrc(alg: Alg, data: Buffer): string {
  switch (alg) {
    case 'CRC32':
      return crc32Base64(data);
    case 'CRC32C':
      return crc32cBase64(data);
    case 'SHA1':
      return digestBase64('sha1', data);
    case 'SHA256':
      return digestBase64('sha256', data);
    case 'CRC64NVME':
      throw new Error('CRC64NVME is full-object only');
  }
}

test('an upload created without a checksum algorithm completes with a full-object CRC64NVME of the whole object', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const id = await raw.createUpload(bucket, 'plain');
  const parts = [BIG, Buffer.from('tail bytes')];
  const etags = [];
  for (const [i, p] of parts.entries()) etags.push(await raw.putPart(bucket, 'plain', id, i + 1, p));
  const done = await raw.complete(
    bucket,
    'plain',
    id,
    etags.map((etag, i) => ({ partNumber: i + 1, etag })),
  );
  assert.equal(done.status, 200, done.body);
  assert.equal(xmlAll(done.body, 'ChecksumCRC64NVME')[0], await crc64nvmeBase64(Buffer.concat(parts)));
  assert.equal(xmlAll(done.body, 'ChecksumType')[0], 'FULL_OBJECT');
  assert.equal(xmlAll(done.body, 'ETag')[0], multipartEtag(parts).replace(/"/g, '&quot;'));
});

/** Three parts (5 MiB, 5 MiB, 1234 bytes) completed into `key`. */
async function threePartObject(bucket: string, key: string, alg?: Alg): Promise<{ parts: Buffer[]; whole: Buffer; etag: string }> {
  const parts = [BIG, deterministicBytes(`${key}/2`, MIN_PART), deterministicBytes(`${key}/3`, 1234)];
  const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: alg as ChecksumAlgorithm | undefined }));
  const uploaded = await Promise.all(
    parts.map((body, i) =>
      c.s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: created.UploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: alg as ChecksumAlgorithm | undefined,
        }),
      ),
    ),
  );
  const done = await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: uploaded.map((u, i) => ({ PartNumber: i + 1, ETag: u.ETag, ...(alg ? { [field(alg)]: (u as ChecksumFields)[field(alg)] } : {}) })) },
    }),
  );
  return { parts, whole: Buffer.concat(parts), etag: done.ETag! };
}

test('GET and HEAD with partNumber answer 206 with that part, its Content-Range and x-amz-mp-parts-count', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const { parts, whole, etag } = await threePartObject(bucket, 'parts/three');
  let start = 0;
  for (const [i, part] of parts.entries()) {
    const n = i + 1;
    const range = `bytes ${start}-${start + part.length - 1}/${whole.length}`;
    const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'parts/three', PartNumber: n }));
    assert.equal(got.$metadata.httpStatusCode, 206);
    assert.equal(got.PartsCount, 3);
    assert.equal(got.ContentLength, part.length);
    assert.equal(got.ContentRange, range);
    assert.equal(got.ETag, etag, "a part read carries the whole object's ETag");
    assert.ok((await bodyBytes(got)).equals(part), `part ${n} bytes`);
    const head = await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'parts/three', PartNumber: n }));
    assert.equal(head.$metadata.httpStatusCode, 206);
    assert.equal(head.PartsCount, 3);
    assert.equal(head.ContentLength, part.length);
    assert.equal(head.ContentRange, range);
    start += part.length;
  }
  await rejectsWith(c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'parts/three', PartNumber: 4 })), 416, 'InvalidPartNumber');
  // x-amz-mp-parts-count comes only with a partNumber request.
  const plain = await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'parts/three' }));
  assert.equal(plain.$metadata.httpStatusCode, 200);
  assert.equal(plain.PartsCount, undefined);
  assert.equal(plain.ContentLength, whole.length);
});

test("GET partNumber with ChecksumMode ENABLED returns the part's checksum of a COMPOSITE object", async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const { parts } = await threePartObject(bucket, 'parts/sha', 'SHA256');
  for (const [i, part] of parts.entries()) {
    const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'parts/sha', PartNumber: i + 1, ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumSHA256, digestBase64('sha256', part));
    assert.equal(got.ChecksumType, 'COMPOSITE');
    assert.ok((await bodyBytes(got)).equals(part));
  }
});

test('ranges that cross part boundaries read back byte-exact', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const { whole } = await threePartObject(bucket, 'ranges/three');
  const P = MIN_PART;
  const size = whole.length;
  const cases: Array<{ header: string; start: number; end: number }> = [
    { header: `bytes=${P - 10}-${P + 9}`, start: P - 10, end: P + 9 },
    { header: `bytes=${2 * P - 1}-${2 * P}`, start: 2 * P - 1, end: 2 * P },
    { header: `bytes=100-${2 * P + 100}`, start: 100, end: 2 * P + 100 },
    { header: `bytes=${P}-${2 * P - 1}`, start: P, end: 2 * P - 1 },
    { header: `bytes=${P - 1}-`, start: P - 1, end: size - 1 },
    { header: 'bytes=-2000', start: size - 2000, end: size - 1 },
    { header: `bytes=0-${size + 50}`, start: 0, end: size - 1 },
  ];
  for (const r of cases) {
    const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ranges/three', Range: r.header }));
    assert.equal(got.$metadata.httpStatusCode, 206, r.header);
    assert.equal(got.ContentRange, `bytes ${r.start}-${r.end}/${size}`, r.header);
    assert.equal(got.ContentLength, r.end - r.start + 1, r.header);
    assert.ok((await bodyBytes(got)).equals(whole.subarray(r.start, r.end + 1)), `bytes of ${r.header}`);
  }
});

test('uploading a part number again replaces the part, and its old blob file is removed', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const id = await raw.createUpload(bucket, 'replace');
  const first = deterministicBytes('replace/first', 1000);
  const second = deterministicBytes('replace/second', 1200);
  const before = (await blobFiles(c.dataDir)).length;
  const firstEtag = await raw.putPart(bucket, 'replace', id, 1, first);
  assert.equal((await blobFiles(c.dataDir)).length, before + 1);
  const secondEtag = await raw.putPart(bucket, 'replace', id, 1, second);
  assert.notEqual(firstEtag, secondEtag);

  const listed = await c.s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'replace', UploadId: id }));
  assert.deepEqual(
    listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]),
    [[1, secondEtag, 1200]],
  );
  assert.equal((await blobFiles(c.dataDir)).length, before + 1, "the replaced part's blob is gone");

  const stale = await raw.complete(bucket, 'replace', id, [{ partNumber: 1, etag: firstEtag }]);
  assert.equal(stale.status, 400);
  assert.equal(stale.code, 'InvalidPart');
  const done = await raw.complete(bucket, 'replace', id, [{ partNumber: 1, etag: secondEtag }]);
  assert.equal(done.status, 200, done.body);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'replace' }));
  assert.ok((await bodyBytes(got)).equals(second));
});

test('UploadPart with a wrong Content-MD5 fails with 400 BadDigest and stores nothing', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const id = await raw.createUpload(bucket, 'md5');
  const body = deterministicBytes('md5/body', 100_000);
  const wrong = createHash('md5').update('other bytes').digest('base64');
  const before = (await blobFiles(c.dataDir)).length;
  const bad = await raw.uploadPart(bucket, 'md5', id, 1, body, { 'content-md5': wrong });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'BadDigest');
  const listed = await raw.listParts(bucket, 'md5', id);
  assert.equal(listed.status, 200);
  assert.deepEqual(xmlAll(listed.body, 'PartNumber'), []);
  assert.equal((await blobFiles(c.dataDir)).length, before);
  assert.deepEqual(await tmpFiles(c.dataDir), []);
  // The right digest is accepted.
  const good = await raw.uploadPart(bucket, 'md5', id, 1, body, { 'content-md5': createHash('md5').update(body).digest('base64') });
  assert.equal(good.status, 200);
  assert.equal(good.headers.etag, `"${md5Hex(body)}"`);
});

test('UploadPart with a wrong x-amz-checksum value fails with 400 BadDigest and stores nothing', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  for (const [create, name, wrong] of [
    [{}, 'x-amz-checksum-crc32', crc32Base64('not the body')],
    [{ 'x-amz-checksum-algorithm': 'SHA256' }, 'x-amz-checksum-sha256', digestBase64('sha256', 'not the body')],
    [{ 'x-amz-checksum-algorithm': 'CRC64NVME' }, 'x-amz-checksum-crc64nvme', await crc64nvmeBase64('not the body')],
  ] as const) {
    const key = `ck/${name}`;
    const id = await raw.createUpload(bucket, key, create);
    const body = deterministicBytes(key, 70_000);
    const before = (await blobFiles(c.dataDir)).length;
    const bad = await raw.uploadPart(bucket, key, id, 1, body, { [name]: wrong });
    assert.equal(bad.status, 400, name);
    assert.equal(bad.code, 'BadDigest', name);
    const listed = await raw.listParts(bucket, key, id);
    assert.deepEqual(xmlAll(listed.body, 'PartNumber'), [], name);
    assert.equal((await blobFiles(c.dataDir)).length, before, name);
  }
  assert.deepEqual(await tmpFiles(c.dataDir), []);
});

test('Complete takes only the listed parts; unlisted parts are discarded with their blob files', async () => {
  const bucket = await newBucket(c.s3, 'mpu');
  const id = await raw.createUpload(bucket, 'subset');
  const parts = [BIG, Buffer.from('part two, left out'), deterministicBytes('subset/3', MIN_PART), Buffer.from('last part')];
  const etags = await Promise.all(parts.map((p, i) => raw.putPart(bucket, 'subset', id, i + 1, p)));
  const before = (await blobFiles(c.dataDir)).length;
  // Part numbers need not be consecutive when no additional checksum is used.
  const done = await raw.complete(
    bucket,
    'subset',
    id,
    [1, 3, 4].map((n) => ({ partNumber: n, etag: etags[n - 1]! })),
  );
  assert.equal(done.status, 200, done.body);
  const chosen = [parts[0]!, parts[2]!, parts[3]!];
  const got = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'subset' }));
  assert.equal(got.ETag, multipartEtag(chosen));
  assert.ok((await bodyBytes(got)).equals(Buffer.concat(chosen)));
  assert.equal((await blobFiles(c.dataDir)).length, before - 1);
  assert.equal((await raw.listParts(bucket, 'subset', id)).code, 'NoSuchUpload');
});
