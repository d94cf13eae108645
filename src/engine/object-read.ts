// GetObject / HeadObject: find the version, apply conditions, resolve the range or the part, open
// the bytes, all from one read of the version's metadata.
import type { Readable } from 'node:stream';
import { S3Error } from '../errors.js';
import type { ByteRange } from '../blobs/blob-store.js';
import type { ObjectRecord, PartLayout } from '../meta/types.js';
import { checkReadConditions } from './conditions.js';
import type { ReadConditions } from './conditions.js';
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import { isVersionId } from './version-id.js';
import { readObjectData } from './object-data.js';
import { requireReadable } from './archive.js';
import { openDataKey } from './encryption.js';
import type { SseCustomerKey } from './encryption.js';

/** A parsed Range header: `bytes=a-b`, `bytes=a-` or `bytes=-n`. */
export type RangeSpec = { start: number; end?: number } | { suffix: number };

/** Resolve a range against the object size, or throw InvalidRange (416). */
export function resolveRange(spec: RangeSpec, size: number): ByteRange {
  const unsatisfiable = (): S3Error =>
    new S3Error('InvalidRange', { fields: { RangeRequested: rangeText(spec), ActualObjectSize: size }, headers: { 'Content-Range': `bytes */${size}` } });
  if ('suffix' in spec) {
    if (spec.suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - spec.suffix), end: size - 1 };
  }
  if (spec.start >= size) throw unsatisfiable();
  return { start: spec.start, end: Math.min(spec.end ?? size - 1, size - 1) };
}

function rangeText(spec: RangeSpec): string {
  return 'suffix' in spec ? `bytes=-${spec.suffix}` : `bytes=${spec.start}-${spec.end ?? ''}`;
}

/** A version id is 'null' or one of ours; anything else is InvalidArgument, as S3 answers. */
export function validateVersionId(versionId: string | undefined): void {
  if (versionId !== undefined && !isVersionId(versionId)) {
    throw new S3Error('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'versionId', ArgumentValue: versionId } });
  }
}

/** The version a request addressed (the latest, or `versionId`), or the error S3 answers for it. */
export function liveVersion(obj: ObjectRecord | undefined, key: string, versionId: string | undefined): ObjectRecord {
  if (!obj) {
    throw versionId === undefined ? new S3Error('NoSuchKey', { fields: { Key: key } }) : new S3Error('NoSuchVersion', { fields: { Key: key, VersionId: versionId } });
  }
  if (obj.deleteMarker) {
    // A delete marker answers 404 (latest) or 405 (addressed by version id), with its headers.
    const headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': obj.versionId };
    // "If the specified version is a delete marker, the response returns a 405 Method Not Allowed
    // error and the Last-Modified: timestamp response header."
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
    if (versionId !== undefined) {
      throw new S3Error('MethodNotAllowed', { headers: { ...headers, Allow: 'DELETE', 'Last-Modified': new Date(obj.lastModified).toUTCString() } });
    }
    throw new S3Error('NoSuchKey', { fields: { Key: key }, headers });
  }
  return obj;
}

/** A version's record for a request that reads its attributes: an SSE-C version needs its key for that too. */
export async function headObject(deps: EngineDeps, bucket: string, key: string, versionId: string | undefined, customer: SseCustomerKey | undefined): Promise<ObjectRecord> {
  const object = await requireObject(deps, bucket, key, versionId);
  await openDataKey(deps.keys, object.encryption, customer, 'read');
  return object;
}

export async function requireObject(deps: EngineDeps, bucket: string, key: string, versionId?: string): Promise<ObjectRecord> {
  validateVersionId(versionId);
  const obj = await deps.meta.getObject(bucket, key, versionId);
  if (!obj && !(await cachedBucket(deps, bucket))) throw new S3Error('NoSuchBucket', { fields: { BucketName: bucket } });
  return liveVersion(obj, key, versionId);
}

/**
 * The version a copy reads (CopyObject, UploadPartCopy). A delete marker named by its version id
 * is 400 InvalidRequest here, not the 405 a GET of it answers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
export async function requireCopySource(deps: EngineDeps, source: { bucket: string; key: string; versionId?: string }): Promise<ObjectRecord> {
  try {
    return await requireObject(deps, source.bucket, source.key, source.versionId);
  } catch (err) {
    if (err instanceof S3Error && err.code === 'MethodNotAllowed') {
      throw new S3Error('InvalidRequest', { message: 'The source of a copy request may not specifically refer to a delete marker by version id.' });
    }
    throw err;
  }
}

export interface GetObjectInput {
  bucket: string;
  key: string;
  versionId?: string;
  range?: RangeSpec;
  /** ?partNumber= (1-10000, never with `range`): that part of a multipart object, or all of a simple one as its part 1. */
  partNumber?: number;
  conditions: ReadConditions;
  /** HEAD: no body is opened. */
  headOnly: boolean;
  /** The SSE-C key the request presents. */
  sseCustomer?: SseCustomerKey;
}

export interface GetObjectOutput {
  object: ObjectRecord;
  /** The bytes answered, when not the whole object: the Range asked for, or the part's bytes. */
  range?: ByteRange;
  /** With partNumber, the part of a multipart object answered (a simple object has none). */
  part?: PartLayout;
  /** The bytes: a Buffer for objects stored inline, else a stream of the blob(s). */
  body?: Readable | Buffer;
}

/**
 * Part `partNumber` of a version: its bytes' place in the object, and the part of a multipart
 * object. A simple object is its own part 1; any other number is InvalidPartNumber (416).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax
 */
export function resolvePart(object: ObjectRecord, partNumber: number): { range?: ByteRange; part?: PartLayout } {
  const parts = partLayout(object);
  const count = parts ? parts.length : 1;
  if (partNumber > count) throw new S3Error('InvalidPartNumber', { fields: { PartNumberRequested: partNumber, ActualPartCount: count } });
  if (!parts) return { range: object.size === 0 ? undefined : { start: 0, end: object.size - 1 } };
  let start = 0;
  for (let i = 0; i < partNumber - 1; i++) start += parts[i]!.size;
  const part = parts[partNumber - 1]!;
  return { range: part.size === 0 ? undefined : { start, end: start + part.size - 1 }, part };
}

/** The parts of a multipart version, wherever its bytes are (an archived one keeps the layout); null for a simple one. */
export function partLayout(object: ObjectRecord): PartLayout[] | null {
  return object.parts ?? object.archive?.stored?.parts ?? null;
}

const OPEN_ATTEMPTS = 3;

export async function getObject(deps: EngineDeps, input: GetObjectInput): Promise<GetObjectOutput> {
  for (let attempt = 1; ; attempt++) {
    // One metadata read: the conditions, the range or part and the bytes all come from this record,
    // so a concurrent overwrite can never pair one version's part offsets with another's bytes.
    const object = await requireObject(deps, input.bucket, input.key, input.versionId);
    // An SSE-C version answers nothing, HEAD included, without its key.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html
    const layers = await openDataKey(deps.keys, object.encryption, input.sseCustomer, 'read');
    checkReadConditions(object, input.conditions);
    // HEAD of an archived object answers (with x-amz-restore); its bytes need a restored copy.
    if (!input.headOnly) requireReadable(object);
    const { range, part } =
      input.partNumber !== undefined ? resolvePart(object, input.partNumber) : { range: input.range ? resolveRange(input.range, object.size) : undefined, part: undefined };
    if (input.headOnly) return { object, range, part };
    // An empty part has no byte range: its body is empty, not the whole object.
    const bytes = part !== undefined && range === undefined ? { start: 0, end: -1 } : range;
    try {
      const body = readObjectData(deps, object, bytes, layers);
      return { object, range, part, body: Buffer.isBuffer(body) ? body : await body };
    } catch (err) {
      // The version was replaced between the metadata read and the open: read it again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < OPEN_ATTEMPTS) continue;
      throw err;
    }
  }
}
