// Tag sets of object versions. An object's tags belong to one version: they are read from and
// written to that version's metadata row, in one transaction that also checks the version still
// exists, so a tag write racing an overwrite or a delete has one outcome.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
import { S3Error } from '../errors.js';
import type { BucketRecord, Tag } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import { liveVersion, requireObject, validateVersionId } from './object-read.js';

export interface ObjectTaggingInput {
  bucket: string;
  key: string;
  /** The version addressed; the latest when absent. */
  versionId?: string;
}

export interface ObjectTaggingOutput {
  /** The version the tags belong to, when S3 names it (a bucket that has had versioning, or a non-null version). */
  versionId: string | undefined;
  tags: Tag[];
}

function shownVersionId(bucket: BucketRecord | undefined, versionId: string): string | undefined {
  return bucket?.versioning != null || versionId !== 'null' ? versionId : undefined;
}

export async function getObjectTagging(deps: EngineDeps, input: ObjectTaggingInput): Promise<ObjectTaggingOutput> {
  const obj = await requireObject(deps, input.bucket, input.key, input.versionId);
  const bucket = await cachedBucket(deps, input.bucket);
  return { versionId: shownVersionId(bucket, obj.versionId), tags: obj.tags ?? [] };
}

/** Replace the tag set of a version; an empty set removes its tags (DeleteObjectTagging). */
export async function putObjectTagging(deps: EngineDeps, input: ObjectTaggingInput & { tags: Tag[] }): Promise<ObjectTaggingOutput> {
  validateVersionId(input.versionId);
  return deps.meta.transaction(async (tx) => {
    const bucket = await tx.getBucket(input.bucket);
    if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.bucket } });
    const obj = liveVersion(await tx.getObject(input.bucket, input.key, input.versionId), input.key, input.versionId);
    await tx.setObjectTags(input.bucket, input.key, obj.versionId, input.tags);
    return { versionId: shownVersionId(bucket, obj.versionId), tags: input.tags };
  });
}
