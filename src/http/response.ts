// One writer for results and one renderer for errors. Errors are S3's XML document with the
// seed's status; HEAD and 304 carry no body; anything that is not an S3Error is InternalError,
// logged with the request id and never shown to the client.
import { Readable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from './context.js';
import { renderXml } from '../s3/xml.js';

function setHeaders(ctx: RequestContext, headers: Record<string, string | number | undefined> | undefined): void {
  if (!headers) return;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) ctx.res.setHeader(name, value);
  }
}

/** The body of a request we answer before reading it all: close the connection afterwards. */
function closeIfBodyUnread(ctx: RequestContext): void {
  if (!ctx.req.complete && !ctx.res.headersSent) ctx.res.setHeader('Connection', 'close');
}

export async function sendResult(ctx: RequestContext, result: S3Result): Promise<void> {
  const { res } = ctx;
  closeIfBodyUnread(ctx);
  res.statusCode = result.status;
  setHeaders(ctx, result.headers);
  const body = result.body;
  if (ctx.req.method === 'HEAD' || result.status === 304 || result.status === 204) {
    if (body instanceof Readable) body.destroy();
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      if (ctx.req.method === 'HEAD' && !res.hasHeader('Content-Length')) res.setHeader('Content-Length', Buffer.byteLength(body));
    }
    res.end();
    return;
  }
  if (body === undefined) {
    res.setHeader('Content-Length', 0);
    res.end();
    return;
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/xml');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
    return;
  }
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
  });
}

export function toS3Error(ctx: RequestContext, err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  ctx.log.error({ err }, 'internal error');
  return new S3Error('InternalError');
}

export function sendError(ctx: RequestContext, err: unknown): void {
  const e = toS3Error(ctx, err);
  const { res } = ctx;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e.status >= 500 && e.code !== 'InternalError') ctx.log.warn({ code: e.code }, 'request refused');
  closeIfBodyUnread(ctx);
  // Headers set for a success (ETag, Content-Range) do not belong on an error.
  for (const name of res.getHeaderNames()) {
    if (!['x-amz-request-id', 'x-amz-id-2', 'server', 'connection', 'x-amz-bucket-region'].includes(name)) res.removeHeader(name);
  }
  res.statusCode = e.status;
  setHeaders(ctx, e.headers);
  if (ctx.req.method === 'HEAD' || e.status === 304) {
    res.end();
    return;
  }
  const resource = e.resource ?? ctx.rawPath;
  const doc = renderXml('Error', {
    Code: e.code,
    Message: e.message,
    ...Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, String(v)])),
    Resource: resource,
    RequestId: ctx.requestId,
    HostId: ctx.hostId,
  }, null);
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(doc));
  res.end(doc);
}
