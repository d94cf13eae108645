// boto3 (Debian python3-boto3) through versioning, Object Lock, archive and restore, and
// lifecycle, driven by boto3-data-protection.py beside this file: what a user's script sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { bucketName, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, testCofferForFile } from '../helpers/coffer.js';
import { clientEnv, clientPresence, pythonHasModule, runOk } from './helpers/run.js';

/** dist/test/clients/… → <repo>/test/clients/boto3-data-protection.py (tsc does not copy it). */
const SCRIPT = fileURLToPath(new URL('../../../test/clients/boto3-data-protection.py', import.meta.url));
const presence = clientPresence('boto3', pythonHasModule('boto3'), 'Debian package python3-boto3');
// Restores take 0.2 s and a lifecycle day 1 s, so the script sees them happen.
const c = testCofferForFile({ COFFER_RESTORE_SECONDS: 'Expedited=0.2,Standard=0.2,Bulk=0.2', COFFER_LIFECYCLE_DAY_SECONDS: '1' });

test('boto3 sees versions and delete markers, Object Lock and its bypass, a restore of an archived object, and lifecycle expiring old versions', {
  skip: presence.skip,
  timeout: 120_000,
}, async () => {
  if (presence.missing !== undefined) throw new Error(presence.missing);
  const env = clientEnv({ AWS_ACCESS_KEY_ID: ROOT_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: ROOT_SECRET_KEY, AWS_DEFAULT_REGION: 'us-east-1', COFFER_ENDPOINT: c.endpoint });
  const seen = JSON.parse((await runOk('python3', [SCRIPT, bucketName('dp')], { env })).toString('utf8'));
  assert.deepEqual(seen, {
    deleteMarker: true,
    headAfterDelete: ['404', 'true'],
    v1: 'one',
    listed: [
      [true, false],
      [true, false],
      ['marker', true],
    ],
    afterMarkerRemoved: 'two',
    retention: 'GOVERNANCE',
    lockedDelete: ['AccessDenied', null],
    bypassed: ['404', null],
    coldGet: ['InvalidObjectState', null],
    restoreStatus: 202,
    restored: true,
    coldBytes: 100_000,
    lifecycleRule: 'old',
    expired: true,
  });
});
