// The one scenario every client goes through, step by step, each step a subtest named after what
// the client does, so a failure names the client, the protocol and the step. What the client
// reports is checked against the files, and what it changed is checked through the SDK.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { bucketName } from '../../helpers/coffer.js';
import { expectedEtag, readFileRange, sha256Of, sha256OfFile } from './files.js';
import type { LocalFile } from './files.js';
import type { ClientsFixture } from './fixture.js';

/** Why a client cannot take a step: it has no such command, or the step waits for a feature. */
export interface Unavailable {
  unavailable: string;
}

export interface ListedObject {
  key: string;
  size: number;
}

export interface RangeReader {
  /** The client can only read from an offset to the end (a resumed download). */
  toEndOnly?: boolean;
  /** Bytes `first`..`last` of the object, read with the client's own ranged GET. */
  read(bucket: string, key: string, first: number, last: number, original: LocalFile): Promise<Buffer>;
}

export interface TagClient {
  put(bucket: string, key: string, tags: Record<string, string>): Promise<void>;
  get(bucket: string, key: string): Promise<Record<string, string>>;
}

export interface ScenarioClient {
  /** The bytes per part the client splits the 40 MB file into; undefined when it sends one PUT. */
  bigFilePartSize: number | undefined;
  makeBucket(bucket: string): Promise<void>;
  upload(file: LocalFile, bucket: string, key: string): Promise<void>;
  list(bucket: string): Promise<ListedObject[]>;
  /**
   * The object's size and what else the client shows: its ETag (quotes removed), or the whole
   * file's MD5 that the client kept in the object's metadata.
   */
  head(bucket: string, key: string): Promise<{ size: number; etag?: string; md5?: string }>;
  download(bucket: string, key: string, file: string): Promise<void>;
  readRange: RangeReader | Unavailable;
  /** A server-side copy within the bucket. */
  copy(bucket: string, from: string, to: string): Promise<void>;
  tags: TagClient | Unavailable;
  /** A presigned GET URL for the object. */
  presign: ((bucket: string, key: string) => Promise<string>) | Unavailable;
  delete(bucket: string, key: string): Promise<void>;
  /** Delete every object left, the way the client empties a bucket (a recursive or batch delete). */
  deleteAll(bucket: string): Promise<void>;
  removeBucket(bucket: string): Promise<void>;
  /** Release what the client holds (sockets of an in-process client). */
  close?(): void | Promise<void>;
}

export const SMALL_KEY = 'docs/small file.txt';
export const BIG_KEY = 'media/big.bin';
export const COPY_KEY = 'copies/big.bin';
const TAGS = { project: 'coffer', stage: 'client test' };
/** Crosses a part boundary for every part size the clients use (5, 8 and 15 MiB). */
const RANGE_FIRST = 30_000_000;
const RANGE_LAST = 33_999_999;

function isUnavailable<T extends object>(v: T | Unavailable): v is Unavailable {
  return 'unavailable' in v;
}

function stripQuotes(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

async function sdkObjectSha256(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return sha256Of(out.Body as NodeJS.ReadableStream);
}

async function sdkBucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
    throw err;
  }
}

function mib(bytes: number): string {
  return `${bytes / (1024 * 1024)} MiB`;
}

/**
 * Run the scenario for `client` in `dir` (its scratch directory). After the first failing step
 * the rest are skipped, so one fault is reported once, under the step that met it.
 */
export async function runScenario(t: TestContext, fx: ClientsFixture, client: ScenarioClient, dir: string): Promise<void> {
  const s3 = fx.coffer.s3;
  const bucket = bucketName('clients');
  const { small, big } = fx;
  let failed: string | undefined;
  const step = async (name: string, fn: () => Promise<void>, unavailable?: string): Promise<void> => {
    const skip = failed !== undefined ? `an earlier step failed: ${failed}` : unavailable;
    // The client and protocol in each step's name, so the list of failures at the end names them.
    await t.test(`${t.name}: ${name}`, { skip }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = name;
        throw err;
      }
    });
  };

  await step('makes a bucket', async () => {
    await client.makeBucket(bucket);
    assert.equal(await sdkBucketExists(s3, bucket), true, 'HeadBucket through the SDK');
  });

  await step(`uploads a ${small.size}-byte file`, async () => {
    await client.upload(small, bucket, SMALL_KEY);
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: SMALL_KEY }));
    assert.equal(h.ContentLength, small.size);
    assert.equal(await sdkObjectSha256(s3, bucket, SMALL_KEY), small.sha256);
  });

  const partSize = client.bigFilePartSize;
  const bigEtag = await expectedEtag(big.path, partSize);
  await step(`uploads the 40 MB file ${partSize === undefined ? 'in one PUT' : `in parts of ${mib(partSize)}`}`, async () => {
    await client.upload(big, bucket, BIG_KEY);
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: BIG_KEY }));
    assert.equal(h.ContentLength, big.size);
    // The ETag tells the parts apart: the MD5 of each part's MD5 and their count.
    assert.equal(stripQuotes(h.ETag), bigEtag);
  });

  await step('lists both objects with their sizes', async () => {
    const listed = (await client.list(bucket)).sort((a, b) => (a.key < b.key ? -1 : 1));
    assert.deepEqual(
      listed,
      [
        { key: SMALL_KEY, size: small.size },
        { key: BIG_KEY, size: big.size },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
  });

  await step('heads the 40 MB object: its size, and its ETag or MD5 where the client shows one', async () => {
    const h = await client.head(bucket, BIG_KEY);
    assert.equal(h.size, big.size);
    if (h.etag !== undefined) assert.equal(h.etag, bigEtag);
    if (h.md5 !== undefined) assert.equal(h.md5, await expectedEtag(big.path, undefined));
  });

  await step('downloads both objects byte for byte', async () => {
    for (const [key, file] of [
      [SMALL_KEY, small],
      [BIG_KEY, big],
    ] as const) {
      const to = join(dir, `download-${file.size}`);
      await client.download(bucket, key, to);
      assert.equal(await sha256OfFile(to), file.sha256, `downloaded ${key}`);
      await rm(to, { force: true });
    }
  });

  const reader = client.readRange;
  const rangeLast = !isUnavailable(reader) && reader.toEndOnly ? big.size - 1 : RANGE_LAST;
  await step(
    `reads bytes ${RANGE_FIRST}-${rangeLast} of the 40 MB object`,
    async () => {
      if (isUnavailable(reader)) return;
      const got = await reader.read(bucket, BIG_KEY, RANGE_FIRST, rangeLast, big);
      const want = await readFileRange(big.path, RANGE_FIRST, rangeLast);
      assert.equal(got.length, want.length);
      assert.ok(got.equals(want), "the range holds the file's bytes at that offset");
    },
    isUnavailable(reader) ? reader.unavailable : undefined,
  );

  await step('copies the 40 MB object on the server', async () => {
    await client.copy(bucket, BIG_KEY, COPY_KEY);
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: COPY_KEY }));
    assert.equal(h.ContentLength, big.size);
    assert.equal(await sdkObjectSha256(s3, bucket, COPY_KEY), big.sha256);
  });

  const tags = client.tags;
  await step(
    'puts two tags on an object and reads them back',
    async () => {
      if (isUnavailable(tags)) return;
      await tags.put(bucket, SMALL_KEY, TAGS);
      assert.deepEqual(await tags.get(bucket, SMALL_KEY), TAGS);
    },
    isUnavailable(tags) ? tags.unavailable : undefined,
  );

  const presign = client.presign;
  await step(
    'presigns a GET URL that fetch() reads',
    async () => {
      if (isUnavailable(presign)) return;
      const url = await presign(bucket, SMALL_KEY);
      const res = await fetch(url);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, `GET ${new URL(url).pathname}: ${body.toString('utf8', 0, 500)}`);
      assert.equal(body.length, small.size);
      assert.equal(createHash('sha256').update(body).digest('hex'), small.sha256);
    },
    isUnavailable(presign) ? presign.unavailable : undefined,
  );

  const keysLeft = async (): Promise<string[]> => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  await step('deletes one object, then empties the bucket', async () => {
    await client.delete(bucket, SMALL_KEY);
    assert.deepEqual(await keysLeft(), [COPY_KEY, BIG_KEY].sort());
    await client.deleteAll(bucket);
    assert.deepEqual(await keysLeft(), []);
  });

  await step('removes the empty bucket', async () => {
    await client.removeBucket(bucket);
    assert.equal(await sdkBucketExists(s3, bucket), false, 'HeadBucket through the SDK');
  });
}
