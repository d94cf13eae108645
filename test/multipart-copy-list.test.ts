// UploadPartCopy (ranges, other buckets, multipart sources, copy-source conditions),
// ListMultipartUploads and ListParts pagination, and GetObjectAttributes of multipart objects.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { ListMultipartUploadsCommandOutput } from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes, md5Hex } from './helpers/bytes.js';
import { crc32cBase64, crc64nvmeBase64, digestBase64 } from './helpers/digests.js';
import { MIN_PART, MiB, RawMultipart, compositeOf, multipartEtag, objectPath } from './helpers/multipart.js';
import { rawRequest } from './helpers/raw.js';

const c = testCofferForFile();
const raw = new RawMultipart(c);

async function read(bucket: string, key: string): Promise<Buffer> {
  return bodyBytes(await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
}

/** A completed multipart object of 5 MiB, 5 MiB and 1234 bytes. */
async function multipartObject(bucket: string, key: string, alg?: 'SHA256'): Promise<{ parts: Buffer[]; whole: Buffer }> {
  const parts = [deterministicBytes(`${key}/1`, MIN_PART), deterministicBytes(`${key}/2`, MIN_PART), deterministicBytes(`${key}/3`, 1234)];
  const created = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: alg }));
  const done = await Promise.all(
    parts.map((Body, i) =>
      c.s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: created.UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: alg,
        }),
      ),
    ),
  );
  await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: done.map((d, i) => ({ PartNumber: i + 1, ETag: d.ETag, ChecksumSHA256: d.ChecksumSHA256 })) },
    }),
  );
  return { parts, whole: Buffer.concat(parts) };
}

test('UploadPartCopy with x-amz-copy-source-range copies byte ranges of an object in another bucket', async () => {
  const src = await newBucket(c.s3, 'mpc');
  const dst = await newBucket(c.s3, 'mpc');
  const source = deterministicBytes('copy/source', MIN_PART + MiB + 100);
  await c.s3.send(new PutObjectCommand({ Bucket: src, Key: 'in/source.bin', Body: source }));
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: 'out.bin' }));
  const ranges: Array<[number, number]> = [
    [0, MIN_PART - 1],
    [MIN_PART, source.length - 1],
  ];
  const etags: string[] = [];
  for (const [i, [first, last]] of ranges.entries()) {
    const out = await c.s3.send(
      new UploadPartCopyCommand({
        Bucket: dst,
        Key: 'out.bin',
        UploadId: up.UploadId,
        PartNumber: i + 1,
        CopySource: `${src}/in/source.bin`,
        CopySourceRange: `bytes=${first}-${last}`,
      }),
    );
    assert.equal(out.CopyPartResult?.ETag, `"${md5Hex(source.subarray(first, last + 1))}"`);
    assert.ok(out.CopyPartResult?.LastModified instanceof Date);
    etags.push(out.CopyPartResult!.ETag!);
  }
  const listed = await c.s3.send(new ListPartsCommand({ Bucket: dst, Key: 'out.bin', UploadId: up.UploadId }));
  assert.deepEqual(
    listed.Parts?.map((p) => p.Size),
    [MIN_PART, source.length - MIN_PART],
  );
  await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: dst,
      Key: 'out.bin',
      UploadId: up.UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
    }),
  );
  assert.ok((await read(dst, 'out.bin')).equals(source));
});

test('UploadPartCopy from a multipart source copies a range that spans its parts, and the whole source without a range', async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  const { whole } = await multipartObject(bucket, 'src/multi');
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'dst/copy' }));
  // 100 bytes before the first boundary to 100 bytes after the second: all three source parts.
  const first = MIN_PART - 100;
  const last = 2 * MIN_PART + 99;
  const p1 = await c.s3.send(
    new UploadPartCopyCommand({
      Bucket: bucket,
      Key: 'dst/copy',
      UploadId: up.UploadId,
      PartNumber: 1,
      CopySource: `${bucket}/src/multi`,
      CopySourceRange: `bytes=${first}-${last}`,
    }),
  );
  const p2 = await c.s3.send(
    new UploadPartCopyCommand({
      Bucket: bucket,
      Key: 'dst/copy',
      UploadId: up.UploadId,
      PartNumber: 2,
      CopySource: `${bucket}/src/multi`,
    }),
  );
  const expected = [whole.subarray(first, last + 1), whole];
  assert.equal(p1.CopyPartResult?.ETag, `"${md5Hex(expected[0]!)}"`);
  assert.equal(p2.CopyPartResult?.ETag, `"${md5Hex(whole)}"`);
  const done = await c.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: 'dst/copy',
      UploadId: up.UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: p1.CopyPartResult!.ETag },
          { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
        ],
      },
    }),
  );
  assert.equal(done.ETag, multipartEtag(expected));
  assert.ok((await read(bucket, 'dst/copy')).equals(Buffer.concat(expected)));
});

test('UploadPartCopy whose x-amz-copy-source-range ends past the source fails with 400 InvalidArgument', async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: Buffer.alloc(10, 7) }));
  const id = await raw.createUpload(bucket, 'dst');
  for (const range of ['bytes=0-10', 'bytes=10-12', 'bytes=5-2', 'bytes=0-', '0-5']) {
    const r = await rawRequest(c.endpoint, {
      method: 'PUT',
      path: objectPath(bucket, 'dst'),
      query: { partNumber: '1', uploadId: id },
      headers: { 'x-amz-copy-source': `/${bucket}/src`, 'x-amz-copy-source-range': range },
    });
    assert.equal(r.status, 400, `${range}: ${r.body}`);
    assert.equal(r.code, 'InvalidArgument', range);
  }
});

test('UploadPartCopy with failing x-amz-copy-source-if-* conditions fails with 412 PreconditionFailed', async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  const put = await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'conditional source' }));
  const id = await raw.createUpload(bucket, 'dst');
  const past = new Date(Date.now() - 3600_000).toUTCString();
  const future = new Date(Date.now() + 3600_000).toUTCString();
  const copy = (headers: Record<string, string>) =>
    rawRequest(c.endpoint, {
      method: 'PUT',
      path: objectPath(bucket, 'dst'),
      query: { partNumber: '1', uploadId: id },
      headers: { 'x-amz-copy-source': `/${bucket}/src`, ...headers },
    });
  const failing: Array<Record<string, string>> = [
    { 'x-amz-copy-source-if-match': '"0123456789abcdef0123456789abcdef"' },
    { 'x-amz-copy-source-if-none-match': put.ETag! },
    { 'x-amz-copy-source-if-unmodified-since': past },
    { 'x-amz-copy-source-if-modified-since': future },
  ];
  for (const headers of failing) {
    const r = await copy(headers);
    assert.equal(r.status, 412, `${JSON.stringify(headers)}: ${r.body}`);
    assert.equal(r.code, 'PreconditionFailed');
  }
  const listed = await c.s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'dst', UploadId: id }));
  assert.equal(listed.Parts, undefined);
  const ok = await copy({ 'x-amz-copy-source-if-match': put.ETag!, 'x-amz-copy-source-if-unmodified-since': future });
  assert.equal(ok.status, 200, ok.body);
});

type Entry = string;
/** Uploads as `key#uploadId`, common prefixes as `prefix/`. */
function entries(out: ListMultipartUploadsCommandOutput): Entry[] {
  const ups = (out.Uploads ?? []).map((u) => ({ key: u.Key!, e: `${u.Key}#${u.UploadId}` }));
  const cps = (out.CommonPrefixes ?? []).map((p) => ({ key: p.Prefix!, e: p.Prefix! }));
  // A stable sort by key keeps the server's order of uploads of one key.
  return [...ups, ...cps].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))).map((x) => x.e);
}

test('ListMultipartUploads lists by key then initiation, with prefix, delimiter, markers and max-uploads pagination', async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  const ids = new Map<string, string>();
  // 'b' twice, the second upload created last, so initiation order and creation order differ.
  for (const [name, key] of [
    ['b1', 'b'],
    ['d', 'd'],
    ['a2', 'a/2'],
    ['a1', 'a/1'],
    ['cxy', 'c/x/y'],
    ['b2', 'b'],
  ] as const) {
    const out = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    ids.set(name, `${key}#${out.UploadId}`);
    await sleep(3);
  }
  const e = (name: string): string => ids.get(name)!;
  const list = (input: Record<string, string | number>) => c.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, ...input }));

  const all = await list({});
  assert.deepEqual(entries(all), [e('a1'), e('a2'), e('b1'), e('b2'), e('cxy'), e('d')]);
  assert.equal(all.IsTruncated, false);
  assert.deepEqual(
    (all.Uploads ?? []).map((u) => u.Key),
    ['a/1', 'a/2', 'b', 'b', 'c/x/y', 'd'],
  );

  assert.deepEqual(entries(await list({ Prefix: 'a/' })), [e('a1'), e('a2')]);
  const delimited = await list({ Delimiter: '/' });
  assert.deepEqual(
    (delimited.Uploads ?? []).map((u) => `${u.Key}#${u.UploadId}`),
    [e('b1'), e('b2'), e('d')],
  );
  assert.deepEqual(
    (delimited.CommonPrefixes ?? []).map((p) => p.Prefix),
    ['a/', 'c/'],
  );
  const nested = await list({ Prefix: 'c/', Delimiter: '/' });
  assert.equal(nested.Uploads, undefined);
  assert.deepEqual(
    (nested.CommonPrefixes ?? []).map((p) => p.Prefix),
    ['c/x/'],
  );

  // key-marker alone: keys after it; with upload-id-marker: later uploads of that key too.
  assert.deepEqual(entries(await list({ KeyMarker: 'b' })), [e('cxy'), e('d')]);
  const b1Id = e('b1').split('#')[1]!;
  assert.deepEqual(entries(await list({ KeyMarker: 'b', UploadIdMarker: b1Id })), [e('b2'), e('cxy'), e('d')]);
  // upload-id-marker without key-marker is ignored.
  assert.deepEqual(entries(await list({ UploadIdMarker: b1Id })), entries(all));
  // A marker upload that has since gone: the key's uploads whose id sorts after it, then later keys.
  const gone = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'b' }));
  await c.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'b', UploadId: gone.UploadId }));
  const after = [e('b1'), e('b2')].filter((x) => x.split('#')[1]! > gone.UploadId!);
  assert.deepEqual(entries(await list({ KeyMarker: 'b', UploadIdMarker: gone.UploadId! })), [...after, e('cxy'), e('d')]);
  // '-' sorts before every upload id: all of the key's uploads follow such a marker.
  assert.deepEqual(entries(await list({ KeyMarker: 'b', UploadIdMarker: '-' })), [e('b1'), e('b2'), e('cxy'), e('d')]);

  for (const [max, delimiter, expected] of [
    [2, '', [e('a1'), e('a2'), e('b1'), e('b2'), e('cxy'), e('d')]],
    [1, '', [e('a1'), e('a2'), e('b1'), e('b2'), e('cxy'), e('d')]],
    [1, '/', ['a/', e('b1'), e('b2'), 'c/', e('d')]],
    [2, '/', ['a/', e('b1'), e('b2'), 'c/', e('d')]],
  ] as const) {
    const seen: Entry[] = [];
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (let page = 0; ; page++) {
      assert.ok(page < 10, 'pagination does not end');
      const out = await list({ MaxUploads: max, ...(delimiter ? { Delimiter: delimiter } : {}), ...marker } as Record<string, string | number>);
      const got = entries(out);
      assert.ok(got.length <= max, `page of ${got.length} > ${max}`);
      assert.equal(out.MaxUploads, max);
      seen.push(...got);
      if (!out.IsTruncated) break;
      assert.ok(out.NextKeyMarker, 'a truncated page names NextKeyMarker');
      marker = { KeyMarker: out.NextKeyMarker, ...(out.NextUploadIdMarker ? { UploadIdMarker: out.NextUploadIdMarker } : {}) };
    }
    assert.deepEqual(seen, expected, `max-uploads=${max} delimiter=${JSON.stringify(delimiter)}`);
  }
});

test("ListParts pages with max-parts and part-number-marker and shows each part's ETag, size and checksum", async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  const up = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts', ChecksumAlgorithm: 'CRC32C' }));
  const numbers = [1, 2, 3, 5, 8];
  const bodies = new Map(numbers.map((n) => [n, deterministicBytes(`parts/${n}`, 1000 + n * 10)]));
  for (const [n, Body] of bodies) {
    await c.s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'parts', UploadId: up.UploadId, PartNumber: n, Body, ChecksumAlgorithm: 'CRC32C' }));
  }
  const pages: number[][] = [];
  let marker: string | undefined;
  for (;;) {
    const out = await c.s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'parts', UploadId: up.UploadId, MaxParts: 2, PartNumberMarker: marker }));
    assert.equal(out.MaxParts, 2);
    assert.equal(out.ChecksumAlgorithm, 'CRC32C');
    assert.equal(out.ChecksumType, 'COMPOSITE');
    assert.equal(out.StorageClass, 'STANDARD');
    assert.equal(String(out.PartNumberMarker ?? '0'), marker ?? '0');
    for (const p of out.Parts ?? []) {
      const body = bodies.get(p.PartNumber!)!;
      assert.equal(p.ETag, `"${md5Hex(body)}"`);
      assert.equal(p.Size, body.length);
      assert.equal(p.ChecksumCRC32C, crc32cBase64(body));
      assert.ok(p.LastModified instanceof Date);
    }
    pages.push((out.Parts ?? []).map((p) => p.PartNumber!));
    if (!out.IsTruncated) break;
    marker = String(out.NextPartNumberMarker);
    assert.equal(marker, String(pages[pages.length - 1]!.at(-1)));
  }
  assert.deepEqual(pages, [[1, 2], [3, 5], [8]]);
  const after5 = await c.s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'parts', UploadId: up.UploadId, PartNumberMarker: '4' }));
  assert.deepEqual(
    after5.Parts?.map((p) => p.PartNumber),
    [5, 8],
  );
});

test('GetObjectAttributes of a COMPOSITE multipart object returns ETag, Checksum, paged ObjectParts, StorageClass and ObjectSize', async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  const { parts, whole } = await multipartObject(bucket, 'attrs/sha', 'SHA256');
  const partSums = parts.map((p) => digestBase64('sha256', p));
  const ask = (extra: { MaxParts?: number; PartNumberMarker?: string }) =>
    c.s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'attrs/sha',
        ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'],
        ...extra,
      }),
    );
  const first = await ask({ MaxParts: 2 });
  // GetObjectAttributes gives the ETag without quotes, and the composite checksum without "-N".
  assert.equal(first.ETag, multipartEtag(parts).replace(/"/g, ''));
  assert.equal(
    first.Checksum?.ChecksumSHA256,
    compositeOf((d) => digestBase64('sha256', d), partSums),
  );
  assert.equal(first.Checksum?.ChecksumType, 'COMPOSITE');
  assert.equal(first.StorageClass, 'STANDARD');
  assert.equal(first.ObjectSize, whole.length);
  assert.ok(first.LastModified instanceof Date);
  assert.equal(first.ObjectParts?.TotalPartsCount, 3);
  assert.equal(first.ObjectParts?.MaxParts, 2);
  assert.equal(first.ObjectParts?.IsTruncated, true);
  assert.equal(String(first.ObjectParts?.NextPartNumberMarker), '2');
  assert.deepEqual(
    first.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256]),
    [
      [1, MIN_PART, partSums[0]],
      [2, MIN_PART, partSums[1]],
    ],
  );

  const second = await ask({ MaxParts: 2, PartNumberMarker: '2' });
  assert.equal(second.ObjectParts?.IsTruncated, false);
  assert.equal(String(second.ObjectParts?.PartNumberMarker), '2');
  assert.deepEqual(
    second.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256]),
    [[3, 1234, partSums[2]]],
  );
});

test('GetObjectAttributes of a multipart object without an additional checksum lists its parts, without part checksums', async () => {
  const bucket = await newBucket(c.s3, 'mpc');
  const { parts, whole } = await multipartObject(bucket, 'attrs/plain');
  const out = await c.s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'attrs/plain', ObjectAttributes: ['ObjectParts', 'Checksum', 'ObjectSize'] }));
  assert.equal(out.ObjectParts?.TotalPartsCount, 3);
  assert.deepEqual(
    out.ObjectParts?.Parts,
    parts.map((p, i) => ({ PartNumber: i + 1, Size: p.length })),
  );
  assert.equal(out.Checksum?.ChecksumCRC64NVME, await crc64nvmeBase64(whole));
  assert.equal(out.Checksum?.ChecksumType, 'FULL_OBJECT');
  assert.equal(out.ObjectSize, whole.length);
  assert.equal(out.ETag, undefined, 'attributes not asked for are not returned');
});
