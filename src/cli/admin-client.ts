// `coffer admin …`: a thin client of the admin API, signed with SigV4 like any S3 request.
import { parseArgs } from 'node:util';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ALGORITHM, canonicalHeaders, canonicalQuery, canonicalUri, deriveSigningKey, hmac, sha256Hex } from '../auth/canonical.js';
import { formatAmzDate } from '../auth/parse.js';
import type { Env } from '../config.js';
import { runKeysAdmin } from './admin-keys.js';

export interface AdminEndpoint {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

/** Send one signed admin request. */
export async function adminRequest(target: AdminEndpoint, method: string, path: string, body?: unknown): Promise<AdminResponse> {
  const url = new URL(path, target.endpoint);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const amzDate = formatAmzDate(new Date());
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': sha256Hex(payload),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const signed = Object.keys(headers).sort();
  const canonical = [
    method,
    canonicalUri(url.pathname),
    canonicalQuery(url.search.slice(1), false),
    canonicalHeaders(signed, [], headers),
    signed.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${target.region}/s3/aws4_request`;
  const toSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = hmac(deriveSigningKey(target.secretAccessKey, amzDate.slice(0, 8), target.region), toSign).toString('hex');
  headers.authorization = `${ALGORITHM} Credential=${target.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  headers['content-length'] = String(Buffer.byteLength(payload));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // An S3 XML error (e.g. AccessDenied) is shown as it is.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function endpointFromEnv(env: Env): AdminEndpoint {
  const accessKeyId = env.COFFER_ROOT_ACCESS_KEY ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.COFFER_ROOT_SECRET_KEY ?? env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new Error("set COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) to an admin user's keys");
  const address = env.COFFER_ADDRESS ?? '127.0.0.1:9000';
  const endpoint = env.COFFER_ENDPOINT ?? `http://${address.startsWith('0.0.0.0:') ? address.replace('0.0.0.0', '127.0.0.1') : address}`;
  return { endpoint, accessKeyId, secretAccessKey, region: env.COFFER_REGION ?? 'us-east-1' };
}

export async function runAdmin(args: string[], env: Env): Promise<void> {
  const [resource, action, ...rest] = args;
  const keys = resource === 'kms' || resource === 'rotate' ? await runKeysAdmin(endpointFromEnv(env), resource, action, rest) : undefined;
  if (keys) return printResponse(keys);
  if (resource !== 'user' || !action) throw new Error('usage: coffer admin user create|list|delete …, coffer admin kms create|list, coffer admin rotate');
  const target = endpointFromEnv(env);
  let res: AdminResponse;
  if (action === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, email: { type: 'string' }, admin: { type: 'boolean' }, 'access-key-id': { type: 'string' }, 'secret-access-key': { type: 'string' } },
    });
    if (!values.name) throw new Error('coffer admin user create needs --name');
    res = await adminRequest(target, 'POST', '/_coffer/admin/v1/users', {
      name: values.name,
      email: values.email,
      admin: values.admin ?? false,
      accessKeyId: values['access-key-id'],
      secretAccessKey: values['secret-access-key'],
    });
  } else if (action === 'list') {
    res = await adminRequest(target, 'GET', '/_coffer/admin/v1/users');
  } else if (action === 'delete') {
    const name = rest[0];
    if (!name) throw new Error('coffer admin user delete needs a user name');
    res = await adminRequest(target, 'DELETE', `/_coffer/admin/v1/users/${encodeURIComponent(name)}`);
  } else {
    throw new Error(`unknown action ${action}`);
  }
  printResponse(res);
}

function printResponse(res: AdminResponse): void {
  if (res.body !== undefined) process.stdout.write((typeof res.body === 'string' ? res.body : JSON.stringify(res.body, null, 2)) + '\n');
  if (res.status >= 300) process.exitCode = 1;
}
