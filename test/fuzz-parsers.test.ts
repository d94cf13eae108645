// A short, seeded run of every fuzz target (npm run fuzz runs a million inputs of each): the
// SigV4 canonicalizer and verifier, the aws-chunked decoder, the XML request documents, Range,
// conditional and copy-source headers, x-amz-tagging and the router. Also checked here: the
// fuzzer's reference signer agrees with the AWS SDK's signer, so its verdicts can be trusted,
// and a valid aws-chunked stream decodes the same when cut at every single byte boundary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { runTarget } from '../fuzz/harness.js';
import { TARGETS } from '../fuzz/targets.js';
import { cut, decodePieces, frame } from '../fuzz/targets-chunked.js';
import type { Mode } from '../fuzz/targets-chunked.js';
import { referenceSignature } from '../fuzz/reference-sigv4.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const RUNS = Number(process.env.COFFER_FUZZ_CI_RUNS ?? 1500);
const SEED = Number(process.env.COFFER_FUZZ_SEED ?? 20261207);

for (const target of TARGETS) {
  test(`fuzz ${target.name}: ${target.about}`, async () => {
    const r = await runTarget(target, RUNS, SEED);
    assert.equal(r.failure, undefined, r.failure);
    assert.equal(r.runs, RUNS);
  });
}

test('the reference signer computes the AWS SDK signer’s signature for header-signed and presigned requests', async () => {
  const credentials = { accessKeyId: 'AKIDREF', secretAccessKey: 'ref/secret' };
  const signer = new SignatureV4({ service: 's3', region: 'eu-west-1', credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signingDate = new Date('2026-01-02T03:04:05Z');
  const cases: Array<{ method: string; path: string; query: Record<string, string> }> = [
    { method: 'GET', path: '/b/plain-key', query: {} },
    { method: 'PUT', path: '/b/dir/%E2%82%AC%20x', query: { partNumber: '3', uploadId: 'a b~c' } },
    { method: 'DELETE', path: '/b/k', query: { versionId: 'v=1&2', tagging: '' } },
  ];
  for (const c of cases) {
    const headers = { host: 'coffer.test:9000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-spaced': '  two   spaces ' };
    const signed = await signer.sign({ method: c.method, protocol: 'http:', hostname: 'coffer.test', port: 9000, path: c.path, query: c.query, headers }, { signingDate });
    const sh = signed.headers as Record<string, string>;
    const auth = sh.authorization ?? '';
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const rawQuery = Object.entries(c.query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const rawHeaders = Object.entries(sh).flat();
    const ours = referenceSignature(
      { method: c.method, rawPath: c.path, rawQuery, rawHeaders },
      { secret: credentials.secretAccessKey, day: '20260102', region: 'eu-west-1', amzDate: sh['x-amz-date']!, signedHeaders, payloadHash: 'UNSIGNED-PAYLOAD', presigned: false },
    );
    assert.equal(ours, /Signature=([0-9a-f]{64})/.exec(auth)![1], `${c.method} ${c.path}`);

    // Without an x-amz-content-sha256 header the SDK signer presigns the hash of an empty body.
    const presigned = await signer.presign(
      { method: c.method, protocol: 'http:', hostname: 'coffer.test', port: 9000, path: c.path, query: c.query, headers: { host: 'coffer.test:9000' } },
      { signingDate, expiresIn: 600 },
    );
    const q = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const fromQuery = referenceSignature(
      { method: c.method, rawPath: c.path, rawQuery: q, rawHeaders: ['host', 'coffer.test:9000'] },
      {
        secret: credentials.secretAccessKey,
        day: '20260102',
        region: 'eu-west-1',
        amzDate: String(presigned.query?.['X-Amz-Date']),
        signedHeaders: ['host'],
        payloadHash: EMPTY_SHA256,
        presigned: true,
      },
    );
    assert.equal(fromQuery, presigned.query?.['X-Amz-Signature'], `presigned ${c.method} ${c.path}`);
  }
});

test('a valid aws-chunked stream of every mode decodes identically cut at every byte boundary, and in single bytes', async () => {
  const data = [Buffer.alloc(8192, 'x'), Buffer.from('tail of the object')];
  for (const mode of ['signed', 'signed-trailer', 'unsigned-trailer'] as Mode[]) {
    const s = frame(mode, data, [['x-amz-checksum-crc32', 'AAAAAA==']]);
    // Every boundary inside the framing; inside the 8 KiB of data only its edges differ.
    const boundaries = [...Array(s.body.length + 1).keys()].filter((i) => i < 200 || i > 8192 + 100);
    for (const at of boundaries) {
      const got = await decodePieces(s.opts, cut(s.body, [at]));
      assert.equal(got.error, undefined, `${mode} cut at ${at}: ${String(got.error)}`);
      assert.ok(got.data!.equals(s.data), `${mode} cut at ${at}`);
    }
    const bytes = [...s.body].map((b) => Buffer.from([b]));
    const one = await decodePieces(s.opts, bytes);
    assert.ok(one.data?.equals(s.data), `${mode} in single bytes: ${String(one.error)}`);
    assert.deepEqual(one.trailers, mode === 'signed' ? {} : { 'x-amz-checksum-crc32': 'AAAAAA==' });
  }
});
