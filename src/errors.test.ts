import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { EXTRA_ERROR_ROWS, S3_ERRORS, SEED_ERROR_ROWS, SERVER_ERROR_ROWS, storageFullError } from './errors.js';

// The seed is the contract: every row, in both directions.
const seedRows = readFileSync(new URL('../../../shared/seed/error-codes.md', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => /^\| [A-Z]/.test(l) && !l.startsWith('| Error Code'))
  .map((l) => {
    const cells = l.split('|').map((c) => c.trim());
    return { code: cells[1]!, message: cells[2]!, status: Number(/^\d{3}/.exec(cells[3]!)?.[0]), reason: cells[3]!.slice(4) };
  });

test('the seed has rows to check', () => {
  assert.ok(seedRows.length >= 60);
});

test('every seed row is an entry with the same code, status and message', () => {
  for (const row of seedRows) {
    const found = SEED_ERROR_ROWS.find(
      (r) => r.code === row.code && r.status === row.status && (row.message.includes(r.message) || r.message === row.message.replace(/^.*The error message is, "(.*)"$/, '$1')),
    );
    assert.ok(found, `seed row ${row.code} ${row.status} "${row.message}" is missing`);
  }
});

test('every table row comes from the seed', () => {
  for (const r of SEED_ERROR_ROWS) {
    assert.ok(
      seedRows.some((s) => s.code === r.code && s.status === r.status),
      `${r.code} ${r.status} is not in the seed`,
    );
  }
  // The seed repeats one InvalidRequest row word for word; the table keeps it once.
  assert.equal(SEED_ERROR_ROWS.length, new Set(seedRows.map((r) => `${r.code}|${r.message}`)).size);
});

test('codes outside the seed do not shadow seed codes', () => {
  for (const r of [...EXTRA_ERROR_ROWS, ...SERVER_ERROR_ROWS]) assert.ok(!seedRows.some((s) => s.code === r.code), `${r.code} is in the seed already`);
});

test('the status of a code is the seed status', () => {
  assert.equal(S3_ERRORS.SlowDown.status, 503);
  assert.equal(S3_ERRORS.VaultQuotaExceeded.status, 507);
  assert.equal(S3_ERRORS.RequestTimeout.status, 400);
  assert.equal(S3_ERRORS.InvalidObjectState.status, 403);
  assert.equal(S3_ERRORS.BucketAlreadyOwnedByYou.status, 409);
});

test('a full disk, by the OS or by SQLite, is 507 InsufficientStorage; other failures are not', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
    const cause = Object.assign(new Error(code), { code });
    const e = storageFullError(cause);
    assert.equal(e?.code, 'InsufficientStorage', code);
    assert.equal(e?.status, 507);
    assert.equal(e?.cause, cause);
  }
  for (const code of ['EIO', 'EFBIG', 'SQLITE_CORRUPT', undefined]) assert.equal(storageFullError(Object.assign(new Error('x'), { code })), undefined);
  assert.equal(storageFullError(undefined), undefined);
});

test('the status line of every seed code has the seed’s reason phrase', () => {
  for (const row of seedRows) {
    const e = S3_ERRORS[row.code as keyof typeof S3_ERRORS];
    assert.equal(e.reason ?? STATUS_CODES[e.status], row.reason, row.code);
  }
});
