// SigV2 verification, checked against the worked examples of the S3 guide's "Signing and
// authenticating REST requests", and its errors against what S3 answers.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import type { S3Error } from '../errors.js';
import type { AuthInput, AuthResult, Credential, CredentialLookup, RequestVerifier } from './sigv4.js';
import { SigV2Verifier, parseHttpDate, sigV2Form, withSigV2 } from './sigv2.js';
import { rejectsWith } from '../../test/helpers/s3-errors.js';

const AWS_EXAMPLE: Credential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  userId: 'example',
};
const TEMP: Credential = { accessKeyId: 'ASIACOFFER0002', secretAccessKey: 'temp-secret', userId: 'u-2', sessionToken: 'tok-abc' };
const lookup: CredentialLookup = async (id) => [AWS_EXAMPLE, TEMP].find((c) => c.accessKeyId === id);
const verifier = new SigV2Verifier(lookup);

interface Req {
  method: string;
  path: string;
  query?: string;
  /** Name, value, name, value…, as on the wire (Authorization included). */
  raw: string[];
  hostBucket?: string;
  now: Date;
}

/** An AuthInput with `headers` filled from the raw headers as node does (first value wins). */
function input(r: Req): AuthInput {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < r.raw.length; i += 2) headers[r.raw[i]!.toLowerCase()] ??= r.raw[i + 1]!;
  return { method: r.method, rawPath: r.path, rawQuery: r.query ?? '', headers, rawHeaders: r.raw, now: r.now, hostBucket: r.hostBucket };
}

function sign(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** The StringToSign Coffer builds for `r`, read from the SignatureDoesNotMatch of a wrong signature. */
async function stringToSignOf(r: Req): Promise<string> {
  const raw = r.raw.map((v, i) => (i > 0 && r.raw[i - 1] === 'Authorization' ? 'AWS AKIAIOSFODNN7EXAMPLE:d3Jvbmc=' : v));
  const query = r.query?.replace(/Signature=[^&]*/, 'Signature=d3Jvbmc%3D');
  const err = await rejectsWith(verifier.authenticate(input({ ...r, raw, query }), r.query?.includes('Signature=') ? 'query' : 'header'), 'SignatureDoesNotMatch');
  return String(err.fields.StringToSign);
}

/** `r` verifies, and its StringToSign is `expected`. */
async function verifies(r: Req, expected: string): Promise<AuthResult> {
  assert.equal(await stringToSignOf(r), expected);
  const result = await verifier.authenticate(input(r), r.query?.includes('Signature=') ? 'query' : 'header');
  assert.equal(result.anonymous, false);
  assert.equal(result.credential?.userId, 'example');
  return result;
}

// The guide's examples name the bucket awsexamplebucket1 today, but their signatures were computed
// when it was called johnsmith (they verify with that name only), so that is the name used here.
describe('the S3 guide examples', () => {
  test('Object GET, virtual-hosted: the bucket from Host leads the resource', async () => {
    const r = await verifies(
      {
        method: 'GET',
        path: '/photos/puppy.jpg',
        hostBucket: 'johnsmith',
        now: new Date('2007-03-27T19:40:00Z'),
        raw: ['Host', 'johnsmith.s3.amazonaws.com', 'Date', 'Tue, 27 Mar 2007 19:36:42 +0000', 'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU='],
      },
      'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg',
    );
    assert.equal(r.presigned, false);
    assert.deepEqual(r.payload, { kind: 'unsigned' });
  });

  test('Object PUT signs Content-Type and leaves Content-MD5 empty', async () => {
    await verifies(
      {
        method: 'PUT',
        path: '/photos/puppy.jpg',
        hostBucket: 'johnsmith',
        now: new Date('2007-03-27T21:15:45Z'),
        raw: [
          'Content-Type',
          'image/jpeg',
          'Content-Length',
          '94328',
          'Host',
          'johnsmith.s3.amazonaws.com',
          'Date',
          'Tue, 27 Mar 2007 21:15:45 +0000',
          'Authorization',
          'AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=',
        ],
      },
      'PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg',
    );
  });

  test('List leaves prefix, max-keys and marker out of the resource and keeps the trailing slash', async () => {
    await verifies(
      {
        method: 'GET',
        path: '/',
        query: 'prefix=photos&max-keys=50&marker=puppy',
        hostBucket: 'johnsmith',
        now: new Date('2007-03-27T19:42:41Z'),
        raw: [
          'User-Agent',
          'Mozilla/5.0',
          'Host',
          'johnsmith.s3.amazonaws.com',
          'Date',
          'Tue, 27 Mar 2007 19:42:41 +0000',
          'Authorization',
          'AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U=',
        ],
      },
      'GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/',
    );
  });

  test('Fetch of the ?acl sub-resource signs it', async () => {
    await verifies(
      {
        method: 'GET',
        path: '/',
        query: 'acl',
        hostBucket: 'johnsmith',
        now: new Date('2007-03-27T19:44:46Z'),
        raw: ['Host', 'johnsmith.s3.amazonaws.com', 'Date', 'Tue, 27 Mar 2007 19:44:46 +0000', 'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM='],
      },
      'GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl',
    );
  });

  test('Delete, path style with x-amz-date: the Date line is empty and x-amz-date is signed as a header', async () => {
    // The guide's table puts the x-amz-date value on the Date line (its signature lx3byBSc… signs
    // that), against its own text: "if you include the x-amz-date header, use the empty string for
    // the Date when constructing the StringToSign". S3, botocore and s3cmd follow the text.
    const expected = 'DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg';
    await verifies(
      {
        method: 'DELETE',
        path: '/johnsmith/photos/puppy.jpg',
        now: new Date('2007-03-27T21:20:27Z'),
        raw: [
          'User-Agent',
          'dotnet',
          'Host',
          's3.amazonaws.com',
          'Date',
          'Tue, 27 Mar 2007 21:20:27 +0000',
          'x-amz-date',
          'Tue, 27 Mar 2007 21:20:26 +0000',
          'Authorization',
          `AWS AKIAIOSFODNN7EXAMPLE:${sign(AWS_EXAMPLE.secretAccessKey, expected)}`,
        ],
      },
      expected,
    );
  });

  test('Upload with x-amz-meta headers: sorted, lower-cased, trimmed, repeats joined by commas', async () => {
    await verifies(
      {
        method: 'PUT',
        path: '/db-backup.dat.gz',
        hostBucket: 'static.johnsmith.net',
        now: new Date('2007-03-27T21:06:08Z'),
        raw: [
          'User-Agent',
          'curl/7.15.5',
          'Host',
          'static.johnsmith.net:8080',
          'Date',
          'Tue, 27 Mar 2007 21:06:08 +0000',
          'x-amz-acl',
          'public-read',
          'content-type',
          'application/x-download',
          'Content-MD5',
          '4gJE4saaMU4BqNR0kLY+lw==',
          'X-Amz-Meta-ReviewedBy',
          'joe@johnsmith.net',
          'X-Amz-Meta-ReviewedBy',
          'jane@johnsmith.net',
          'X-Amz-Meta-FileChecksum',
          '0x02661779',
          'X-Amz-Meta-ChecksumAlgorithm',
          'crc32',
          'Content-Disposition',
          'attachment; filename=database.dat',
          'Content-Encoding',
          'gzip',
          'Content-Length',
          '5913339',
          'Authorization',
          'AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc=',
        ],
      },
      'PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n' +
        'x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n' +
        'x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz',
    );
  });

  test('List all my buckets signs the resource "/"', async () => {
    await verifies(
      {
        method: 'GET',
        path: '/',
        now: new Date('2007-03-28T01:29:59Z'),
        raw: ['Host', 's3.amazonaws.com', 'Date', 'Wed, 28 Mar 2007 01:29:59 +0000', 'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s='],
      },
      'GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/',
    );
  });

  test('Unicode keys sign the path as sent, percent-encoding and its case included', async () => {
    await verifies(
      {
        method: 'GET',
        path: '/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re',
        now: new Date('2007-03-28T01:49:49Z'),
        raw: ['Host', 's3.amazonaws.com', 'Date', 'Wed, 28 Mar 2007 01:49:49 +0000', 'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM='],
      },
      'GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re',
    );
  });

  test('Query string authentication: Expires takes the Date line, the auth parameters stay out', async () => {
    const r = await verifies(
      {
        method: 'GET',
        path: '/photos/puppy.jpg',
        hostBucket: 'johnsmith',
        now: new Date('2007-03-29T03:40:00Z'),
        query: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620',
        raw: ['Host', 'johnsmith.s3.amazonaws.com'],
      },
      'GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg',
    );
    assert.equal(r.presigned, true);
  });
});

describe('the canonicalized resource and headers', () => {
  const NOW = new Date('2026-01-01T12:00:00Z');
  const DATE = NOW.toUTCString();
  const req = (path: string, query: string, raw: string[] = []): Req => ({
    method: 'GET',
    path,
    query,
    now: NOW,
    raw: ['Host', 'localhost', 'Date', DATE, ...raw, 'Authorization', 'AWS AKIAIOSFODNN7EXAMPLE:x'],
  });

  test('only the signed sub-resources enter, sorted by name, their values decoded', async () => {
    assert.equal(
      await stringToSignOf(req('/b/my%20key', 'uploadId=a%2Bb%3D&partNumber=2&prefix=x&list-type=2&attributes')),
      `GET\n\n\n${DATE}\n/b/my%20key?partNumber=2&uploadId=a+b=`,
    );
    assert.equal(await stringToSignOf(req('/b/k', 'uploads')), `GET\n\n\n${DATE}\n/b/k?uploads`);
    assert.equal(await stringToSignOf(req('/b/k', 'versionId=')), `GET\n\n\n${DATE}\n/b/k?versionId=`);
    assert.equal(await stringToSignOf(req('/b', 'versioning&delete&tagging&cors&versions')), `GET\n\n\n${DATE}\n/b?cors&delete&tagging&versioning&versions`);
  });

  test('the response-* overrides are signed with their decoded values', async () => {
    assert.equal(
      await stringToSignOf(req('/b/k', 'response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&x=1')),
      `GET\n\n\n${DATE}\n/b/k?response-content-disposition=attachment; filename="a b.txt"&response-content-type=text/plain`,
    );
  });

  test('x-amz-* headers keep inner blanks, lose outer ones, and non-ASCII values sign as their bytes', async () => {
    const utf8AsLatin1 = Buffer.from('ключ', 'utf8').toString('latin1');
    assert.equal(
      await stringToSignOf(req('/b/k', '', ['X-Amz-Meta-B', '  two  spaces ', 'x-amz-meta-a', utf8AsLatin1, 'x-amz-meta-b', 'again'])),
      `GET\n\n\n${DATE}\nx-amz-meta-a:ключ\nx-amz-meta-b:two  spaces,again\n/b/k`,
    );
  });

  test('a presigned URL signs its x-amz-* parameters as headers', async () => {
    const query = 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1900000000&Signature=x&x-amz-acl=private&X-Amz-Meta-Note=a%20b';
    assert.equal(
      await stringToSignOf({ method: 'PUT', path: '/b/k', query, now: NOW, raw: ['Host', 'localhost', 'x-amz-meta-from-header', 'h'] }),
      'PUT\n\n\n1900000000\nx-amz-acl:private\nx-amz-meta-from-header:h\nx-amz-meta-note:a b\n/b/k',
    );
  });
});

describe('what S3 answers a SigV2 request it refuses', () => {
  const NOW = new Date('2026-01-01T12:00:00Z');
  const DATE = NOW.toUTCString();
  /** A GET of /b/k signed with `cred` (x-amz-* and other headers in `raw`), verifiable at `now`. */
  const signed = (raw: string[], cred: Credential = AWS_EXAMPLE, date: string = DATE): Req => {
    const amz = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase().startsWith('x-amz-')) amz.push(`${raw[i]!.toLowerCase()}:${raw[i + 1]}\n`);
    const toSign = `GET\n\n\n${date}\n${amz.sort().join('')}/b/k`;
    return {
      method: 'GET',
      path: '/b/k',
      now: NOW,
      raw: ['Host', 'localhost', 'Date', date, ...raw, 'Authorization', `AWS ${cred.accessKeyId}:${sign(cred.secretAccessKey, toSign)}`],
    };
  };
  const withAuth = (authorization: string, raw: string[] = ['Date', DATE]): AuthInput =>
    input({ method: 'GET', path: '/b/k', now: NOW, raw: ['Host', 'localhost', ...raw, 'Authorization', authorization] });

  test('a correctly signed request verifies', async () => {
    const r = await verifier.authenticate(input(signed([])), 'header');
    assert.equal(r.credential?.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
  });

  test('a malformed AWS Authorization header is 400 InvalidArgument', async () => {
    for (const value of ['AWS HAHAHA', 'AWS', 'AWS :sig', 'AWS AKIAIOSFODNN7EXAMPLE:', 'AWS AKID:sig extra']) {
      const err = await rejectsWith(verifier.authenticate(withAuth(value), 'header'), 'InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
      assert.equal(err.fields.ArgumentName, 'Authorization');
    }
  });

  test('without a valid Date or x-amz-date it is 403 AccessDenied', async () => {
    const message = 'AWS authentication requires a valid Date or x-amz-date header';
    await rejectsWith(verifier.authenticate(withAuth('AWS AKIAIOSFODNN7EXAMPLE:c2ln', []), 'header'), 'AccessDenied', message);
    for (const date of ['Bad Date', '', 'Tue, 07 Jul 1950 21:53:04 GMT']) {
      await rejectsWith(verifier.authenticate(withAuth('AWS AKIAIOSFODNN7EXAMPLE:c2ln', ['Date', date]), 'header'), 'AccessDenied', message);
    }
    // x-amz-date wins over Date, even when only Date is valid.
    await rejectsWith(verifier.authenticate(withAuth('AWS AKIAIOSFODNN7EXAMPLE:c2ln', ['Date', DATE, 'x-amz-date', 'Bad Date']), 'header'), 'AccessDenied', message);
  });

  test('a Date more than 15 minutes off is 403 RequestTimeTooSkewed', async () => {
    for (const date of [new Date(NOW.getTime() - 16 * 60_000), new Date(NOW.getTime() + 16 * 60_000), new Date('9999-07-07T21:53:04Z')]) {
      const err = await rejectsWith(verifier.authenticate(input(signed([], AWS_EXAMPLE, date.toUTCString())), 'header'), 'RequestTimeTooSkewed');
      assert.equal(err.fields.RequestTime, date.toUTCString());
      assert.equal(err.fields.MaxAllowedSkewMilliseconds, 900000);
    }
    await verifier.authenticate(input(signed([], AWS_EXAMPLE, new Date(NOW.getTime() - 14 * 60_000).toUTCString())), 'header');
  });

  test('an unknown access key is 403 InvalidAccessKeyId', async () => {
    const err = await rejectsWith(verifier.authenticate(withAuth('AWS NOSUCHKEY:c2lnbmF0dXJl'), 'header'), 'InvalidAccessKeyId');
    assert.equal(err.fields.AWSAccessKeyId, 'NOSUCHKEY');
  });

  test('a wrong signature is 403 SignatureDoesNotMatch with the StringToSign and without the signature', async () => {
    const err = await rejectsWith(verifier.authenticate(withAuth('AWS AKIAIOSFODNN7EXAMPLE:d3Jvbmc='), 'header'), 'SignatureDoesNotMatch');
    assert.deepEqual(err.fields, { AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE', StringToSign: `GET\n\n\n${DATE}\n/b/k` });
  });

  test('a session token is checked, and kept out of the SignatureDoesNotMatch body', async () => {
    await verifier.authenticate(input(signed(['x-amz-security-token', 'tok-abc'], TEMP)), 'header');
    await rejectsWith(verifier.authenticate(input(signed(['x-amz-security-token', 'tok-xyz'], TEMP)), 'header'), 'InvalidSecurity');
    await rejectsWith(verifier.authenticate(input(signed([], TEMP)), 'header'), 'InvalidSecurity');
    const err = await rejectsWith(
      verifier.authenticate(withAuth('AWS ASIACOFFER0002:d3Jvbmc=', ['Date', DATE, 'x-amz-security-token', 'tok-abc']), 'header'),
      'SignatureDoesNotMatch',
    );
    assert.equal(err.fields.StringToSign, undefined);
  });

  test('aws-chunked bodies need SigV4: 400 InvalidRequest "Please use AWS4-HMAC-SHA256."', async () => {
    for (const value of ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD']) {
      await rejectsWith(verifier.authenticate(input(signed(['x-amz-content-sha256', value])), 'header'), 'InvalidRequest', 'Please use AWS4-HMAC-SHA256.');
    }
  });

  test('a signed x-amz-content-sha256 digest is checked against the body', async () => {
    const digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const r = await verifier.authenticate(input(signed(['x-amz-content-sha256', digest])), 'header');
    assert.deepEqual(r.payload, { kind: 'sha256', expectedHex: digest });
  });

  describe('presigned URLs', () => {
    const presign = (expires: number, cred: Credential = AWS_EXAMPLE): Req => {
      const signature = encodeURIComponent(sign(cred.secretAccessKey, `GET\n\n\n${expires}\n/b/k`));
      return { method: 'GET', path: '/b/k', query: `AWSAccessKeyId=${cred.accessKeyId}&Expires=${expires}&Signature=${signature}`, now: NOW, raw: ['Host', 'localhost'] };
    };
    const epoch = (d: Date): number => Math.floor(d.getTime() / 1000);

    test('a URL signed for a time to come verifies, however far off, and a Date header does not matter', async () => {
      const r = await verifier.authenticate(input({ ...presign(epoch(NOW) + 10 * 365 * 86400), raw: ['Host', 'localhost', 'Date', 'Bad Date'] }), 'query');
      assert.equal(r.presigned, true);
    });

    test('an expired URL is 403 AccessDenied "Request has expired"', async () => {
      const err = await rejectsWith(verifier.authenticate(input(presign(epoch(NOW) - 1)), 'query'), 'AccessDenied', 'Request has expired');
      assert.deepEqual(err.fields, { Expires: '2026-01-01T11:59:59Z', ServerTime: '2026-01-01T12:00:00Z' });
    });

    test('a missing parameter or an Expires that is not epoch seconds is 403 AccessDenied', async () => {
      const r = presign(epoch(NOW) + 60);
      for (const query of [r.query!.replace(/&Expires=\d+/, ''), r.query!.replace(/AWSAccessKeyId=[^&]*&/, '')]) {
        await rejectsWith(
          verifier.authenticate(input({ ...r, query }), 'query'),
          'AccessDenied',
          'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
        );
      }
      await rejectsWith(
        verifier.authenticate(input({ ...r, query: r.query!.replace(/Expires=\d+/, 'Expires=tomorrow') }), 'query'),
        'AccessDenied',
        'Invalid date (should be seconds since epoch): tomorrow',
      );
    });

    test('a signature whose "+" was sent unencoded still verifies', async () => {
      let r = presign(epoch(NOW) + 60);
      for (let s = 61; !r.query!.includes('%2B'); s++) r = presign(epoch(NOW) + s);
      const result = await verifier.authenticate(input({ ...r, query: r.query!.replaceAll('%2B', '+') }), 'query');
      assert.equal(result.credential?.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    });
  });
});

describe('which requests are SigV2', () => {
  const NOW = new Date();
  const of = (authorization: string | undefined, rawQuery = ''): AuthInput => ({
    method: 'GET',
    rawPath: '/b/k',
    rawQuery,
    now: NOW,
    rawHeaders: [],
    headers: authorization === undefined ? {} : { authorization },
  });

  test('the AWS scheme and the AWSAccessKeyId/Signature query are; SigV4 and anonymous requests are not', () => {
    assert.equal(sigV2Form(of('AWS AK:sig')), 'header');
    assert.equal(sigV2Form(of('AWS')), 'header');
    assert.equal(sigV2Form(of(undefined, 'AWSAccessKeyId=AK&Expires=1&Signature=s')), 'query');
    assert.equal(sigV2Form(of(undefined, 'Signature=s')), 'query');
    assert.equal(sigV2Form(of('AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab')), undefined);
    assert.equal(sigV2Form(of(undefined, 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab')), undefined);
    assert.equal(sigV2Form(of(undefined, 'prefix=a&max-keys=2')), undefined);
    assert.equal(sigV2Form(of('')), undefined);
  });

  test('an AWS Authorization header with auth parameters in the query is 400 InvalidArgument', () => {
    assert.throws(
      () => sigV2Form(of('AWS AK:sig', 'AWSAccessKeyId=AK&Expires=1&Signature=s')),
      (err: S3Error) => {
        assert.equal(err.code, 'InvalidArgument');
        assert.match(err.message, /^Only one auth mechanism allowed/);
        return true;
      },
    );
  });

  test('withSigV2 leaves every other request to the SigV4 verifier', async () => {
    const seen: string[] = [];
    const v4: RequestVerifier = {
      authenticate: async (i) => {
        seen.push(i.rawQuery);
        return { anonymous: true, presigned: false, payload: { kind: 'unsigned' } };
      },
    };
    const both = withSigV2(v4, verifier);
    await both.authenticate(of(undefined, 'list-type=2'));
    await rejectsWith(both.authenticate(of('AWS AKIAIOSFODNN7EXAMPLE:c2ln')), 'AccessDenied');
    assert.deepEqual(seen, ['list-type=2']);
  });
});

test('HTTP dates are read in the RFC 1123, RFC 850 and asctime forms, and the ISO 8601 basic form', () => {
  const when = Date.UTC(1994, 10, 6, 8, 49, 37);
  for (const value of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 +0000', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994', '19941106T084937Z']) {
    assert.equal(parseHttpDate(value)?.getTime(), when, value);
  }
  for (const value of ['', 'Bad Date', '784111777', '1994-11-06', 'Tue, 07 Jul 1950 21:53:04 GMT']) assert.equal(parseHttpDate(value), undefined, value);
});
