import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, prefixUpperBound } from './key-order.js';

test('prefixUpperBound is the first string after every string with the prefix', () => {
  assert.equal(prefixUpperBound('a/'), 'a0');
  assert.equal(prefixUpperBound(''), undefined);
  assert.equal(prefixUpperBound('\u{10ffff}'), undefined);
  assert.equal(prefixUpperBound('a\u{10ffff}'), 'b');
  assert.equal(prefixUpperBound('\ud7ff'), '\ue000');
  for (const k of ['a/', 'a/b', 'a/\u{10ffff}zz', 'a/\uffff']) assert.ok(compareKeys(k, prefixUpperBound('a/')!) < 0, k);
});

test('keys compare by UTF-8 bytes, not UTF-16 units', () => {
  // U+FF61 is EF BD A1 in UTF-8; U+1F600 is F0 9F 98 80: the emoji sorts after, unlike in UTF-16.
  assert.ok(compareKeys('\uff61', '\u{1f600}') < 0);
  assert.ok('\uff61' > '\u{1f600}');
});
