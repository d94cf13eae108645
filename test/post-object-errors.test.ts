// POST Object refusals: every seed row for POST, the policy's, the signature's and the
// authorizer's, each with S3's status, code and message, and nothing stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, PutBucketPolicyCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { bucketName, newBucket, testCofferForFile } from './helpers/coffer.js';
import { BOUNDARY, formBody, postForm, postRaw, signedV2Fields, signedV4Fields } from './helpers/post-form.js';
import type { Fields, PostResponse } from './helpers/post-form.js';

const c = testCofferForFile();

function assertError(r: PostResponse, status: number, code: string, message?: string | RegExp): void {
  assert.equal(r.status, status, r.body);
  assert.equal(r.code, code, r.body);
  if (typeof message === 'string') assert.equal(r.message, message);
  else if (message) assert.match(r.message ?? '', message);
}

async function assertAbsent(bucket: string, key: string): Promise<void> {
  await assert.rejects(c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404);
}

const signedFor = (b: string, extra: unknown[] = [], o: Partial<Parameters<typeof signedV4Fields>[0]> = {}): Fields =>
  signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, ...extra], ...o });

test('a POST whose body is not multipart/form-data is 400 RequestIsNotMultiPartContent', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postRaw(c.endpoint, b, Buffer.from('key=k'), { 'content-type': 'application/x-www-form-urlencoded' });
  assertError(r, 400, 'RequestIsNotMultiPartContent', 'Bucket POST must be of the enclosure-type multipart/form-data.');
});

test('a form without a file is 400 IncorrectNumberOfFilesInPostRequest', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postRaw(c.endpoint, b, formBody([['key', 'k'], ...signedFor(b)], []));
  assertError(r, 400, 'IncorrectNumberOfFilesInPostRequest', 'POST requires exactly one file upload per request.');
});

test('a form with two files is 400 IncorrectNumberOfFilesInPostRequest and stores neither', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postRaw(c.endpoint, b, formBody([['key', 'k'], ...signedFor(b)], [{ content: 'one' }, { content: 'two' }]));
  assertError(r, 400, 'IncorrectNumberOfFilesInPostRequest');
  await assertAbsent(b, 'k');
});

test('a form cut off before its closing boundary is 400 MalformedPOSTRequest and stores nothing', async () => {
  const b = await newBucket(c.s3, 'postx');
  const whole = formBody([['key', 'k'], ...signedFor(b)], [{ content: 'data' }]);
  const cut = whole.subarray(0, whole.length - `--${BOUNDARY}--\r\n`.length - 2);
  const r = await postRaw(c.endpoint, b, cut);
  assertError(r, 400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
  await assertAbsent(b, 'k');
});

test('a multipart content type without a boundary is 400 MalformedPOSTRequest', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postRaw(c.endpoint, b, Buffer.from('x'), { 'content-type': 'multipart/form-data' });
  assertError(r, 400, 'MalformedPOSTRequest');
});

test('more than 20 KB of fields before the file is 400 MaxPostPreDataLengthExceededError', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postRaw(
    c.endpoint,
    b,
    formBody(
      [
        ['key', 'k'],
        ['x-ignore-pad', 'p'.repeat(21 * 1024)],
      ],
      [{ content: 'x' }],
    ),
  );
  assertError(r, 400, 'MaxPostPreDataLengthExceededError', 'Your POST request fields preceding the upload file were too large.');
});

test('a file sent as a text field of more than 20 KB is 400 InlineDataTooLarge and stores nothing; as a file part it is stored', async () => {
  const b = await newBucket(c.s3, 'postx');
  const text = 't'.repeat(21 * 1024);
  const r = await postRaw(c.endpoint, b, formBody([['key', 'k'], ...signedFor(b), ['file', text]], []));
  assertError(r, 400, 'InlineDataTooLarge', 'Inline data exceeds the maximum allowed size.');
  await assertAbsent(b, 'k');
  const asFile = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b)], { content: text });
  assert.equal(asFile.status, 204, asFile.body);
});

test('a POST form with an Authorization header beside its signed fields is 400 CredentialsNotSupported and stores nothing', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postRaw(c.endpoint, b, formBody([['key', 'k'], ...signedFor(b)], [{ content: 'x' }]), {
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab',
  });
  assertError(r, 400, 'CredentialsNotSupported', 'This request does not support credentials.');
  await assertAbsent(b, 'k');
});

test('a form without a key field is 400 UserKeyMustBeSpecified', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, signedV4Fields({ bucket: b }));
  assertError(r, 400, 'UserKeyMustBeSpecified', 'The bucket POST must contain the specified field name. If it is specified, check the order of the fields.');
});

test('a file over content-length-range is 400 EntityTooLarge and stores nothing', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [['content-length-range', 0, 4]])], { content: '12345' });
  assertError(r, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
  await assertAbsent(b, 'k');
});

test('a file over content-length-range that does not fit inline is EntityTooLarge too', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [['content-length-range', 0, 300_000]])], { content: Buffer.alloc(300_001) });
  assertError(r, 400, 'EntityTooLarge');
  await assertAbsent(b, 'k');
});

test('a file under content-length-range is 400 EntityTooSmall and stores nothing', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [['content-length-range', 10, 100]])], { content: 'short' });
  assertError(r, 400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
  await assertAbsent(b, 'k');
});

test('a policy that is not base64 JSON is 400 InvalidPolicyDocument', async () => {
  const b = await newBucket(c.s3, 'postx');
  const fields = signedFor(b).map(([n, v]): [string, string] => (n === 'policy' ? [n, Buffer.from('{not json').toString('base64')] : [n, v]));
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...fields]);
  // The signature no longer matches the changed policy: the signature is checked first.
  assertError(r, 403, 'SignatureDoesNotMatch');
  const bad = await postForm(c.endpoint, b, [['key', 'k'], ...signedV4Fields({ bucket: b, document: '{not json' })]);
  assertError(bad, 400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
});

test('policies missing expiration or conditions, or with a malformed one, are 400 InvalidPolicyDocument', async () => {
  const b = await newBucket(c.s3, 'postx');
  const cases: Array<[unknown, string]> = [
    [{ conditions: [{ bucket: b }] }, 'Invalid Policy: Policy missing expiration.'],
    [{ EXPIRATION: '2099-01-01T00:00:00Z', conditions: [{ bucket: b }] }, 'Invalid Policy: Policy missing expiration.'],
    [{ expiration: '2099-01-01 00:00:00', conditions: [{ bucket: b }] }, "Invalid Policy: Invalid 'expiration' value: '2099-01-01 00:00:00'"],
    [{ expiration: '2099-01-01T00:00:00Z' }, 'Invalid Policy: Policy missing conditions.'],
    [{ expiration: '2099-01-01T00:00:00Z', conditions: [{}] }, 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.'],
    [{ expiration: '2099-01-01T00:00:00Z', conditions: [['content-length-range', 0]] }, /^Invalid Policy: Invalid content-length-range/],
    [{ expiration: '2099-01-01T00:00:00Z', conditions: [['content-length-range', -1, 0]] }, /^Invalid Policy: Invalid content-length-range/],
    [{ expiration: '2099-01-01T00:00:00Z', conditions: [['matches', '$key', 'k']] }, /^Invalid Policy: Invalid Condition: unknown operation/],
  ] as Array<[unknown, string]>;
  for (const [document, message] of cases) {
    const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedV4Fields({ bucket: b, document })]);
    assertError(r, 400, 'InvalidPolicyDocument', message);
  }
});

test('an expired policy is 403 AccessDenied', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [], { expiration: new Date(Date.now() - 60_000).toISOString() })]);
  assertError(r, 403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
});

test('a policy signed with another secret is 403 SignatureDoesNotMatch', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [], { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'not-the-secret' } })]);
  assertError(r, 403, 'SignatureDoesNotMatch');
  await assertAbsent(b, 'k');
});

test('a policy signed with an unknown access key is 403 InvalidAccessKeyId', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [], { credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'whatever-secret' } })]);
  assertError(r, 403, 'InvalidAccessKeyId');
});

test('a field value the policy does not allow is 403 AccessDenied naming the condition', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'other'], ...signedFor(b)]);
  assertError(r, 403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "k"]');
  const prefix = await postForm(c.endpoint, b, [['key', 'k'], ['Content-Type', 'text/html'], ...signedFor(b, [['starts-with', '$Content-Type', 'image/']])]);
  assertError(prefix, 403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$content-type", "image/"]');
});

test('a field no condition names is 403 AccessDenied; x-ignore- fields need none', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['x-amz-meta-extra', '1'], ...signedFor(b)]);
  assertError(r, 403, 'AccessDenied', 'Invalid according to Policy: Extra input fields: x-amz-meta-extra');
  const ignored = await postForm(c.endpoint, b, [['key', 'k'], ['x-ignore-me', '1'], ...signedFor(b)]);
  assert.equal(ignored.status, 204, ignored.body);
});

test('a policy without a bucket condition is 403 AccessDenied; a policy for another bucket too', async () => {
  const b = await newBucket(c.s3, 'postx');
  const noBucket = await postForm(c.endpoint, b, [['key', 'k'], ...signedV4Fields({ bucket: b, bare: true, conditions: [{ key: 'k' }] })]);
  assert.equal(noBucket.status, 403, noBucket.body);
  assert.equal(noBucket.code, 'AccessDenied');
  const other = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, other, [['key', 'k'], ...signedFor(b)]);
  assertError(r, 403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "${b}"]`);
});

test('a signed form without its signature is 400 InvalidArgument naming the field', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b).filter(([n]) => n !== 'x-amz-signature')]);
  assertError(r, 400, 'InvalidArgument', /^Bucket POST must contain a field named 'x-amz-signature'/);
});

test('an unsigned form is anonymous: refused with 403 AccessDenied on a bucket only its owner may write', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k']]);
  assertError(r, 403, 'AccessDenied', 'Access Denied');
  await assertAbsent(b, 'k');
});

test("a form signed by another user is 403 AccessDenied on the owner's bucket", async () => {
  const b = await newBucket(c.s3, 'postx');
  const other = await c.server.engine.createUser({ name: bucketName('poster') });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [], { credentials: other })]);
  assertError(r, 403, 'AccessDenied', 'Access Denied');
});

test('a form signed by another user is stored when the bucket policy names that user, as a signed PUT would be', async () => {
  const b = await newBucket(c.s3, 'postx');
  const other = await c.server.engine.createUser({ name: bucketName('poster') });
  await c.s3.send(
    new PutBucketPolicyCommand({
      Bucket: b,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: other.user.name }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` }],
      }),
    }),
  );
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b, [], { credentials: other })]);
  assert.equal(r.status, 204, r.body);
});

test('a form to a bucket that does not exist is 404 NoSuchBucket', async () => {
  const b = bucketName('missing');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedFor(b)]);
  assertError(r, 404, 'NoSuchBucket');
});

test('an acl field that is no canned ACL is 400 InvalidArgument', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['acl', 'everyone'], ...signedFor(b, [{ acl: 'everyone' }])]);
  assertError(r, 400, 'InvalidArgument');
  assert.match(r.body, /<ArgumentName>x-amz-acl<\/ArgumentName><ArgumentValue>everyone<\/ArgumentValue>/);
});

for (const name of ['x-amz-meta-a b', 'x-amz-meta-\u6771', 'x-amz-meta-a:b']) {
  test(`a metadata field whose name cannot be a header (${JSON.stringify(name)}) is 400 InvalidArgument and stores nothing`, async () => {
    const b = await newBucket(c.s3, 'postx');
    const r = await postForm(c.endpoint, b, [['key', 'k'], [name, 'v'], ...signedFor(b, [['starts-with', `$${name}`, '']])]);
    assertError(r, 400, 'InvalidArgument', 'User-defined metadata names must be valid HTTP header names.');
    assert.ok(r.body.includes(`<ArgumentName>${name}</ArgumentName>`), r.body);
    await assertAbsent(b, 'k');
  });
}

test('a Content-Disposition field with a line break is 400 InvalidArgument and stores nothing', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['Content-Disposition', 'inline\r\nX-Evil: 1'], ...signedFor(b, [['starts-with', '$Content-Disposition', '']])]);
  assertError(r, 400, 'InvalidArgument', 'content-disposition must not contain control characters.');
  await assertAbsent(b, 'k');
});

test('a SigV2 policy is refused with 400 InvalidRequest while COFFER_SIGV2 is off', async () => {
  const b = await newBucket(c.s3, 'postx');
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...signedV2Fields({ bucket: b, conditions: [{ key: 'k' }] })]);
  assertError(r, 400, 'InvalidRequest', 'Please use AWS4-HMAC-SHA256.');
});
