import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionsHold, parseOperator } from './policy-conditions.js';

type Block = Record<string, Record<string, string[]>>;

function holds(condition: Block, values: Record<string, string[]>): boolean {
  const keys = (k: string): readonly string[] | undefined => values[k];
  return conditionsHold(condition, keys, (p) => p);
}

test('every IAM operator parses, with IfExists and the ForAnyValue/ForAllValues prefixes; unknown ones do not', () => {
  for (const op of [
    'StringEquals',
    'StringNotLike',
    'NumericLessThanEquals',
    'DateGreaterThan',
    'Bool',
    'BinaryEquals',
    'IpAddress',
    'NotIpAddress',
    'ArnLike',
    'ArnNotEquals',
    'Null',
  ]) {
    assert.ok(parseOperator(op), op);
  }
  assert.deepEqual(parseOperator('ForAnyValue:StringLikeIfExists'), { base: 'StringLike', set: 'ForAnyValue', ifExists: true });
  assert.equal(parseOperator('StringEqualz'), undefined);
  assert.equal(parseOperator('NullIfExists'), undefined);
  assert.equal(parseOperator('ForAllValues:Null'), undefined);
});

test('string operators: exact, ignore-case, wildcard, and their negations; a value list is an OR', () => {
  assert.equal(holds({ StringEquals: { 's3:prefix': ['a/', 'b/'] } }, { 's3:prefix': ['b/'] }), true);
  assert.equal(holds({ StringEquals: { 's3:prefix': ['a/'] } }, { 's3:prefix': ['A/'] }), false);
  assert.equal(holds({ StringEqualsIgnoreCase: { 's3:prefix': ['a/'] } }, { 's3:prefix': ['A/'] }), true);
  assert.equal(holds({ StringLike: { 'aws:useragent': ['aws-cli/*'] } }, { 'aws:useragent': ['aws-cli/2.1 Python'] }), true);
  assert.equal(holds({ StringLike: { 'aws:useragent': ['curl/?.0'] } }, { 'aws:useragent': ['curl/8.0'] }), true);
  assert.equal(holds({ StringNotEquals: { 's3:x-amz-acl': ['public-read'] } }, { 's3:x-amz-acl': ['private'] }), true);
  assert.equal(holds({ StringNotLike: { 's3:prefix': ['home/*'] } }, { 's3:prefix': ['home/x'] }), false);
});

test('a missing key fails a positive operator, passes a negated one, IfExists, ForAllValues and Null "true"', () => {
  assert.equal(holds({ StringEquals: { 's3:x-amz-acl': ['private'] } }, {}), false);
  assert.equal(holds({ StringNotEquals: { 's3:x-amz-acl': ['private'] } }, {}), true);
  assert.equal(holds({ StringEqualsIfExists: { 's3:x-amz-acl': ['private'] } }, {}), true);
  assert.equal(holds({ 'ForAllValues:StringEquals': { 's3:requestobjecttagkeys': ['a'] } }, {}), true);
  assert.equal(holds({ 'ForAnyValue:StringEquals': { 's3:requestobjecttagkeys': ['a'] } }, {}), false);
  assert.equal(holds({ Null: { 's3:x-amz-server-side-encryption': ['true'] } }, {}), true);
  assert.equal(holds({ Null: { 's3:x-amz-server-side-encryption': ['false'] } }, {}), false);
  assert.equal(holds({ Null: { 's3:x-amz-server-side-encryption': ['true'] } }, { 's3:x-amz-server-side-encryption': ['AES256'] }), false);
});

test('numeric and date comparisons; values that are not numbers or dates match nothing', () => {
  assert.equal(holds({ NumericLessThanEquals: { 's3:max-keys': ['10'] } }, { 's3:max-keys': ['10'] }), true);
  assert.equal(holds({ NumericLessThan: { 's3:max-keys': ['10'] } }, { 's3:max-keys': ['10'] }), false);
  assert.equal(holds({ NumericGreaterThan: { 's3:max-keys': ['10'] } }, { 's3:max-keys': ['ten'] }), false);
  assert.equal(holds({ NumericNotEquals: { 's3:max-keys': ['10'] } }, { 's3:max-keys': ['11'] }), true);
  assert.equal(holds({ DateLessThan: { 'aws:currenttime': ['2030-01-01T00:00:00Z'] } }, { 'aws:currenttime': ['2026-12-07T00:00:00.000Z'] }), true);
  assert.equal(holds({ DateGreaterThanEquals: { 'aws:epochtime': ['1700000000'] } }, { 'aws:epochtime': ['1700000000'] }), true);
  assert.equal(holds({ DateEquals: { 'aws:currenttime': ['never'] } }, { 'aws:currenttime': ['2026-12-07T00:00:00.000Z'] }), false);
});

test('Bool, BinaryEquals, ARN and IP operators', () => {
  assert.equal(holds({ Bool: { 'aws:securetransport': ['false'] } }, { 'aws:securetransport': ['false'] }), true);
  assert.equal(holds({ Bool: { 'aws:securetransport': ['true'] } }, { 'aws:securetransport': ['false'] }), false);
  assert.equal(holds({ BinaryEquals: { 'x:k': ['QUJD'] } }, { 'x:k': ['QUJD'] }), true);
  assert.equal(holds({ ArnLike: { 'aws:sourcearn': ['arn:aws:s3:::b/*'] } }, { 'aws:sourcearn': ['arn:aws:s3:::b/k'] }), true);
  assert.equal(holds({ ArnNotEquals: { 'aws:sourcearn': ['arn:aws:s3:::b'] } }, { 'aws:sourcearn': ['arn:aws:s3:::b'] }), false);
  assert.equal(holds({ IpAddress: { 'aws:sourceip': ['127.0.0.0/8'] } }, { 'aws:sourceip': ['127.0.0.1'] }), true);
  assert.equal(holds({ IpAddress: { 'aws:sourceip': ['10.0.0.0/8'] } }, { 'aws:sourceip': ['127.0.0.1'] }), false);
  assert.equal(holds({ NotIpAddress: { 'aws:sourceip': ['10.0.0.0/8'] } }, { 'aws:sourceip': ['127.0.0.1'] }), true);
  assert.equal(holds({ IpAddress: { 'aws:sourceip': ['::1/128'] } }, { 'aws:sourceip': ['::1'] }), true);
  assert.equal(holds({ IpAddress: { 'aws:sourceip': ['2001:db8::/32'] } }, { 'aws:sourceip': ['2001:db8:1::5'] }), true);
  assert.equal(holds({ IpAddress: { 'aws:sourceip': ['127.0.0.1/32'] } }, { 'aws:sourceip': ['::ffff:127.0.0.1'] }), true);
});

test('ForAnyValue needs one request value to match, ForAllValues every one', () => {
  const tags = { 's3:requestobjecttagkeys': ['a', 'b'] };
  assert.equal(holds({ 'ForAnyValue:StringEquals': { 's3:requestobjecttagkeys': ['a'] } }, tags), true);
  assert.equal(holds({ 'ForAllValues:StringEquals': { 's3:requestobjecttagkeys': ['a'] } }, tags), false);
  assert.equal(holds({ 'ForAllValues:StringEquals': { 's3:requestobjecttagkeys': ['a', 'b', 'c'] } }, tags), true);
});

test('operators and keys within a Condition are all required', () => {
  const c = { StringEquals: { 's3:prefix': ['a/'], 's3:delimiter': ['/'] }, NumericLessThan: { 's3:max-keys': ['5'] } };
  assert.equal(holds(c, { 's3:prefix': ['a/'], 's3:delimiter': ['/'], 's3:max-keys': ['4'] }), true);
  assert.equal(holds(c, { 's3:prefix': ['a/'], 's3:delimiter': ['/'], 's3:max-keys': ['6'] }), false);
  assert.equal(holds(c, { 's3:prefix': ['a/'], 's3:max-keys': ['4'] }), false);
});
