import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListObjectVersions, parseVersionsMaxKeys } from './list-versions.js';
import { refusal } from '../../test/helpers/s3-errors.js';

function parse(query: string) {
  return parseListObjectVersions('b', new URLSearchParams(query));
}

test('no parameters: the whole bucket, 1000 keys, no markers, names as they are', () => {
  const r = parse('versions');
  assert.deepEqual(r.input, { bucket: 'b', prefix: '', delimiter: '', maxKeys: 1000, keyMarker: undefined, versionIdMarker: undefined });
  assert.equal(r.encodeUrl, false);
  assert.equal(r.enc('a b'), 'a b');
});

test('max-keys is clamped to 1000; 0 and an empty value are accepted', () => {
  assert.equal(parseVersionsMaxKeys('5000'), 1000);
  assert.equal(parseVersionsMaxKeys('2147483647'), 1000);
  assert.equal(parseVersionsMaxKeys('7'), 7);
  assert.equal(parseVersionsMaxKeys('0'), 0);
  assert.equal(parseVersionsMaxKeys(''), 1000);
});

test('a max-keys that is not a 32-bit integer is InvalidArgument naming the value', () => {
  for (const bad of ['abc', '1.5', '2147483648', '99999999999', '0x10']) {
    assert.deepEqual(
      refusal(() => parseVersionsMaxKeys(bad)),
      {
        code: 'InvalidArgument',
        message: 'Provided max-keys not an integer or within integer range',
        fields: { ArgumentName: 'max-keys', ArgumentValue: bad },
      },
      bad,
    );
  }
});

test('a negative max-keys is InvalidArgument "max-keys cannot be negative" without ArgumentValue', () => {
  assert.deepEqual(
    refusal(() => parseVersionsMaxKeys('-1')),
    { code: 'InvalidArgument', message: 'max-keys cannot be negative', fields: { ArgumentName: 'max-keys' } },
  );
});

test('key-marker with version-id-marker resumes after that version; an empty marker is no marker', () => {
  const r = parse('versions&key-marker=k&version-id-marker=null&prefix=p&delimiter=/');
  assert.deepEqual(r.input, { bucket: 'b', prefix: 'p', delimiter: '/', maxKeys: 1000, keyMarker: 'k', versionIdMarker: 'null' });
  const generated = parse('versions&key-marker=k&version-id-marker=0mj3k2x9aAbCdEfGhIjKlMn_-');
  assert.equal(generated.input.versionIdMarker, '0mj3k2x9aAbCdEfGhIjKlMn_-');
  const empty = parse('versions&key-marker=&version-id-marker=');
  assert.equal(empty.input.keyMarker, undefined);
  assert.equal(empty.input.versionIdMarker, undefined);
});

test('version-id-marker without key-marker is InvalidArgument', () => {
  assert.deepEqual(
    refusal(() => parse('versions&version-id-marker=null')),
    {
      code: 'InvalidArgument',
      message: 'A version-id marker cannot be specified without a key marker.',
      fields: { ArgumentName: 'version-id-marker', ArgumentValue: 'null' },
    },
  );
});

test('a version-id-marker that no version of ours can have is InvalidArgument "Invalid version id specified"', () => {
  assert.deepEqual(
    refusal(() => parse('versions&key-marker=k&version-id-marker=not-a-version')),
    {
      code: 'InvalidArgument',
      message: 'Invalid version id specified',
      fields: { ArgumentName: 'version-id-marker', ArgumentValue: 'not-a-version' },
    },
  );
});

test('encoding-type=url percent-encodes names but keeps "/"; another encoding is InvalidArgument', () => {
  const r = parse('versions&encoding-type=url');
  assert.equal(r.encodeUrl, true);
  assert.equal(r.enc("a b+c/d&é'"), 'a%20b%2Bc/d%26%C3%A9%27');
  assert.equal(refusal(() => parse('versions&encoding-type=base64')).code, 'InvalidArgument');
});
