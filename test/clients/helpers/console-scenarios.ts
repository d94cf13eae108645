// The web console's scenarios, written once against BrowserPage and run in Chromium
// (console.test.ts) and Firefox (console-firefox.test.ts). Each starts its own Coffer and browser.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { bodyBytes, newBucket, startTestCofferForTest } from '../../helpers/coffer.js';
import type { TestCoffer } from '../../helpers/coffer.js';
import type { Browser } from './browsers.js';
import type { BrowserPage } from './browser-page.js';

export const SHOTS = join(process.cwd(), 'test-output', 'console');
const BIG_BYTES = 40 * 1024 * 1024;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Screenshots keep their names from Chromium; Firefox's carry its name first. */
async function shot(page: BrowserPage, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot(join(SHOTS, page.browser === 'chromium' ? `${name}.png` : `${page.browser}-${name}.png`));
}

/** Record every value the progress bar named `name` shows, from now on. */
async function watchProgress(page: BrowserPage, name: string): Promise<void> {
  await page.evaluate((name) => {
    const seen: number[] = [];
    (window as unknown as { __progress: Record<string, number[]> }).__progress ??= {};
    (window as unknown as { __progress: Record<string, number[]> }).__progress[name] = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        if (el.getAttribute('data-name') === name) seen.push(Number(el.getAttribute('aria-valuenow')));
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  }, name);
}

function progressSeen(page: BrowserPage, name: string): Promise<number[]> {
  return page.evaluate((name) => (window as unknown as { __progress: Record<string, number[]> }).__progress[name] ?? [], name);
}

/** Files dropped on the object list as a page script would (a DataTransfer of in-memory files). */
function dropInMemory(page: BrowserPage, files: Array<{ name: string; size?: number; text?: string; type?: string }>): Promise<void> {
  return page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([f.text ?? new Uint8Array(f.size ?? 0)], f.name, { type: f.type ?? 'application/octet-stream' }));
    document.querySelector('[data-testid="objects"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

async function notFound(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404);
}

export async function signIn(page: BrowserPage, c: TestCoffer, stay = false): Promise<void> {
  await page.goto(`${c.endpoint}/_coffer/console/`);
  await page.fill({ label: 'Access key' }, c.accessKeyId);
  await page.fill({ label: 'Secret key' }, c.secretAccessKey);
  if (stay) await page.check({ label: 'Stay signed in for this browser session' });
  await page.click({ role: 'button', name: 'Sign in' });
  await page.waitFor({ role: 'heading', name: 'Buckets' });
}

async function openBucket(page: BrowserPage, bucket: string): Promise<void> {
  await page.click({ role: 'link', name: bucket });
  await page.waitFor({ testId: 'objects' });
}

/**
 * Issue 22's scenario: the root URL leads to the console; it signs in, creates a bucket, uploads
 * three files (one of 40 MB in parallel multipart parts, its progress bar seen to move), browses
 * into a folder, downloads a file and compares it, shares a presigned link that a client without
 * keys fetches, deletes objects and the bucket, and signs out.
 */
export async function mainScenario(t: TestContext, browser: Browser): Promise<void> {
  const c = await startTestCofferForTest(t);
  const work = await mkdtemp(join(tmpdir(), 'coffer-console-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const big = randomBytes(BIG_BYTES);
  await writeFile(join(work, 'big.bin'), big);
  await writeFile(join(work, 'hello.txt'), 'hello from the console\n');

  const page = await browser.openPage(t, { origin: c.endpoint });
  page.onDialog((type) => (type === 'prompt' ? 'docs' : undefined));

  // The root URL in a browser leads to the console.
  await page.goto(`${c.endpoint}/`);
  assert.equal(new URL(await page.url()).pathname, '/_coffer/console/');
  await page.waitFor({ role: 'button', name: 'Sign in' });
  await shot(page, 'sign-in');

  // A wrong secret shows S3's code and message, not a stack.
  await page.fill({ label: 'Access key' }, c.accessKeyId);
  await page.fill({ label: 'Secret key' }, 'not-the-secret');
  await page.click({ role: 'button', name: 'Sign in' });
  await page.waitFor({ testId: 'error' });
  assert.match(await page.text({ testId: 'error' }), /^SignatureDoesNotMatch: The request signature we calculated does not match/);
  await page.fill({ label: 'Secret key' }, c.secretAccessKey);
  await page.click({ role: 'button', name: 'Sign in' });
  await page.waitFor({ role: 'heading', name: 'Buckets' });
  assert.equal(await page.evaluate(() => sessionStorage.length, null), 0, 'the secret is not stored unless asked');

  // Create a bucket.
  const bucket = `console-${randomBytes(4).toString('hex')}`;
  await page.fill({ label: 'New bucket name' }, bucket);
  await page.click({ role: 'button', name: 'Create bucket' });
  await openBucket(page, bucket);
  await c.s3.send(new HeadBucketCommand({ Bucket: bucket }));

  // Upload two files with the picker; the 40 MB one goes up in parallel multipart parts.
  await watchProgress(page, 'big.bin');
  await page.setInputFiles({ testId: 'file-input' }, [join(work, 'hello.txt'), join(work, 'big.bin')]);
  await page.waitFor('li.upload[data-key="big.bin"][data-status="done"]', { timeoutMs: 60_000 });
  await page.waitFor('li.upload[data-key="hello.txt"][data-status="done"]');
  const progress = await progressSeen(page, 'big.bin');
  const between = progress.filter((v) => v > 0 && v < BIG_BYTES);
  assert.ok(between.length >= 2, `the progress bar moved through values between 0 and the size: ${progress.join(', ')}`);
  assert.equal(progress.at(-1), BIG_BYTES);
  assert.equal(await page.attribute('[data-name="*batch*"]', 'data-state'), 'done');
  await page.waitFor('tr[data-key="big.bin"]');
  await shot(page, 'objects');
  const storedBig = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
  assert.match(storedBig.ETag ?? '', /-5"$/, 'five 8 MiB parts');
  assert.equal(sha256(await bodyBytes(storedBig)), sha256(big));

  // A new folder, then a third file dropped into it.
  await page.click({ role: 'button', name: 'New folder' });
  await page.waitForFunction(() => /#\/b\/[^/]+\/docs%2F$/.test(location.href), null);
  await dropInMemory(page, [{ name: 'notes.txt', text: 'notes dropped on the page\n', type: 'text/plain' }]);
  await page.waitFor('li.upload[data-key="docs/notes.txt"][data-status="done"]');
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'docs/notes.txt' }));
  assert.equal(head.ContentType, 'text/plain');

  // Browse: back to the bucket's root, where docs/ is a folder, and into it.
  await page.click({ role: 'link', name: bucket, within: { role: 'navigation', name: 'Folder' } });
  await page.click('tr[data-key="docs/"] a.folder');
  await page.waitFor('tr[data-key="docs/notes.txt"]');

  // Details, then download and compare.
  await page.click({ role: 'button', name: 'notes.txt', within: 'tr[data-key="docs/notes.txt"]' });
  await page.waitFor({ text: '26 bytes', within: { testId: 'size' } });
  const download = await page.download({ role: 'button', name: 'Download' });
  assert.equal(download.filename, 'notes.txt');
  assert.equal(download.bytes.toString('utf8'), 'notes dropped on the page\n');

  // Share: a presigned link, on the clipboard, that works without keys.
  await page.select({ label: 'Link expiry' }, '86400');
  await page.click({ role: 'button', name: 'Create link' });
  await page.waitFor({ testId: 'share-link' });
  const link = await page.value({ testId: 'share-link' });
  assert.match(link, /X-Amz-Expires=86400/);
  await page.waitFor({ text: 'Link copied to the clipboard.' });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText(), null), link);
  const shared = await fetch(link);
  assert.equal(shared.status, 200);
  assert.equal(await shared.text(), 'notes dropped on the page\n');
  await shot(page, 'details');
  await page.click({ role: 'button', name: 'Close', within: { role: 'dialog' } });

  // On a narrow screen the folder's toolbar and listing fit the width.
  await page.setViewport(390, 760);
  await page.waitFor('tr[data-key="docs/notes.txt"]');
  const folderOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth, null);
  assert.ok(folderOverflow <= 0, `no sideways scrolling in a folder at 390 px (${folderOverflow} px too wide)`);
  await shot(page, 'folder-narrow');
  await page.setViewport(1200, 760);

  // Delete one object by selection.
  await page.check({ label: 'Select docs/notes.txt' });
  await page.click({ role: 'button', name: 'Delete (1)' });
  await page.waitFor({ text: 'This folder is empty.' });
  const left = await c.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.deepEqual(
    (left.Contents ?? []).map((o) => o.Key),
    ['big.bin', 'docs/', 'hello.txt'],
  );

  // The admin screens (the root user is an admin).
  await page.click({ role: 'link', name: 'Users' });
  await page.waitFor('tr[data-user]');

  // On a narrow screen the bucket list still fits.
  await page.click({ role: 'link', name: 'Buckets' });
  await page.waitFor(`tr[data-bucket="${bucket}"]`);
  await page.setViewport(390, 760);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth, null);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px too wide)`);
  await shot(page, 'buckets-narrow');
  await page.setViewport(1200, 760);
  await shot(page, 'buckets');

  // Delete the bucket: it is emptied first, after typing its name.
  await page.click({ role: 'button', name: `Delete bucket ${bucket}` });
  assert.equal(await page.isDisabled({ role: 'button', name: 'Empty and delete' }), true);
  await page.fill({ label: 'Bucket name', within: { role: 'dialog' } }, bucket);
  await page.click({ role: 'button', name: 'Empty and delete' });
  await page.waitFor(`tr[data-bucket="${bucket}"]`, { state: 'detached' });
  await notFound(c.s3.send(new HeadBucketCommand({ Bucket: bucket })));

  // Sign out: back at the sign-in form, nothing kept.
  await page.click({ testId: 'signout' });
  await page.waitFor({ role: 'button', name: 'Sign in' });
  assert.equal(await page.evaluate(() => sessionStorage.length, null), 0);
  assert.deepEqual(page.pageErrors, []);
}

/**
 * Renaming a folder copies every key under it to the new prefix and deletes the old keys, with a
 * progress bar; a key that cannot be copied stays where it was and is reported in S3's words. An
 * object over the single-CopyObject limit (lowered for the test to 8 MiB, the code path the same
 * as at 5 GiB) is copied in UploadPartCopy parts, keeping its type, metadata and tags.
 */
export async function folderRenameScenario(t: TestContext, browser: Browser): Promise<void> {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'rename');
  const big = randomBytes(12 * 1024 * 1024);
  const longKey = `docs/${'x'.repeat(1019)}`; // 1024 bytes, S3's longest; under documents/ it would be 1029
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'docs/', Body: '' }));
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'docs/a.txt', Body: 'a' }));
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'docs/sub/b.txt', Body: 'bb' }));
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: longKey, Body: 'long' }));
  await c.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'docs/big.bin', Body: big, ContentType: 'application/x-big', Metadata: { owner: 'ana' }, Tagging: 'team=blue&stage=raw' }),
  );

  const page = await browser.openPage(t, { origin: c.endpoint });
  await page.addInitScript(
    (limits) => {
      (globalThis as { __COFFER_CONSOLE_COPY_LIMITS__?: unknown }).__COFFER_CONSOLE_COPY_LIMITS__ = limits;
    },
    { singleCopyMaxBytes: 8 * 1024 * 1024, minPartBytes: 5 * 1024 * 1024 },
  );
  const prompts: string[] = [];
  page.onDialog((type, message) => {
    prompts.push(message);
    if (type === 'confirm') return false;
    return message === 'New name for docs/' ? 'documents' : prompts.length === 2 ? 'a-renamed.txt' : 'big.bin';
  });
  await signIn(page, c);
  await openBucket(page, bucket);
  await page.waitFor('tr[data-key="docs/"]');
  await watchProgress(page, '*task*');
  await page.check({ label: 'Select docs/' });
  await page.click({ role: 'button', name: 'Rename' });
  await page.waitFor({ text: 'finished with failures', within: { testId: 'task' } });
  assert.equal(await page.text({ testId: 'task-status' }), 'Renaming docs/ to documents/: 5 of 5 objects, 1 failed — finished with failures');
  assert.equal(await page.attribute('[data-name="*task*"]', 'data-state'), 'failed');
  assert.equal(await page.attribute('[data-name="*task*"]', 'aria-valuenow'), '4');
  const seen = await progressSeen(page, '*task*');
  assert.ok(
    seen.some((v) => v > 0 && v < 4),
    `the rename's progress moved: ${seen.join(', ')}`,
  );
  assert.match(await page.text('[data-testid="error"] > span'), /^1 of 5 objects were not moved and are still under docs\/: docs\/x{1019}: KeyTooLong: Your key is too long\.$/);
  await shot(page, 'folder-rename');

  const keys = ((await c.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);
  assert.deepEqual(keys, [longKey, 'documents/', 'documents/a.txt', 'documents/big.bin', 'documents/sub/b.txt'].sort());
  // docs/'s own marker moved with the rest; docs/ is still listed while the failed key is in it.
  await page.waitFor('tr[data-key="documents/"]');
  await page.waitFor('tr[data-key="docs/"]');
  const moved = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'documents/big.bin' }));
  assert.match(moved.ETag ?? '', /-3"$/, 'copied in three UploadPartCopy parts of 5, 5 and 2 MiB');
  assert.equal(moved.ContentType, 'application/x-big');
  assert.deepEqual(moved.Metadata, { owner: 'ana' });
  assert.equal(sha256(await bodyBytes(moved)), sha256(big));
  const tags = await c.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'documents/big.bin' }));
  assert.deepEqual(Object.fromEntries((tags.TagSet ?? []).map((x) => [x.Key, x.Value])), { team: 'blue', stage: 'raw' });
  assert.equal(await (await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'documents/sub/b.txt' }))).Body!.transformToString(), 'bb');

  // One object renamed from the toolbar, inside the moved folder.
  await page.click('tr[data-key="documents/"] a.folder');
  await page.check({ label: 'Select documents/a.txt' });
  await page.click({ role: 'button', name: 'Rename' });
  await page.waitFor('tr[data-key="documents/a-renamed.txt"]');
  assert.equal(await page.text({ testId: 'task-status' }), 'Renaming documents/a.txt to documents/a-renamed.txt: 1 of 1 objects — done');
  assert.equal(await page.count('tr[data-key="documents/a.txt"]'), 0);
  assert.equal(await (await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'documents/a-renamed.txt' }))).Body!.transformToString(), 'a');
  await notFound(c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'documents/a.txt' })));

  // A name that is taken is asked about first; declined, nothing moves.
  await page.check({ label: 'Select documents/a-renamed.txt' });
  await page.click({ role: 'button', name: 'Rename' });
  for (let i = 0; i < 200 && prompts.length < 4; i++) await new Promise((r) => setTimeout(r, 25));
  await page.waitForFunction(() => !(document.querySelector('button[data-testid="rename"]') as HTMLButtonElement | null)?.disabled, null);
  assert.deepEqual(prompts, [
    'New name for docs/',
    'New name for documents/a.txt',
    'New name for documents/a-renamed.txt',
    'documents/big.bin already exists and will be replaced. Rename anyway?',
  ]);
  await page.waitFor('tr[data-key="documents/a-renamed.txt"]');
  assert.equal((await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'documents/big.bin' }))).ContentLength, big.length);
  assert.deepEqual(page.pageErrors, []);
}

/** The batch progress bar never reads complete when files failed: none stored, or some. */
export async function failedBatchScenario(t: TestContext, browser: Browser): Promise<void> {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'failing');
  const page = await browser.openPage(t, { origin: c.endpoint });
  await signIn(page, c);
  await openBucket(page, bucket);
  const batch = '[data-name="*batch*"]';

  // Every file refused by S3 (keys over 1024 bytes): the batch is failed, at zero.
  await dropInMemory(page, [
    { name: 'a'.repeat(1100), size: 3 },
    { name: 'b'.repeat(1100), size: 5 },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('li.upload[data-status="failed"]').length === 2, null);
  assert.equal(await page.attribute(batch, 'data-state'), 'failed');
  assert.equal(await page.attribute(batch, 'aria-valuenow'), '0');
  assert.equal(await page.attribute(batch, 'aria-valuemax'), '8');
  assert.equal(await page.evaluate((s) => (document.querySelector(`${s} .bar`) as HTMLElement).style.width, batch), '0%');
  assert.equal(await page.text({ testId: 'batch-failed' }), 'Every upload failed: nothing was stored.');
  // Each failed file's bar shows nothing stored, though its bytes went out before S3 refused the key.
  assert.deepEqual(
    await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('li.upload[data-status="failed"] [role="progressbar"]')).map((b) => [b.getAttribute('data-state'), b.getAttribute('aria-valuenow')]),
      null,
    ),
    [
      ['failed', '0'],
      ['failed', '0'],
    ],
  );
  assert.match(await page.text({ css: 'section.uploads h2' }), /^Uploads: 0 of 2 stored, 2 failed, /);
  await shot(page, 'upload-all-failed');

  // One stored and one refused: the bar stops short of full and says so.
  await page.click({ role: 'button', name: 'Clear', within: { testId: 'uploads' } });
  await dropInMemory(page, [
    { name: 'ok.txt', text: 'fine\n', type: 'text/plain' },
    { name: 'c'.repeat(1100), size: 5 },
  ]);
  await page.waitFor('li.upload[data-key="ok.txt"][data-status="done"]');
  await page.waitFor('li.upload[data-status="failed"]');
  await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('data-state') === 'failed', batch);
  assert.equal(await page.attribute(batch, 'aria-valuenow'), '5');
  assert.equal(await page.attribute(batch, 'aria-valuemax'), '10');
  assert.equal(await page.text({ testId: 'batch-failed' }), '1 of 2 uploads failed: upload those files again.');
  await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'ok.txt' }));
  assert.deepEqual(page.pageErrors, []);
}

/** Cancelling a large upload aborts its multipart upload (nothing left, nothing stored); a key S3 refuses shows S3's message. */
export async function cancelScenario(t: TestContext, browser: Browser): Promise<void> {
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'cancel');
  const page = await browser.openPage(t, { origin: c.endpoint });
  await signIn(page, c);
  await openBucket(page, bucket);

  const HUGE = 256 * 1024 * 1024;
  await dropInMemory(page, [{ name: 'huge.bin', size: HUGE }]);
  const bar = 'li.upload[data-key="huge.bin"] [role="progressbar"]';
  await page.waitForFunction((s) => Number(document.querySelector(s)?.getAttribute('aria-valuenow')) > 0, bar);
  await page.click({ role: 'button', name: 'Cancel huge.bin' });
  await page.waitFor('li.upload[data-key="huge.bin"][data-status="cancelled"]');
  assert.ok(Number(await page.attribute(bar, 'aria-valuenow')) < HUGE, 'cancelled before the end');
  assert.match(await page.text('li.upload[data-key="huge.bin"] [role="alert"]'), /Cancelled: nothing was stored/);
  // The abort reaches the server: no upload is left open, no object appears.
  let open = 1;
  for (let i = 0; i < 50 && open > 0; i++) {
    open = (await c.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0;
    if (open > 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(open, 0, 'the multipart upload was aborted');
  await notFound(c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'huge.bin' })));

  // A key S3 refuses: the file's row says why, in S3's words.
  await dropInMemory(page, [{ name: 'n'.repeat(1100), size: 10 }]);
  await page.waitFor('li.upload[data-status="failed"]');
  assert.match(await page.text('li.upload[data-status="failed"] [role="alert"]'), /^KeyTooLong: Your key is too long\. Nothing was stored; upload the file again\.$/);
  await shot(page, 'upload-errors');
  assert.deepEqual(page.pageErrors, []);
}
