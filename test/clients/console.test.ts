// The web console in a real browser: headless Chromium (Debian package chromium, driven by
// playwright-core). Issue 22's scenario and the ones beside it in helpers/console-scenarios.ts are
// written against a browser-neutral page and run here and in Firefox (console-firefox.test.ts):
// the root URL leads to the console, it signs in, creates a bucket, uploads three files (one of
// 40 MB in parallel multipart parts, its progress bar seen to move), browses into a folder,
// downloads a file and compares it, shares a presigned link that a client without keys fetches,
// deletes objects and the bucket, and signs out. The tests after those use playwright-core
// directly (its clock, its request events). Screenshots of the main screens go to
// test-output/console/ (git-ignored). Skipped with one line when Chromium is absent, unless CI=true.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { newBucket, startTestCofferForTest } from '../helpers/coffer.js';
import { rawRequest } from '../helpers/raw.js';
import type { TestCoffer } from '../helpers/coffer.js';
import { BROWSERS, browserForFile, playwrightPageOf } from './helpers/browsers.js';
import { SHOTS, cancelScenario, failedBatchScenario, folderRenameScenario, mainScenario, signIn as signInTo } from './helpers/console-scenarios.js';

const presence = BROWSERS.chromium.presence;
/** The file's Chromium: the shared scenarios' pages, and the playwright-core pages of the tests further down. */
const browser = browserForFile('chromium');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * A fresh page of the file's Chromium (a context of its own, closed when the test ends) as
 * playwright-core's Page, and the scenarios' sign-in on it.
 */
async function playwrightPage(t: TestContext, c: TestCoffer): Promise<{ page: Page; signIn: (stay?: boolean) => Promise<void> }> {
  const opened = await browser.openPage(t, { origin: c.endpoint });
  return { page: playwrightPageOf(opened), signIn: (stay) => signInTo(opened, c, stay) };
}

test('the console signs in, creates a bucket, uploads with progress, browses, downloads, shares, deletes and signs out', {
  skip: presence.skip,
  timeout: 120_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await mainScenario(t, browser);
});

test('renaming a folder moves every key under it with progress, copies a large object in UploadPartCopy parts, and reports a key it could not move; the toolbar renames one object', {
  skip: presence.skip,
  timeout: 60_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await folderRenameScenario(t, browser);
});

test('the batch progress bar shows failure, not completion, when every upload or some of them failed', { skip: presence.skip, timeout: 60_000 }, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await failedBatchScenario(t, browser);
});

test('a folder dragged from disk onto the page uploads every file in it under its relative path, and so does one picked with Upload folder', {
  skip: presence.skip,
  timeout: 60_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'folders');
  const work = await mkdtemp(join(tmpdir(), 'coffer-console-folder-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  // More files in one folder than Chromium's readEntries returns at once (100).
  const expected: string[] = [];
  await mkdir(join(work, 'photos', '2024'), { recursive: true });
  await mkdir(join(work, 'photos', 'many'), { recursive: true });
  await writeFile(join(work, 'photos', 'readme.txt'), 'about the photos\n');
  expected.push('photos/readme.txt');
  for (const name of ['a.jpg', 'b.jpg']) {
    await writeFile(join(work, 'photos', '2024', name), name);
    expected.push(`photos/2024/${name}`);
  }
  for (let i = 0; i < 105; i++) {
    await writeFile(join(work, 'photos', 'many', `f${i}.txt`), String(i));
    expected.push(`photos/many/f${i}.txt`);
  }
  await writeFile(join(work, 'loose.txt'), 'beside the folder\n');

  const page = await browser.openPage(t, { origin: c.endpoint });
  await signInTo(page, c);
  await page.click({ role: 'link', name: bucket });
  await page.waitFor({ testId: 'objects' });
  // A folder and a file dragged together, as from a file manager.
  await page.dropPaths({ testId: 'objects' }, [join(work, 'photos'), join(work, 'loose.txt')]);
  await page.waitForFunction((n) => document.querySelectorAll('li.upload[data-status="done"]').length === n, expected.length + 1);
  const listed = async (prefix: string) => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await c.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      out.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return out.sort();
  };
  assert.deepEqual(await listed(''), [...expected, 'loose.txt'].sort());
  assert.equal(await (await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'photos/many/f104.txt' }))).Body!.transformToString(), '104');
  await page.waitFor('tr[data-key="photos/"]');

  // The folder picker: each file keeps its path inside the folder chosen.
  await page.click({ role: 'button', name: 'Clear', within: { testId: 'uploads' } });
  await page.setInputFiles({ testId: 'folder-input' }, [join(work, 'photos', '2024')]);
  await page.waitForFunction((n) => document.querySelectorAll('li.upload[data-status="done"]').length === n, 2);
  assert.deepEqual(await listed('2024/'), ['2024/a.jpg', '2024/b.jpg']);
  assert.deepEqual(page.pageErrors, []);
});

test('a folder of 100,000 keys is browsed a page at a time with continuation tokens, and searched by prefix', { skip: presence.skip, timeout: 120_000 }, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'many');
  // 100,000 real object records, written straight to the metadata store in one transaction
  // (through HTTP this would take minutes): copies of one object PUT through S3.
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'many/template', Body: 'x' }));
  const meta = c.server.engine.deps.meta;
  const template = (await meta.getObject(bucket, 'many/template'))!;
  const KEYS = 100_000;
  await meta.transaction(async (tx) => {
    for (let i = 0; i < KEYS; i++) await tx.insertObjectVersion({ ...template, key: `many/k${String(i).padStart(6, '0')}` }, undefined, { onlyVersion: true });
    await tx.deleteObjectVersion(bucket, 'many/template', template.versionId);
    await tx.addUsage(bucket, { objectCount: KEYS - 1, bytes: KEYS - 1 });
  });

  const { page, signIn } = await playwrightPage(t, c);
  const listings: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === `/${bucket}` && u.searchParams.get('list-type') === '2') listings.push(u.search);
  });
  // Stay signed in: the session survives a reload of the page.
  await signIn(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Buckets' }).waitFor();
  await page.locator(`tr[data-bucket="${bucket}"] td.num`).first().filter({ hasText: /\d/ }).waitFor();
  listings.length = 0;

  await page.getByRole('link', { name: bucket }).click();
  await page.locator('tr[data-key="many/"] a.folder').click();
  await page.locator('tr[data-key="many/k000000"]').waitFor();
  assert.equal(await page.locator('tbody tr[data-key]').count(), 200);
  await page.getByTestId('next-page').click();
  await page.locator('tr[data-key="many/k000200"]').waitFor();
  assert.equal(await page.locator('tr[data-key="many/k000199"]').count(), 0);
  assert.equal(await page.locator('tr[data-key="many/k000399"]').count(), 1);
  await page.getByTestId('next-page').click();
  await page.locator('tr[data-key="many/k000400"]').waitFor();
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.locator('tr[data-key="many/k000200"]').waitFor();
  // Every listing asked for one page; pages after the first carried the token S3 gave.
  assert.ok(listings.length >= 5 && listings.length <= 8, `one request per page shown: ${listings.length}`);
  for (const q of listings) assert.match(q, /max-keys=200/);
  assert.equal(listings.filter((q) => q.includes('continuation-token=')).length >= 3, true);

  // Search by prefix within the folder.
  await page.getByLabel('Search by prefix').fill('k0999');
  await page.getByLabel('Search by prefix').press('Enter');
  await page.locator('tr[data-key="many/k099999"]').waitFor();
  assert.equal(await page.locator('tbody tr[data-key]').count(), 100);
  assert.equal(await page.getByTestId('next-page').isDisabled(), true);
  // Sorting the page by name, descending.
  await page.getByRole('button', { name: 'Name ▲' }).click();
  await page.getByRole('button', { name: 'Name ▼' }).waitFor();
  assert.equal(await page.locator('tbody tr[data-key]').first().getAttribute('data-key'), 'many/k099999');
  await shot(page, 'many-keys');
  // On a narrow screen the listing still fits the width.
  await page.setViewportSize({ width: 390, height: 760 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px too wide)`);
  await shot(page, 'objects-narrow');
});

test("cancelling a large upload aborts its multipart upload, and a refused upload shows S3's message", { skip: presence.skip, timeout: 120_000 }, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await cancelScenario(t, browser);
});

test('object details show metadata and tags, rename copies to the new key, and admins manage users while others see no admin screens', {
  skip: presence.skip,
  timeout: 120_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'details');
  await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'report.csv', Body: 'a,b\n1,2\n', ContentType: 'text/csv', Metadata: { owner: 'ana' }, Tagging: 'team=blue' }));
  const { page, signIn } = await playwrightPage(t, c);
  page.on('dialog', (d) => void d.accept());
  await signIn();
  await page.getByRole('link', { name: bucket }).click();
  await page.locator('tr[data-key="report.csv"]').getByRole('button', { name: 'report.csv' }).click();
  const details = page.getByTestId('details');
  await details.getByText('text/csv').waitFor();
  assert.match((await details.textContent()) ?? '', /owner = ana.*team = blue/);

  // Rename: a copy under the new key (metadata and tags go along), then the old key is deleted.
  await page.getByLabel('New key').fill('archive/report-2026.csv');
  await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
  await page.locator('tr[data-key="archive/"]').waitFor();
  assert.equal(await page.locator('tr[data-key="report.csv"]').count(), 0);
  const moved = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'archive/report-2026.csv' }));
  assert.equal(await moved.Body!.transformToString(), 'a,b\n1,2\n');
  assert.deepEqual(moved.Metadata, { owner: 'ana' });
  await assert.rejects(
    c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'report.csv' })),
    (err: unknown) => err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404,
  );

  // Users: create one, whose keys then work, and delete it.
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('User name').fill('ana');
  await page.getByRole('button', { name: 'Create user' }).click();
  const secret = page.getByTestId('new-secret');
  await secret.waitFor();
  const [accessKeyId, secretAccessKey] = await secret.locator('code').allTextContents();
  const ana = c.client(accessKeyId!, secretAccessKey!);
  // The new keys authenticate (unknown keys would be InvalidAccessKeyId); ana owns no bucket yet.
  assert.deepEqual((await ana.send(new ListBucketsCommand({}))).Buckets ?? [], []);
  await page.getByRole('button', { name: 'Done' }).click();

  // Her access keys: a second one added, the first disabled (then refused by S3).
  await page.locator('tr[data-user="ana"]').getByRole('button', { name: 'ana' }).click();
  const firstKey = page.locator('li[data-key-id]', { hasText: accessKeyId! });
  await firstKey.getByText('Active').waitFor();
  await page.getByRole('button', { name: 'Add access key' }).click();
  await page.getByTestId('new-secret').waitFor();
  const [secondKey, secondSecret] = await page.getByTestId('new-secret').locator('code').allTextContents();
  assert.notEqual(secondKey, accessKeyId);
  await page.locator(`li[data-key-id="${secondKey}"]`).waitFor();
  await firstKey.getByRole('button', { name: 'disable' }).click();
  await firstKey.getByText('Inactive').waitFor();
  await assert.rejects(ana.send(new ListBucketsCommand({})), (err: unknown) => err instanceof S3ServiceException && err.name === 'InvalidAccessKeyId');
  assert.deepEqual((await c.client(secondKey!, secondSecret!).send(new ListBucketsCommand({}))).Buckets ?? [], []);
  await shot(page, 'users');
  await page.locator('tr[data-user="ana"]').getByRole('button', { name: 'Delete' }).click();
  await page.locator('tr[data-user="ana"]').waitFor({ state: 'detached' });

  // Quotas and usage: the bucket's usage from the admin API, and a quota set on it.
  await page.getByRole('link', { name: 'Quotas & usage' }).click();
  const row = page.locator(`tr[data-bucket="${bucket}"]`);
  await row.waitFor();
  assert.deepEqual(await row.locator('td.num').allTextContents(), ['1', '8 B', '0 B']);
  await row.getByRole('button', { name: 'edit' }).click();
  await row.getByLabel(`Quota size for ${bucket}`).fill('1 MiB');
  await row.getByLabel(`Max objects for ${bucket}`).fill('10');
  await row.getByRole('button', { name: 'Set quota' }).click();
  await row.getByText('1.00 MiB, 10 objects').waitFor();
  const quota = await rawRequest(c.endpoint, { method: 'GET', path: `/_coffer/admin/v1/buckets/${bucket}/quota` });
  assert.deepEqual(JSON.parse(quota.body), { hardQuotaBytes: 1048576, maxObjects: 10 });
  await shot(page, 'usage');

  // A user who is not an admin sees no admin screens.
  const created = await rawRequest(c.endpoint, {
    method: 'POST',
    path: '/_coffer/admin/v1/users',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bob', accessKeyId: 'BOBCONSOLEKEY', secretAccessKey: 'bob-console-secret' }),
  });
  assert.equal(created.status, 201, created.body);
  await page.getByTestId('signout').click();
  await page.getByLabel('Access key').fill('BOBCONSOLEKEY');
  await page.getByLabel('Secret key').fill('bob-console-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('No buckets yet.').waitFor();
  // isAdmin is asked once at sign-in; give its answer time to render before looking.
  await page.waitForTimeout(300);
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Quotas & usage' }).count(), 0);
});

test("a browser whose clock is an hour fast still signs in: the console learns the server's time from RequestTimeTooSkewed", {
  skip: presence.skip,
  timeout: 60_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const bucket = await newBucket(c.s3, 'clock');
  const { page, signIn } = await playwrightPage(t, c);
  const skewed: number[] = [];
  page.on('response', (r) => {
    if (r.status() === 403 && new URL(r.url()).pathname === '/') skewed.push(r.status());
  });
  await page.clock.install({ time: new Date(Date.now() + 3600_000) });
  await signIn();
  await page.getByRole('link', { name: bucket }).waitFor();
  assert.equal(skewed.length, 1, 'one refusal, then signed with the corrected time');
});

test("a bucket created with versioning lists an object's versions in its details and is emptied of them when deleted; one with Object Lock has it", {
  skip: presence.skip,
  timeout: 60_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const c = await startTestCofferForTest(t);
  const { page, signIn } = await playwrightPage(t, c);
  await signIn();
  const bucket = `versioned-${randomBytes(4).toString('hex')}`;
  await page.getByLabel('New bucket name').fill(bucket);
  await page.getByLabel('Versioning').check();
  await page.getByRole('button', { name: 'Create bucket' }).click();
  await page.getByRole('link', { name: bucket }).waitFor();
  assert.equal((await c.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status, 'Enabled');
  const locked = `locked-${randomBytes(4).toString('hex')}`;
  await page.getByLabel('New bucket name').fill(locked);
  await page.getByLabel('Object Lock').check();
  await page.getByRole('button', { name: 'Create bucket' }).click();
  await page.getByRole('link', { name: locked }).waitFor();
  assert.equal((await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: locked }))).ObjectLockConfiguration?.ObjectLockEnabled, 'Enabled');

  for (const body of ['first', 'second version']) await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc.txt', Body: body }));
  await page.getByRole('link', { name: bucket }).click();
  await page.locator('tr[data-key="doc.txt"]').getByRole('button', { name: 'doc.txt' }).click();
  const versions = page.getByTestId('details').locator('li', { hasText: /latest|B/ });
  await page.getByTestId('details').getByText('(latest)').waitFor();
  assert.equal(await versions.count(), 2);
  await shot(page, 'versions');
  const [download] = await Promise.all([page.waitForEvent('download'), versions.nth(1).getByRole('button', { name: 'download' }).click()]);
  assert.equal(await readFile((await download.path())!, 'utf8'), 'first');
  // The older version deleted for good: one version is left, the newer one.
  page.on('dialog', (d) => void d.accept());
  const older = (await versions.nth(1).locator('code').textContent())!;
  await page.getByRole('button', { name: `Delete version ${older}` }).click();
  await page.getByRole('button', { name: `Delete version ${older}` }).waitFor({ state: 'detached' });
  const left = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  assert.deepEqual(
    (left.Versions ?? []).map((v) => v.Size),
    [14],
  );
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  await page.locator('header.top').getByRole('link', { name: 'Buckets' }).click();
  await page.getByRole('button', { name: `Delete bucket ${bucket}` }).click();
  await page.getByRole('dialog').getByLabel('Bucket name').fill(bucket);
  await page.getByRole('button', { name: 'Empty and delete' }).click();
  await page.locator(`tr[data-bucket="${bucket}"]`).waitFor({ state: 'detached' });
  await assert.rejects(c.s3.send(new HeadBucketCommand({ Bucket: bucket })), (err: unknown) => err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404);
});
