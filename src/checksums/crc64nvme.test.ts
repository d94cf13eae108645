import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc64nvmeImplementation, crc64nvmeNativeLoaded, crc64nvmeUpdate, crc64nvmeUpdateJs, crc64nvmeUpdateNativePortable } from './crc64nvme.js';
import type { Crc64NvmeUpdate } from './crc64nvme.js';
import { pseudoRandomBytes } from './test-data.js';

// The AWS SDK's pure-JS CRC64NVME is the oracle: it is what S3 clients compare against.
async function oracle(data: Uint8Array): Promise<string> {
  const c = new Crc64Nvme();
  c.update(data);
  return Buffer.from(await c.digest()).toString('hex');
}

function run(update: Crc64NvmeUpdate, ...chunks: Uint8Array[]): string {
  const state = Buffer.alloc(8);
  for (const c of chunks) update(state, c);
  return state.toString('hex');
}

const implementations: Array<[string, Crc64NvmeUpdate]> = [
  ['selected', crc64nvmeUpdate],
  ['js fallback', crc64nvmeUpdateJs],
];
if (crc64nvmeUpdateNativePortable) {
  implementations.push(['native tables', crc64nvmeUpdateNativePortable]);
}

test('the native addon is built and loaded', () => {
  // `npm ci` builds it through binding.gyp; without it every PUT pays the slow JS CRC.
  assert.equal(crc64nvmeNativeLoaded(), true);
  assert.notEqual(crc64nvmeImplementation(), 'js');
});

for (const [name, update] of implementations) {
  test(`${name}: CRC64NVME of "123456789" is the catalogue check value 0xae8b14860a799888`, () => {
    assert.equal(run(update, Buffer.from('123456789')), 'ae8b14860a799888');
  });

  test(`${name}: CRC64NVME of no bytes is zero, "AAAAAAAAAAA=" in base64`, () => {
    const state = Buffer.alloc(8);
    update(state, Buffer.alloc(0));
    assert.equal(state.toString('base64'), 'AAAAAAAAAAA=');
  });

  test(`${name}: matches @aws-sdk/crc64-nvme on odd lengths, one update`, async () => {
    for (const length of [1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 127, 128, 129, 1000, 4099, 65537, 1_000_003]) {
      const data = pseudoRandomBytes(length, length);
      assert.equal(run(update, data), await oracle(data), `length ${length}`);
    }
  });

  test(`${name}: matches @aws-sdk/crc64-nvme across odd split points`, async () => {
    const data = pseudoRandomBytes(200_003, 42);
    const expected = await oracle(data);
    for (const splits of [[1], [63, 64], [7, 100, 65_536], [99_999, 100_000, 100_001], [3, 5, 7, 11, 200_000]]) {
      const chunks: Buffer[] = [];
      let at = 0;
      for (const s of splits) {
        chunks.push(data.subarray(at, s));
        at = s;
      }
      chunks.push(data.subarray(at));
      assert.equal(run(update, ...chunks), expected, `splits ${splits.join(',')}`);
    }
  });

  test(`${name}: reads views at every byte offset, not their whole ArrayBuffer`, async () => {
    const backing = pseudoRandomBytes(4096 + 16, 7);
    for (let offset = 0; offset < 8; offset++) {
      const view = new Uint8Array(backing.buffer, backing.byteOffset + offset, 4096 + 1);
      assert.equal(run(update, view), await oracle(view), `offset ${offset}`);
    }
  });
}
