// A minimal HTTP/1.1 client over node:net: keep-alive connections, one request at a time on
// each (no pipelining), Content-Length and chunked replies. node:http's client spends about
// 150 µs of CPU per request here, enough to make the client, not the server, the bottleneck of
// a small-request run on two cores; this spends a fraction of that.
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawReply {
  status: number;
  bytes: number;
  /** The status line and headers, without the blank line that ends them. */
  head: string;
  /** The body, when asked for. */
  body?: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const MAX_HEAD_BYTES = 64 * 1024;

interface Pending {
  method: string;
  keepBody: boolean;
  resolve(r: RawReply): void;
  reject(e: Error): void;
}

type Phase =
  | { kind: 'head' }
  | { kind: 'fixed'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailer' }
  | { kind: 'until-close' };

export class Http1Connection {
  readonly socket: Socket;
  /** False once the peer asked to close or the socket failed. */
  reusable = true;
  #pending: Pending | undefined;
  #phase: Phase = { kind: 'head' };
  #carry: Buffer = EMPTY;
  #status = 0;
  #head = '';
  #bytes = 0;
  #parts: Buffer[] = [];
  #closeAfter = false;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (d: Buffer) => this.#onData(d));
    this.socket.on('error', (e) => this.#fail(e));
    this.socket.on('close', () => {
      if (this.#phase.kind === 'until-close') this.#done();
      else this.#fail(new Error('connection closed mid-response'));
    });
  }

  /** Sends `head` (request line and headers, ending in a blank line) and an optional body. */
  request(method: string, head: string, body: Buffer | undefined, keepBody: boolean): Promise<RawReply> {
    const reply = this.#expect(method, keepBody);
    this.socket.cork();
    this.socket.write(head, 'latin1');
    if (body !== undefined && body.length > 0) this.socket.write(body);
    this.socket.uncork();
    return reply;
  }

  /** Sends `head`, then `chunks` with backpressure; stops writing if the reply comes first. */
  async stream(method: string, head: string, chunks: Iterable<Buffer>, keepBody: boolean): Promise<RawReply> {
    const reply = this.#expect(method, keepBody);
    let answered = false;
    const settled = reply.then(
      () => void (answered = true),
      () => void (answered = true),
    );
    let sentAll = true;
    this.socket.write(head, 'latin1');
    for (const c of chunks) {
      if (answered || this.socket.destroyed) {
        sentAll = false;
        break;
      }
      if (!this.socket.write(c)) await Promise.race([once(this.socket, 'drain').catch(() => undefined), settled]);
    }
    const r = await reply;
    // A reply before the whole body was sent leaves the connection mid-request.
    if (!sentAll) this.destroy();
    return r;
  }

  destroy(): void {
    this.reusable = false;
    this.socket.destroy();
  }

  #expect(method: string, keepBody: boolean): Promise<RawReply> {
    if (this.#pending !== undefined) throw new Error('request already in flight on this connection');
    return new Promise<RawReply>((resolve, reject) => {
      this.#pending = { method, keepBody, resolve, reject };
      this.#phase = { kind: 'head' };
      this.#status = 0;
      this.#head = '';
      this.#bytes = 0;
      this.#parts = [];
      this.#closeAfter = false;
    });
  }

  #fail(e: Error): void {
    this.reusable = false;
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(e);
  }

  #done(): void {
    const p = this.#pending;
    if (p === undefined) return;
    this.#pending = undefined;
    if (this.#closeAfter) this.destroy();
    const r: RawReply = { status: this.#status, bytes: this.#bytes, head: this.#head };
    if (p.keepBody) r.body = Buffer.concat(this.#parts);
    p.resolve(r);
  }

  #body(d: Buffer): void {
    this.#bytes += d.length;
    if (this.#pending?.keepBody) this.#parts.push(d);
  }

  #onData(chunk: Buffer): void {
    if (this.#pending === undefined) return;
    let d = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = EMPTY;
    while (this.#pending !== undefined) {
      const ph = this.#phase;
      if (ph.kind === 'head') {
        const end = d.indexOf(CRLF2);
        if (end < 0) {
          if (d.length > MAX_HEAD_BYTES) return this.#fail(new Error('response head too large'));
          this.#carry = d;
          return;
        }
        this.#parseHead(d.toString('latin1', 0, end));
        d = d.subarray(end + 4);
        continue;
      }
      if (ph.kind === 'fixed' || ph.kind === 'chunk-data') {
        if (ph.left === 0) {
          if (ph.kind === 'fixed') return this.#done();
          this.#phase = { kind: 'chunk-end' };
          continue;
        }
        if (d.length === 0) return;
        const n = Math.min(ph.left, d.length);
        this.#body(d.subarray(0, n));
        ph.left -= n;
        d = d.subarray(n);
        continue;
      }
      if (ph.kind === 'until-close') {
        if (d.length > 0) this.#body(d);
        return;
      }
      // chunk-size, chunk-end and trailer all consume one CRLF-terminated line.
      const eol = d.indexOf('\r\n');
      if (eol < 0) {
        this.#carry = d;
        return;
      }
      const line = d.toString('latin1', 0, eol);
      d = d.subarray(eol + 2);
      if (ph.kind === 'chunk-size') {
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) return this.#fail(new Error(`bad chunk size ${JSON.stringify(line)}`));
        this.#phase = size === 0 ? { kind: 'trailer' } : { kind: 'chunk-data', left: size };
      } else if (ph.kind === 'chunk-end') {
        this.#phase = { kind: 'chunk-size' };
      } else if (line === '') {
        return this.#done();
      }
    }
  }

  #parseHead(head: string): void {
    this.#head = head;
    const lines = head.split('\r\n');
    this.#status = Number(lines[0]?.split(' ')[1]);
    let length: number | undefined;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === 'connection') this.#closeAfter = value.toLowerCase() === 'close';
    }
    const noBody = this.#pending?.method === 'HEAD' || this.#status === 204 || this.#status === 304;
    if (noBody) this.#phase = { kind: 'fixed', left: 0 };
    else if (chunked) this.#phase = { kind: 'chunk-size' };
    else if (length !== undefined) this.#phase = { kind: 'fixed', left: length };
    else this.#phase = { kind: 'until-close' };
  }
}

/** Up to `max` keep-alive connections, handed out one request at a time. */
export class Http1Pool {
  readonly #host: string;
  readonly #port: number;
  readonly #max: number;
  readonly #idle: Http1Connection[] = [];
  readonly #waiting: Array<(c: Http1Connection) => void> = [];
  readonly #all = new Set<Http1Connection>();

  constructor(host: string, port: number, max: number) {
    this.#host = host;
    this.#port = port;
    this.#max = max;
  }

  async use<T>(fn: (c: Http1Connection) => Promise<T>): Promise<T> {
    const c = await this.#acquire();
    try {
      return await fn(c);
    } catch (err) {
      c.destroy();
      throw err;
    } finally {
      this.#release(c);
    }
  }

  close(): void {
    for (const c of this.#all) c.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  #acquire(): Promise<Http1Connection> {
    for (let idle = this.#idle.pop(); idle !== undefined; idle = this.#idle.pop()) {
      if (idle.reusable) return Promise.resolve(idle);
      this.#all.delete(idle);
    }
    if (this.#all.size < this.#max) {
      const c = new Http1Connection(this.#host, this.#port);
      this.#all.add(c);
      return Promise.resolve(c);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(c: Http1Connection): void {
    let next: Http1Connection | undefined = c;
    if (!c.reusable) {
      this.#all.delete(c);
      next = undefined;
      if (this.#waiting.length > 0) {
        next = new Http1Connection(this.#host, this.#port);
        this.#all.add(next);
      }
    }
    if (next === undefined) return;
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter(next);
    else this.#idle.push(next);
  }
}
