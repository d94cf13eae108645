// Helpers of the archive, restore and lifecycle tests.
import assert from 'node:assert/strict';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import type { S3Client, StorageClass } from '@aws-sdk/client-s3';

/** Upload `parts` as a multipart object of `storageClass` and complete it. */
export async function multipartUpload(s3: S3Client, bucket: string, key: string, parts: Buffer[], storageClass?: StorageClass): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, StorageClass: storageClass }));
  const done = [];
  for (let i = 0; i < parts.length; i++) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: parts[i] }));
    done.push({ ETag, PartNumber: i + 1 });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }));
}

/** Poll until `check` holds (every 50 ms, up to `ms`). */
export async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < until, 'condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** HEAD's x-amz-restore of an object. */
export async function restoreOf(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Restore;
}

/**
 * Turn versioning on for a bucket. PutBucketVersioning comes with the versioning work (another
 * branch); until it is merged, these tests set the state through the metadata store, which the
 * write, delete and listing paths already honour, and drop the bucket from the engine's cache.
 */
export async function enableVersioning(
  server: {
    engine: {
      deps: {
        meta: { transaction: <T>(fn: (tx: { setBucketVersioning(name: string, state: 'Enabled'): Promise<void> }) => Promise<T>) => Promise<T> };
        cache: { buckets: { delete(name: string): unknown } };
      };
    };
  },
  bucket: string,
): Promise<void> {
  await server.engine.deps.meta.transaction((tx) => tx.setBucketVersioning(bucket, 'Enabled'));
  server.engine.deps.cache.buckets.delete(bucket);
}
