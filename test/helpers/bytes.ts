// Signed raw HTTP with binary bodies (raw.ts decodes bodies as UTF-8), plus an upload that can
// be left hanging half-sent, for tests about torn writes and crashes.
import { request } from 'node:http';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { createCipheriv, createHash } from 'node:crypto';
import { queryString, signHeaders } from './raw.js';
import type { RawRequest } from './raw.js';

export interface BytesResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  code?: string;
}

export interface BytesRequest extends RawRequest {
  agent?: Agent | false;
}

/** Percent-encode a key for a path as the SDKs do: every byte but unreserved ones and '/'. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** `size` pseudo-random bytes fully determined by `seed` (AES-256-CTR keystream). */
export function deterministicBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export async function bytesRequest(endpoint: string, r: BytesRequest): Promise<BytesResponse> {
  const headers = { ...(await signHeaders(endpoint, r)), ...(r.unsignedHeaders ?? {}) };
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path + queryString(r.query), headers, agent: r.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          code: /<Code>([^<]*)<\/Code>/.exec(body.toString('utf8'))?.[1],
        });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/**
 * Send the headers and the first `sent` bytes of `body` with an UNSIGNED-PAYLOAD signature and
 * Content-Length of the whole body, then stop: the request stays in flight until destroyed.
 */
export async function startPartialPut(endpoint: string, path: string, body: Buffer, sent: number, agent?: Agent | false): Promise<ClientRequest> {
  const headers = {
    ...(await signHeaders(endpoint, {
      method: 'PUT',
      path,
      headers: { 'content-length': String(body.length) },
      payloadHash: 'UNSIGNED-PAYLOAD',
    })),
  };
  const url = new URL(endpoint);
  const req = request({ host: url.hostname, port: url.port, method: 'PUT', path, headers, agent });
  req.on('error', () => undefined);
  req.write(body.subarray(0, sent));
  return req;
}

/** Send the rest of a startPartialPut body; resolves with the response, its body drained. */
export function finishPartialPut(req: ClientRequest, rest: Buffer): Promise<IncomingMessage> {
  const answered = new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
  req.end(rest);
  return answered.then((res) => {
    res.resume();
    return res;
  });
}
