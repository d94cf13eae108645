// PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration and DeleteBucketLifecycle:
// the configuration document, its filters and actions, and S3's validation errors.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteBucketLifecycleCommand, GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { newBucket, rejectsNamed, testCofferForFile } from './helpers/coffer.js';
import { rawRequest } from './helpers/raw.js';
import { contentMd5 } from './helpers/tagging.js';

const c = testCofferForFile();

async function putRaw(bucket: string, body: string, headers: Record<string, string> = {}) {
  return rawRequest(c.endpoint, { method: 'PUT', path: `/${bucket}`, query: { lifecycle: '' }, body, headers: { 'content-md5': contentMd5(body), ...headers } });
}

const doc = (rules: string): string => `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</LifecycleConfiguration>`;

test('the SDK puts a configuration with every filter and action, and reads it back as put', async () => {
  const b = await newBucket(c.s3);
  const Rules = [
    { ID: 'prefix', Filter: { Prefix: 'logs/' }, Status: 'Enabled' as const, Expiration: { Days: 30 } },
    { ID: 'tag', Filter: { Tag: { Key: 'class', Value: 'temp' } }, Status: 'Enabled' as const, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
    {
      ID: 'and',
      Filter: {
        And: {
          Prefix: 'big/',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
          ObjectSizeGreaterThan: 1024,
          ObjectSizeLessThan: 1048576,
        },
      },
      Status: 'Disabled' as const,
      Transitions: [
        { Days: 1, StorageClass: 'GLACIER' as const },
        { Days: 90, StorageClass: 'DEEP_ARCHIVE' as const },
      ],
    },
    {
      ID: 'versions',
      Filter: { ObjectSizeGreaterThan: 10 },
      Status: 'Enabled' as const,
      NoncurrentVersionTransitions: [{ NoncurrentDays: 5, StorageClass: 'GLACIER' as const, NewerNoncurrentVersions: 2 }],
      NoncurrentVersionExpiration: { NoncurrentDays: 10, NewerNoncurrentVersions: 3 },
    },
    {
      ID: 'markers',
      Filter: { Prefix: '' },
      Status: 'Enabled' as const,
      Expiration: { ExpiredObjectDeleteMarker: true },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
    },
  ];
  const put = await c.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: b, LifecycleConfiguration: { Rules } }));
  assert.equal(put.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
  const got = await c.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b }));
  assert.equal(got.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
  assert.deepEqual(got.Rules, Rules);
});

test('a rule without an ID gets one made up; the legacy Prefix reads back as Prefix', async () => {
  const b = await newBucket(c.s3);
  const r = await putRaw(b, doc('<Rule><Prefix>tmp/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'));
  assert.equal(r.status, 200, r.body);
  const got = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { lifecycle: '' } });
  assert.equal(got.status, 200);
  assert.match(got.body, /<Rule><ID>[A-Za-z0-9_-]{20,}<\/ID><Prefix>tmp\/<\/Prefix><Status>Enabled<\/Status><Expiration><Days>1<\/Days><\/Expiration><\/Rule>/);
});

test('GetBucketLifecycleConfiguration of a bucket without one is 404 NoSuchLifecycleConfiguration; DeleteBucketLifecycle removes it with 204', async () => {
  const b = await newBucket(c.s3);
  const none = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { lifecycle: '' } });
  assert.equal(none.status, 404);
  assert.equal(none.code, 'NoSuchLifecycleConfiguration');
  assert.equal(none.message, 'The lifecycle configuration does not exist');
  assert.match(none.body, new RegExp(`<BucketName>${b}</BucketName>`));
  await c.s3.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket: b, LifecycleConfiguration: { Rules: [{ ID: 'x', Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }] } }),
  );
  const del = await rawRequest(c.endpoint, { method: 'DELETE', path: `/${b}`, query: { lifecycle: '' } });
  assert.equal(del.status, 204);
  await rejectsNamed(c.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b })), 'NoSuchLifecycleConfiguration');
  // Deleting again still answers 204.
  await c.s3.send(new DeleteBucketLifecycleCommand({ Bucket: b }));
});

test('a new configuration replaces the whole old one', async () => {
  const b = await newBucket(c.s3);
  await c.s3.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket: b, LifecycleConfiguration: { Rules: [{ ID: 'a', Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }] } }),
  );
  await c.s3.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket: b, LifecycleConfiguration: { Rules: [{ ID: 'b', Filter: {}, Status: 'Enabled', Expiration: { Days: 2 } }] } }),
  );
  const got = await c.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b }));
  assert.deepEqual(
    got.Rules?.map((r) => r.ID),
    ['b'],
  );
});

test('x-amz-transition-default-minimum-object-size varies_by_storage_class is kept and answered; another value is InvalidRequest', async () => {
  const b = await newBucket(c.s3);
  const body = doc('<Rule><ID>t</ID><Filter></Filter><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>');
  const ok = await putRaw(b, body, { 'x-amz-transition-default-minimum-object-size': 'varies_by_storage_class' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-amz-transition-default-minimum-object-size'], 'varies_by_storage_class');
  const got = await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { lifecycle: '' } });
  assert.equal(got.headers['x-amz-transition-default-minimum-object-size'], 'varies_by_storage_class');
  const bad = await putRaw(b, body, { 'x-amz-transition-default-minimum-object-size': 'tiny' });
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'InvalidRequest');
});

test('PutBucketLifecycleConfiguration without Content-MD5 or a checksum is 400 InvalidRequest', async () => {
  const b = await newBucket(c.s3);
  const body = doc('<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>');
  const r = await rawRequest(c.endpoint, { method: 'PUT', path: `/${b}`, query: { lifecycle: '' }, body });
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidRequest');
  assert.equal(r.message, 'Missing required header for this request: Content-MD5');
});

test('documents off S3 schema are 400 MalformedXML', async () => {
  const b = await newBucket(c.s3);
  const exp = '<Expiration><Days>1</Days></Expiration>';
  for (const body of [
    doc(''),
    doc(`<Rule><ID>a</ID><Filter/><Status>enabled</Status>${exp}</Rule>`),
    doc(`<Rule><ID>a</ID><Filter/>${exp}</Rule>`),
    doc(`<Rule><ID>a</ID><Prefix>x</Prefix><Filter/><Status>Enabled</Status>${exp}</Rule>`),
    doc(`<Rule><ID>a</ID><Filter><Prefix>x</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>${exp}</Rule>`),
    doc('<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>'),
    doc('<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration></Expiration></Rule>'),
    doc('<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>one</Days></Expiration></Rule>'),
    doc('<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Date>20300101</Date></Expiration></Rule>'),
    doc('<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition></Rule>'),
    doc(`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Colour>blue</Colour>${exp}</Rule>`),
    '<LifecycleConfiguration><Rule>',
  ]) {
    const r = await putRaw(b, body);
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'MalformedXML', body);
  }
});

test("S3's InvalidArgument rules: ID length, unique IDs, positive Days, midnight Dates, IA's 30 days, marker and tag filters", async () => {
  const b = await newBucket(c.s3);
  const rule = (id: string, action: string, filter = '<Filter/>'): string => `<Rule><ID>${id}</ID>${filter}<Status>Enabled</Status>${action}</Rule>`;
  const exp = '<Expiration><Days>1</Days></Expiration>';
  const cases: Array<[string, string]> = [
    [doc(rule('x'.repeat(256), exp)), 'ID length should not exceed allowed limit of 255'],
    [doc(rule('same', exp) + rule('same', exp)), 'Rule ID must be unique. Found same ID for more than one rule'],
    [doc(rule('a', '<Expiration><Days>0</Days></Expiration>')), "'Days' for Expiration action must be a positive integer"],
    [doc(rule('a', '<Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration>')), "'Date' must be at midnight GMT"],
    [
      doc(rule('a', '<Transition><Days>10</Days><StorageClass>STANDARD_IA</StorageClass></Transition>')),
      "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'",
    ],
    [
      doc(rule('a', '<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>')),
      'ExpiredObjectDeleteMarker cannot be specified with a tag-based filter.',
    ],
    [
      doc(
        rule(
          'a',
          '<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
          '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>',
        ),
      ),
      'AbortIncompleteMultipartUpload cannot be specified with Tags or object size filters.',
    ],
    [
      doc(rule('a', exp, '<Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter>')),
      'ObjectSizeGreaterThan must be less than ObjectSizeLessThan in a filter.',
    ],
    [
      doc(rule('a', '<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>')),
      "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
    ],
  ];
  for (const [body, message] of cases) {
    const r = await putRaw(b, body);
    assert.equal(r.status, 400, body);
    assert.equal(r.code, 'InvalidArgument', body);
    assert.equal(r.message?.replaceAll('&apos;', "'"), message);
  }
  const none = await putRaw(b, doc(rule('a', '')));
  assert.equal(none.status, 400);
  assert.equal(none.code, 'InvalidRequest');
  assert.equal(none.message, 'At least one action needs to be specified in a rule');
  // Nothing of the refused documents was kept.
  assert.equal((await rawRequest(c.endpoint, { method: 'GET', path: `/${b}`, query: { lifecycle: '' } })).status, 404);
});

test('a tag in a lifecycle filter follows the rules of object tags', async () => {
  const b = await newBucket(c.s3);
  const r = await putRaw(
    b,
    doc('<Rule><ID>a</ID><Filter><Tag><Key>aws:x</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'),
  );
  assert.equal(r.status, 400);
  assert.equal(r.code, 'InvalidTag');
});

test('lifecycle configuration of a missing bucket is 404 NoSuchBucket', async () => {
  const r = await rawRequest(c.endpoint, { method: 'GET', path: '/no-such-bucket-here', query: { lifecycle: '' } });
  assert.equal(r.status, 404);
  assert.equal(r.code, 'NoSuchBucket');
});
