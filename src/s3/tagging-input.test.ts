import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTaggingDirective, parseTaggingDocument, parseTaggingHeader, validateTagSet } from './tagging-input.js';
import type { Tag } from '../engine/records.js';
import { refusal } from '../../test/helpers/s3-errors.js';

function doc(tags: Array<[string, string]>): string {
  const items = tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${items}</TagSet></Tagging>`;
}

const tags = (pairs: Array<[string, string]>): Tag[] => pairs.map(([key, value]) => ({ key, value }));

test('a Tagging document gives its tags in key order (UTF-8 bytes); an empty TagSet is no tags', () => {
  assert.deepEqual(
    parseTaggingDocument(
      doc([
        ['b', '2'],
        ['a', ''],
        ['10', 'x y'],
        ['é', '1'],
        ['Z', ''],
      ]),
      'object',
    ),
    tags([
      ['10', 'x y'],
      ['Z', ''],
      ['a', ''],
      ['b', '2'],
      ['é', '1'],
    ]),
  );
  assert.deepEqual(parseTaggingDocument('<Tagging><TagSet/></Tagging>', 'object'), []);
  assert.deepEqual(parseTaggingDocument('<Tagging>\n  <TagSet>\n    <Tag><Key>k</Key><Value/></Tag>\n  </TagSet>\n</Tagging>', 'object'), tags([['k', '']]));
});

test('a Tagging document off the schema is MalformedXML; an empty body MissingRequestBodyError', () => {
  for (const bad of [
    '<Tagging><TagSet>',
    '<Tagging></Tagging>',
    '<Tagging><TagSet></TagSet><TagSet></TagSet></Tagging>',
    '<Tags><TagSet></TagSet></Tags>',
    '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>',
    '<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>',
    '<Tagging><TagSet><Tag><Key>a</Key><Key>b</Key><Value>v</Value></Tag></TagSet></Tagging>',
    '<Tagging><TagSet><Tag><Key>a</Key><Value>v</Value><Other/></Tag></TagSet></Tagging>',
    '<Tagging><TagSet><Tag><Key><b>a</b></Key><Value>v</Value></Tag></TagSet></Tagging>',
    '<Tagging><TagSet>text</TagSet></Tagging>',
    '<Tagging><TagSet><Tag/></TagSet></Tagging>',
  ]) {
    assert.equal(refusal(() => parseTaggingDocument(bad, 'object')).code, 'MalformedXML', bad);
  }
  assert.equal(refusal(() => parseTaggingDocument('', 'object')).code, 'MissingRequestBodyError');
});

test('more than 10 tags on an object or 50 on a bucket is BadRequest', () => {
  const many = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [`k${i}`, 'v']);
  assert.equal(parseTaggingDocument(doc(many(10)), 'object').length, 10);
  assert.deepEqual(
    refusal(() => parseTaggingDocument(doc(many(11)), 'object')),
    { code: 'BadRequest', message: 'Object tags cannot be greater than 10', fields: {} },
  );
  assert.equal(parseTaggingDocument(doc(many(50)), 'bucket').length, 50);
  assert.deepEqual(
    refusal(() => parseTaggingDocument(doc(many(51)), 'bucket')),
    { code: 'BadRequest', message: 'Bucket tag count cannot be greater than 50', fields: {} },
  );
});

test('keys of 1 to 128 and values of 0 to 256 UTF-16 code units are taken, longer ones are InvalidTag', () => {
  assert.equal(validateTagSet(tags([['k'.repeat(128), 'v'.repeat(256)]]), 'object').length, 1);
  // 𝒜 (U+1D49C) is a letter of two UTF-16 code units: 64 of them make a key of 128.
  assert.equal(validateTagSet(tags([['𝒜'.repeat(64), '文'.repeat(256)]]), 'object').length, 1);
  assert.deepEqual(refusal(() => validateTagSet(tags([['𝒜'.repeat(64) + 'a', 'v']]), 'object')).message, 'The TagKey you have provided is invalid');
  assert.deepEqual(
    refusal(() => validateTagSet(tags([['k'.repeat(129), '']]), 'object')),
    {
      code: 'InvalidTag',
      message: 'The TagKey you have provided is invalid',
      fields: { TagKey: 'k'.repeat(129) },
    },
  );
  assert.deepEqual(
    refusal(() => validateTagSet(tags([['', 'v']]), 'bucket')),
    { code: 'InvalidTag', message: 'The TagKey you have provided is invalid', fields: { TagKey: '' } },
  );
  assert.deepEqual(
    refusal(() => validateTagSet(tags([['k', 'v'.repeat(257)]]), 'object')),
    {
      code: 'InvalidTag',
      message: 'The TagValue you have provided is invalid',
      fields: { TagKey: 'k', TagValue: 'v'.repeat(257) },
    },
  );
});

test('letters, digits and separators of any script and + - = . _ : / @ are allowed; other characters are InvalidTag', () => {
  assert.equal(
    validateTagSet(
      tags([
        ['b c+d-e=f.g_h:i/j@k', '2 + 2 = 4'],
        ['ünï 文字 ٣', 'é\u00a0x'],
      ]),
      'object',
    ).length,
    2,
  );
  for (const bad of ['a,b', 'a;b', 'a?b', 'a!b', 'a*b', 'a#b', 'a%b', 'a&b', 'a(b)', 'a<b', 'a\tb', 'a\nb', '😀']) {
    assert.equal(refusal(() => validateTagSet(tags([[bad, 'v']]), 'object')).message, 'The TagKey you have provided is invalid', JSON.stringify(bad));
    assert.equal(refusal(() => validateTagSet(tags([['k', bad]]), 'object')).message, 'The TagValue you have provided is invalid', JSON.stringify(bad));
  }
  // A key that XML cannot carry is refused without being echoed.
  assert.deepEqual(refusal(() => validateTagSet(tags([['a\u0001b', 'v']]), 'object')).fields, {});
});

test('a key twice is InvalidTag "Cannot provide multiple Tags with the same key"; keys differing in case are two keys', () => {
  assert.deepEqual(
    refusal(() =>
      parseTaggingDocument(
        doc([
          ['a', '1'],
          ['a', '2'],
        ]),
        'object',
      ),
    ),
    {
      code: 'InvalidTag',
      message: 'Cannot provide multiple Tags with the same key',
      fields: { TagKey: 'a' },
    },
  );
  assert.equal(
    parseTaggingDocument(
      doc([
        ['a', '1'],
        ['A', '2'],
      ]),
      'object',
    ).length,
    2,
  );
});

test('keys in the aws: prefix are InvalidTag, in any case', () => {
  for (const key of ['aws:cost', 'AWS:cost', 'Aws:x']) {
    assert.deepEqual(
      refusal(() => validateTagSet(tags([[key, 'v']]), 'object')),
      {
        code: 'InvalidTag',
        message: 'System tags cannot be added/updated by requester',
        fields: { TagKey: key },
      },
    );
  }
  assert.equal(refusal(() => validateTagSet(tags([['aws:cost', 'v']]), 'bucket')).message, 'System tags cannot be added/updated by requester');
  assert.match(refusal(() => validateTagSet(tags([['AWS:cost', 'v']]), 'bucket')).message, /^Invalid Tag\. Tags cannot start with "aws:"\(case insensitive\)/);
  assert.equal(
    validateTagSet(
      tags([
        ['aws', 'v'],
        ['awsx:y', 'v'],
      ]),
      'object',
    ).length,
    2,
  );
});

test('x-amz-tagging is a URL query: + is a space, a name alone has the empty value, %XX is UTF-8', () => {
  assert.deepEqual(
    parseTaggingHeader('a=1&b=2'),
    tags([
      ['a', '1'],
      ['b', '2'],
    ]),
  );
  assert.deepEqual(
    parseTaggingHeader('foo=bar&bar'),
    tags([
      ['bar', ''],
      ['foo', 'bar'],
    ]),
    'in key order, as s3-tests expects',
  );
  assert.deepEqual(
    parseTaggingHeader('a&b='),
    tags([
      ['a', ''],
      ['b', ''],
    ]),
  );
  assert.deepEqual(
    parseTaggingHeader('a%20b=c%2Bd&e+f=g%3Dh'),
    tags([
      ['a b', 'c+d'],
      ['e f', 'g=h'],
    ]),
  );
  assert.deepEqual(
    parseTaggingHeader('%C3%BC=%E6%96%87&&x=1'),
    tags([
      ['x', '1'],
      ['ü', '文'],
    ]),
  );
  assert.deepEqual(parseTaggingHeader(''), []);
});

test('x-amz-tagging with a key twice, an empty key, bytes that are not UTF-8 or a second = is InvalidArgument', () => {
  for (const bad of ['a=1&a=2', '=1', 'a=%FF', 'a=%zz', 'TagSet=[{Key=string,Value=string}]']) {
    assert.deepEqual(
      refusal(() => parseTaggingHeader(bad)),
      {
        code: 'InvalidArgument',
        message: "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
        fields: { ArgumentName: 'x-amz-tagging', ArgumentValue: bad },
      },
      bad,
    );
  }
});

test('x-amz-tagging meets the rules of object tags: 11 tags BadRequest, a bad key InvalidTag', () => {
  const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
  assert.equal(refusal(() => parseTaggingHeader(eleven)).code, 'BadRequest');
  assert.deepEqual(refusal(() => parseTaggingHeader('a%2Cb=1')).fields, { TagKey: 'a,b' });
  assert.equal(refusal(() => parseTaggingHeader('aws%3Acost=1')).code, 'InvalidTag');
});

test('x-amz-tagging-directive is COPY by default, COPY or REPLACE, else InvalidArgument "Unknown tagging directive."', () => {
  assert.equal(parseTaggingDirective({}), 'COPY');
  assert.equal(parseTaggingDirective({ 'x-amz-tagging-directive': 'REPLACE' }), 'REPLACE');
  assert.equal(parseTaggingDirective({ 'x-amz-tagging-directive': 'COPY' }), 'COPY');
  assert.deepEqual(
    refusal(() => parseTaggingDirective({ 'x-amz-tagging-directive': 'MERGE' })),
    {
      code: 'InvalidArgument',
      message: 'Unknown tagging directive.',
      fields: { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: 'MERGE' },
    },
  );
});
