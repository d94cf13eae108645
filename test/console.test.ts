// The web console's files on the S3 listeners: /_coffer/console/ serves the built page with the
// right types, caching and security headers and nothing outside it; the root URL sends a browser
// there while every other client at / still gets S3's ListBuckets answer in XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest } from './helpers/raw.js';
import { startTestCofferForTest, testCofferForFile } from './helpers/coffer.js';

const c = testCofferForFile();
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return rawRequest(c.endpoint, { method, path, headers, anonymous: true });
}

test('a browser opening the root URL without credentials is redirected to the console', async () => {
  const r = await get('/', { accept: BROWSER_ACCEPT });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, '/_coffer/console/');
});

test("an anonymous GET / from a client that does not prefer HTML still gets S3's XML AccessDenied", async () => {
  for (const accept of [undefined, '*/*', 'application/xml', 'application/xml,text/html;q=0.5']) {
    const r = await get('/', accept ? { accept } : {});
    assert.equal(r.status, 403, `Accept: ${accept}`);
    assert.equal(r.code, 'AccessDenied');
    assert.match(String(r.headers['content-type']), /xml/);
  }
});

test('a signed ListBuckets that accepts HTML is still answered with the bucket list in XML', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: '/', headers: { accept: BROWSER_ACCEPT } });
  assert.equal(r.status, 200);
  assert.match(r.body, /<ListAllMyBucketsResult/);
});

test('the root of a virtual-hosted bucket opened by a browser is that bucket, not the console', async (t) => {
  const vc = await startTestCofferForTest(t, { COFFER_DOMAINS: 's3.test' });
  const r = await rawRequest(vc.endpoint, { method: 'GET', path: '/', anonymous: true, headers: { host: 'photos.s3.test', accept: BROWSER_ACCEPT } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchBucket');
});

test('the console page is HTML, revalidated on each visit, with a content security policy', async () => {
  const r = await get('/_coffer/console/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['cache-control'], 'no-cache');
  assert.match(String(r.headers['content-security-policy']), /default-src 'self'.*connect-src 'self'/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.match(r.body, /<div id="app">/);
  const again = await get('/_coffer/console/', { 'if-none-match': String(r.headers.etag) });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
});

test("the console's script and stylesheet carry their types and are cached for good under hashed names", async () => {
  const page = await get('/_coffer/console/');
  const js = /src="(app-[A-Z0-9]+\.js)"/.exec(page.body)?.[1];
  const css = /href="(style-[A-Z0-9]+\.css)"/.exec(page.body)?.[1];
  assert.ok(js && css, page.body);
  const script = await get(`/_coffer/console/${js}`);
  assert.equal(script.status, 200);
  assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
  const style = await get(`/_coffer/console/${css}`);
  assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
  const head = await get(`/_coffer/console/${js}`, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('the console tells the page the region to sign for', async () => {
  const r = await get('/_coffer/console/config.json');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { region: 'us-east-1' });
});

test('/_coffer/console without its slash is redirected to the console', async () => {
  const r = await get('/_coffer/console');
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, '/_coffer/console/');
});

test("paths that try to leave the console's files are 404, never another file", async () => {
  for (const path of [
    '/_coffer/console/../../package.json',
    '/_coffer/console/..%2f..%2fpackage.json',
    '/_coffer/console/%2e%2e/%2e%2e/package.json',
    '/_coffer/console/.%2e/src/app.js',
    '/_coffer/console/sub/index.html',
    '/_coffer/console/index.html%00.js',
    '/_coffer/console/.hidden',
    '/_coffer/console/missing.js',
  ]) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.equal(r.body, 'Not Found\n', path);
  }
});

test('methods other than GET and HEAD on the console are 405 with Allow', async () => {
  const r = await get('/_coffer/console/', {}, 'POST');
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'GET, HEAD');
});
