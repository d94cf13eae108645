// Helpers of the archive, restore and lifecycle tests.
import assert from 'node:assert/strict';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutBucketVersioningCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import type { S3Client, StorageClass } from '@aws-sdk/client-s3';

/** Upload `parts` as a multipart object of `storageClass` and complete it; `sse` (SSE-C key parameters) goes on every request. */
export async function multipartUpload(s3: S3Client, bucket: string, key: string, parts: Buffer[], storageClass?: StorageClass, sse: Record<string, string> = {}): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, StorageClass: storageClass, ...sse }));
  const done = [];
  for (let i = 0; i < parts.length; i++) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: parts[i], ...sse }));
    done.push({ ETag, PartNumber: i + 1 });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: done }, ...sse }));
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

/** Turn versioning on for a bucket, as a client does: PutBucketVersioning. */
export async function enableVersioning(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}
