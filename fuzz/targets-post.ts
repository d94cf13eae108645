// Browser POST uploads: the multipart/form-data reader (src/s3/post-form.ts, busboy underneath)
// and the policy document (src/auth/post-policy.ts). A valid form cut into any pieces reads back
// its fields and file exactly; a damaged or arbitrary form, and any policy, are refused with an
// S3 error only, and never leave the reader hanging.
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { readPostForm } from '../src/s3/post-form.js';
import { checkPostPolicy, parsePostPolicy } from '../src/auth/post-policy.js';
import type { RequestContext } from '../src/http/context.js';
import { applyByteEdit, assertS3Refusal, editArb, timed, tokenString, valueOrRefusal } from './harness.js';
import type { FuzzTarget } from './harness.js';
import { cut } from './targets-chunked.js';

const BOUNDARY = '----CofferFuzzBoundary7MA4YWxkTrZu0gW';

interface Form {
  fields: Array<[string, string]>;
  file: Buffer;
  filename: string;
  body: Buffer;
}

const fieldNameArb = fc.constantFrom('key', 'acl', 'policy', 'x-amz-credential', 'x-amz-meta-a', 'Content-Type', 'success_action_status', 'tagging', 'x-amz-date');
const formArb: fc.Arbitrary<Form> = fc
  .record({
    fields: fc.uniqueArray(fc.tuple(fieldNameArb, fc.string({ maxLength: 30 }).filter((v) => v.isWellFormed())), { selector: ([n]) => n.toLowerCase(), maxLength: 5 }),
    file: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    filename: fc.constantFrom('a.txt', 'dir/ü.bin', 'x y', ''),
  })
  .map(({ fields, file, filename }) => {
    const parts: Buffer[] = [];
    for (const [name, value] of fields) parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
    return { fields, file, filename, body: Buffer.concat(parts) };
  });

/** The context readPostForm reads: the request as a stream of `pieces`, its headers, the time-out. */
function formContext(pieces: Buffer[], contentType: string): RequestContext {
  const req = new PassThrough() as PassThrough & { headers: Record<string, string>; complete: boolean };
  req.headers = { 'content-type': contentType };
  req.complete = false;
  req.on('end', () => (req.complete = true));
  // The pieces arrive one per turn of the event loop, as packets would.
  let i = 0;
  const next = (): void => {
    if (i < pieces.length) req.write(pieces[i++], () => setImmediate(next));
    else req.end();
  };
  setImmediate(next);
  return { req, res: { headersSent: true }, expectsContinue: false, config: { requestTimeoutMs: 5000 } } as unknown as RequestContext;
}

interface Read {
  fields?: Map<string, string>;
  file?: Buffer;
  error?: unknown;
}

async function readForm(pieces: Buffer[], contentType = `multipart/form-data; boundary=${BOUNDARY}`): Promise<Read> {
  let form: Awaited<ReturnType<typeof readPostForm>>;
  try {
    form = await readPostForm(formContext(pieces, contentType));
  } catch (error) {
    return { error };
  }
  const chunks: Buffer[] = [];
  try {
    for await (const c of form.file) chunks.push(c as Buffer);
  } catch (error) {
    return { error };
  }
  return { fields: form.fields, file: Buffer.concat(chunks) };
}

const POST_REFUSALS = ['MalformedPOSTRequest', 'IncorrectNumberOfFilesInPostRequest', 'MaxPostPreDataLengthExceededError', 'RequestIsNotMultiPartContent', 'IncompleteBody', 'RequestTimeout'] as const;

const FORM_TOKENS = [`--${BOUNDARY}`, `--${BOUNDARY}--`, '\r\n', '\r\n\r\n', 'Content-Disposition: form-data; name="', 'file', 'key', '"; filename="f"', '"', ';', 'Content-Type: text/plain', 'x', '\u00e9', '--'];

const POLICY_TOKENS = ['{', '}', '[', ']', ',', ':', '"expiration"', '"2030-01-01T00:00:00.000Z"', '"conditions"', '"eq"', '"starts-with"', '"content-length-range"', '"$key"', '"$Content-Type"', '""', '0', '-1', '10485760', '"10"', 'null', 'true', '{"bucket":"b"}', '{"acl":"private"}'];

export const POST_TARGETS: FuzzTarget[] = [
  {
    name: 'post-form',
    about: 'a valid multipart/form-data upload cut into any pieces reads back its fields and file exactly; damaged or arbitrary forms are refused with an S3 error',
    property: () =>
      fc.asyncProperty(
        formArb,
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.array(editArb, { maxLength: 2 }),
        fc.option(tokenString(FORM_TOKENS, 20), { nil: undefined }),
        async (form, at, edits, soup) => {
          const whole = await readForm(cut(form.body, at));
          if (whole.error !== undefined) throw new Error(`a valid form was refused: ${String(whole.error)}`);
          for (const [name, value] of form.fields) if (whole.fields?.get(name.toLowerCase()) !== value) throw new Error(`field ${name} read as ${JSON.stringify(whole.fields?.get(name.toLowerCase()))}`);
          if (!whole.file?.equals(form.file)) throw new Error('the file read back other bytes');
          const damaged = soup === undefined ? edits.reduce(applyByteEdit, form.body) : Buffer.from(soup);
          const bad = await readForm(cut(damaged, at));
          if (bad.error !== undefined) assertS3Refusal(bad.error, POST_REFUSALS);
        },
      ),
  },
  {
    name: 'post-policy',
    about: 'any policy field (base64 of JSON built from its grammar, or not) is a policy or InvalidPolicyDocument; checking it against any form is a range or an S3 error',
    property: () =>
      fc.property(
        fc.oneof(tokenString(POLICY_TOKENS, 24).map((json) => Buffer.from(json).toString('base64')), fc.string({ maxLength: 40 })),
        fc.array(fc.tuple(fc.constantFrom('key', 'acl', 'content-type', 'x-amz-meta-a', 'bucket', 'success_action_status'), fc.string({ maxLength: 8 })), { maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 41 }),
        timed((policyField: string, fields: Array<[string, string]>, nowMs: number) => {
          const policy = valueOrRefusal(() => parsePostPolicy(policyField), ['InvalidPolicyDocument']);
          if (policy === undefined) return;
          const range = valueOrRefusal(() => checkPostPolicy(policy, { fields: new Map(fields), bucket: 'b', key: 'k' }, new Date(nowMs)), ['AccessDenied', 'InvalidPolicyDocument']);
          if (range !== undefined && !(range.min >= 0 && range.max >= range.min)) throw new Error(`content-length-range ${JSON.stringify(range)}`);
        }),
      ),
  },
];
