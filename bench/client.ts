// A lean S3 client, the one the bench points at Coffer and at the do-nothing server alike, so a
// ceiling and its workload pay the same client cost; it speaks HTTP through http1.ts. Requests
// are SigV4 header-signed with UNSIGNED-PAYLOAD: the client hashes no bodies and spends per
// request one SHA-256 of the canonical request and one HMAC, the signing key cached for the day.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
import { createHash, createHmac } from 'node:crypto';
import { Http1Pool } from './http1.js';
import type { RawReply } from './http1.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Reply {
  status: number;
  bytes: number;
  /** The status line and headers as received; read one with replyHeader(). */
  head?: string;
  /** Only when asked for (listings, errors); bulk bodies are counted and dropped. */
  text?: string;
}

const SIGNED_HEADERS = 'host;x-amz-content-sha256;x-amz-date';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding, as SigV4 canonical queries and S3 keys need it. */
export function uriEncode(s: string, keepSlash = false): string {
  const e = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? e.replace(/%2F/g, '/') : e;
}

export class BenchClient {
  readonly host: string;
  readonly port: number;
  readonly #hostHeader: string;
  readonly #creds: Credentials;
  readonly #region: string;
  #pool: Http1Pool;
  #keyDate = '';
  #signingKey: Buffer = Buffer.alloc(0);
  #dateSecond = 0;
  #dateText = '';

  constructor(endpoint: string, creds: Credentials, region = 'us-east-1') {
    const url = new URL(endpoint);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.#hostHeader = url.host;
    this.#creds = creds;
    this.#region = region;
    this.#pool = new Http1Pool(this.host, this.port, 1);
  }

  /** Fresh keep-alive connections, at most `sockets` of them (one per concurrent worker). */
  useConnections(sockets: number): void {
    this.#pool.close();
    this.#pool = new Http1Pool(this.host, this.port, sockets);
  }

  close(): void {
    this.#pool.close();
  }

  /** `path` is already encoded; `query` pairs are raw. */
  sign(method: string, path: string, query: Array<[string, string]> = []): { headers: Record<string, string>; target: string } {
    const amzDate = this.#amzDate();
    const date = amzDate.slice(0, 8);
    if (date !== this.#keyDate) {
      let k = hmac(`AWS4${this.#creds.secretAccessKey}`, date);
      for (const part of [this.#region, 's3', 'aws4_request']) k = hmac(k, part);
      this.#signingKey = k;
      this.#keyDate = date;
    }
    const encoded = query.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    const canonicalQuery = encoded.map(([k, v]) => `${k}=${v}`).join('&');
    const canonicalRequest = [
      method,
      path,
      canonicalQuery,
      `host:${this.#hostHeader}\nx-amz-content-sha256:${UNSIGNED_PAYLOAD}\nx-amz-date:${amzDate}\n`,
      SIGNED_HEADERS,
      UNSIGNED_PAYLOAD,
    ].join('\n');
    const scope = `${date}/${this.#region}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.#signingKey).update(stringToSign).digest('hex');
    return {
      target: canonicalQuery === '' ? path : `${path}?${canonicalQuery}`,
      headers: {
        host: this.#hostHeader,
        'x-amz-content-sha256': UNSIGNED_PAYLOAD,
        'x-amz-date': amzDate,
        authorization: `AWS4-HMAC-SHA256 Credential=${this.#creds.accessKeyId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
      },
    };
  }

  /** x-amz-date, formatted once per second rather than per request. */
  #amzDate(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#dateText = new Date(second * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    }
    return this.#dateText;
  }

  /** One request with an in-memory body (or none); the reply body is read as text if `text`. */
  async send(method: string, path: string, opts: { query?: Array<[string, string]>; body?: Buffer; text?: boolean; headers?: Record<string, string> } = {}): Promise<Reply> {
    const head = this.#head(method, path, opts.query, opts.body?.length, opts.headers);
    const r = await this.#pool.use((c) => c.request(method, head, opts.body, true));
    return toReply(r, opts.text === true);
  }

  /** PUT a body of known length streamed from `chunks`, with backpressure. */
  async upload(path: string, length: number, chunks: Iterable<Buffer>, query: Array<[string, string]> = []): Promise<Reply> {
    const head = this.#head('PUT', path, query, length);
    const r = await this.#pool.use((c) => c.stream('PUT', head, chunks, true));
    return toReply(r, false);
  }

  /** GET, counting and dropping the body. */
  async download(path: string, query: Array<[string, string]> = []): Promise<Reply> {
    const head = this.#head('GET', path, query, undefined);
    const r = await this.#pool.use((c) => c.request('GET', head, undefined, false));
    return toReply(r, false);
  }

  /** `extra` headers go unsigned: only non-x-amz ones (Content-MD5, Range) may. */
  #head(method: string, path: string, query: Array<[string, string]> | undefined, length: number | undefined, extra: Record<string, string> = {}): string {
    const { headers, target } = this.sign(method, path, query);
    let head = `${method} ${target} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries({ ...headers, ...extra })) head += `${k}: ${v}\r\n`;
    if (length !== undefined) head += `content-length: ${length}\r\n`;
    return `${head}\r\n`;
  }
}

/** Error bodies are always kept, to name the S3 error code. */
function toReply(r: RawReply, text: boolean): Reply {
  const reply: Reply = { status: r.status, bytes: r.bytes, head: r.head };
  if ((text || r.status >= 300) && r.body !== undefined) reply.text = r.body.toString('utf8');
  return reply;
}

/** A response header's value (the first, if repeated), or undefined. */
export function replyHeader(r: Reply, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const line of (r.head ?? '').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return undefined;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Pretend bytes for a large body: eight random 1 MiB chunks, cycled from chunk `start`, never
 * the whole body in memory.
 */
export function* randomishChunks(total: number, pool: Buffer[], start = 0): Generator<Buffer> {
  let sent = 0;
  for (let i = start; sent < total; i++) {
    const c = pool[i % pool.length]!;
    const n = Math.min(c.length, total - sent);
    yield n === c.length ? c : c.subarray(0, n);
    sent += n;
  }
}
