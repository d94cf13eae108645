// The SSE keys in the admin API: `kms/keys` (create, list the local SSE-KMS keys) and
// `master-key/rotate` (a new SSE-S3 master key; the old ones still open what they sealed).
// Key material never leaves the server: only ids are answered.
import type { RequestContext, S3Result } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import { json } from './admin-api.js';

/** The answer for an SSE key endpoint, or undefined when `rest` names none. */
export async function handleKeysAdmin(ctx: RequestContext, rest: string[], method: string | undefined): Promise<S3Result | undefined> {
  const path = rest.join('/');
  if (path === 'kms/keys' && method === 'GET') return json(200, { keys: (await ctx.engine.listKmsKeys()).map((keyId) => ({ keyId })) });
  if (path === 'kms/keys' && method === 'POST') {
    const { text } = await readWholeBody(ctx, 64 * 1024);
    let keyId: unknown;
    try {
      keyId = text.trim() === '' ? undefined : (JSON.parse(text) as { keyId?: unknown }).keyId;
    } catch {
      return json(400, { error: 'body must be a JSON object' });
    }
    if (keyId !== undefined && typeof keyId !== 'string') return json(400, { error: 'keyId must be a string' });
    try {
      return json(201, { keyId: await ctx.engine.createKmsKey(keyId) });
    } catch (err) {
      return json(409, { error: (err as Error).message });
    }
  }
  if (path === 'master-key/rotate' && method === 'POST') {
    try {
      return json(200, { masterKeyId: await ctx.engine.rotateMasterKey() });
    } catch (err) {
      return json(409, { error: (err as Error).message });
    }
  }
  return undefined;
}
