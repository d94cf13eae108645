// `coffer admin …`: a thin client of the admin API, signed with SigV4 like any S3 request. This
// module sends requests and turns every way they fail (no server, wrong keys, not an admin, a
// refusal) into one clear sentence; the commands are in admin-commands.ts.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ALGORITHM, canonicalHeaders, canonicalQuery, canonicalUri, deriveSigningKey, hmac, sha256Hex } from '../auth/canonical.js';
import { formatAmzDate } from '../auth/parse.js';
import type { Env } from '../config.js';

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

/** A failure the user can act on: printed as one line, with an exit code (2: how the command was used). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
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
    const req = send(url, { method, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // An S3 XML error (e.g. AccessDenied) is kept as text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 30 s'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The endpoint and keys: COFFER_ENDPOINT (or http:// COFFER_ADDRESS), an admin's keys from COFFER_ROOT_* or AWS_*. */
export function endpointFromEnv(env: Env, endpointFlag?: string): AdminEndpoint {
  const accessKeyId = env.COFFER_ROOT_ACCESS_KEY || env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.COFFER_ROOT_SECRET_KEY || env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new CliError("no keys: set COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to an admin user's keys");
  const address = env.COFFER_ADDRESS || '127.0.0.1:9000';
  const endpoint = endpointFlag || env.COFFER_ENDPOINT || `http://${address.startsWith('0.0.0.0:') ? address.replace('0.0.0.0', '127.0.0.1') : address}`;
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CliError(`the endpoint '${endpoint}' is not an http:// or https:// URL (COFFER_ENDPOINT or --endpoint)`, 2);
  }
  return { endpoint, accessKeyId, secretAccessKey, region: env.COFFER_REGION || 'us-east-1' };
}

/** The <Code> and <Message> of an S3 XML error body. */
function xmlError(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'string') return undefined;
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  return code === undefined ? undefined : { code, message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '' };
}

/** The admin API as the commands use it: a 2xx answer's body, or a CliError saying what went wrong. */
export class AdminApi {
  constructor(readonly target: AdminEndpoint) {}

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const t = this.target;
    let res: AdminResponse;
    try {
      res = await adminRequest(t, method, `/_coffer/admin/v1/${path}`, body);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'no such host' : code === 'ETIMEDOUT' ? 'no answer within 30 s' : (err as Error).message;
      throw new CliError(`cannot reach Coffer at ${t.endpoint}: ${why}. Is the server running there? Set COFFER_ENDPOINT (or --endpoint) to its address.`);
    }
    if (res.status >= 200 && res.status < 300) return res.body;
    const refusal = res.body as { error?: unknown; code?: unknown } | undefined;
    if (typeof refusal === 'object' && refusal !== null && typeof refusal.error === 'string') {
      throw new CliError(`${refusal.error}${typeof refusal.code === 'string' ? ` (${refusal.code})` : ''}`);
    }
    const s3 = xmlError(res.body);
    if (s3?.code === 'InvalidAccessKeyId') {
      throw new CliError(
        `the server at ${t.endpoint} does not know access key ${t.accessKeyId} (InvalidAccessKeyId): set COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY to an admin user's keys`,
      );
    }
    if (s3?.code === 'SignatureDoesNotMatch') {
      throw new CliError(`the secret key is not the one of access key ${t.accessKeyId} (SignatureDoesNotMatch): check COFFER_ROOT_SECRET_KEY`);
    }
    if (s3?.code === 'AccessDenied') throw new CliError(`access key ${t.accessKeyId} belongs to a user who is not an admin (AccessDenied)`);
    if (s3?.code === 'RequestTimeTooSkewed') throw new CliError(`this machine's clock is more than 15 minutes off the server's (RequestTimeTooSkewed)`);
    if (s3) throw new CliError(`${s3.message} (${s3.code})`);
    throw new CliError(`unexpected answer from ${t.endpoint}: HTTP ${res.status}. Is this a Coffer server (COFFER_ENDPOINT)?`);
  }
}
