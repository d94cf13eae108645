// Builds aws-chunked request bodies the way the AWS docs describe them, signing each chunk with
// node:crypto here rather than with the code under test.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
import { ROOT_CREDENTIALS, hmacSha256, sha256Hex, signHeaders, signingKey } from './raw.js';
import type { RawRequest } from './raw.js';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type StreamingMode = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export interface ChunkedUpload {
  mode: StreamingMode;
  /** The data chunks, in order; the final empty chunk is added. */
  chunks: Buffer[];
  /** Trailing headers, sent after the final chunk (name:value). */
  trailers?: Array<[string, string]>;
  /** x-amz-trailer; by default the names of `trailers`. */
  declaredTrailers?: string[];
  /** x-amz-decoded-content-length; by default the sum of the chunks. */
  decodedLength?: number;
  /** Extra headers, signed. */
  headers?: Record<string, string>;
  /** The query of the request (UploadPart's partNumber and uploadId), signed; `path` has none. */
  query?: Record<string, string>;
  /** Change the body after signing: chunk index (the final empty chunk is chunks.length) → bad signature. */
  corruptSignatureOf?: number;
  corruptTrailerSignature?: boolean;
  /** Omit Content-Length and send Transfer-Encoding: chunked instead (the SDK does). */
  transferEncodingChunked?: boolean;
  credentials?: RawRequest['credentials'];
}

export interface BuiltUpload {
  headers: Record<string, string>;
  body: Buffer;
}

function frame(u: ChunkedUpload, sign: (kind: 'chunk' | 'trailer', hashHex: string, index: number) => string | undefined): Buffer {
  const signed = u.mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const parts: Buffer[] = [];
  const all = [...u.chunks, Buffer.alloc(0)];
  all.forEach((data, i) => {
    const sig = signed ? sign('chunk', sha256Hex(data), i) : undefined;
    parts.push(Buffer.from(`${data.length.toString(16)}${sig === undefined ? '' : `;chunk-signature=${sig}`}\r\n`));
    if (data.length > 0) parts.push(data, Buffer.from('\r\n'));
  });
  const trailers = u.trailers ?? [];
  if (u.mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
    parts.push(Buffer.from('\r\n'));
  } else {
    const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
    for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
    if (signed) parts.push(Buffer.from(`x-amz-trailer-signature:${sign('trailer', sha256Hex(canonical), all.length)}\r\n`));
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Headers (signed with @smithy/signature-v4) and the aws-chunked body, chunk signatures chained. */
export async function buildChunkedUpload(endpoint: string, method: string, path: string, u: ChunkedUpload): Promise<BuiltUpload> {
  const credentials = u.credentials ?? ROOT_CREDENTIALS;
  const placeholder = frame(u, () => '0'.repeat(64));
  const decoded = u.decodedLength ?? u.chunks.reduce((n, c) => n + c.length, 0);
  const declared = u.declaredTrailers ?? (u.trailers ?? []).map(([n]) => n);
  const headers: Record<string, string> = {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decoded),
    ...(u.transferEncodingChunked ? {} : { 'content-length': String(placeholder.length) }),
    ...(declared.length > 0 ? { 'x-amz-trailer': declared.join(',') } : {}),
    ...(u.headers ?? {}),
  };
  const signedHeaders = await signHeaders(endpoint, { method, path, query: u.query, headers, payloadHash: u.mode, credentials });
  const auth = signedHeaders['authorization'] ?? '';
  let previous = /Signature=([0-9a-f]{64})/.exec(auth)?.[1] ?? '';
  const scope = /Credential=[^/]+\/([^,]+)/.exec(auth)?.[1] ?? '';
  const [date = '', region = ''] = scope.split('/');
  const amzDate = signedHeaders['x-amz-date'] ?? '';
  const key = signingKey(credentials.secretAccessKey, date, region);

  const body = frame(u, (kind, hashHex, index) => {
    const stringToSign =
      kind === 'chunk'
        ? ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, hashHex].join('\n')
        : ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, hashHex].join('\n');
    let sig = hmacSha256(key, stringToSign).toString('hex');
    previous = sig;
    const corrupt = kind === 'chunk' ? u.corruptSignatureOf === index : u.corruptTrailerSignature === true;
    if (corrupt) sig = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
    return sig;
  });
  if (!u.transferEncodingChunked && body.length !== placeholder.length) throw new Error('framing length changed');
  if (u.transferEncodingChunked) signedHeaders['transfer-encoding'] = 'chunked';
  return { headers: signedHeaders, body };
}

/** An aws-chunked body framed again as HTTP chunked transfer coding. */
export function httpChunked(body: Buffer, pieceSize = 16 * 1024): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceSize) {
    const piece = body.subarray(i, i + pieceSize);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}
