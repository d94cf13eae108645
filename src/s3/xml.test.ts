import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeXmlText, parseXml, renderXml, renderXmlInOrder } from './xml.js';
import { readXml } from './xml-read.js';
import { S3Error } from '../errors.js';

test('escapeXmlText writes markup and quotes as entities and CR as &#13;', () => {
  assert.equal(escapeXmlText(`a&b<c>d"e'f\rg\nh\ti`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;g\nh\ti');
  assert.equal(escapeXmlText('plain/key.txt'), 'plain/key.txt');
});

test('escapeXmlText leaves characters beyond ASCII, astral ones included, as they are', () => {
  assert.equal(escapeXmlText('Übergröße/😀/日本'), 'Übergröße/😀/日本');
});

test('escapeXmlText writes characters XML 1.0 has none for as hex references, as S3 does', () => {
  assert.equal(escapeXmlText('a\u0001b\u001fc\uFFFFd'), 'a&#x1;b&#x1f;c&#xffff;d');
});

test('a rendered key reads back unchanged for every character XML can carry', () => {
  const keys = ['a&b', '<tag>', '"quoted"', "it's", 'cr\r\nlf', '  spaced  ', 'ünï/😀', ']]>'];
  for (const k of keys) {
    const doc = renderXml('R', { Key: k });
    assert.equal((readXml(doc).R as Record<string, unknown>).Key, k, JSON.stringify(k));
  }
});

test('parseXml answers MalformedXML for a document that is not well-formed, MissingRequestBodyError for none', () => {
  assert.throws(
    () => parseXml('<a>&bogus;</a>'),
    (e: unknown) => e instanceof S3Error && e.code === 'MalformedXML',
  );
  assert.throws(
    () => parseXml('<!DOCTYPE a><a/>', new Set(), 'MalformedACLError'),
    (e: unknown) => e instanceof S3Error && e.code === 'MalformedACLError',
  );
  assert.throws(
    () => parseXml('  \n'),
    (e: unknown) => e instanceof S3Error && e.code === 'MissingRequestBodyError',
  );
});

test('renderXmlInOrder keeps children of different names in the order given', () => {
  const xml = renderXmlInOrder('R', [
    ['Name', 'b'],
    ['Version', { Key: 'a', IsLatest: true }],
    ['DeleteMarker', { Key: 'a', IsLatest: false }],
    ['Version', { Key: 'b', Size: 0 }],
    ['CommonPrefixes', { Prefix: 'c/' }],
  ]);
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>' +
      '<Version><Key>a</Key><IsLatest>true</IsLatest></Version><DeleteMarker><Key>a</Key><IsLatest>false</IsLatest></DeleteMarker>' +
      '<Version><Key>b</Key><Size>0</Size></Version><CommonPrefixes><Prefix>c/</Prefix></CommonPrefixes></R>',
  );
});

test('renderXmlInOrder writes what renderXml writes for the same content: escapes, empty elements, arrays, left-out values', () => {
  const body = { Key: 'a<b>&"c\'', Empty: '', Missing: undefined, Owner: { ID: 'i', DisplayName: '' }, Many: ['1', '2'] };
  assert.equal(renderXmlInOrder('R', Object.entries(body)), renderXml('R', body));
});
