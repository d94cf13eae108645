// Lifecycle rules on the versions of a versioned bucket: NoncurrentVersionExpiration and
// NoncurrentVersionTransition (with NewerNoncurrentVersions), and the removal of expired object
// delete markers (a delete marker that is a key's only version). A version becomes noncurrent
// when the next newer version of its key is written, so its noncurrent days count from that
// version's time. The walk is the version listing, a page at a time; every change is its own
// transaction that reads the key's versions again and re-checks the rule against the bucket as
// it is then. https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
import type { BucketRecord, LifecycleRule, ObjectRecord } from '../meta/types.js';
import type { MetaReader } from '../meta/store.js';
import { nextDayBoundary, transitionVersion } from './archive.js';
import { deleteBlobs } from './deps.js';
import { S3Error } from '../errors.js';
import { checkRemovable } from './object-lock.js';
import { deleteInTransaction } from './object-delete.js';
import type { BlobRef, EngineDeps } from './deps.js';
import type { LifecycleRunResult } from './lifecycle.js';
import { ruleApplies, scanPrefixes } from './lifecycle-match.js';
import { isArchiveClass } from './storage-class.js';

const PAGE = 1000;

/** Whether any enabled rule of the bucket acts on versions. */
export function hasVersionRules(bucket: BucketRecord): boolean {
  return (bucket.config.lifecycle?.rules ?? []).some(
    (r) => r.enabled && (r.noncurrentVersionExpiration || r.noncurrentVersionTransitions || r.expiration?.expiredObjectDeleteMarker || r.expiration?.days !== undefined),
  );
}

type VersionAction = { remove: true } | { transition: string };

/**
 * What is due for the version at `index` among its key's versions (0 the current one), whose next
 * newer version is `successor`.
 */
function versionAction(
  bucket: BucketRecord,
  v: ObjectRecord,
  index: number,
  successor: ObjectRecord | undefined,
  onlyVersion: boolean,
  now: number,
  dayMs: number,
): VersionAction | undefined {
  const rules = (bucket.config.lifecycle?.rules ?? []).filter((r) => r.enabled && ruleAppliesToVersion(r, v));
  if (index === 0) {
    if (!v.deleteMarker || !onlyVersion) return undefined;
    // "Amazon S3 automatically removes an expired object delete marker" under ExpiredObjectDeleteMarker,
    // or under a Days expiration once the marker is as old.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html#lifecycle-config-conceptual-ex7
    for (const r of rules) {
      if (r.expiration?.expiredObjectDeleteMarker) return { remove: true };
      if (r.expiration?.days !== undefined && nextDayBoundary(v.lastModified + r.expiration.days * dayMs, dayMs) <= now) return { remove: true };
    }
    return undefined;
  }
  if (!successor) return undefined;
  const noncurrentSince = successor.lastModified;
  const newerNoncurrent = index - 1;
  let target: { at: number; storageClass: string } | undefined;
  for (const r of rules) {
    const e = r.noncurrentVersionExpiration;
    if (
      e &&
      nextDayBoundary(noncurrentSince + e.noncurrentDays * dayMs, dayMs) <= now &&
      (e.newerNoncurrentVersions === undefined || newerNoncurrent >= e.newerNoncurrentVersions)
    ) {
      return { remove: true };
    }
    if (v.deleteMarker) continue;
    for (const t of r.noncurrentVersionTransitions ?? []) {
      const at = nextDayBoundary(noncurrentSince + t.noncurrentDays * dayMs, dayMs);
      if (at > now || t.storageClass === v.storageClass || (t.newerNoncurrentVersions !== undefined && newerNoncurrent < t.newerNoncurrentVersions)) continue;
      if (isArchiveClass(v.storageClass) && !isArchiveClass(t.storageClass)) continue;
      if (!target || at > target.at) target = { at, storageClass: t.storageClass };
    }
  }
  return target && { transition: target.storageClass };
}

/** Size filters do not select delete markers (they have no size); prefix and tags do. */
function ruleAppliesToVersion(rule: LifecycleRule, v: ObjectRecord): boolean {
  if (!v.deleteMarker) return ruleApplies(rule, v);
  return ruleApplies({ ...rule, filter: { prefix: rule.filter.prefix, tags: rule.filter.tags } }, v);
}

/** The first versions of `key`, newest first (at most `limit`). */
async function versionsOfKey(reader: MetaReader, bucket: string, key: string, limit: number): Promise<ObjectRecord[]> {
  const rows = await reader.listObjectVersions(bucket, { prefix: key, limit });
  // A key's versions come before those of longer keys it is a prefix of.
  const out: ObjectRecord[] = [];
  for (const r of rows) {
    if (r.key !== key) break;
    out.push(r);
  }
  return out;
}

/**
 * Where `seen` stands now among its key's versions, read again through `reader`: its index
 * (0 the current version) and the next newer version. The index matters only against the rules'
 * NewerNoncurrentVersions, so only the newest `most + 2` versions are read (`most` the largest of
 * them): a version further back gets the lower bound `most + 1`, which every rule's count is
 * under. Its successor is then the one the walk saw, if that still exists and still comes just
 * before it. Undefined when the version is gone or moved (a next run sees it afresh). Each
 * re-check so costs a few rows, however many versions the key has.
 */
async function placeOf(
  reader: MetaReader,
  bucket: BucketRecord,
  seen: ObjectRecord,
  successorSeen: ObjectRecord | undefined,
): Promise<{ index: number; successor: ObjectRecord | undefined; onlyVersion: boolean } | undefined> {
  const counts = (bucket.config.lifecycle?.rules ?? []).flatMap((r) => [r.noncurrentVersionExpiration, ...(r.noncurrentVersionTransitions ?? [])]);
  const most = Math.max(0, ...counts.map((c) => c?.newerNoncurrentVersions ?? 0));
  const head = await versionsOfKey(reader, bucket.name, seen.key, most + 2);
  const at = head.findIndex((v) => v.versionId === seen.versionId);
  if (at >= 0) return { index: at, successor: head[at - 1], onlyVersion: head.length === 1 };
  if (head.length < most + 2 || !successorSeen) return undefined;
  const successor = await reader.getObject(bucket.name, seen.key, successorSeen.versionId);
  const [next] = await reader.listObjectVersions(bucket.name, { prefix: seen.key, keyMarker: seen.key, versionIdMarker: successorSeen.versionId, limit: 1 });
  if (!successor || next?.key !== seen.key || next.versionId !== seen.versionId) return undefined;
  return { index: most + 1, successor, onlyVersion: false };
}

/** Apply the version rules of one bucket. */
export async function runVersionRules(deps: EngineDeps, bucket: BucketRecord, now: number, result: LifecycleRunResult): Promise<void> {
  const rules = (bucket.config.lifecycle?.rules ?? []).filter((r) => r.enabled);
  for (const prefix of scanPrefixes(rules)) await walkVersions(deps, bucket, prefix, now, result);
}

async function walkVersions(deps: EngineDeps, bucket: BucketRecord, prefix: string, now: number, result: LifecycleRunResult): Promise<void> {
  const dayMs = deps.tiering.dayMs;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let versionIdMarkerTime: number | undefined;
  let key: string | undefined;
  let index = 0;
  let prev: ObjectRecord | undefined;
  let first: ObjectRecord | undefined;
  /** Apply what is due to `v`; true when it was removed. */
  const judge = async (v: ObjectRecord, i: number, successor: ObjectRecord | undefined, onlyVersion: boolean): Promise<boolean> => {
    // Tags are not in listing rows: a rule with a tag filter needs the version whole.
    const needsTags = (bucket.config.lifecycle?.rules ?? []).some((r) => r.filter.tags);
    const full = needsTags ? await deps.meta.getObject(bucket.name, v.key, v.versionId) : v;
    if (!full) return false;
    const action = versionAction(bucket, full, i, successor, onlyVersion, now, dayMs);
    if (!action) return false;
    if ('remove' in action) {
      const removed = await removeVersion(deps, bucket.name, full, successor, now);
      if (removed) result.expired++;
      return removed;
    }
    if (await transitionNoncurrent(deps, bucket.name, full, successor, action.transition, now)) result.transitioned++;
    return false;
  };
  for (;;) {
    const page = await deps.meta.listObjectVersions(bucket.name, { prefix, keyMarker, versionIdMarker, versionIdMarkerTime, limit: PAGE });
    for (const v of page) {
      if (v.key !== key) {
        // The key before ended: a lone delete marker is judged now that its key is known to have no other version.
        if (first && index === 1) await judge(first, 0, undefined, true);
        key = v.key;
        index = 0;
        prev = undefined;
        first = v;
      }
      // A removed version leaves its place: the next one's successor and index are as the store now has them.
      if (index > 0 && (await judge(v, index, prev, false))) continue;
      prev = v;
      index++;
    }
    if (page.length < PAGE) break;
    const last = page[page.length - 1]!;
    keyMarker = last.key;
    versionIdMarker = last.versionId;
    // If the walk removed that version, the listing goes on from its time (VersionListRange).
    versionIdMarkerTime = last.lastModified;
  }
  if (first && index === 1) await judge(first, 0, undefined, true);
}

/**
 * Remove a version the walk found due, after re-reading its key's versions in the transaction:
 * still at the same place or further back, and still due under the bucket's rules as they are now.
 */
async function removeVersion(deps: EngineDeps, bucketName: string, seen: ObjectRecord, successorSeen: ObjectRecord | undefined, now: number): Promise<boolean> {
  const gone: BlobRef[] = [];
  const done = await deps.meta.transaction(async (tx) => {
    const bucket = await tx.getBucket(bucketName);
    if (!bucket) return false;
    const place = await placeOf(tx, bucket, seen, successorSeen);
    if (!place) return false;
    const cur = (await tx.getObject(bucketName, seen.key, seen.versionId))!;
    // "Lifecycle expiration … doesn't delete objects that are under a retention period or a legal
    // hold": the rule DeleteObject applies, without a governance bypass, and the version is skipped.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-lifecycle
    if (!removable(cur, Date.now())) return false;
    const action = versionAction(bucket, cur, place.index, place.successor, place.onlyVersion, now, deps.tiering.dayMs);
    if (!action || !('remove' in action)) return false;
    // The same removal as DeleteObject with a version id: usage, blob registry and lock checks.
    await deleteInTransaction(tx, bucketName, undefined, { key: seen.key, versionId: seen.versionId }, {}, gone);
    return true;
  });
  await deleteBlobs(deps, gone);
  return done;
}

/** Whether Object Lock lets `version` be removed now (checkRemovable, as a delete without bypass). */
function removable(version: ObjectRecord, now: number): boolean {
  try {
    checkRemovable(version, false, now);
    return true;
  } catch (err) {
    if (err instanceof S3Error) return false;
    throw err;
  }
}

async function transitionNoncurrent(
  deps: EngineDeps,
  bucketName: string,
  seen: ObjectRecord,
  successorSeen: ObjectRecord | undefined,
  storageClass: string,
  now: number,
): Promise<boolean> {
  const bucket = await deps.meta.getBucket(bucketName);
  if (!bucket) return false;
  const place = await placeOf(deps.meta, bucket, seen, successorSeen);
  if (!place || place.index < 1) return false;
  const cur = await deps.meta.getObject(bucketName, seen.key, seen.versionId);
  if (!cur) return false;
  const action = versionAction(bucket, cur, place.index, place.successor, false, now, deps.tiering.dayMs);
  if (!action || !('transition' in action) || action.transition !== storageClass) return false;
  // transitionVersion commits only if the version is unchanged since this read.
  return transitionVersion(deps, cur, storageClass);
}
