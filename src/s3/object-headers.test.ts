// The object request headers parsed into typed values: user metadata, content headers, storage
// class, Content-MD5, flexible checksums, conditions, and the response-* overrides of a GET.
// Header names arrive lower-case, as node:http delivers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '../errors.js';
import {
  parseChecksumRequest,
  parseContentHeaders,
  parseContentMd5,
  parseReadConditions,
  parseResponseOverrides,
  parseStorageClass,
  parseUserMetadata,
  parseWriteConditions,
} from './object-headers.js';

/** The S3 error a parse throws, as `status Code`, or 'ok'. */
function refusal(parse: () => unknown): string {
  try {
    parse();
    return 'ok';
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    return `${err.status} ${err.code}`;
  }
}

function errorOf(parse: () => unknown): S3Error {
  try {
    parse();
  } catch (err) {
    if (err instanceof S3Error) return err;
    throw err;
  }
  assert.fail('expected an S3Error');
}

const CRC32 = 'AAAAAA==';
const SHA256 = Buffer.alloc(32, 7).toString('base64');

test('x-amz-meta-* headers become metadata named without the prefix; other headers are not metadata', () => {
  const headers: IncomingHttpHeaders = {
    'x-amz-meta-colour': 'bleu',
    'x-amz-meta-multi-part-name': 'a, b',
    'x-amz-meta-empty': '',
    'content-type': 'text/plain',
    'x-amz-metadata-directive': 'REPLACE',
    'x-amz-meta': 'no name',
  };
  assert.deepEqual(parseUserMetadata(headers), { colour: 'bleu', 'multi-part-name': 'a, b', empty: '' });
  assert.deepEqual(parseUserMetadata({}), {});
});

test('user metadata up to 2 KB of UTF-8 names and values is accepted; one byte more is 400 MetadataTooLarge', () => {
  // "The size of user-defined metadata is measured by taking the sum of the number of bytes in
  // the UTF-8 encoding of each key and value." https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
  assert.equal(
    refusal(() => parseUserMetadata({ 'x-amz-meta-k': 'v'.repeat(2047) })),
    'ok',
  );
  assert.equal(
    refusal(() => parseUserMetadata({ 'x-amz-meta-k': 'v'.repeat(2048) })),
    '400 MetadataTooLarge',
  );
  // Two-byte characters count twice: 1 + 2 * 1023 fits, 1 + 2 * 1024 does not.
  assert.equal(
    refusal(() => parseUserMetadata({ 'x-amz-meta-k': '\u00e9'.repeat(1023) })),
    'ok',
  );
  assert.equal(
    refusal(() => parseUserMetadata({ 'x-amz-meta-k': '\u00e9'.repeat(1024) })),
    '400 MetadataTooLarge',
  );
  // Names count too, across all the headers.
  assert.equal(
    refusal(() => parseUserMetadata({ 'x-amz-meta-aaaa': 'v'.repeat(1020), 'x-amz-meta-bbbb': 'v'.repeat(1021) })),
    '400 MetadataTooLarge',
  );
  const err = errorOf(() => parseUserMetadata({ 'x-amz-meta-k': 'v'.repeat(2048) }));
  assert.deepEqual(err.fields, { Size: 2049, MaxSizeAllowed: 2048 });
});

test('the six content headers are kept as sent, and nothing else is', () => {
  const headers: IncomingHttpHeaders = {
    'content-type': 'text/html; charset=utf-8',
    'content-encoding': 'gzip',
    'content-disposition': 'attachment; filename="a.txt"',
    'content-language': 'fr-CA',
    'cache-control': 'max-age=60',
    expires: 'Thu, 01 Dec 2044 16:00:00 GMT',
    'content-length': '10',
    'content-md5': 'x',
    'x-amz-meta-a': 'b',
  };
  assert.deepEqual(parseContentHeaders(headers), {
    'content-type': 'text/html; charset=utf-8',
    'content-encoding': 'gzip',
    'content-disposition': 'attachment; filename="a.txt"',
    'content-language': 'fr-CA',
    'cache-control': 'max-age=60',
    expires: 'Thu, 01 Dec 2044 16:00:00 GMT',
  });
  assert.deepEqual(parseContentHeaders({}), {});
});

test('aws-chunked is transport framing: it is dropped from Content-Encoding and the other codings kept', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html ("Content-Encoding")
  assert.deepEqual(parseContentHeaders({ 'content-encoding': 'aws-chunked' }), {});
  assert.deepEqual(parseContentHeaders({ 'content-encoding': 'aws-chunked,gzip' }), { 'content-encoding': 'gzip' });
  assert.deepEqual(parseContentHeaders({ 'content-encoding': 'gzip, AWS-CHUNKED' }), { 'content-encoding': 'gzip' });
  assert.deepEqual(parseContentHeaders({ 'content-encoding': 'gzip, br' }), { 'content-encoding': 'gzip, br' });
});

test('the storage class defaults to STANDARD; each class of a general purpose bucket is accepted; others are 400 InvalidStorageClass', () => {
  assert.equal(parseStorageClass({}), 'STANDARD');
  assert.equal(parseStorageClass({ 'x-amz-storage-class': '' }), 'STANDARD');
  for (const c of ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']) {
    assert.equal(parseStorageClass({ 'x-amz-storage-class': c }), c);
  }
  for (const c of ['OUTPOSTS', 'EXPRESS_ONEZONE', 'SNOW', 'glacier'])
    assert.equal(
      refusal(() => parseStorageClass({ 'x-amz-storage-class': c })),
      '400 InvalidStorageClass',
    );
  assert.equal(
    refusal(() => parseStorageClass({ 'x-amz-storage-class': 'PLATINUM' })),
    '400 InvalidStorageClass',
  );
  assert.deepEqual(errorOf(() => parseStorageClass({ 'x-amz-storage-class': 'PLATINUM' })).fields, { StorageClassRequested: 'PLATINUM' });
});

test('Content-MD5 must be the base64 of 16 bytes, else 400 InvalidDigest', () => {
  const md5 = Buffer.from('0cc175b9c0f1b6a831c399e269772661', 'hex');
  assert.deepEqual(parseContentMd5({ 'content-md5': md5.toString('base64') }), md5);
  assert.equal(parseContentMd5({}), undefined);
  for (const bad of ['', 'not base64!', md5.subarray(0, 15).toString('base64'), Buffer.alloc(17).toString('base64'), md5.toString('hex')]) {
    assert.equal(
      refusal(() => parseContentMd5({ 'content-md5': bad })),
      '400 InvalidDigest',
      bad,
    );
  }
});

test('no checksum header asks for no checksum', () => {
  assert.deepEqual(parseChecksumRequest({ 'content-type': 'text/plain' }), { viaTrailer: false });
});

test('an x-amz-checksum-* header names the algorithm and carries the value to verify', () => {
  assert.deepEqual(parseChecksumRequest({ 'x-amz-checksum-crc32': CRC32 }), { algorithm: 'CRC32', value: CRC32, viaTrailer: false });
  assert.deepEqual(parseChecksumRequest({ 'x-amz-checksum-sha256': SHA256, 'x-amz-sdk-checksum-algorithm': 'sha256' }), { algorithm: 'SHA256', value: SHA256, viaTrailer: false });
});

test('x-amz-sdk-checksum-algorithm alone asks the server to compute that checksum; a checksum named in x-amz-trailer comes after the body', () => {
  assert.deepEqual(parseChecksumRequest({ 'x-amz-sdk-checksum-algorithm': 'CRC64NVME' }), { algorithm: 'CRC64NVME', value: undefined, viaTrailer: false });
  assert.deepEqual(parseChecksumRequest({ 'x-amz-trailer': 'x-amz-checksum-crc32c', 'x-amz-sdk-checksum-algorithm': 'CRC32C' }), {
    algorithm: 'CRC32C',
    value: undefined,
    viaTrailer: true,
  });
});

test('checksum headers that disagree or cannot be used are 400 InvalidRequest', () => {
  const cases: Array<[IncomingHttpHeaders, string]> = [
    [{ 'x-amz-checksum-crc32': CRC32, 'x-amz-checksum-sha256': SHA256 }, 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.'],
    [{ 'x-amz-checksum-crc32': CRC32, 'x-amz-trailer': 'x-amz-checksum-crc32c' }, 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.'],
    [{ 'x-amz-checksum-crc32': CRC32, 'x-amz-sdk-checksum-algorithm': 'SHA256' }, 'Value for x-amz-sdk-checksum-algorithm header is invalid.'],
    [{ 'x-amz-sdk-checksum-algorithm': 'MD5' }, 'Value for x-amz-sdk-checksum-algorithm header is invalid.'],
    [{ 'x-amz-checksum-crc32': 'AAAA' }, 'Value for x-amz-checksum-crc32 header is invalid.'],
    [{ 'x-amz-checksum-sha256': CRC32 }, 'Value for x-amz-checksum-sha256 header is invalid.'],
    [{ 'x-amz-trailer': 'x-amz-checksum-md5' }, 'The value specified in the x-amz-trailer header is not supported'],
  ];
  for (const [headers, message] of cases) {
    const err = errorOf(() => parseChecksumRequest(headers));
    assert.equal(`${err.status} ${err.code}`, '400 InvalidRequest', JSON.stringify(headers));
    assert.equal(err.message, message, JSON.stringify(headers));
  }
});

test('read conditions are read from their headers, or from x-amz-copy-source-if-* for a copy source', () => {
  const date = 'Mon, 15 Jan 2024 12:00:00 GMT';
  assert.deepEqual(parseReadConditions({ 'if-match': '"a"', 'if-none-match': '"b"', 'if-modified-since': date, 'if-unmodified-since': date }), {
    ifMatch: '"a"',
    ifNoneMatch: '"b"',
    ifModifiedSince: new Date(date),
    ifUnmodifiedSince: new Date(date),
  });
  assert.deepEqual(parseReadConditions({ 'if-match': '"a"', 'x-amz-copy-source-if-none-match': '"c"', 'x-amz-copy-source-if-modified-since': date }, 'x-amz-copy-source-'), {
    ifMatch: undefined,
    ifNoneMatch: '"c"',
    ifModifiedSince: new Date(date),
    ifUnmodifiedSince: undefined,
  });
});

test('a date condition that is not a date is ignored, as if absent', () => {
  // RFC 7232 sections 3.3 and 3.4: a recipient must ignore an invalid HTTP-date.
  assert.deepEqual(parseReadConditions({ 'if-modified-since': 'yesterday', 'if-unmodified-since': '' }), {
    ifMatch: undefined,
    ifNoneMatch: undefined,
    ifModifiedSince: undefined,
    ifUnmodifiedSince: undefined,
  });
});

test('write conditions take If-None-Match: * and If-Match; any other If-None-Match is 501 NotImplemented', () => {
  assert.deepEqual(parseWriteConditions({}), { ifNoneMatchStar: false, ifMatch: undefined });
  assert.deepEqual(parseWriteConditions({ 'if-none-match': '*' }), { ifNoneMatchStar: true, ifMatch: undefined });
  assert.deepEqual(parseWriteConditions({ 'if-match': '"abc"' }), { ifNoneMatchStar: false, ifMatch: '"abc"' });
  // PutObject's If-None-Match "Expects the '*' (asterisk) character."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  assert.equal(
    refusal(() => parseWriteConditions({ 'if-none-match': '"abc"' })),
    '501 NotImplemented',
  );
  assert.deepEqual(errorOf(() => parseWriteConditions({ 'if-none-match': '"abc"' })).fields, { Header: 'If-None-Match' });
});

test('each response-* query parameter overrides its response header; other parameters override nothing', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html ("Overriding response header values")
  const query = new URLSearchParams({
    'response-content-type': 'application/x-test',
    'response-content-language': 'fr',
    'response-expires': 'Thu, 01 Dec 2044 16:00:00 GMT',
    'response-cache-control': 'no-cache',
    'response-content-disposition': 'attachment; filename="r\u00e9sum\u00e9.pdf"',
    'response-content-encoding': 'gzip',
    versionId: 'v1',
    'response-x-amz-meta-a': 'b',
  });
  assert.deepEqual(parseResponseOverrides(query), {
    'Content-Type': 'application/x-test',
    'Content-Language': 'fr',
    Expires: 'Thu, 01 Dec 2044 16:00:00 GMT',
    'Cache-Control': 'no-cache',
    'Content-Disposition': 'attachment; filename="r\u00e9sum\u00e9.pdf"',
    'Content-Encoding': 'gzip',
  });
  assert.deepEqual(parseResponseOverrides(new URLSearchParams('versionId=v1')), {});
  // An empty value is an override too: the header is sent empty.
  assert.deepEqual(parseResponseOverrides(new URLSearchParams('response-content-language=')), { 'Content-Language': '' });
});

test('a response-* value with a control character is 400 InvalidArgument naming the parameter, not a header injected', () => {
  for (const value of ['text/plain\r\nx-injected: 1', 'a\nb', 'a\u0000b', 'a\u007fb']) {
    const err = errorOf(() => parseResponseOverrides(new URLSearchParams({ 'response-content-type': value })));
    assert.equal(`${err.status} ${err.code}`, '400 InvalidArgument', JSON.stringify(value));
    assert.equal(err.fields.ArgumentName, 'response-content-type');
  }
  // A tab is allowed in a header value.
  assert.deepEqual(parseResponseOverrides(new URLSearchParams({ 'response-content-disposition': 'inline;\tfilename=a' })), { 'Content-Disposition': 'inline;\tfilename=a' });
});
