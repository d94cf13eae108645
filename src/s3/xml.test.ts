import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderXml, renderXmlInOrder } from './xml.js';

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
