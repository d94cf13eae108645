// One writer for results and one renderer for errors. Errors are S3's XML document with the
// seed's status; HEAD and 304 carry no body; anything that is not an S3Error is InternalError,
// logged with the request id and never shown to the client. Every response carries the request
// ids and Server, and its headers go out in one writeHead call.
import { Readable } from 'node:stream';
import { S3Error, S3_ERRORS, storageFullError } from '../errors.js';
import type { RequestContext, S3Result } from './context.js';
import { renderXml } from '../xml/render.js';

type Headers = Record<string, string | number>;

function baseHeaders(ctx: RequestContext, extra: Record<string, string | number | undefined> | undefined): Headers {
  const h: Headers = { 'x-amz-request-id': ctx.requestId, 'x-amz-id-2': ctx.hostId, Server: 'Coffer' };
  if (ctx.responseHeaders) Object.assign(h, ctx.responseHeaders);
  if (extra) {
    for (const name in extra) {
      const value = extra[name];
      if (value !== undefined) h[name] = value;
    }
  }
  // A request answered before its body was read: close the connection afterwards.
  if (!ctx.req.complete) h.Connection = 'close';
  return h;
}

function has(h: Headers, name: string): boolean {
  const lower = name.toLowerCase();
  for (const k in h) if (k.toLowerCase() === lower) return true;
  return false;
}

/**
 * Responses whose bytes are all in hand go out at the end of the event loop's turn, together.
 * Written one by one as each request finished, every response woke the client anew, and on a
 * VM that wake-up made each write cost over twice what it does when the client is already
 * running; written in a row, the client wakes once for all of them.
 */
const pending: Array<{ ctx: RequestContext; status: number; headers: Headers; body: string | Buffer | undefined }> = [];

function writeSoon(ctx: RequestContext, status: number, headers: Headers, body?: string | Buffer): void {
  // Set now: the request's log line and metrics read them before the response is written.
  ctx.res.statusCode = status;
  if (body !== undefined) ctx.bytesSent = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  pending.push({ ctx, status, headers, body });
  if (pending.length === 1) setImmediate(writePending);
}

function writePending(): void {
  for (const { ctx, status, headers, body } of pending.splice(0)) {
    if (ctx.res.destroyed) continue;
    try {
      ctx.res.writeHead(status, headers);
      ctx.res.end(body);
    } catch (err) {
      // A header Node refuses (a response-* override with a control character): the same error
      // answer as when the handler itself fails.
      sendError(ctx, err);
    }
  }
}

export async function sendResult(ctx: RequestContext, result: S3Result): Promise<void> {
  const h = baseHeaders(ctx, result.headers);
  const body = result.body;
  if (ctx.req.method === 'HEAD' || result.status === 304 || result.status === 204) {
    if (body instanceof Readable) body.destroy();
    if ((typeof body === 'string' || Buffer.isBuffer(body)) && ctx.req.method === 'HEAD' && !has(h, 'Content-Length')) {
      h['Content-Length'] = Buffer.byteLength(body);
    }
    writeSoon(ctx, result.status, h);
    return;
  }
  if (body === undefined) {
    h['Content-Length'] = 0;
    writeSoon(ctx, result.status, h);
    return;
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (!has(h, 'Content-Type')) h['Content-Type'] = 'application/xml';
    h['Content-Length'] = Buffer.byteLength(body);
    writeSoon(ctx, result.status, h, body);
    return;
  }
  ctx.res.writeHead(result.status, h);
  await streamBody(ctx, body);
}

/** Pipe with backpressure; a failure mid-body can only cut the connection. */
async function streamBody(ctx: RequestContext, body: Readable): Promise<void> {
  const { res } = ctx;
  await new Promise<void>((resolve) => {
    const fail = (err?: Error): void => {
      if (err) ctx.log.error({ err }, 'response body failed');
      body.destroy();
      res.destroy();
      resolve();
    };
    body.once('error', fail);
    res.once('close', () => {
      body.destroy();
      resolve();
    });
    res.once('finish', resolve);
    body.pipe(res);
    // Counted as they pass: a response cut off short counts what went out.
    body.on('data', (chunk: Buffer) => {
      ctx.bytesSent += chunk.length;
    });
  });
}

/** An S3Error as it is; anything else is logged with its cause and answered in S3's terms. */
export function toS3Error(ctx: RequestContext, err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  const full = storageFullError(err);
  ctx.log.error({ err }, full ? 'disk full: the request could not be stored' : 'internal error');
  return full ?? new S3Error('InternalError');
}

export function sendError(ctx: RequestContext, err: unknown): void {
  const e = toS3Error(ctx, err);
  const { res } = ctx;
  ctx.errorCode = e.code;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refusal by design (SlowDown, the free-space reserve); failures were logged with their cause.
  if (e === err && e.status >= 500 && e.code !== 'InternalError') ctx.log.warn({ code: e.code }, 'request refused');
  // A client that stopped sending its body loses its connection (Connection: close): say so.
  if (e.code === 'RequestTimeout') ctx.log.warn({ code: e.code }, 'closed a connection: the request body stalled for COFFER_REQUEST_TIMEOUT');
  const h = baseHeaders(ctx, e.headers);
  // The seed's reason phrase where it is not the standard one ("503 Slow Down").
  res.statusMessage = S3_ERRORS[e.code].reason ?? '';
  if (ctx.req.method === 'HEAD' || e.status === 304) {
    res.writeHead(e.status, h);
    res.end();
    return;
  }
  const doc = renderXml(
    'Error',
    {
      Code: e.code,
      Message: e.message,
      ...Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, String(v)])),
      Resource: e.resource ?? ctx.rawPath,
      RequestId: ctx.requestId,
      HostId: ctx.hostId,
    },
    null,
  );
  h['Content-Type'] = 'application/xml';
  h['Content-Length'] = Buffer.byteLength(doc);
  ctx.bytesSent = h['Content-Length'];
  res.writeHead(e.status, h);
  res.end(doc);
}
