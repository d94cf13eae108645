import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMetadataValue, encodeMetadataValue } from './rfc2047.js';

test('a value without encoded-words is stored as sent', () => {
  assert.equal(decodeMetadataValue('plain text'), 'plain text');
  assert.equal(decodeMetadataValue('a =? b ?= c'), 'a =? b ?= c');
  assert.equal(decodeMetadataValue(''), '');
});

test('B and Q encoded-words decode, in UTF-8, US-ASCII and ISO-8859-1, charset names without case', () => {
  assert.equal(decodeMetadataValue('=?UTF-8?B?Y2Fmw6k=?='), 'caf\u00e9');
  assert.equal(decodeMetadataValue('=?utf-8?q?caf=C3=A9_noir?='), 'caf\u00e9 noir');
  assert.equal(decodeMetadataValue('=?US-ASCII?Q?abc?='), 'abc');
  assert.equal(decodeMetadataValue('=?ISO-8859-1?Q?caf=E9?='), 'caf\u00e9');
  assert.equal(decodeMetadataValue('=?UTF-8*en?B?Y2Fmw6k=?='), 'caf\u00e9');
});

test('whitespace between two adjacent encoded-words is dropped; text around them is kept', () => {
  assert.equal(decodeMetadataValue('=?UTF-8?Q?a?= \t =?UTF-8?Q?b?='), 'ab');
  assert.equal(decodeMetadataValue('x =?UTF-8?Q?a?= y =?UTF-8?Q?b?= z'), 'x a y b z');
});

test('a word in an unknown charset, with bad base64, a stray = in Q, or invalid UTF-8 stays as sent', () => {
  for (const v of ['=?KOI8-R?B?w8HG?=', '=?UTF-8?B?Y2Fmw6k?=', '=?UTF-8?B?!!!!?=', '=?UTF-8?Q?a=ZZ?=', '=?UTF-8?B?/w==?=', '=?UTF-8?X?abc?=']) {
    assert.equal(decodeMetadataValue(v), v);
  }
  // A good word beside a bad one still decodes, and the bad one keeps its spacing.
  assert.equal(decodeMetadataValue('=?UTF-8?Q?a?= =?KOI8-R?B?w8HG?='), 'a =?KOI8-R?B?w8HG?=');
});

test('printable US-ASCII values are returned as is; any other character makes the value one UTF-8 B word', () => {
  assert.equal(encodeMetadataValue('plain ~!'), 'plain ~!');
  assert.equal(encodeMetadataValue(''), '');
  assert.equal(encodeMetadataValue('caf\u00e9'), '=?UTF-8?B?Y2Fmw6k=?=');
  assert.equal(encodeMetadataValue('\u{1f600}'), '=?UTF-8?B?8J+YgA==?=');
  assert.equal(encodeMetadataValue('a\tb'), 'a\tb');
  assert.equal(encodeMetadataValue('a\r\nb'), '=?UTF-8?B?YQ0KYg==?=');
});

test('what is encoded decodes back to the same text', () => {
  for (const v of ['caf\u00e9', '\u6771\u4eac', 'Hello World\u00c3\u00a9', 'x\u{1f600}y']) assert.equal(decodeMetadataValue(encodeMetadataValue(v)), v);
});
