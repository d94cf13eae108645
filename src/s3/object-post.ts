// POST Object: a browser-based upload with an HTML form. The fields before the file give the key,
// the credentials and signed policy, and what PutObject takes as headers; the file is streamed
// into the same engine write as PutObject's body, with its length checked against the policy's
// content-length-range as it arrives.
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { header } from '../http/context.js';
import { ANONYMOUS } from '../auth/authorize.js';
import { principalOf } from '../http/request-facts.js';
import type { Principal } from '../auth/authorize.js';
import { authenticatePost } from '../auth/post-policy.js';
import type { CredentialLookup } from '../auth/sigv4.js';
import { authorizeNewAcl, authorizePostObject } from './authorize.js';
import { parseAclHeaders } from './acl-input.js';
import { parseChecksumRequest, parseContentHeaders, parseObjectLockHeaders, parseStorageClass, parseUserMetadata, refuseUnsupportedHeaders } from './object-headers.js';
import { quoteEtag, checksumResponseHeaders } from './object-put.js';
import { readPostForm } from './post-form.js';
import { parseTaggingDocument } from './tagging-input.js';
import { renderXml } from './xml.js';
import { parseSseRequest, sseResponseHeaders } from './sse-headers.js';

/** Form fields that are the request headers of the same name on PutObject. */
const HEADER_FIELDS = new Set([
  'cache-control',
  'content-type',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
]);

/**
 * The fields PutObject would take as headers, as headers: content headers, x-amz-meta-*, storage
 * class, checksums (x-amz-checksum-algorithm is the SDK header's form field), SSE and Object Lock
 * fields (refused or taken exactly as PutObject refuses or takes them).
 */
export function headersOfFields(fields: ReadonlyMap<string, string>): IncomingHttpHeaders {
  const h: IncomingHttpHeaders = {};
  for (const [name, value] of fields) {
    if (HEADER_FIELDS.has(name) || name.startsWith('x-amz-meta-') || name.startsWith('x-amz-server-side-encryption') || name.startsWith('x-amz-object-lock-')) h[name] = value;
    else if (name === 'x-amz-checksum-algorithm') h['x-amz-sdk-checksum-algorithm'] = value;
    else if (name.startsWith('x-amz-checksum-')) h[name] = value;
  }
  return h;
}

function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** An absolute http(s) URL to redirect the browser to, or undefined (S3 then answers by success_action_status). */
function redirectTarget(value: string | undefined): URL | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export async function postObject(ctx: RequestContext): Promise<S3Result> {
  const form = await readPostForm(ctx);
  try {
    return await storePostedObject(ctx, form.fields, form.filename, form.file);
  } catch (err) {
    form.file.destroy();
    throw err;
  }
}

async function storePostedObject(ctx: RequestContext, fields: Map<string, string>, filename: string, file: Readable): Promise<S3Result> {
  const bucket = ctx.bucket!;
  const rawKey = fields.get('key');
  if (rawKey === undefined) throw new S3Error('UserKeyMustBeSpecified');
  // "${filename}": the name of the file the user chose, without a path the browser may send.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's form variable, not a template
  const key = rawKey.replaceAll('${filename}', filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1));
  const lookup: CredentialLookup = async (accessKeyId) => {
    const found = await ctx.engine.lookupAccessKey(accessKeyId);
    return found && { accessKeyId, secretAccessKey: found.key.secretAccessKey, userId: found.user.id };
  };
  const signed = await authenticatePost({ fields, bucket, key, now: new Date(), lookup, sigV2: ctx.config.sigV2 });
  let principal: Principal = ANONYMOUS;
  if (signed.credential) {
    const user = (await ctx.engine.lookupAccessKey(signed.credential.accessKeyId))?.user;
    if (!user) throw new S3Error('InvalidAccessKeyId');
    ctx.user = user;
    // The same principal as a signed request's: a policy may name the user (or test aws:username).
    principal = principalOf(ctx);
  }
  await authorizePostObject(ctx, key, principal);

  const h = headersOfFields(fields);
  refuseUnsupportedHeaders(h);
  // The `acl` field is x-amz-acl's canned ACL, checked as PutObject checks the header.
  const aclField = fields.get('acl');
  const acl = aclField === undefined ? undefined : parseAclHeaders({ 'x-amz-acl': aclField });
  await authorizeNewAcl(ctx, bucket, acl);
  const tagging = fields.get('tagging');
  const tags = tagging === undefined ? undefined : parseTaggingDocument(tagging, 'object');
  const checksum = parseChecksumRequest(h);
  const max = Math.min(signed.contentLengthRange?.max ?? ctx.config.maxObjectSizeBytes, ctx.config.maxObjectSizeBytes);
  const min = signed.contentLengthRange?.min ?? 0;
  const out = await ctx.engine.putObject({
    bucket,
    key,
    // Who owns the object (an anonymous upload: the bucket's owner) follows Object Ownership.
    ownerId: ctx.user?.id,
    contentHeaders: parseContentHeaders(h),
    userMetadata: parseUserMetadata(h),
    storageClass: parseStorageClass(h),
    conditions: {},
    tags,
    acl,
    // x-amz-server-side-encryption* fields, as PutObject takes the headers (SSE-C only over TLS).
    sse: parseSseRequest(h, ctx.secure),
    // x-amz-object-lock-* fields: the new version's retention and legal hold.
    lock: parseObjectLockHeaders(h),
    body: {
      stages: [file],
      size: max,
      lengthRange: {
        min,
        tooSmall: () => new S3Error('EntityTooSmall', { fields: { MinSizeAllowed: min } }),
        tooLarge: () => new S3Error('EntityTooLarge', { fields: { MaxSizeAllowed: max } }),
      },
      idleTimeoutMs: ctx.config.requestTimeoutMs,
      checksumAlgorithm: checksum.algorithm,
      checksumValue: checksum.value,
      signal: () => ctx.signal,
    },
  });

  const etag = quoteEtag(out.etag);
  const proto = ctx.secure ? 'https' : 'http';
  const base = ctx.rawPath.endsWith('/') ? ctx.rawPath.slice(0, -1) : ctx.rawPath;
  const location = `${proto}://${header(ctx, 'host') ?? ''}${base}/${encodeKeyPath(key)}`;
  const headers = {
    ETag: etag,
    Location: location,
    'x-amz-version-id': out.versionId,
    ...checksumResponseHeaders(out.checksumAlgorithm, out.checksums),
    ...sseResponseHeaders(out.encryption, true),
  };
  // "success_action_redirect … If the value is not a valid URL, Amazon S3 ignores the field"; the
  // older `redirect` field works the same way.
  const redirect = redirectTarget(fields.get('success_action_redirect') ?? fields.get('redirect'));
  if (redirect) {
    redirect.search += `${redirect.search ? '&' : ''}bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}&etag=${encodeURIComponent(etag)}`;
    return { status: 303, headers: { ...headers, Location: redirect.toString() } };
  }
  // "If the value is set to 200 or 204, Amazon S3 returns an empty document … If set to 201, an
  // XML document"; any other value, or none, is 204.
  const status = fields.get('success_action_status');
  if (status === '201') {
    return { status: 201, headers, body: renderXml('PostResponse', { Location: location, Bucket: bucket, Key: key, ETag: etag }, null) };
  }
  return { status: status === '200' ? 200 : 204, headers };
}
