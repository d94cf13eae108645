import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CorsRule } from '../engine/records.js';
import { corsGrantHeaders, matchCorsRule } from './cors.js';
import { parseCorsConfiguration, renderCorsConfiguration } from './cors-config.js';

const rule = (r: Partial<CorsRule>): CorsRule => ({ allowedMethods: ['GET'], allowedOrigins: ['*'], allowedHeaders: [], exposeHeaders: [], ...r });

test('an origin pattern has at most one wildcard, which matches any run of characters', () => {
  const rules = [rule({ allowedOrigins: ['https://*.example.com'] })];
  const m = (origin: string) => matchCorsRule(rules, { origin, method: 'GET', requestHeaders: [] }) !== undefined;
  assert.equal(m('https://a.example.com'), true);
  assert.equal(m('https://a.b.example.com'), true);
  assert.equal(m('https://.example.com'), true);
  assert.equal(m('http://a.example.com'), false);
  assert.equal(m('https://example.com'), false);
});

test('the first rule allowing origin, method and every requested header answers', () => {
  const first = rule({ id: 'one', allowedMethods: ['PUT'], allowedHeaders: ['content-type'] });
  const second = rule({ id: 'two', allowedMethods: ['PUT'], allowedHeaders: ['*'] });
  const q = (requestHeaders: string[]) => matchCorsRule([first, second], { origin: 'o', method: 'PUT', requestHeaders })?.id;
  assert.equal(q(['content-type']), 'one');
  assert.equal(q(['content-type', 'x-amz-date']), 'two');
  assert.equal(matchCorsRule([first], { origin: 'o', method: 'GET', requestHeaders: [] }), undefined);
});

test('a rule for any origin grants * without credentials; one naming origins echoes the origin with credentials', () => {
  assert.deepEqual(corsGrantHeaders(rule({}), 'https://a'), {
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET',
  });
  const named = corsGrantHeaders(rule({ allowedOrigins: ['https://a'], maxAgeSeconds: 5, exposeHeaders: ['ETag'] }), 'https://a', { requestHeaders: 'x-a' });
  assert.equal(named['Access-Control-Allow-Origin'], 'https://a');
  assert.equal(named['Access-Control-Allow-Credentials'], 'true');
  assert.equal(named['Access-Control-Allow-Headers'], 'x-a');
  assert.equal(named['Access-Control-Max-Age'], '5');
  assert.equal(named['Access-Control-Expose-Headers'], 'ETag');
});

test('a CORS configuration reads and renders back in S3 element order', () => {
  const xml =
    '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ID>r</ID><MaxAgeSeconds>10</MaxAgeSeconds></CORSRule></CORSConfiguration>';
  const rules = parseCorsConfiguration(xml);
  assert.deepEqual(rules, [{ id: 'r', allowedMethods: ['GET'], allowedOrigins: ['*'], allowedHeaders: [], exposeHeaders: [], maxAgeSeconds: 10 }]);
  assert.equal(
    renderCorsConfiguration(rules),
    '<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>r</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>10</MaxAgeSeconds></CORSRule></CORSConfiguration>',
  );
});
