import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_KMS_KEY_ID, KEY_FILE, LocalKeyring, bareKeyId } from './keyring.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-keyring-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the first open makes a key file of mode 0600 with a master key and the default KMS key; a second open reads the same keys', async () => {
  await withDir(async (dir) => {
    const first = await LocalKeyring.open({ dataDir: dir });
    assert.equal((await stat(join(dir, KEY_FILE))).mode & 0o777, 0o600);
    const master = await first.current();
    assert.equal(master.key.length, 32);
    assert.ok(await first.resolve(DEFAULT_KMS_KEY_ID));
    const second = await LocalKeyring.open({ dataDir: dir });
    assert.deepEqual(await second.current(), master);
  });
});

test('rotation makes a new current key and keeps the old one readable, in this and in another ring on the same file', async () => {
  await withDir(async (dir) => {
    const a = await LocalKeyring.open({ dataDir: dir });
    const b = await LocalKeyring.open({ dataDir: dir });
    const old = await a.current();
    const id = await a.rotate();
    assert.notEqual(id, old.id);
    assert.equal((await a.current()).id, id);
    assert.ok((await a.get(old.id))!.equals(old.key));
    // `b` has not seen the rotation; it finds the new key when asked for it.
    assert.ok(await b.get(id));
  });
});

test('two rings rotating and creating keys at once lose none of them', async () => {
  await withDir(async (dir) => {
    const a = await LocalKeyring.open({ dataDir: dir });
    const b = await LocalKeyring.open({ dataDir: dir });
    const made = await Promise.all([a.rotate(), b.createKey('k1'), a.createKey('k2'), b.rotate(), a.createKey('k3'), b.createKey('k4')]);
    const fresh = await LocalKeyring.open({ dataDir: dir });
    for (const id of [made[0], made[3]]) assert.ok(await fresh.get(id), `master ${id}`);
    for (const k of ['k1', 'k2', 'k3', 'k4']) assert.equal(await fresh.resolve(k), k);
  });
});

test('COFFER_MASTER_KEY keys come first and cannot be rotated here; COFFER_KMS_KEYS keys resolve by id, alias and ARN', async () => {
  await withDir(async (dir) => {
    const env = randomBytes(32);
    const ring = await LocalKeyring.open({ dataDir: dir, masterKeys: [env], kmsKeys: new Map([['testkey-1', randomBytes(32)]]) });
    assert.ok((await ring.current()).key.equals(env));
    await assert.rejects(ring.rotate(), /COFFER_MASTER_KEY/);
    assert.equal(await ring.resolve('testkey-1'), 'testkey-1');
    assert.equal(await ring.resolve('alias/testkey-1'), 'testkey-1');
    assert.equal(await ring.resolve('arn:aws:kms:us-east-1:111122223333:key/testkey-1'), 'testkey-1');
    assert.equal(await ring.resolve('testkey-9'), undefined);
  });
});

test('a data key sealed under a KMS key opens only with the same key and encryption context', async () => {
  await withDir(async (dir) => {
    const ring = await LocalKeyring.open({ dataDir: dir });
    await ring.createKey('k');
    await ring.createKey('other');
    const { plaintext, sealed } = await ring.generateDataKey('k', 'ctx');
    assert.ok((await ring.decryptDataKey('k', sealed, 'ctx')).equals(plaintext));
    await assert.rejects(ring.decryptDataKey('k', sealed, 'other ctx'));
    await assert.rejects(ring.decryptDataKey('other', sealed, 'ctx'));
    await assert.rejects(ring.createKey('k'), /exists already/);
  });
});

test('bareKeyId takes the id out of an ARN or alias name and leaves a bare id alone', () => {
  assert.equal(bareKeyId('arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'), '1234abcd-12ab-34cd-56ef-1234567890ab');
  assert.equal(bareKeyId('arn:aws:kms:eu-west-1:123456789012:alias/my-key'), 'my-key');
  assert.equal(bareKeyId('alias/aws/s3'), 'aws/s3');
  assert.equal(bareKeyId('plain-id'), 'plain-id');
});
