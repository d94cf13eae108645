// POST Object (browser-based uploads) that succeed: SigV4 policies signed by hand, by the AWS SDK's
// createPresignedPost and by boto3's generate_presigned_post, and what the form's fields do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetObjectAclCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { newBucket, testCofferForFile } from './helpers/coffer.js';
import { deterministicBytes, md5Hex } from './helpers/bytes.js';
import { formBody, openPost, postForm, postRaw, signedV4Fields } from './helpers/post-form.js';

const c = testCofferForFile();
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's form variable, not a template
const FILENAME = '${filename}';

async function read(bucket: string, key: string): Promise<string> {
  const out = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

test('a form signed with a SigV4 policy stores its file under its key and answers 204 with the ETag', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [['starts-with', '$key', 'up/'], { 'Content-Type': 'text/plain' }, ['starts-with', '$x-amz-meta-who', '']] });
  const r = await postForm(c.endpoint, b, [['key', 'up/a.txt'], ['Content-Type', 'text/plain'], ['x-amz-meta-who', 'alice'], ...fields], {
    filename: 'a.txt',
    content: 'hello world',
  });
  assert.equal(r.status, 204, r.body);
  assert.equal(r.headers.etag, `"${md5Hex(Buffer.from('hello world'))}"`);
  assert.equal(r.headers.location, `${c.endpoint}/${b}/up/a.txt`);
  assert.equal(r.body, '');
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'up/a.txt' }));
  assert.equal(head.ContentType, 'text/plain');
  assert.deepEqual(head.Metadata, { who: 'alice' });
  assert.equal(await read(b, 'up/a.txt'), 'hello world');
});

test("the AWS SDK's createPresignedPost form uploads unchanged", async () => {
  const b = await newBucket(c.s3, 'post');
  const { url, fields } = await createPresignedPost(c.s3, {
    Bucket: b,
    Key: `sdk/${FILENAME}`,
    Conditions: [
      ['content-length-range', 0, 1024 * 1024],
      ['starts-with', '$Content-Type', 'image/'],
    ],
    Fields: { 'Content-Type': 'image/png', success_action_status: '201' },
    Expires: 600,
  });
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([Buffer.from('png-bytes')], { type: 'image/png' }), 'pic.png');
  const res = await fetch(url, { method: 'POST', body: form });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  assert.match(text, /<PostResponse><Location>[^<]+<\/Location><Bucket>[^<]+<\/Bucket><Key>sdk\/pic\.png<\/Key><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><\/PostResponse>/);
  assert.equal(await read(b, 'sdk/pic.png'), 'png-bytes');
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'sdk/pic.png' }));
  assert.equal(head.ContentType, 'image/png');
});

test("boto3's generate_presigned_post form uploads unchanged", async (t) => {
  const script = [
    'import boto3, json, sys',
    "s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],",
    "  config=boto3.session.Config(signature_version='s3v4', s3={'addressing_style': 'path'}))",
    "print(json.dumps(s3.generate_presigned_post(sys.argv[4], 'boto/'+sys.argv[5], Fields={'acl': 'private'}, Conditions=[{'acl': 'private'}, ['content-length-range', 1, 100]], ExpiresIn=600)))",
  ].join('\n');
  const b = await newBucket(c.s3, 'post');
  let out: string;
  try {
    out = (await promisify(execFile)('python3', ['-c', script, c.endpoint, c.accessKeyId, c.secretAccessKey, b, FILENAME])).stdout;
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    t.skip(`boto3 is not installed (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const { url, fields } = JSON.parse(out) as { url: string; fields: Record<string, string> };
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([Buffer.from('from boto3')]), 'doc.txt');
  const res = await fetch(url, { method: 'POST', body: form });
  assert.equal(res.status, 204, await res.text());
  assert.equal(await read(b, 'boto/doc.txt'), 'from boto3');
});

test('success_action_status 200 answers 200 with an empty body; any other value but 201 answers 204', async () => {
  const b = await newBucket(c.s3, 'post');
  const sign = (status: string) => signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, { success_action_status: status }] });
  const ok = await postForm(c.endpoint, b, [['key', 'k'], ['success_action_status', '200'], ...sign('200')]);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.body, '');
  const other = await postForm(c.endpoint, b, [['key', 'k'], ['success_action_status', '404'], ...sign('404')]);
  assert.equal(other.status, 204, other.body);
});

test('success_action_redirect answers 303 to the URL with bucket, key and quoted ETag appended', async () => {
  const b = await newBucket(c.s3, 'post');
  const target = 'https://example.com/done?from=form';
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'a b.txt' }, { success_action_redirect: target }] });
  const r = await postForm(c.endpoint, b, [['key', 'a b.txt'], ['success_action_redirect', target], ...fields], { content: 'x' });
  assert.equal(r.status, 303, r.body);
  assert.equal(r.headers.location, `https://example.com/done?from=form&bucket=${b}&key=a%20b.txt&etag=%22${md5Hex(Buffer.from('x'))}%22`);
});

test('the older redirect field redirects the same way; a value that is no URL is ignored', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, ['starts-with', '$redirect', '']] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['redirect', 'http://example.com/x'], ...fields]);
  assert.equal(r.status, 303, r.body);
  assert.match(String(r.headers.location), /^http:\/\/example\.com\/x\?bucket=/);
  const bad = await postForm(c.endpoint, b, [['key', 'k'], ['redirect', 'not a url'], ...fields]);
  assert.equal(bad.status, 204, bad.body);
});

test('the filename variable in the key is replaced by the name of the file sent, without its path', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [['starts-with', '$key', 'user/']] });
  const r = await postForm(c.endpoint, b, [['key', `user/${FILENAME}`], ...fields], { filename: 'C:\\photos\\cat.jpg', content: 'meow' });
  assert.equal(r.status, 204, r.body);
  assert.equal(await read(b, 'user/cat.jpg'), 'meow');
});

test('the tagging field sets the new object tag set', async () => {
  const b = await newBucket(c.s3, 'post');
  const tagging = '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>';
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, { tagging }] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['tagging', tagging], ...fields]);
  assert.equal(r.status, 204, r.body);
  const tags = await c.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual(tags.TagSet, [{ Key: 'a', Value: '1' }]);
});

test('an x-amz-meta-* field beyond Latin-1 is stored as text and read back as one RFC 2047 UTF-8 word', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, ['starts-with', '$x-amz-meta-city', '']] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['x-amz-meta-city', '東京'], ...fields]);
  assert.equal(r.status, 204, r.body);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual(head.Metadata, { city: '=?UTF-8?B?5p2x5Lqs?=' });
  assert.equal(await read(b, 'k'), 'hello');
});

test('an x-amz-meta-* field with a line break is read back as one RFC 2047 word, not an InternalError', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, ['starts-with', '$x-amz-meta-note', '']] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['x-amz-meta-note', 'line 1\r\nline 2'], ...fields]);
  assert.equal(r.status, 204, r.body);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual(head.Metadata, { note: `=?UTF-8?B?${Buffer.from('line 1\r\nline 2').toString('base64')}?=` });
});

test('a checksum field is verified and returned; x-amz-checksum fields need no condition', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] });
  // SHA-256 of "hello", base64.
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['x-amz-checksum-sha256', 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ='], ...fields], { content: 'hello' });
  assert.equal(r.status, 204, r.body);
  assert.equal(r.headers['x-amz-checksum-sha256'], 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=');
  const bad = await postForm(c.endpoint, b, [['key', 'k'], ['x-amz-checksum-sha256', 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ='], ...fields], { content: 'hellO' });
  assert.equal(bad.status, 400, bad.body);
  assert.equal(bad.code, 'BadDigest');
});

test('a canned ACL in the acl field becomes the ACL of the object, so an anonymous GET then reads it', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, { acl: 'public-read' }] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['acl', 'public-read'], ...fields], { filename: 'k.txt', content: 'for everyone' });
  assert.equal(r.status, 204, r.body);
  const acl = await c.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'k' }));
  assert.ok(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ'));
  const anonymous = await fetch(`${c.endpoint}/${b}/k`);
  assert.equal(anonymous.status, 200);
  assert.equal(await anonymous.text(), 'for everyone');
});

test('a form without an acl field stores a private object: an anonymous GET is 403', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ...fields], { filename: 'k.txt', content: 'mine' });
  assert.equal(r.status, 204, r.body);
  assert.equal((await fetch(`${c.endpoint}/${b}/k`)).status, 403);
});

test('a file larger than the inline limit streams to a blob and reads back byte for byte', async () => {
  const b = await newBucket(c.s3, 'post');
  const data = deterministicBytes('post-big', 6 * 1024 * 1024 + 17);
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'big' }, ['content-length-range', 1, 10 * 1024 * 1024]] });
  const r = await postForm(c.endpoint, b, [['key', 'big'], ...fields], { filename: 'big.bin', content: data });
  assert.equal(r.status, 204, r.body);
  assert.equal(r.headers.etag, `"${md5Hex(data)}"`);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' }));
  assert.equal(md5Hex(Buffer.from(await got.Body!.transformToByteArray())), md5Hex(data));
});

test('a client that sends Expect: 100-continue is told to continue and its upload is stored', async () => {
  const b = await newBucket(c.s3, 'post');
  const body = formBody([['key', 'k'], ...signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] })], [{ content: 'after continue' }]);
  const { req, response } = openPost(c.endpoint, b, { 'content-length': String(body.length), expect: '100-continue' });
  req.on('continue', () => req.end(body));
  // Without the interim response the client never sends its body and this times out.
  req.flushHeaders();
  const { status } = await response;
  assert.equal(status, 204);
  assert.equal(await read(b, 'k'), 'after continue');
});

test('the file may be a plain text field, and other fields may come as file parts (as Python requests sends them)', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }] });
  const asFiles = [['key', 'k'] as [string, string], ...fields].map(([name, value]) => ({ name, filename: name, content: value }));
  const r = await postRaw(c.endpoint, b, formBody([], [...asFiles, { content: 'from parts' }]));
  assert.equal(r.status, 204, r.body);
  assert.equal(await read(b, 'k'), 'from parts');
  const text = await postRaw(c.endpoint, b, formBody([['key', 'k'], ...fields, ['file', 'typed text']], []));
  assert.equal(text.status, 204, text.body);
  assert.equal(await read(b, 'k'), 'typed text');
});

test('field names are read without case, and fields after the file are ignored', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ KEY: 'k' }] });
  const body = formBody([['Key', 'k'], ...fields], [{ content: 'first' }], [['x-amz-meta-late', 'ignored']]);
  const r = await postRaw(c.endpoint, b, body);
  assert.equal(r.status, 204, r.body);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
  assert.deepEqual(head.Metadata, {});
});

test('an x-amz-server-side-encryption field stores the file encrypted with SSE-S3, as the header does on PUT', async () => {
  const b = await newBucket(c.s3, 'post');
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'enc' }, { 'x-amz-server-side-encryption': 'AES256' }] });
  const r = await postForm(c.endpoint, b, [['key', 'enc'], ['x-amz-server-side-encryption', 'AES256'], ...fields], { filename: 'e.txt', content: 'sealed' });
  assert.equal(r.status, 204, r.body);
  assert.equal(r.headers['x-amz-server-side-encryption'], 'AES256');
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'enc' }));
  assert.equal(head.ServerSideEncryption, 'AES256');
  assert.equal(await read(b, 'enc'), 'sealed');
});

test('a Content-Disposition field beyond Latin-1 is stored and GetObject sends it as its UTF-8 bytes', async () => {
  const b = await newBucket(c.s3, 'post');
  const disposition = 'attachment; filename="東京.txt"';
  const fields = signedV4Fields({ bucket: b, conditions: [{ key: 'k' }, ['starts-with', '$Content-Disposition', '']] });
  const r = await postForm(c.endpoint, b, [['key', 'k'], ['Content-Disposition', disposition], ...fields]);
  assert.equal(r.status, 204, r.body);
  const got = await c.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(await got.Body!.transformToString(), 'hello');
  // node's client reads header bytes one character each: decode them back as UTF-8.
  assert.equal(Buffer.from(got.ContentDisposition!, 'latin1').toString('utf8'), disposition);
});
