// Lifecycle: a bucket's rules (kept in its BucketConfig) and their application. A run walks each
// bucket's objects a page at a time (an index range scan per rule prefix) and makes every change
// in its own metadata transaction that reads the version again and re-checks, against the
// bucket's rules as they are then, that the change is still due; so processes running at once,
// or a configuration changed meanwhile, never expire or move a version twice or wrongly.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html
import { S3Error } from '../errors.js';
import type { BucketRecord, LifecycleConfiguration, LifecycleRule, ObjectRecord } from '../meta/types.js';
import { nextDayBoundary, sameVersion, transitionVersion } from './archive.js';
import { deleteBlobs } from './deps.js';
import { freshBucket, setBucketConfigDocument } from './bucket-config.js';
import { deleteInTransaction } from './object-delete.js';
import type { BlobRef, EngineDeps } from './deps.js';
import { abortMultipartUpload } from './multipart.js';
import { isArchiveClass } from './storage-class.js';
import { ruleApplies, scanPrefixes } from './lifecycle-match.js';
import { hasVersionRules, runVersionRules } from './lifecycle-versions.js';

export { ruleApplies } from './lifecycle-match.js';

/** Objects smaller than this do not transition unless the configuration says varies_by_storage_class. */
export const TRANSITION_MIN_OBJECT_BYTES = 128 * 1024;
const PAGE = 1000;
/** Changes in flight at once within a page. */
const CONCURRENCY = 32;

export async function getBucketLifecycle(deps: EngineDeps, bucketName: string): Promise<LifecycleConfiguration> {
  const bucket = await freshBucket(deps, bucketName);
  const config = bucket.config.lifecycle;
  if (!config) throw new S3Error('NoSuchLifecycleConfiguration', { fields: { BucketName: bucketName } });
  return { ...config, transitionDefaultMinimumObjectSize: config.transitionDefaultMinimumObjectSize ?? 'all_storage_classes_128K' };
}

/** Replace (or with undefined, remove) a bucket's lifecycle configuration. */
export async function putBucketLifecycle(deps: EngineDeps, bucketName: string, config: LifecycleConfiguration | undefined): Promise<void> {
  await setBucketConfigDocument(deps, bucketName, 'lifecycle', () => config);
}

/**
 * When a rule's Days or Date reaches a version created at `since`: the day count is added and
 * rounded up to the next day boundary ("rounding the resulting time to the next day midnight UTC").
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html
 */
function dueAt(action: { days?: number; date?: number }, since: number, dayMs: number): number | undefined {
  if (action.date !== undefined) return action.date;
  if (action.days !== undefined) return nextDayBoundary(since + action.days * dayMs, dayMs);
  return undefined;
}

/** The expiration of the current version `obj` and the rule that sets it (the earliest), for x-amz-expiration. */
export function expirationOf(bucket: BucketRecord | undefined, obj: ObjectRecord, dayMs: number): { at: number; ruleId: string } | undefined {
  let best: { at: number; ruleId: string } | undefined;
  for (const rule of bucket?.config.lifecycle?.rules ?? []) {
    if (!rule.enabled || !rule.expiration || !ruleApplies(rule, obj)) continue;
    const at = dueAt(rule.expiration, obj.lastModified, dayMs);
    if (at !== undefined && (!best || at < best.at)) best = { at, ruleId: rule.id };
  }
  return best;
}

/** What is due for a current version now: expiry, or the transition to the class of the latest due Transition. */
function currentAction(bucket: BucketRecord, obj: ObjectRecord, now: number, dayMs: number): { expire: true } | { transition: string } | undefined {
  const config = bucket.config.lifecycle;
  if (!config || obj.deleteMarker) return undefined;
  let target: { at: number; storageClass: string } | undefined;
  for (const rule of config.rules) {
    if (!rule.enabled || !ruleApplies(rule, obj)) continue;
    const expiry = rule.expiration && dueAt(rule.expiration, obj.lastModified, dayMs);
    if (expiry !== undefined && expiry <= now) return { expire: true };
    for (const t of rule.transitions ?? []) {
      const at = dueAt(t, obj.lastModified, dayMs)!;
      if (at > now || t.storageClass === obj.storageClass || !transitionAllowed(config, obj, t.storageClass)) continue;
      if (!target || at > target.at) target = { at, storageClass: t.storageClass };
    }
  }
  return target && { transition: target.storageClass };
}

function transitionAllowed(config: LifecycleConfiguration, obj: ObjectRecord, storageClass: string): boolean {
  // An archived version stays archived; only a restore and a copy bring its bytes back.
  if (isArchiveClass(obj.storageClass) && !isArchiveClass(storageClass)) return false;
  if (obj.storageClass === 'DEEP_ARCHIVE') return false;
  const small = obj.size < TRANSITION_MIN_OBJECT_BYTES;
  if (!small) return true;
  return config.transitionDefaultMinimumObjectSize === 'varies_by_storage_class' && (isArchiveClass(storageClass) || storageClass === 'INTELLIGENT_TIERING');
}

export interface LifecycleRunResult {
  expired: number;
  transitioned: number;
  abortedUploads: number;
}

/** One pass of every bucket's lifecycle rules. */
export async function runLifecycle(deps: EngineDeps, now = Date.now()): Promise<LifecycleRunResult> {
  const result: LifecycleRunResult = { expired: 0, transitioned: 0, abortedUploads: 0 };
  let after: string | undefined;
  for (;;) {
    const buckets = await deps.meta.listAllBuckets({ prefix: '', after, limit: 100 });
    for (const b of buckets) if (b.config.lifecycle) await runBucket(deps, b, now, result);
    if (buckets.length < 100) return result;
    after = buckets[buckets.length - 1]!.name;
  }
}

async function runBucket(deps: EngineDeps, bucket: BucketRecord, now: number, result: LifecycleRunResult): Promise<void> {
  const rules = bucket.config.lifecycle!.rules.filter((r) => r.enabled);
  const objectRules = rules.filter((r) => r.expiration?.days !== undefined || r.expiration?.date !== undefined || r.transitions);
  for (const prefix of scanPrefixes(objectRules)) {
    let after: string | undefined;
    for (;;) {
      const page = await deps.meta.listObjects(bucket.name, { prefix, after, limit: PAGE });
      // Each change is its own transaction; a few run at once, so they share group commits
      // (one WAL sync for many) instead of paying one sync each.
      const candidates = page.filter((row) => objectRules.some((r) => ruleApplies({ ...r, filter: { ...r.filter, tags: undefined } }, row)));
      // Transitions copy and compress bytes: they run one at a time, after the page's expirations.
      const transitions: Array<{ obj: ObjectRecord; storageClass: string }> = [];
      for (let i = 0; i < candidates.length; i += CONCURRENCY) {
        await Promise.all(candidates.slice(i, i + CONCURRENCY).map((row) => applyToCurrent(deps, bucket, row.key, now, result, transitions)));
      }
      for (const t of transitions) if (await transitionIfDue(deps, bucket.name, t.obj, t.storageClass, now)) result.transitioned++;
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.key;
    }
  }
  // A bucket that has ever had versioning can hold noncurrent versions and delete markers.
  if (bucket.versioning !== null && hasVersionRules(bucket)) await runVersionRules(deps, bucket, now, result);
  for (const rule of rules) {
    if (rule.abortIncompleteMultipartUpload) result.abortedUploads += await abortStaleUploads(deps, bucket.name, rule, now);
  }
}

/** Judge the current version of `key` (read whole: listing rows lack tags and part lists): expire it now, or queue its transition. */
async function applyToCurrent(
  deps: EngineDeps,
  bucket: BucketRecord,
  key: string,
  now: number,
  result: LifecycleRunResult,
  transitions: Array<{ obj: ObjectRecord; storageClass: string }>,
): Promise<void> {
  const obj = await deps.meta.getObject(bucket.name, key);
  if (!obj) return;
  const action = currentAction(bucket, obj, now, deps.tiering.dayMs);
  if (!action) return;
  if ('expire' in action) {
    if (await expireCurrent(deps, bucket.name, obj, now)) result.expired++;
  } else {
    transitions.push({ obj, storageClass: action.transition });
  }
}

/** The bucket as it is now, inside the transaction, and whether `cur` is still due for `want`. */
function stillDue(bucket: BucketRecord | undefined, cur: ObjectRecord | undefined, seen: ObjectRecord, want: 'expire' | string, now: number, dayMs: number): boolean {
  if (!bucket || !cur || cur.deleteMarker || !sameVersion(cur, seen)) return false;
  const action = currentAction(bucket, cur, now, dayMs);
  if (!action) return false;
  return want === 'expire' ? 'expire' in action : 'transition' in action && action.transition === want;
}

/**
 * Expire the current version: removed on a bucket without versioning; on a versioned bucket a
 * delete marker becomes current (the 'null' version is replaced by it while suspended).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html
 */
async function expireCurrent(deps: EngineDeps, bucketName: string, seen: ObjectRecord, now: number): Promise<boolean> {
  const gone: BlobRef[] = [];
  const done = await deps.meta
    .transaction(async (tx) => {
      const b = await tx.getBucket(bucketName);
      const cur = await tx.getObject(bucketName, seen.key);
      if (!stillDue(b, cur, seen, 'expire', now, deps.tiering.dayMs)) return false;
      // The same delete as DeleteObject without a version id, so the same Object Lock rules hold:
      // a marker may stack on a locked version, a locked 'null' version is not replaced.
      await deleteInTransaction(tx, bucketName, undefined, { key: seen.key }, {}, gone);
      return true;
    })
    .catch((err: unknown) => {
      // "Lifecycle expiration … doesn't delete objects that are under a retention period or a legal hold."
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-lifecycle
      if (err instanceof S3Error) return false;
      throw err;
    });
  await deleteBlobs(deps, gone);
  return done;
}

async function transitionIfDue(deps: EngineDeps, bucketName: string, obj: ObjectRecord, storageClass: string, now: number): Promise<boolean> {
  // transitionVersion checks in its transaction that the version is unchanged; the rule is
  // checked again here, just before, against the bucket as stored.
  const b = await deps.meta.getBucket(bucketName);
  const cur = await deps.meta.getObject(bucketName, obj.key, obj.versionId);
  if (!stillDue(b, cur, obj, storageClass, now, deps.tiering.dayMs)) return false;
  return transitionVersion(deps, cur!, storageClass);
}

/**
 * AbortIncompleteMultipartUpload: uploads under the rule's prefix initiated DaysAfterInitiation
 * days ago (rounded to the day boundary) are aborted, each in its own transaction.
 */
async function abortStaleUploads(deps: EngineDeps, bucketName: string, rule: LifecycleRule, now: number): Promise<number> {
  const days = rule.abortIncompleteMultipartUpload!.daysAfterInitiation;
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await deps.meta.listUploads(bucketName, { prefix: rule.filter.prefix ?? '', keyMarker, uploadIdMarker, limit: PAGE });
    for (const u of page) {
      if (nextDayBoundary(u.initiated + days * deps.tiering.dayMs, deps.tiering.dayMs) > now) continue;
      try {
        await abortMultipartUpload(deps, u.bucket, u.key, u.uploadId);
        aborted++;
      } catch (err) {
        // Completed or aborted meanwhile, by its client or another process.
        if (!(err instanceof S3Error && err.code === 'NoSuchUpload')) throw err;
      }
    }
    if (page.length < PAGE) return aborted;
    keyMarker = page[page.length - 1]!.key;
    uploadIdMarker = page[page.length - 1]!.uploadId;
  }
}
