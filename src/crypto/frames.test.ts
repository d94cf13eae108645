import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { FRAME_BYTES, FrameDecryptor, FrameEncryptor, TamperedDataError, decryptBuffer, encryptBuffer, sealedSize, storedRangeOf } from './frames.js';
import { encryptedEtag, isCustomerKey, sealForCustomer, seal, unseal, unsealForCustomer } from './envelope.js';

const KEY = randomBytes(32);

async function encryptStream(key: Buffer, plain: Buffer, chunk = 10_000): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) parts.push(plain.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(parts),
    new FrameEncryptor(key),
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

async function decryptStream(key: Buffer, stored: Buffer, start: number, end: number, size: number): Promise<Buffer> {
  const where = storedRangeOf(start, end, size);
  const out: Buffer[] = [];
  const slice = stored.subarray(where.start, where.end + 1);
  await pipeline(
    Readable.from([slice.subarray(0, 1000), slice.subarray(1000)].filter((b) => b.length > 0)),
    new FrameDecryptor(key, where.firstFrame, start, end, size),
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

test('frames round-trip at every size around a frame boundary, streamed and whole, and take sealedSize bytes', async () => {
  for (const size of [0, 1, FRAME_BYTES - 1, FRAME_BYTES, FRAME_BYTES + 1, 3 * FRAME_BYTES + 5]) {
    const plain = randomBytes(size);
    const streamed = await encryptStream(KEY, plain);
    const whole = encryptBuffer(KEY, plain);
    assert.equal(streamed.length, sealedSize(size), `size ${size}`);
    assert.equal(whole.length, sealedSize(size));
    if (size > 0) assert.ok(!streamed.subarray(12, 12 + Math.min(size, 64)).equals(plain.subarray(0, 64)), 'the stored bytes are not the plaintext');
    if (size > 0) {
      assert.ok(decryptBuffer(KEY, streamed, 0, size - 1, size).equals(plain));
      assert.ok((await decryptStream(KEY, whole, 0, size - 1, size)).equals(plain));
    }
  }
});

test('a range read decrypts only the frames it covers and returns exactly the range, across frame boundaries', async () => {
  const size = 4 * FRAME_BYTES + 100;
  const plain = randomBytes(size);
  const stored = encryptBuffer(KEY, plain);
  const ranges: Array<[number, number]> = [
    [0, 0],
    [FRAME_BYTES - 1, FRAME_BYTES],
    [FRAME_BYTES - 10, 2 * FRAME_BYTES + 10],
    [2 * FRAME_BYTES, 2 * FRAME_BYTES],
    [size - 1, size - 1],
    [3 * FRAME_BYTES + 50, size - 1],
  ];
  for (const [s, e] of ranges) {
    const where = storedRangeOf(s, e, size);
    assert.equal(where.firstFrame, Math.floor(s / FRAME_BYTES));
    assert.ok(where.end - where.start + 1 <= (Math.floor(e / FRAME_BYTES) - where.firstFrame + 1) * (FRAME_BYTES + 28), 'no more than the covering frames are read');
    assert.ok((await decryptStream(KEY, stored, s, e, size)).equals(plain.subarray(s, e + 1)), `${s}-${e}`);
    assert.ok(decryptBuffer(KEY, stored, s, e, size).equals(plain.subarray(s, e + 1)));
  }
});

test('one flipped byte anywhere in a frame is a TamperedDataError, never other bytes', async () => {
  const size = 2 * FRAME_BYTES + 7;
  const plain = randomBytes(size);
  const stored = encryptBuffer(KEY, plain);
  for (const at of [0, 5, 12, 500, FRAME_BYTES + 27, FRAME_BYTES + 40, stored.length - 1]) {
    const bad = Buffer.from(stored);
    bad[at] = bad[at]! ^ 0x01;
    assert.throws(() => decryptBuffer(KEY, bad, 0, size - 1, size), TamperedDataError, `byte ${at}`);
    await assert.rejects(decryptStream(KEY, bad, 0, size - 1, size), TamperedDataError);
  }
});

test('stored bytes cut short, frames swapped, or another key: an error', async () => {
  const size = 2 * FRAME_BYTES;
  const plain = randomBytes(size);
  const stored = encryptBuffer(KEY, plain);
  await assert.rejects(decryptStream(KEY, stored.subarray(0, stored.length - 1), 0, size - 1, size), TamperedDataError);
  assert.throws(() => decryptBuffer(KEY, stored.subarray(0, stored.length - 1), 0, size - 1, size), TamperedDataError);
  const f = FRAME_BYTES + 28;
  const swapped = Buffer.concat([stored.subarray(f), stored.subarray(0, f)]);
  assert.throws(() => decryptBuffer(KEY, swapped, 0, size - 1, size), TamperedDataError);
  assert.throws(() => decryptBuffer(randomBytes(32), stored, 0, size - 1, size), TamperedDataError);
});

test('two encryptions of the same bytes under one key differ (fresh nonces)', () => {
  const plain = Buffer.alloc(1000, 1);
  assert.ok(!encryptBuffer(KEY, plain).equals(encryptBuffer(KEY, plain)));
});

test('a sealed key opens with its key and purpose only', () => {
  const kek = randomBytes(32);
  const dataKey = randomBytes(32);
  const sealed = seal(kek, dataKey, 'AES256\nmk-1');
  assert.ok(unseal(kek, sealed, 'AES256\nmk-1')!.equals(dataKey));
  assert.equal(unseal(kek, sealed, 'AES256\nmk-2'), undefined);
  assert.equal(unseal(randomBytes(32), sealed, 'AES256\nmk-1'), undefined);
  assert.equal(unseal(kek, 'AAAA', 'AES256\nmk-1'), undefined);
});

test('an SSE-C key is kept only as a salted HMAC that recognises it, and it opens the data key', () => {
  const customer = randomBytes(32);
  const dataKey = randomBytes(32);
  const record = sealForCustomer(customer, dataKey);
  assert.ok(!JSON.stringify(record).includes(customer.toString('base64')));
  assert.ok(isCustomerKey(customer, record));
  assert.ok(!isCustomerKey(randomBytes(32), record));
  assert.ok(unsealForCustomer(customer, record)!.equals(dataKey));
  assert.notEqual(sealForCustomer(customer, dataKey).hmac, record.hmac, 'the salt differs per object');
});

test('an encrypted ETag is 32 hex digits, stable for one data key, and not the MD5', () => {
  const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
  const k = randomBytes(32);
  assert.match(encryptedEtag(k, md5), /^[0-9a-f]{32}$/);
  assert.equal(encryptedEtag(k, md5), encryptedEtag(k, md5));
  assert.notEqual(encryptedEtag(k, md5), md5);
  assert.notEqual(encryptedEtag(randomBytes(32), md5), encryptedEtag(k, md5));
});
