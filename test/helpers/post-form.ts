// Browser POST uploads built by hand: a policy document signed with node:crypto (SigV4 as
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html describes it,
// and SigV2), and multipart/form-data bodies written byte by byte so that tests can also send
// malformed ones.
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import type { ClientRequest } from 'node:http';
import { ROOT_CREDENTIALS, readBody, signingKey } from './raw.js';
import { unescapeXml } from './tagging.js';

export type Fields = Array<[string, string]>;

export interface PolicyOptions {
  bucket: string;
  /** Conditions besides the bucket's and the signature fields' (added unless `bare`). */
  conditions?: unknown[];
  /** Default: an hour from now. */
  expiration?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  /** Only `conditions`: no bucket or x-amz-* conditions are added. */
  bare?: boolean;
  /** Replace the whole document (for malformed ones). */
  document?: unknown;
}

function amzDateOf(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The SigV4 fields of a form: policy, x-amz-algorithm/credential/date, x-amz-signature. */
export function signedV4Fields(o: PolicyOptions): Fields {
  const creds = o.credentials ?? ROOT_CREDENTIALS;
  const region = o.region ?? 'us-east-1';
  const amzDate = amzDateOf(new Date());
  const day = amzDate.slice(0, 8);
  const credential = `${creds.accessKeyId}/${day}/${region}/s3/aws4_request`;
  const conditions = o.bare
    ? (o.conditions ?? [])
    : [{ bucket: o.bucket }, ...(o.conditions ?? []), { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': amzDate }];
  const doc = o.document ?? { expiration: o.expiration ?? new Date(Date.now() + 3600_000).toISOString(), conditions };
  const policy = Buffer.from(JSON.stringify(doc)).toString('base64');
  const signature = createHmac('sha256', signingKey(creds.secretAccessKey, day, region))
    .update(policy)
    .digest('hex');
  return [
    ['policy', policy],
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', credential],
    ['x-amz-date', amzDate],
    ['x-amz-signature', signature],
  ];
}

/** The SigV2 fields of a form: AWSAccessKeyId, policy, signature (HMAC-SHA1 of the base64 policy). */
export function signedV2Fields(o: PolicyOptions): Fields {
  const creds = o.credentials ?? ROOT_CREDENTIALS;
  const conditions = o.bare ? (o.conditions ?? []) : [{ bucket: o.bucket }, ...(o.conditions ?? [])];
  const doc = o.document ?? { expiration: o.expiration ?? new Date(Date.now() + 3600_000).toISOString(), conditions };
  const policy = Buffer.from(JSON.stringify(doc)).toString('base64');
  const signature = createHmac('sha1', creds.secretAccessKey).update(policy).digest('base64');
  return [
    ['AWSAccessKeyId', creds.accessKeyId],
    ['policy', policy],
    ['signature', signature],
  ];
}

export interface FilePart {
  /** Field name, 'file' by default. */
  name?: string;
  filename?: string;
  contentType?: string;
  content: Buffer | string;
}

export const BOUNDARY = '----CofferTestBoundary7MA4YWxkTrZu0gW';

/** A multipart/form-data body: the fields, then the files (none, one or several), then the closing boundary. */
export function formBody(fields: Fields, files: FilePart[], after: Fields = []): Buffer {
  const parts: Buffer[] = [];
  const field = ([name, value]: [string, string]): void => {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  };
  for (const f of fields) field(f);
  for (const f of files) {
    const disposition = `form-data; name="${f.name ?? 'file'}"${f.filename === undefined ? '' : `; filename="${f.filename}"`}`;
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content));
    parts.push(Buffer.from('\r\n'));
  }
  for (const f of after) field(f);
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

export interface PostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  code?: string;
  message?: string;
}

/**
 * Open an anonymous POST to /bucket (as a browser sends it) with a multipart content type unless
 * `headers` give one; the caller writes the body and ends `req`.
 */
export function openPost(endpoint: string, bucket: string, headers: Record<string, string>): { req: ClientRequest; response: Promise<PostResponse> } {
  const url = new URL(endpoint);
  let req!: ClientRequest;
  const response = new Promise<PostResponse>((resolve, reject) => {
    req = request(
      { host: url.hostname, port: url.port, method: 'POST', path: `/${bucket}`, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers } },
      (res) => {
        readBody(res).then((bytes) => {
          const text = bytes.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
            message: unescapeXml(/<Message>([^<]*)<\/Message>/.exec(text)?.[1]),
          });
        }, reject);
      },
    );
    req.on('error', reject);
  });
  return { req, response };
}

/** POST `body` to /bucket (anonymous, as a browser sends it) with a multipart content type unless given. */
export function postRaw(endpoint: string, bucket: string, body: Buffer, headers: Record<string, string> = {}): Promise<PostResponse> {
  const { req, response } = openPost(endpoint, bucket, { 'content-length': String(body.length), ...headers });
  req.end(body);
  return response;
}

/** POST a well-formed form with one file. */
export function postForm(endpoint: string, bucket: string, fields: Fields, file: FilePart = { content: 'hello' }): Promise<PostResponse> {
  return postRaw(endpoint, bucket, formBody(fields, [file]));
}
