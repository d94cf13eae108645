// A real browser (headless Chromium, Debian package chromium, driven by playwright-core) on a page
// served from another origin than Coffer's: it uploads with an HTML form POST (a presigned POST
// policy) and with fetch() to a presigned PUT URL, reads the object back, and is refused where the
// bucket's CORS rules say no. Skipped with one line when Chromium is absent, unless CI=true.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { newBucket, startTestCofferForTest } from '../helpers/coffer.js';
import type { TestCoffer } from '../helpers/coffer.js';
import { BROWSERS } from './helpers/browsers.js';

const executablePath = BROWSERS.chromium.executable;
const presence = BROWSERS.chromium.presence;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The page's own origin: a tiny server with a blank page, the upload form, and where the form redirects to. */
async function pageServer(t: TestContext, form: () => string): Promise<string> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/form') res.end(form());
    else if (path === '/done') res.end('<!doctype html><title>done</title><p id="done">uploaded</p>');
    else res.end('<!doctype html><title>blank</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function launch(t: TestContext): Promise<Page> {
  // Root (CI containers) cannot use Chromium's sandbox.
  const browser: Browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  return browser.newPage();
}

async function allowOrigin(c: TestCoffer, bucket: string, origin: string): Promise<void> {
  await c.s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }] },
    }),
  );
}

interface FetchResult {
  ok: boolean;
  status?: number;
  etag?: string | null;
  text?: string;
  error?: string;
}

/** fetch() from the page; a CORS refusal is the TypeError a browser throws. */
function pageFetch(page: Page, url: string, init: { method: string; body?: string; contentType?: string }): Promise<FetchResult> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const res = await fetch(url, { method: init.method, body: init.body, headers: init.contentType ? { 'content-type': init.contentType } : undefined });
        return { ok: true, status: res.status, etag: res.headers.get('etag'), text: await res.text() };
      } catch (err) {
        return { ok: false, error: String(err) };
      }
    },
    { url, init },
  );
}

test('a page from another origin uploads with an HTML form POST, with fetch() to a presigned PUT URL and of a POST form, and reads them back', {
  skip: presence.skip,
  timeout: 180_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'browser');
  let formHtml = '';
  const origin = await pageServer(t, () => formHtml);
  assert.notEqual(new URL(origin).origin, new URL(c.endpoint).origin);
  await allowOrigin(c, bucket, origin);

  const { url, fields } = await createPresignedPost(c.s3, {
    Bucket: bucket,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's form variable, not a template
    Key: 'form/${filename}',
    Conditions: [['content-length-range', 1, 1024 * 1024], ['starts-with', '$Content-Type', 'text/'], { success_action_redirect: `${origin}/done` }],
    Fields: { 'Content-Type': 'text/plain', success_action_redirect: `${origin}/done` },
    Expires: 600,
  });
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  formHtml = `<!doctype html><title>upload</title><form id="f" action="${escapeHtml(url)}" method="post" enctype="multipart/form-data">${hidden}<input type="file" name="file"><button type="submit">Upload</button></form>`;

  const page = await launch(t);
  await page.goto(`${origin}/form`);
  await page.setInputFiles('input[type=file]', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('typed in a browser') });
  await Promise.all([page.waitForURL(`${origin}/done?**`), page.click('button[type=submit]')]);
  const done = new URL(page.url());
  assert.equal(done.searchParams.get('bucket'), bucket);
  assert.equal(done.searchParams.get('key'), 'form/note.txt');
  assert.match(done.searchParams.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
  const stored = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'form/note.txt' }));
  assert.equal(await stored.Body!.transformToString(), 'typed in a browser');
  assert.equal(stored.ContentType, 'text/plain');

  // fetch() to presigned URLs: a PUT (preflighted), then a GET of what it wrote.
  const putUrl = await getSignedUrl(c.s3, new PutObjectCommand({ Bucket: bucket, Key: 'fetch.txt' }), { expiresIn: 600 });
  const put = await pageFetch(page, putUrl, { method: 'PUT', body: 'sent by fetch', contentType: 'text/plain' });
  assert.equal(put.ok, true, put.error);
  assert.equal(put.status, 200, put.text);
  assert.match(put.etag ?? '', /^"[0-9a-f]{32}"$/, 'the ETag is readable: the rule exposes it');
  const getUrl = await getSignedUrl(c.s3, new GetObjectCommand({ Bucket: bucket, Key: 'fetch.txt' }), { expiresIn: 600 });
  const got = await pageFetch(page, getUrl, { method: 'GET' });
  assert.deepEqual([got.ok, got.status, got.text], [true, 200, 'sent by fetch']);
  // fetch() of a presigned POST form: the XML answer is readable because the rule allows POST.
  const post = await createPresignedPost(c.s3, { Bucket: bucket, Key: 'fetched-form.txt', Fields: { success_action_status: '201' }, Expires: 600 });
  const posted = await page.evaluate(
    async ({ url, fields }) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob(['posted by fetch'], { type: 'text/plain' }), 'x.txt');
      const res = await fetch(url, { method: 'POST', body: form });
      return { status: res.status, text: await res.text() };
    },
    { url: post.url, fields: post.fields },
  );
  assert.equal(posted.status, 201, posted.text);
  assert.match(posted.text, /<Key>fetched-form\.txt<\/Key>/);
  const fetchedForm = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'fetched-form.txt' }));
  assert.equal(await fetchedForm.Body!.transformToString(), 'posted by fetch');
  const formRead = await pageFetch(page, await getSignedUrl(c.s3, new GetObjectCommand({ Bucket: bucket, Key: 'form/note.txt' }), { expiresIn: 600 }), { method: 'GET' });
  assert.equal(formRead.text, 'typed in a browser');
});

test('a page whose origin the CORS rules do not allow is refused by the browser: no PUT is sent, no read is shown', { skip: presence.skip, timeout: 180_000 }, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const origin = await pageServer(t, () => '');
  const page = await launch(t);
  await page.goto(`${origin}/`);

  // A bucket whose rules name another origin, and one without rules.
  const other = await newBucket(c.s3, 'browser');
  await allowOrigin(c, other, 'https://elsewhere.example');
  const none = await newBucket(c.s3, 'browser');
  for (const bucket of [other, none]) {
    const putUrl = await getSignedUrl(c.s3, new PutObjectCommand({ Bucket: bucket, Key: 'blocked.txt' }), { expiresIn: 600 });
    const put = await pageFetch(page, putUrl, { method: 'PUT', body: 'never stored', contentType: 'text/plain' });
    assert.equal(put.ok, false, `${bucket}: the preflight should have refused the PUT`);
    assert.match(put.error ?? '', /TypeError/);
    await assert.rejects(
      c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'blocked.txt' })),
      (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404,
    );

    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret.txt', Body: 'not for this page' }));
    const getUrl = await getSignedUrl(c.s3, new GetObjectCommand({ Bucket: bucket, Key: 'secret.txt' }), { expiresIn: 600 });
    const read = await pageFetch(page, getUrl, { method: 'GET' });
    assert.equal(read.ok, false, `${bucket}: the response should have been withheld from the page`);
  }
});
