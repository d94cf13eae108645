// Which objects a lifecycle rule selects, and which prefixes a run scans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LifecycleRule } from '../meta/types.js';
import { ruleApplies, scanPrefixes } from './lifecycle-match.js';
import { expirationOf } from './lifecycle.js';
import { newObjectRecord } from '../meta/records.js';

const rule = (filter: LifecycleRule['filter'], extra: Partial<LifecycleRule> = {}): LifecycleRule => ({ id: 'r', enabled: true, filter, filterForm: 'filter', ...extra });

test('a filter selects by prefix, every tag, and strict size bounds', () => {
  const obj = {
    key: 'logs/a',
    size: 100,
    tags: [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ],
  };
  assert.equal(ruleApplies(rule({}), obj), true);
  assert.equal(ruleApplies(rule({ prefix: 'logs/' }), obj), true);
  assert.equal(ruleApplies(rule({ prefix: 'img/' }), obj), false);
  assert.equal(ruleApplies(rule({ tags: [{ key: 'a', value: '1' }] }), obj), true);
  assert.equal(
    ruleApplies(
      rule({
        tags: [
          { key: 'a', value: '1' },
          { key: 'c', value: '3' },
        ],
      }),
      obj,
    ),
    false,
  );
  assert.equal(ruleApplies(rule({ tags: [{ key: 'a', value: '2' }] }), obj), false);
  assert.equal(ruleApplies(rule({ objectSizeGreaterThan: 99, objectSizeLessThan: 101 }), obj), true);
  assert.equal(ruleApplies(rule({ objectSizeGreaterThan: 100 }), obj), false);
  assert.equal(ruleApplies(rule({ objectSizeLessThan: 100 }), obj), false);
});

test('a run scans each prefix that no shorter one covers, once', () => {
  assert.deepEqual(scanPrefixes([rule({ prefix: 'a/' }), rule({ prefix: 'a/b/' }), rule({ prefix: 'c' })]), ['a/', 'c']);
  assert.deepEqual(scanPrefixes([rule({ prefix: 'a/' }), rule({})]), ['']);
  assert.deepEqual(scanPrefixes([]), []);
});

test('x-amz-expiration comes from the earliest enabled expiration that selects the object, rounded up to a day', () => {
  const day = 86_400_000;
  const obj = newObjectRecord({ bucket: 'b', key: 'logs/a', ownerId: 'o', lastModified: Date.UTC(2026, 0, 10, 15, 30) });
  const bucket = {
    name: 'b',
    ownerId: 'o',
    region: 'us-east-1',
    createdAt: 0,
    versioning: null,
    objectLockEnabled: false,
    config: {
      lifecycle: {
        rules: [
          rule({ prefix: 'logs/' }, { id: 'ten', expiration: { days: 10 } }),
          rule({ prefix: 'logs/' }, { id: 'off', enabled: false, expiration: { days: 1 } }),
          rule({ prefix: 'img/' }, { id: 'other', expiration: { days: 1 } }),
          rule({}, { id: 'date', expiration: { date: Date.UTC(2026, 5, 1) } }),
        ],
      },
    },
  };
  // 10 days after Jan 10 15:30 is Jan 20 15:30, rounded to midnight: Jan 21.
  assert.deepEqual(expirationOf(bucket, obj, day), { at: Date.UTC(2026, 0, 21), ruleId: 'ten' });
  assert.equal(expirationOf({ ...bucket, config: {} }, obj, day), undefined);
});
