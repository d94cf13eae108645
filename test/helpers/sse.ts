// Server-side encryption tests: a Coffer with both an HTTP and an HTTPS listener, SDK clients and
// signed raw requests (binary bodies) for either, and SSE-C keys with their MD5s.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { TestContext } from 'node:test';
import type { Env } from '../../src/config.js';
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startTestCoffer } from './coffer.js';
import type { TestCoffer } from './coffer.js';
import { bytesRequest } from './bytes.js';
import type { BytesRequest, BytesResponse } from './bytes.js';
import { queryString, readBody, wireHeaders } from './raw.js';

// A self-signed certificate for 127.0.0.1, made for these tests only.
const CERT = new URL('../../../test/fixtures/tls-cert.pem', import.meta.url);
const KEY = new URL('../../../test/fixtures/tls-key.pem', import.meta.url);
const CA = readFileSync(CERT);

export interface SseCoffer extends TestCoffer {
  tlsEndpoint: string;
  /** The SDK over HTTPS. */
  tls: S3Client;
}

/** A Coffer with an HTTPS listener beside its HTTP one, closed when `t` ends. */
export async function startSseCoffer(t: TestContext | undefined, env: Env = {}): Promise<SseCoffer> {
  const c = await startTestCoffer({ COFFER_TLS_ADDRESS: '127.0.0.1:0', COFFER_TLS_CERT: CERT.pathname, COFFER_TLS_KEY: KEY.pathname, ...env });
  const tls = new S3Client({
    endpoint: c.server.tlsEndpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: CA }) }),
  });
  const out: SseCoffer = Object.assign(Object.create(null) as SseCoffer, c, {
    tlsEndpoint: c.server.tlsEndpoint!,
    tls,
    async close() {
      tls.destroy();
      await c.close();
    },
  });
  t?.after(() => out.close());
  return out;
}

/** A signed request over HTTPS to `endpoint` (an https:// URL), its body as bytes. */
export async function tlsRequest(endpoint: string, r: BytesRequest): Promise<BytesResponse> {
  const headers = await wireHeaders(endpoint, r);
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path + queryString(r.query), headers, ca: CA }, (res) => {
      readBody(res).then((body) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, code: /<Code>([^<]*)<\/Code>/.exec(body.toString('utf8'))?.[1] });
      }, reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** A raw request to either listener: HTTPS for https:// endpoints. */
export function sseRequest(endpoint: string, r: BytesRequest): Promise<BytesResponse> {
  return endpoint.startsWith('https:') ? tlsRequest(endpoint, r) : bytesRequest(endpoint, r);
}

/** The <Message> of an error body. */
export function messageOf(res: BytesResponse): string | undefined {
  return /<Message>([^<]*)<\/Message>/.exec(res.body.toString('utf8'))?.[1];
}

export interface CustomerKey {
  key: string;
  md5: string;
  raw: Buffer;
}

/** An SSE-C key (base64) with its MD5 (base64), from a seed. */
export function customerKey(seed: string): CustomerKey {
  const raw = createHash('sha256').update(seed).digest();
  return { raw, key: raw.toString('base64'), md5: createHash('md5').update(raw).digest('base64') };
}

/** The three SSE-C request headers for `k`: x-amz-server-side-encryption-customer-*, or with `prefix` x-amz-copy-source-server-side-encryption-customer-*. */
export function sseCHeaders(k: CustomerKey, prefix = 'x-amz-'): Record<string, string> {
  return {
    [`${prefix}server-side-encryption-customer-algorithm`]: 'AES256',
    [`${prefix}server-side-encryption-customer-key`]: k.key,
    [`${prefix}server-side-encryption-customer-key-md5`]: k.md5,
  };
}

/** The SDK's SSE-C parameters for `k`. */
export function sdkSseC(k: CustomerKey): { SSECustomerAlgorithm: string; SSECustomerKey: string; SSECustomerKeyMD5: string } {
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5 };
}
