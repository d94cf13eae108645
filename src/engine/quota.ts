// Hard quotas and usage: what an operator caps and watches per bucket (admin API
// buckets/{bucket}/quota and usage). The quota is a bucket configuration document; it is enforced
// by the metadata store's addUsage inside the transaction that commits each write, so racing
// writes never overshoot it. The check here, before a body is read, only spares the client an
// upload that could never fit: the transaction still decides.
import { S3Error } from '../errors.js';
import type { BucketQuota, BucketRecord, BucketUsageRow } from '../meta/types.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import { UserError } from './users.js';

async function requireBucketForAdmin(deps: EngineDeps, bucket: string): Promise<BucketRecord> {
  const b = await deps.meta.getBucket(bucket);
  if (!b) throw new UserError(404, `no bucket ${bucket}`, 'NoSuchBucket');
  return b;
}

/** A quota from the admin API's JSON: {hardQuotaBytes, maxObjects?}, whole numbers ≥ 0. */
export function parseQuota(body: unknown): BucketQuota {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UserError(400, 'body must be a JSON object {hardQuotaBytes, maxObjects?}', 'InvalidQuota');
  const { hardQuotaBytes, maxObjects, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new UserError(400, `unknown field ${unknown[0]}: a quota has hardQuotaBytes and maxObjects`, 'InvalidQuota');
  const count = (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new UserError(400, `${name} must be a whole number ≥ 0`, 'InvalidQuota');
    return v;
  };
  const quota: BucketQuota = { hardQuotaBytes: count(hardQuotaBytes, 'hardQuotaBytes') };
  if (maxObjects !== undefined && maxObjects !== null) quota.maxObjects = count(maxObjects, 'maxObjects');
  return quota;
}

/** Set (or, with undefined, remove) a bucket's quota. A quota below the usage refuses growth until usage falls under it. */
export async function setBucketQuota(deps: EngineDeps, bucket: string, quota: BucketQuota | undefined): Promise<void> {
  await deps.meta.transaction(async (tx) => {
    if (!(await tx.getBucket(bucket))) throw new UserError(404, `no bucket ${bucket}`, 'NoSuchBucket');
    await tx.setBucketConfig(bucket, 'quota', quota);
  });
  deps.cache.buckets.delete(bucket);
}

export async function getBucketQuota(deps: EngineDeps, bucket: string): Promise<BucketQuota | undefined> {
  return (await requireBucketForAdmin(deps, bucket)).config.quota;
}

export async function getBucketUsage(deps: EngineDeps, bucket: string): Promise<BucketUsageRow> {
  const b = await requireBucketForAdmin(deps, bucket);
  const [usage, uploads] = await Promise.all([deps.meta.getUsage(bucket), deps.meta.getUploadUsage(bucket)]);
  return { bucket, usage, uploads, quota: b.config.quota };
}

/** Every bucket's usage, in name order. */
export async function listBucketUsage(deps: EngineDeps): Promise<BucketUsageRow[]> {
  const out: BucketUsageRow[] = [];
  for (;;) {
    const page = await deps.meta.listUsage({ after: out[out.length - 1]?.bucket, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

/**
 * Refuse a write of `bytes` before its body is read when it grows the bucket past its byte quota,
 * counting the `replaced()` bytes it would free (the version or part it overwrites). Buckets
 * without a quota pay nothing.
 */
export async function refuseIfOverQuota(deps: EngineDeps, bucket: BucketRecord, bytes: number, replaced: () => Promise<number>): Promise<void> {
  const quota = bucket.config.quota;
  if (quota === undefined) return;
  const [usage, uploads] = await Promise.all([deps.meta.getUsage(bucket.name), deps.meta.getUploadUsage(bucket.name)]);
  const used = usage.bytes + uploads.bytes;
  if (used + bytes <= quota.hardQuotaBytes) return;
  // As the transaction decides: only a write that grows the bucket is refused.
  const growth = bytes - (await replaced());
  if (growth > 0 && used + growth > quota.hardQuotaBytes) throw new S3Error('VaultQuotaExceeded', { fields: { BucketName: bucket.name } });
}

/** The bucket through the cache, or NoSuchBucket. */
export async function bucketForWrite(deps: EngineDeps, bucket: string): Promise<BucketRecord> {
  const b = await cachedBucket(deps, bucket);
  if (!b) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucket } });
  return b;
}
