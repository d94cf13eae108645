// Raw signed HTTP for exact statuses, headers and error bodies, signed by the official AWS
// signer (@smithy/signature-v4) rather than by the code under test; and the SigV4 key derivation
// for what a test signs by hand.
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

/** The root keys every test Coffer is started with; requests are signed with them by default. */
export const ROOT_CREDENTIALS = { accessKeyId: 'COFFERTESTROOT', secretAccessKey: 'coffer-test-root-secret' };

export interface RawRequest {
  method: string;
  /** Path as sent (already encoded), e.g. /bucket/key */
  path: string;
  /** An array value repeats the name (?a=1&a=2). */
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** x-amz-content-sha256: the body's digest by default. */
  payloadHash?: string;
  /** Skip signing entirely (anonymous). */
  anonymous?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Headers set after signing (not signed). */
  unsignedHeaders?: Record<string, string>;
  region?: string;
  signingDate?: Date;
}

export interface RawResponse {
  status: number;
  /** The status line's reason phrase. */
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** <Code> of an error body, if any. */
  code?: string;
  message?: string;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** The SigV4 signing key of `secret` for S3 in `region` on `day` (YYYYMMDD), for signing by hand. */
export function signingKey(secret: string, day: string, region: string): Buffer {
  return hmacSha256(hmacSha256(hmacSha256(hmacSha256(`AWS4${secret}`, day), region), 's3'), 'aws4_request');
}

export async function signHeaders(endpoint: string, r: RawRequest): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const body = r.body ?? '';
  const headers: Record<string, string> = { host: url.host, ...(r.headers ?? {}) };
  if (r.anonymous) return headers;
  headers['x-amz-content-sha256'] ??= r.payloadHash ?? sha256Hex(body);
  const signer = new SignatureV4({
    service: 's3',
    region: r.region ?? 'us-east-1',
    credentials: r.credentials ?? ROOT_CREDENTIALS,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: r.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: r.path, query: r.query ?? {}, headers, body },
    { signingDate: r.signingDate },
  );
  return signed.headers as Record<string, string>;
}

export function queryString(query: Record<string, string | string[]> | undefined): string {
  if (!query || Object.keys(query).length === 0) return '';
  return (
    '?' +
    Object.entries(query)
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${encodeURIComponent(k)}=${encodeURIComponent(one)}`))
      .join('&')
  );
}

/** The whole body of `res`, once it has ended. */
export function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

/** The headers `r` goes out with: signed ones, then the unsigned ones, and the body's framing. */
export async function wireHeaders(endpoint: string, r: RawRequest): Promise<Record<string, string>> {
  const headers = { ...(await signHeaders(endpoint, r)), ...(r.unsignedHeaders ?? {}) };
  // node's client sends a GET or DELETE body with neither Content-Length nor Transfer-Encoding,
  // which the server then reads as the next request: frame it explicitly.
  if (r.body !== undefined && !Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h))) {
    headers['content-length'] = String(Buffer.byteLength(r.body));
  }
  return headers;
}

export async function rawRequest(endpoint: string, r: RawRequest): Promise<RawResponse> {
  const headers = await wireHeaders(endpoint, r);
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path + queryString(r.query), headers }, (res) => {
      readBody(res).then((bytes) => {
        const body = bytes.toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          body,
          code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1],
          message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1],
        });
      }, reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
