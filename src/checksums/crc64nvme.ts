// CRC-64/NVME over a caller-owned 8-byte state: the native addon when it loaded (built from
// native/crc64nvme.c by node-gyp at install), else the pure-JS tables. S3 stores a CRC64NVME for
// every object, so this runs on every PUT.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { crc64nvmeUpdateJs } from './crc64nvme-js.js';

/** What build/Release/crc64nvme.node exports. */
interface NativeCrc64Nvme {
  update(state: Uint8Array, data: Uint8Array): void;
  /** The table path alone, even where PCLMULQDQ is available. */
  updatePortable(state: Uint8Array, data: Uint8Array): void;
  implementation(): 'pclmul' | 'slice8';
}

/** Advances `state`, the big-endian CRC of the bytes so far (8 zero bytes for none), over `data`. */
export type Crc64NvmeUpdate = (state: Uint8Array, data: Uint8Array) => void;

// This module runs from dist/src/checksums/ when compiled and from src/checksums/ under a TS
// loader; either way the addon is in build/Release at the package root.
const ADDON_CANDIDATES = ['../../../build/Release/crc64nvme.node', '../../build/Release/crc64nvme.node'];

// The check value of the catalogue, "123456789" → 0xae8b14860a799888.
// https://reveng.sourceforge.io/crc-catalogue/17plus.htm#crc.cat.crc-64-nvme
const CHECK_INPUT = Buffer.from('123456789');
const CHECK_VALUE = 'ae8b14860a799888';

function loadNative(): NativeCrc64Nvme | undefined {
  const require = createRequire(import.meta.url);
  for (const rel of ADDON_CANDIDATES) {
    let addon: NativeCrc64Nvme;
    try {
      addon = require(fileURLToPath(new URL(rel, import.meta.url))) as NativeCrc64Nvme;
    } catch {
      continue; // not built here (or built for another Node ABI): the JS tables still work
    }
    // A miscompiled addon must not write wrong checksums into object metadata; the check costs
    // one call at startup.
    const state = Buffer.alloc(8);
    addon.update(state, CHECK_INPUT);
    if (state.toString('hex') === CHECK_VALUE) return addon;
  }
  return undefined;
}

const native = loadNative();

/** The fastest CRC-64/NVME available in this process. */
export const crc64nvmeUpdate: Crc64NvmeUpdate = native ? native.update : crc64nvmeUpdateJs;

export { crc64nvmeUpdateJs };

/** The addon's table-only path, for tests; undefined when the addon did not load. */
export const crc64nvmeUpdateNativePortable: Crc64NvmeUpdate | undefined = native?.updatePortable;

/** Whether build/Release/crc64nvme.node loaded, so a bench can say which implementation ran. */
export function crc64nvmeNativeLoaded(): boolean {
  return native !== undefined;
}

/** 'pclmul' (native, carry-less multiply), 'slice8' (native tables) or 'js' (the fallback). */
export function crc64nvmeImplementation(): 'pclmul' | 'slice8' | 'js' {
  return native ? native.implementation() : 'js';
}
