// The aws-chunked decoder: signed (with and without a signed trailer) and unsigned with trailers.
// A valid stream cut into pieces at any byte boundaries decodes exactly as it does whole; a
// stream changed in one or two bytes is refused with an S3 error, or (signed) decodes to the very
// same bytes and trailers, never to others; arbitrary framing is refused with an S3 error.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { AwsChunkedDecoder } from '../src/auth/aws-chunked.js';
import type { ChunkedDecodeOptions } from '../src/auth/aws-chunked.js';
import { applyByteEdit, assertS3Refusal, editArb, tokenString } from './harness.js';
import type { FuzzTarget } from './harness.js';

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const KEY = createHmac('sha256', 'fuzz-key').update('aws4_request').digest();
const AMZ_DATE = '20260102T030405Z';
const SCOPE = '20260102/us-east-1/s3/aws4_request';
const SEED = createHash('sha256').update('seed signature').digest('hex');

export type Mode = 'signed' | 'signed-trailer' | 'unsigned-trailer';

export interface Stream {
  mode: Mode;
  data: Buffer;
  trailers: Array<[string, string]>;
  body: Buffer;
  opts: ChunkedDecodeOptions;
}

const sign = (s: string): string => createHmac('sha256', KEY).update(s).digest('hex');
const sha = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');

/** A stream framed as the AWS documentation shows, signed here with node:crypto. */
export function frame(mode: Mode, chunks: Buffer[], trailers: Array<[string, string]>, opts: { declareLength?: boolean; sizeCase?: 'lower' | 'upper' } = {}): Stream {
  const signed = mode !== 'unsigned-trailer';
  const parts: Buffer[] = [];
  let prev = SEED;
  for (const data of [...chunks, Buffer.alloc(0)]) {
    let size = data.length.toString(16);
    if (opts.sizeCase === 'upper') size = size.toUpperCase();
    if (signed) {
      prev = sign(`AWS4-HMAC-SHA256-PAYLOAD\n${AMZ_DATE}\n${SCOPE}\n${prev}\n${EMPTY_SHA256}\n${sha(data)}`);
      parts.push(Buffer.from(`${size};chunk-signature=${prev}\r\n`));
    } else {
      parts.push(Buffer.from(`${size}\r\n`));
    }
    if (data.length > 0) parts.push(data, Buffer.from('\r\n'));
  }
  if (mode !== 'signed') {
    for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
    if (signed) {
      const canonical = [...trailers]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([n, v]) => `${n}:${v}\n`)
        .join('');
      parts.push(Buffer.from(`x-amz-trailer-signature:${sign(`AWS4-HMAC-SHA256-TRAILER\n${AMZ_DATE}\n${SCOPE}\n${prev}\n${sha(canonical)}`)}\r\n`));
    }
  }
  parts.push(Buffer.from('\r\n'));
  const data = Buffer.concat(chunks);
  return {
    mode,
    data,
    trailers: mode === 'signed' ? [] : trailers,
    body: Buffer.concat(parts),
    opts: {
      mode: signed ? { kind: 'streaming-signed', trailer: mode === 'signed-trailer', signingKey: KEY, seedSignature: SEED, amzDate: AMZ_DATE, scope: SCOPE } : { kind: 'streaming-unsigned-trailer' },
      decodedLength: opts.declareLength === false ? undefined : data.length,
      expectedTrailers: mode === 'signed' ? [] : trailers.map(([n]) => n),
    },
  };
}

export interface Decoded {
  data?: Buffer;
  trailers?: Record<string, string>;
  error?: unknown;
}

/** Feed the pieces to a decoder; resolves with what came out, or the error it stopped with. */
export function decodePieces(opts: ChunkedDecodeOptions, pieces: Buffer[]): Promise<Decoded> {
  return new Promise((resolve) => {
    const d = new AwsChunkedDecoder(opts);
    const out: Buffer[] = [];
    let settled = false;
    d.on('data', (c: Buffer) => out.push(c));
    // 'on', not 'once': a write after the decoder failed reports again, and must not crash.
    d.on('error', (error) => {
      if (!settled) resolve({ error });
      settled = true;
    });
    d.on('end', () => {
      if (!settled) resolve({ data: Buffer.concat(out), trailers: { ...d.trailers } });
      settled = true;
    });
    for (const p of pieces) if (!d.destroyed) d.write(p);
    if (!d.destroyed) d.end();
  });
}

/** Cut `body` at the given offsets (any order, repeats allowed). */
export function cut(body: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (body.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(body.subarray(from, p));
    from = p;
  }
  pieces.push(body.subarray(from));
  return pieces.filter((p) => p.length > 0);
}

function fill(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const CHECKSUM_TRAILERS: Array<[string, number]> = [
  ['x-amz-checksum-crc32', 4],
  ['x-amz-checksum-crc32c', 4],
  ['x-amz-checksum-sha256', 32],
];

/** Valid streams: 0–3 data chunks (all but the last of at least 8 KiB), trailers in trailer modes. */
export const streamArb: fc.Arbitrary<Stream> = fc
  .record({
    mode: fc.constantFrom<Mode>('signed', 'signed-trailer', 'unsigned-trailer'),
    full: fc.array(fc.integer({ min: 8192, max: 8192 + 40 }), { maxLength: 2 }),
    last: fc.integer({ min: 0, max: 200 }),
    seed: fc.nat(255),
    trailerPicks: fc.subarray(CHECKSUM_TRAILERS, { maxLength: 2 }),
    trailerSeed: fc.nat(),
    declareLength: fc.boolean(),
    sizeCase: fc.constantFrom<'lower' | 'upper'>('lower', 'upper'),
  })
  .map((r) => {
    const sizes = r.last > 0 ? [...r.full, r.last] : r.full;
    const chunks = sizes.map((s, i) => fill(s, r.seed + i));
    const trailers = r.trailerPicks.map(([name, len]): [string, string] => [name, fill(len, r.trailerSeed).toString('base64')]);
    return frame(r.mode, chunks, trailers, { declareLength: r.declareLength, sizeCase: r.sizeCase });
  });

const REFUSALS = ['IncompleteBody', 'SignatureDoesNotMatch', 'MalformedTrailerError', 'InvalidChunkSizeError', 'InvalidRequest'] as const;

function sameTrailers(a: Record<string, string> | undefined, b: Array<[string, string]>): boolean {
  return a !== undefined && Object.keys(a).length === b.length && b.every(([n, v]) => a[n] === v);
}

const FRAME_TOKENS = ['0', '1', 'a', 'F', '2000', '2001', 'ffffffffffffff', '\r\n', '\r', '\n', ';', ';chunk-signature=', SEED, '0'.repeat(64), 'x-amz-checksum-crc32:', 'x-amz-trailer-signature:', 'AAAAAA==', ':', ' ', 'x'.repeat(100)];

export const CHUNKED_TARGETS: FuzzTarget[] = [
  {
    name: 'aws-chunked-split',
    about: 'a valid stream (signed, signed with trailer, unsigned with trailer) cut at any byte boundaries decodes exactly as it does whole',
    property: () =>
      fc.asyncProperty(streamArb, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), async (s, at) => {
        const got = await decodePieces(s.opts, cut(s.body, at));
        if (got.error !== undefined) throw new Error(`a valid ${s.mode} stream was refused: ${String(got.error)}`);
        if (!got.data!.equals(s.data)) throw new Error(`a valid ${s.mode} stream decoded to other bytes`);
        if (!sameTrailers(got.trailers, s.trailers)) throw new Error(`a valid ${s.mode} stream decoded to other trailers: ${JSON.stringify(got.trailers)}`);
      }),
  },
  {
    name: 'aws-chunked-mutation',
    about: 'a valid stream with one or two bytes changed is refused with an S3 error, or when signed decodes to the same bytes and trailers',
    property: () =>
      fc.asyncProperty(streamArb, fc.array(editArb, { minLength: 1, maxLength: 2 }), fc.array(fc.nat(), { maxLength: 3 }), async (s, edits, at) => {
        const body = edits.reduce(applyByteEdit, s.body);
        const got = await decodePieces(s.opts, cut(body, at));
        if (got.error !== undefined) {
          assertS3Refusal(got.error, REFUSALS);
          return;
        }
        if (s.mode !== 'unsigned-trailer') {
          if (!got.data!.equals(s.data)) throw new Error(`a changed ${s.mode} stream was accepted with other bytes`);
          if (s.mode === 'signed-trailer' && !sameTrailers(got.trailers, s.trailers)) throw new Error('a changed signed trailer was accepted');
        } else if (s.opts.decodedLength !== undefined && got.data!.length !== s.opts.decodedLength) {
          throw new Error('an unsigned stream was accepted with a length other than x-amz-decoded-content-length');
        }
      }),
  },
  {
    name: 'aws-chunked-arbitrary',
    about: 'arbitrary framing (sizes, extensions, signatures, trailers, bare CR/LF) in every mode is refused with an S3 error, and a signed one is never accepted',
    property: () =>
      fc.asyncProperty(
        fc.constantFrom<Mode>('signed', 'signed-trailer', 'unsigned-trailer'),
        fc.oneof(tokenString(FRAME_TOKENS, 30), fc.string({ unit: 'binary', maxLength: 60 })),
        fc.option(fc.nat(20000), { nil: undefined }),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (mode, text, decodedLength, at) => {
          const s = frame(mode, [], [['x-amz-checksum-crc32', 'AAAAAA==']]);
          const got = await decodePieces({ ...s.opts, decodedLength }, cut(Buffer.from(text, 'latin1'), at));
          if (got.error !== undefined) assertS3Refusal(got.error, REFUSALS);
          else if (mode !== 'unsigned-trailer') throw new Error('a signed stream of arbitrary bytes was accepted');
        },
      ),
  },
];
