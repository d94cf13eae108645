// `coffer admin kms create [KEY-ID]`, `coffer admin kms list` and `coffer admin rotate`: the SSE
// keys, through the admin API (src/admin/keys.ts).
import { adminRequest } from './admin-client.js';
import type { AdminEndpoint, AdminResponse } from './admin-client.js';

export const KEYS_USAGE = `  coffer admin kms create [KEY-ID]     a local SSE-KMS key (a random id when none is given)
  coffer admin kms list
  coffer admin rotate                  a new SSE-S3 master key; objects sealed by older ones stay readable`;

/** The response for `coffer admin kms …` / `coffer admin rotate`, or undefined for another resource. */
export async function runKeysAdmin(target: AdminEndpoint, resource: string | undefined, action: string | undefined, rest: string[]): Promise<AdminResponse | undefined> {
  if (resource === 'rotate') return adminRequest(target, 'POST', '/_coffer/admin/v1/master-key/rotate');
  if (resource !== 'kms') return undefined;
  if (action === 'create') return adminRequest(target, 'POST', '/_coffer/admin/v1/kms/keys', rest[0] === undefined ? {} : { keyId: rest[0] });
  if (action === 'list') return adminRequest(target, 'GET', '/_coffer/admin/v1/kms/keys');
  throw new Error(`usage:\n${KEYS_USAGE}`);
}
