// Request bodies: framing (Content-Length, aws-chunked), stall time-outs, and the small bodies
// read whole (S3's XML documents, the admin API's JSON), for every surface that serves requests.
import type { IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { RequestContext } from './context.js';
import { header } from './context.js';
import { AwsChunkedDecoder } from '../auth/aws-chunked.js';
import { CHECKSUM_ALGORITHMS, HashingStream, checksumHeaderName } from '../checksums/index.js';
import { StallGuard, pipeAll } from '../streams.js';
import type { BodyInput } from '../engine/ingest.js';

/** Content-MD5: the base64 of 16 bytes, else InvalidDigest. https://www.rfc-editor.org/rfc/rfc1864 */
export function parseContentMd5(headers: IncomingHttpHeaders): Buffer | undefined {
  const raw = headers['content-md5'];
  const v = Array.isArray(raw) ? raw.join(',') : raw;
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  const buf = Buffer.from(trimmed, 'base64');
  if (buf.length !== 16 || buf.toString('base64') !== trimmed) throw new S3Error('InvalidDigest');
  return buf;
}

function parseLength(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value.trim())) throw new S3Error('InvalidArgument', { message: `Invalid ${name}`, fields: { ArgumentName: name, ArgumentValue: value } });
  return Number(value.trim());
}

export interface FramedBody {
  body: BodyInput;
  chunked: AwsChunkedDecoder | undefined;
}

/** Expect: 100-continue is answered once, when the body is about to be read. */
export function sendContinue(ctx: RequestContext): void {
  if (ctx.expectsContinue && !ctx.res.headersSent) {
    ctx.expectsContinue = false;
    ctx.res.writeContinue();
  }
}

/**
 * How the body is framed, the decoded size, and the stages that deliver its bytes.
 * Expect: 100-continue is answered only when the body is about to be read: after authentication,
 * routing and the checks that need no body, the engine's included (the upload exists, the SSE-C key
 * is the upload's, the KMS key exists, the announced size fits the quota), so a refused upload is
 * never sent. The engine calls `begin` before reading; a reader that just starts reading (resumes
 * the request) gets it too.
 */
export function frameBody(ctx: RequestContext): FramedBody {
  const begin = (): void => sendContinue(ctx);
  if (ctx.expectsContinue) ctx.req.once('resume', begin);
  const payload = ctx.auth?.payload ?? { kind: 'unsigned' as const };
  const te = header(ctx, 'transfer-encoding');
  const contentLength = parseLength(header(ctx, 'content-length'), 'Content-Length');
  const idleTimeoutMs = ctx.config.requestTimeoutMs;
  if (payload.kind === 'streaming-signed' || payload.kind === 'streaming-unsigned-trailer') {
    const decoded = parseLength(header(ctx, 'x-amz-decoded-content-length'), 'x-amz-decoded-content-length');
    if (decoded === undefined) throw new S3Error('MissingContentLength');
    if (contentLength === undefined && !te) throw new S3Error('MissingContentLength');
    const expectedTrailers = (header(ctx, 'x-amz-trailer') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const chunked = new AwsChunkedDecoder({ mode: payload, decodedLength: decoded, expectedTrailers });
    return { body: { stages: [ctx.req, chunked], size: decoded, idleTimeoutMs, begin, signal: () => ctx.signal }, chunked };
  }
  if (te !== undefined && /chunked/i.test(te)) {
    // Plain HTTP chunking without aws-chunked: S3 refuses it.
    throw new S3Error('NotImplemented', { fields: { Header: 'Transfer-Encoding' } });
  }
  if (contentLength === undefined) throw new S3Error('MissingContentLength');
  return {
    body: {
      stages: [ctx.req],
      idleTimeoutMs,
      size: contentLength,
      sha256Hex: payload.kind === 'sha256' ? payload.expectedHex : undefined,
      begin,
      signal: () => ctx.signal,
    },
    chunked: undefined,
  };
}

/** A request that takes no body must not have one. */
export function refuseBody(ctx: RequestContext): void {
  const cl = header(ctx, 'content-length');
  const te = header(ctx, 'transfer-encoding');
  const decoded = header(ctx, 'x-amz-decoded-content-length');
  if ((cl !== undefined && cl.trim() !== '0') || (te !== undefined && decoded !== '0')) throw new S3Error('UnexpectedContent');
}

class Capped extends Writable {
  readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.limit) return cb(new S3Error('MaxMessageLengthExceeded'));
    this.chunks.push(chunk);
    cb();
  }
}

export const MAX_XML_BODY_BYTES = 1024 * 1024;

/** XML bodies are UTF-8 (a byte-order mark is dropped); invalid sequences fail the decode. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read a small body whole (the only bodies read whole: XML documents, admin JSON), verifying its framing, signature
 * digest, and the Content-MD5 and x-amz-checksum-* (header or trailer) it announces: only those
 * are computed. Returns '' for an empty body, and whether any integrity value was checked.
 */
export async function readWholeBody(
  ctx: RequestContext,
  limit = MAX_XML_BODY_BYTES,
  /** false where x-amz-checksum-* headers describe something else (Complete: the whole object). */
  checksumHeadersAreBody = true,
): Promise<{ text: string; integrityChecked: boolean }> {
  const te = header(ctx, 'transfer-encoding');
  const cl = header(ctx, 'content-length');
  if (cl === undefined && te === undefined) return { text: '', integrityChecked: false };
  const contentMd5 = parseContentMd5(ctx.req.headers);
  const trailerNames = (header(ctx, 'x-amz-trailer') ?? '').toLowerCase();
  const announced = CHECKSUM_ALGORITHMS.filter((a) => (checksumHeadersAreBody && header(ctx, checksumHeaderName(a)) !== undefined) || trailerNames.includes(checksumHeaderName(a)));
  const { body, chunked } = frameBody(ctx);
  if (body.size > limit) throw new S3Error('MaxMessageLengthExceeded');
  const hasher = new HashingStream({ md5: contentMd5 !== undefined, sha256: body.sha256Hex !== undefined, checksums: announced });
  const sink = new Capped(limit);
  try {
    const [source, ...decoders] = body.stages;
    await pipeAll([source!, new StallGuard(body.idleTimeoutMs ?? ctx.config.requestTimeoutMs), ...decoders, hasher, sink], ctx.signal);
  } catch (err) {
    if (err instanceof S3Error) throw err;
    throw new S3Error('IncompleteBody', { cause: err });
  }
  const r = hasher.result();
  if (r.bytes !== body.size) throw new S3Error('IncompleteBody');
  if (body.sha256Hex !== undefined && r.sha256!.toString('hex') !== body.sha256Hex.toLowerCase()) throw new S3Error('XAmzContentSHA256Mismatch');
  if (contentMd5 && !contentMd5.equals(r.md5!)) throw new S3Error('BadDigest');
  for (const alg of announced) {
    const sent = (checksumHeadersAreBody ? header(ctx, checksumHeaderName(alg)) : undefined) ?? chunked?.trailers[checksumHeaderName(alg)];
    if (sent !== r.checksums[alg]) throw new S3Error('BadDigest', { message: `The ${alg} you specified did not match the calculated checksum.` });
  }
  let text: string;
  try {
    text = UTF8.decode(Buffer.concat(sink.chunks));
  } catch (err) {
    // Bytes that are not UTF-8 would be read as U+FFFD and name other keys than the client meant.
    throw new S3Error('MalformedXML', { cause: err });
  }
  return { text, integrityChecked: contentMd5 !== undefined || announced.length > 0 };
}

/**
 * readWholeBody for the operations whose body must carry an integrity value: a Content-MD5 or an
 * x-amz-checksum-* header or trailer (the SDKs now send a checksum instead of Content-MD5). A body
 * with neither is refused before it is parsed, as S3 refuses it.
 */
export async function readCheckedBody(ctx: RequestContext): Promise<string> {
  const { text, integrityChecked } = await readWholeBody(ctx);
  if (!integrityChecked) throw new S3Error('InvalidRequest', { message: 'Missing required header for this request: Content-MD5' });
  return text;
}
