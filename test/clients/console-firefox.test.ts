// The web console in Firefox: Debian's firefox-esr, headless, driven over WebDriver BiDi (which
// Firefox speaks natively) by puppeteer-core; nothing is downloaded. The scenarios are the ones
// console.test.ts runs in Chromium (helpers/console-scenarios.ts), so both browsers are held to
// the same steps: issue 22's sign-in, create, upload with progress, browse, download, share,
// delete and sign out; renaming a folder; a batch whose uploads failed; cancelling an upload. Screenshots go to
// test-output/console/firefox-*.png. Skipped with one line when Firefox is absent, unless CI=true.
import { test } from 'node:test';
import { BROWSERS, browserForFile } from './helpers/browsers.js';
import { cancelScenario, failedBatchScenario, folderRenameScenario, mainScenario } from './helpers/console-scenarios.js';

const presence = BROWSERS.firefox.presence;
/** One Firefox for the file; each test has a context of its own. */
const firefox = browserForFile('firefox');

test('in Firefox the console signs in, creates a bucket, uploads with progress, browses, downloads, shares, deletes and signs out', {
  skip: presence.skip,
  timeout: 120_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await mainScenario(t, firefox);
});

test('in Firefox renaming a folder moves every key under it with progress, copies a large object in UploadPartCopy parts, and reports a key it could not move; the toolbar renames one object', {
  skip: presence.skip,
  timeout: 60_000,
}, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await folderRenameScenario(t, firefox);
});

test('in Firefox the batch progress bar shows failure, not completion, when every upload or some of them failed', { skip: presence.skip, timeout: 60_000 }, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await failedBatchScenario(t, firefox);
});

test("in Firefox cancelling a large upload aborts its multipart upload, and a refused upload shows S3's message", { skip: presence.skip, timeout: 120_000 }, async (t) => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  await cancelScenario(t, firefox);
});
