// How the console copies an object it renames: one CopyObject up to S3's 5 GiB, UploadPartCopy
// ranges beyond. The browser test runs the multipart branch with the limit lowered; these check
// the plan at the real sizes, which no test can upload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3_COPY_LIMITS, copyPlan } from './copy.js';
import type { CopyLimits, CopyPart } from './copy.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The ranges cover 0..size-1 once, in order; every part but the last is at least the minimum; no part passes 5 GiB. */
function assertCovers(parts: CopyPart[], size: number, limits: CopyLimits): void {
  let at = 0;
  parts.forEach((p, i) => {
    assert.equal(p.partNumber, i + 1);
    assert.equal(p.first, at, `part ${p.partNumber} starts where the last one ended`);
    assert.ok(p.last >= p.first);
    const bytes = p.last - p.first + 1;
    assert.ok(bytes <= 5 * GiB, `part ${p.partNumber} is at most 5 GiB`);
    if (i < parts.length - 1) assert.ok(bytes >= limits.minPartBytes, `part ${p.partNumber} is at least the minimum`);
    at = p.last + 1;
  });
  assert.equal(at, size);
  assert.ok(parts.length <= 10_000);
}

test('an object of up to 5 GiB is copied with one CopyObject', () => {
  assert.equal(copyPlan(0, S3_COPY_LIMITS), undefined);
  assert.equal(copyPlan(1, S3_COPY_LIMITS), undefined);
  assert.equal(copyPlan(5 * GiB, S3_COPY_LIMITS), undefined);
});

test('an object one byte over 5 GiB is copied in UploadPartCopy ranges of 512 MiB, the last one byte', () => {
  const parts = copyPlan(5 * GiB + 1, S3_COPY_LIMITS)!;
  assert.equal(parts.length, 11);
  assert.deepEqual(parts[0], { partNumber: 1, first: 0, last: 512 * MiB - 1 });
  assert.deepEqual(parts.at(-1), { partNumber: 11, first: 5 * GiB, last: 5 * GiB });
  assertCovers(parts, 5 * GiB + 1, S3_COPY_LIMITS);
});

test("an object of S3's largest size, 5 TiB, fits in 10,000 parts", () => {
  const size = 5 * 1024 * GiB;
  const parts = copyPlan(size, S3_COPY_LIMITS)!;
  assert.equal(parts.length, 10_000);
  assertCovers(parts, size, S3_COPY_LIMITS);
});

test('the limits the browser test lowers give the same shape: 12 MiB over an 8 MiB limit is parts of 5, 5 and 2 MiB', () => {
  const limits = { ...S3_COPY_LIMITS, singleCopyMaxBytes: 8 * MiB, minPartBytes: 5 * MiB };
  const parts = copyPlan(12 * MiB, limits)!;
  assert.deepEqual(
    parts.map((p) => p.last - p.first + 1),
    [5 * MiB, 5 * MiB, 2 * MiB],
  );
  assertCovers(parts, 12 * MiB, limits);
  assert.equal(copyPlan(8 * MiB, limits), undefined);
});
