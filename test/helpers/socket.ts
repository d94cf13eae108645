// HTTP/1.1 over a bare socket, for framing the http client will not produce: no Content-Length,
// a body shorter than announced, a stalled body, a request answered before its body is sent.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { RawResponse } from './raw.js';

export interface SocketExchange {
  socket: Socket;
  write(data: Buffer | string): void;
  /** Send the rest of the request. The connection stays open for the response: node's server
   *  drops a request whose client half-closes (httpAllowHalfOpen is off), as most clients never do. */
  send(data?: Buffer | string): void;
  /** Half-close the connection (FIN) after `data`. */
  end(data?: Buffer | string): void;
  destroy(): void;
  /** The first final response, or undefined if the connection closed before a whole one arrived. */
  response: Promise<RawResponse | undefined>;
  /** Whether a `100 Continue` arrived before the final response. */
  readonly continued: boolean;
}

function parseHead(head: string): { status: number; statusMessage: string; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), statusMessage: statusLine.split(' ').slice(2).join(' '), headers };
}

/**
 * Send `METHOD target HTTP/1.1` and the headers exactly as given (no Content-Length or
 * Transfer-Encoding is added), then whatever the caller writes.
 */
export function openExchange(endpoint: string, method: string, target: string, headers: Record<string, string>): SocketExchange {
  const url = new URL(endpoint);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  socket.on('error', () => undefined);
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.write(head + '\r\n');

  let continued = false;
  const response = new Promise<RawResponse | undefined>((resolve) => {
    let buf = Buffer.alloc(0);
    let parsed: { status: number; statusMessage: string; headers: Record<string, string>; bodyStart: number } | undefined;
    let done = false;
    const finish = (body: Buffer): void => {
      done = true;
      const text = body.toString('utf8');
      resolve({
        status: parsed!.status,
        statusMessage: parsed!.statusMessage,
        headers: parsed!.headers,
        body: text,
        code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
        message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
      });
    };
    const check = (): boolean => {
      if (done) return true;
      if (!parsed) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return false;
        parsed = { ...parseHead(buf.subarray(0, end).toString('latin1')), bodyStart: end + 4 };
        // A 100 Continue is informational: the real response follows.
        if (parsed.status === 100) {
          continued = true;
          buf = buf.subarray(parsed.bodyStart);
          parsed = undefined;
          return check();
        }
      }
      const length = method === 'HEAD' ? 0 : Number(parsed.headers['content-length'] ?? NaN);
      if (Number.isNaN(length)) return false;
      if (buf.length - parsed.bodyStart < length) return false;
      finish(buf.subarray(parsed.bodyStart, parsed.bodyStart + length));
      return true;
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // One exchange per connection: once the response is in, let the connection go.
      if (check()) socket.destroy();
    });
    socket.on('close', () => {
      if (!check()) {
        if (parsed && parsed.headers['content-length'] === undefined) finish(buf.subarray(parsed.bodyStart));
        else resolve(undefined);
      }
    });
  });

  return {
    socket,
    write: (data) => void socket.write(data),
    send: (data) => void (data === undefined ? undefined : socket.write(data)),
    end: (data) => void (data === undefined ? socket.end() : socket.end(data)),
    destroy: () => socket.destroy(),
    response,
    get continued() {
      return continued;
    },
  };
}

/** Resolve after `ms` with undefined, for racing a response that must not come yet. */
export function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

/** The response, or a failure if none arrives within `ms` (the body has deliberately not been sent). */
export async function responseWithin(p: Promise<RawResponse | undefined>, ms: number): Promise<RawResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  const r = await Promise.race([p, timeout]);
  clearTimeout(timer);
  assert.ok(r, `no response within ${ms} ms`);
  return r;
}

/** Whether `check` comes to hold within `ms`, polled every 25 ms. */
export async function holdsWithin(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) return false;
    await delay(25);
  }
  return true;
}
