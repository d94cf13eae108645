// aws-chunked decoding, checked against AWS's documented chunked-upload example and the
// trailer vector of the AWS CRT's signer tests.

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Error } from '../errors.js';
import { AwsChunkedDecoder, type ChunkedDecodeOptions } from './aws-chunked.js';
import { deriveSigningKey } from './canonical.js';
import { type AuthResult, SigV4Verifier } from './sigv4.js';
import { rejectsWith } from '../../test/helpers/s3-errors.js';

const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html (Example: PUT Object)
const EXAMPLE = {
  signingKey: deriveSigningKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1'),
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunk1: 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  chunk2: '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  final: 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  // aws-crt-swift ChunkSignerTests: trailers first:1st, second:2nd, third:3rd after the final chunk.
  trailer: 'df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c',
};

function signedMode(trailer: boolean, seed = EXAMPLE.seed): ChunkedDecodeOptions['mode'] {
  return { kind: 'streaming-signed', trailer, signingKey: EXAMPLE.signingKey, seedSignature: seed, amzDate: EXAMPLE.amzDate, scope: EXAMPLE.scope };
}
const UNSIGNED: ChunkedDecodeOptions['mode'] = { kind: 'streaming-unsigned-trailer' };

function exampleBody(final = `0;chunk-signature=${EXAMPLE.final}\r\n\r\n`): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${EXAMPLE.chunk1}\r\n`),
    Buffer.alloc(65536, 'a'),
    Buffer.from(`\r\n400;chunk-signature=${EXAMPLE.chunk2}\r\n`),
    Buffer.alloc(1024, 'a'),
    Buffer.from(`\r\n${final}`),
  ]);
}

/** An independent signer for bodies the documentation has no example of. */
function signBody(chunks: Buffer[], trailers?: Array<[string, string]>): Buffer {
  const sign = (s: string): string => createHmac('sha256', EXAMPLE.signingKey).update(s).digest('hex');
  const sha = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
  const parts: Buffer[] = [];
  let prev = EXAMPLE.seed;
  for (const data of [...chunks, Buffer.alloc(0)]) {
    prev = sign(`AWS4-HMAC-SHA256-PAYLOAD\n${EXAMPLE.amzDate}\n${EXAMPLE.scope}\n${prev}\n${EMPTY_SHA}\n${sha(data)}`);
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${prev}\r\n`));
    if (data.length > 0) parts.push(data, Buffer.from('\r\n'));
  }
  if (trailers === undefined) return Buffer.concat([...parts, Buffer.from('\r\n')]);
  const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
  const sig = sign(`AWS4-HMAC-SHA256-TRAILER\n${EXAMPLE.amzDate}\n${EXAMPLE.scope}\n${prev}\n${sha(canonical)}`);
  const lines = trailers.map(([n, v]) => `${n}:${v}\r\n`).join('');
  return Buffer.concat([...parts, Buffer.from(`${lines}x-amz-trailer-signature:${sig}\r\n\r\n`)]);
}

interface Decoded {
  data: Buffer;
  trailers: Record<string, string>;
}

async function decode(body: Buffer | string, opts: Partial<ChunkedDecodeOptions> & Pick<ChunkedDecodeOptions, 'mode'>, pieceSize?: number): Promise<Decoded> {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  const pieces: Buffer[] = [];
  const step = pieceSize ?? (buf.length || 1);
  for (let i = 0; i < buf.length; i += step) pieces.push(buf.subarray(i, i + step));
  const decoder = new AwsChunkedDecoder({ decodedLength: undefined, expectedTrailers: [], ...opts });
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    decoder,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

describe('signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  test("AWS's 66560-byte example decodes with its documented signatures", async () => {
    const { data } = await decode(exampleBody(), { mode: signedMode(false), decodedLength: 66560 });
    assert.equal(data.length, 66560);
    assert.ok(data.equals(Buffer.alloc(66560, 'a')));
  });

  test('the example decodes when fed one byte at a time', async () => {
    const { data } = await decode(exampleBody(), { mode: signedMode(false), decodedLength: 66560 }, 1);
    assert.ok(data.equals(Buffer.alloc(66560, 'a')));
  });

  test('a changed data byte is SignatureDoesNotMatch', async () => {
    const body = exampleBody();
    body[200] = 'b'.charCodeAt(0);
    await rejectsWith(decode(body, { mode: signedMode(false) }), 'SignatureDoesNotMatch');
  });

  test('a wrong seed or final chunk signature is SignatureDoesNotMatch', async () => {
    await rejectsWith(decode(exampleBody(), { mode: signedMode(false, EXAMPLE.chunk1) }), 'SignatureDoesNotMatch');
    await rejectsWith(decode(exampleBody(`0;chunk-signature=${EXAMPLE.chunk2}\r\n\r\n`), { mode: signedMode(false) }), 'SignatureDoesNotMatch');
  });

  test('a chunk without its signature is IncompleteBody', async () => {
    await rejectsWith(decode(exampleBody('0\r\n\r\n'), { mode: signedMode(false) }), 'IncompleteBody');
  });

  test('data bytes stream out before their chunk is complete', async () => {
    const decoder = new AwsChunkedDecoder({ mode: UNSIGNED, decodedLength: undefined, expectedTrailers: [] });
    const seen: Buffer[] = [];
    decoder.on('data', (c: Buffer) => seen.push(c));
    decoder.write(Buffer.concat([Buffer.from('100000\r\n'), Buffer.alloc(100, 'x')]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(Buffer.concat(seen).length, 100);
    decoder.destroy();
  });
});

describe('trailers', () => {
  test("the AWS CRT trailer vector verifies after AWS's example chunks", async () => {
    const final = `0;chunk-signature=${EXAMPLE.final}\r\nfirst:1st\r\nsecond:2nd\r\nthird:3rd\r\nx-amz-trailer-signature:${EXAMPLE.trailer}\r\n\r\n`;
    const { data, trailers } = await decode(
      exampleBody(final),
      {
        mode: signedMode(true),
        decodedLength: 66560,
        expectedTrailers: ['first', 'second', 'third'],
      },
      7,
    );
    assert.equal(data.length, 66560);
    assert.deepEqual(trailers, { first: '1st', second: '2nd', third: '3rd' });
  });

  test('a signed checksum trailer is exposed; a changed value fails the trailer signature', async () => {
    const body = signBody([Buffer.alloc(8192, 'q'), Buffer.from('tail')], [['x-amz-checksum-crc32', 'AAAAAA==']]);
    const opts = { mode: signedMode(true), decodedLength: 8196, expectedTrailers: ['x-amz-checksum-crc32'] };
    assert.deepEqual((await decode(body, opts, 1)).trailers, { 'x-amz-checksum-crc32': 'AAAAAA==' });
    const forged = Buffer.from(body.toString('latin1').replace('AAAAAA==', 'BBBBBB=='), 'latin1');
    await rejectsWith(decode(forged, opts), 'SignatureDoesNotMatch');
  });

  test('a signed trailer section without its signature is MalformedTrailerError', async () => {
    const body = signBody([Buffer.from('hi')]); // ends `0;chunk-signature=…\r\n\r\n`
    await rejectsWith(decode(body, { mode: signedMode(true) }), 'MalformedTrailerError');
  });

  test('an unsigned body with a checksum trailer decodes (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', async () => {
    const body = `2000\r\n${'z'.repeat(8192)}\r\n5\r\nhello\r\n0\r\nx-amz-checksum-crc32:sOO8/Q==\r\n\r\n`;
    const { data, trailers } = await decode(body, { mode: UNSIGNED, decodedLength: 8197, expectedTrailers: ['x-amz-checksum-crc32'] }, 1);
    assert.equal(data.toString(), `${'z'.repeat(8192)}hello`);
    assert.deepEqual(trailers, { 'x-amz-checksum-crc32': 'sOO8/Q==' });
  });

  test('an unsigned body may end right after `0\\r\\n` when no trailer is owed', async () => {
    assert.equal((await decode('3\r\nabc\r\n0\r\n', { mode: UNSIGNED, decodedLength: 3 })).data.toString(), 'abc');
    await rejectsWith(decode('3\r\nabc\r\n0\r\n', { mode: UNSIGNED, expectedTrailers: ['x-amz-checksum-crc32'] }), 'MalformedTrailerError');
  });

  test('an unexpected, repeated, missing or malformed trailer is MalformedTrailerError', async () => {
    const opts = { mode: UNSIGNED, expectedTrailers: ['x-amz-checksum-crc32'] };
    await rejectsWith(decode('1\r\na\r\n0\r\nx-amz-checksum-sha1:AAAA\r\n\r\n', opts), 'MalformedTrailerError');
    await rejectsWith(decode('1\r\na\r\n0\r\nx-amz-checksum-crc32:A\r\nx-amz-checksum-crc32:B\r\n\r\n', opts), 'MalformedTrailerError');
    await rejectsWith(decode('1\r\na\r\n0\r\n\r\n', opts), 'MalformedTrailerError');
    await rejectsWith(decode('1\r\na\r\n0\r\nno-colon-here\r\n\r\n', opts), 'MalformedTrailerError');
    await rejectsWith(decode(`1\r\na\r\n0\r\nx-amz-checksum-crc32:${'A'.repeat(5000)}\r\n\r\n`, opts), 'MalformedTrailerError');
  });

  test('a checksum trailer whose value is not base64 of the digest length is InvalidRequest', async () => {
    const opts = { mode: UNSIGNED, expectedTrailers: ['x-amz-checksum-crc32'] };
    for (const value of ['AAAA', 'not base64', 'AAAAAAAAAAA=', 'AAAAAB==']) {
      const err = await rejectsWith(decode(`1\r\na\r\n0\r\nx-amz-checksum-crc32:${value}\r\n\r\n`, opts), 'InvalidRequest');
      assert.equal(err.message, 'Value for x-amz-checksum-crc32 trailing header is invalid.');
    }
  });
});

describe('framing and sizes', () => {
  test('a non-last chunk under 8192 bytes is InvalidChunkSizeError', async () => {
    const body = `3e8\r\n${'a'.repeat(1000)}\r\n3e8\r\n${'a'.repeat(1000)}\r\n0\r\n\r\n`;
    const err = await rejectsWith(decode(body, { mode: UNSIGNED }), 'InvalidChunkSizeError');
    assert.deepEqual(err.fields, { Chunk: 1, BadChunkSize: 1000 });
    const signed = signBody([Buffer.alloc(8191, 'a'), Buffer.alloc(10, 'a')]);
    await rejectsWith(decode(signed, { mode: signedMode(false) }), 'InvalidChunkSizeError');
  });

  test('a truncated body is IncompleteBody', async () => {
    const body = exampleBody();
    await rejectsWith(decode(body.subarray(0, 30000), { mode: signedMode(false) }), 'IncompleteBody');
    await rejectsWith(decode(body.subarray(0, body.length - 2), { mode: signedMode(true) }), 'IncompleteBody');
    await rejectsWith(decode('', { mode: UNSIGNED }), 'IncompleteBody');
  });

  test('a total other than x-amz-decoded-content-length is IncompleteBody', async () => {
    await rejectsWith(decode(exampleBody(), { mode: signedMode(false), decodedLength: 66561 }), 'IncompleteBody');
    await rejectsWith(decode(exampleBody(), { mode: signedMode(false), decodedLength: 66000 }), 'IncompleteBody');
  });

  test('bad size lines, missing CRLFs, overlong lines and trailing bytes are IncompleteBody', async () => {
    await rejectsWith(decode('zz\r\nab\r\n0\r\n\r\n', { mode: UNSIGNED }), 'IncompleteBody');
    await rejectsWith(decode('2\nab\r\n0\r\n\r\n', { mode: UNSIGNED }), 'IncompleteBody');
    await rejectsWith(decode('2\r\nabXY0\r\n\r\n', { mode: UNSIGNED }), 'IncompleteBody');
    await rejectsWith(decode(`2;${'x'.repeat(5000)}\r\nab\r\n0\r\n\r\n`, { mode: UNSIGNED }), 'IncompleteBody');
    await rejectsWith(decode('2\r\nab\r\n0\r\n\r\nextra', { mode: UNSIGNED }), 'IncompleteBody');
  });
});

describe('requests from @aws-sdk/client-s3 over real HTTP', () => {
  interface Seen {
    method: string;
    url: string;
    auth: AuthResult;
    body: Buffer;
    trailers: Record<string, string>;
  }

  /** A minimal S3 endpoint: authenticate, decode the body, answer 200. */
  async function startServer(): Promise<{ client: S3Client; seen: Seen[]; close: () => Promise<void> }> {
    const verifier = new SigV4Verifier(async (id) => (id === 'AKIDSDK' ? { accessKeyId: id, secretAccessKey: 'sdk/secret', userId: 'sdk' } : undefined));
    const seen: Seen[] = [];
    const server = createServer((req, res) => {
      void (async () => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const auth = await verifier.authenticate({
          method: req.method ?? 'GET',
          rawPath: q === -1 ? url : url.slice(0, q),
          rawQuery: q === -1 ? '' : url.slice(q + 1),
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          now: new Date(),
        });
        const out: Buffer[] = [];
        const sink = new Writable({
          write(c: Buffer, _e, cb) {
            out.push(c);
            cb();
          },
        });
        let trailers: Record<string, string> = {};
        if (auth.payload.kind === 'streaming-signed' || auth.payload.kind === 'streaming-unsigned-trailer') {
          const decoder = new AwsChunkedDecoder({
            mode: auth.payload,
            decodedLength: Number(req.headers['x-amz-decoded-content-length']),
            expectedTrailers: String(req.headers['x-amz-trailer'] ?? '')
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
          });
          await pipeline(req, decoder, sink);
          trailers = decoder.trailers;
        } else {
          await pipeline(req, sink);
        }
        seen.push({ method: req.method ?? '', url, auth, body: Buffer.concat(out), trailers });
        res.writeHead(200, { ETag: '"0"', 'Content-Length': '2' }).end('ok');
      })().catch((err: unknown) => {
        const e = err instanceof S3Error ? err : new S3Error('InternalError');
        res
          .writeHead(e.status, { 'Content-Type': 'application/xml' })
          .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${e.code}</Code><Message>${e.message}</Message></Error>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-central-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDSDK', secretAccessKey: 'sdk/secret' },
    });
    return {
      client,
      seen,
      close: () => {
        client.destroy();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    };
  }

  test('a streamed PutObject arrives as aws-chunked with a checksum trailer and decodes', async (t) => {
    const s3 = await startServer();
    t.after(() => s3.close());
    const data = Buffer.alloc(100_000, 'k');
    await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key: 'big.bin', Body: Readable.from([data.subarray(0, 65536), data.subarray(65536)]), ContentLength: data.length }));
    const [put] = s3.seen;
    assert.ok(put !== undefined);
    assert.equal(put.auth.region, 'eu-central-1');
    assert.equal(put.auth.payload.kind, 'streaming-unsigned-trailer');
    assert.ok(put.body.equals(data));
    assert.match(Object.keys(put.trailers).join(), /^x-amz-checksum-/);
  });

  test('keys and query values with spaces, unicode and reserved characters verify', async (t) => {
    const s3 = await startServer();
    t.after(() => s3.close());
    for (const Key of ['dir/my file+plus (1).txt', 'ünï/€ 漢字', "a!'()*~;=&$,@:?#[]", 'x//y/./z']) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key, Body: 'hello' }));
      const got = await s3.client.send(new GetObjectCommand({ Bucket: 'b', Key, ResponseContentDisposition: 'attachment; filename="a b+c.txt"', VersionId: 'v 1' }));
      await got.Body?.transformToString();
    }
    assert.equal(s3.seen.length, 8);
    assert.ok(s3.seen.filter((r) => r.method === 'PUT').every((r) => r.body.toString() === 'hello'));
  });
});
