// Multipart uploads. Parts are blobs; completion writes metadata only (the object lists its
// parts), so it costs O(parts), never O(bytes). Every state change is one metadata transaction,
// so completion racing completion, abort or a part upload has exactly one outcome.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
import { createHash, randomBytes } from 'node:crypto';
import { S3Error } from '../errors.js';
import { combineChecksumParts, createHasher, splitPartCount } from '../checksums/index.js';
import type { ChecksumAlgorithm } from '../checksums/index.js';
import type { ChecksumType, ObjectEncryption, ObjectLockState, PartRecord, Tag, UploadRecord } from '../meta/types.js';
import type { WriteConditions } from './conditions.js';
import { checkCopySourceConditions } from './conditions.js';
import type { ReadConditions } from './conditions.js';
import { deleteBlobs, inBlobStore } from './deps.js';
import type { BlobRef, EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import type { BodyInput } from './ingest.js';
import { copyObjectData, partBlobId, partWriteOptions, writeObjectData } from './object-data.js';
import type { WrittenData } from './object-data.js';
import { checkLockRequest, commitVersion, ownerAndAcl, validateKey, writtenVersionId } from './object-write.js';
import type { AclInput } from './access.js';
import type { ObjectAttributes } from './object-write.js';
import { requireCopySource, resolveRange } from './object-read.js';
import { storedBytesTransform } from './stored-bytes.js';
import { isArchiveClass } from './storage-class.js';
import { requireReadable } from './archive.js';
import { etagOf, newEncryption, openDataKey } from './encryption.js';
import type { SseCustomerKey, SseRequest } from './encryption.js';
import type { StoredBytesLayers } from './stored-bytes.js';
import { newObjectRecord } from '../meta/records.js';
import { bucketForWrite, refuseIfOverQuota } from './quota.js';
import { writeGetsRetention } from './object-lock.js';
import type { RangeSpec } from './object-read.js';

export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
export const MAX_PART_SIZE_BYTES = 5 * 1024 * 1024 * 1024;
export const MAX_MULTIPART_OBJECT_BYTES = 5 * 1024 ** 4;

const UPLOAD_ID = /^[A-Za-z0-9_-]{32,64}$/;

function newUploadId(): string {
  return randomBytes(32).toString('base64url');
}

/** CRC64NVME is full-object only, SHA1/SHA256 composite only; CRC32/CRC32C either (composite by default). */
export function resolveChecksumType(algorithm: ChecksumAlgorithm | undefined, type: ChecksumType | undefined): ChecksumType {
  const alg = algorithm ?? 'CRC64NVME';
  const chosen = type ?? (alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if ((alg === 'CRC64NVME' && chosen !== 'FULL_OBJECT') || ((alg === 'SHA1' || alg === 'SHA256') && chosen !== 'COMPOSITE')) {
    throw new S3Error('InvalidRequest', { message: `The ${chosen} checksum type cannot be used with the ${alg.toLowerCase()} checksum algorithm.` });
  }
  return chosen;
}

export interface CreateMultipartUploadInput extends ObjectAttributes {
  bucket: string;
  key: string;
  /** The initiator; undefined for an anonymous request. The upload's owner follows Object Ownership. */
  ownerId: string | undefined;
  /** The object's ACL once the upload completes. */
  acl?: AclInput;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  conditions: WriteConditions;
  /** x-amz-tagging: the object's tag set once the upload completes. */
  tags?: Tag[];
  /** The encryption of the parts and the object; else the bucket's default. */
  sse?: SseRequest;
  /** x-amz-object-lock-*: the object's retention and legal hold once the upload completes. */
  lock?: ObjectLockState;
}

export async function createMultipartUpload(deps: EngineDeps, input: CreateMultipartUploadInput): Promise<UploadRecord> {
  validateKey(input.key);
  const bucket = await bucketForWrite(deps, input.bucket);
  const owned = await ownerAndAcl(deps, bucket, input.ownerId, input.acl);
  // The data key is made now and kept sealed with the upload: every part is encrypted with it.
  const sse = await newEncryption(deps.keys, bucket, input.sse);
  const upload: UploadRecord = {
    uploadId: newUploadId(),
    bucket: input.bucket,
    key: input.key,
    initiated: Date.now(),
    ownerId: owned.ownerId,
    storageClass: input.storageClass,
    contentHeaders: input.contentHeaders,
    userMetadata: input.userMetadata,
    checksumAlgorithm: input.checksumAlgorithm ?? null,
    checksumType: input.checksumAlgorithm ? resolveChecksumType(input.checksumAlgorithm, input.checksumType) : (input.checksumType ?? null),
    tags: input.tags,
    conditions: input.conditions,
    encryption: sse?.encryption,
    lock: input.lock,
    acl: owned.acl,
  };
  if (!input.checksumAlgorithm && input.checksumType) {
    throw new S3Error('InvalidRequest', { message: 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.' });
  }
  await deps.meta.transaction(async (tx) => {
    const bucket = await tx.getBucket(input.bucket);
    if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.bucket } });
    // A lock asked of a bucket without Object Lock is refused now; completion applies it (or the
    // bucket's default retention, as it is then).
    checkLockRequest(bucket, input.lock);
    await tx.createUpload(upload);
  });
  return upload;
}

/** The upload, checked against the bucket and key it was addressed with. */
export async function requireUpload(deps: EngineDeps, bucket: string, key: string, uploadId: string): Promise<UploadRecord> {
  const upload = UPLOAD_ID.test(uploadId) ? await deps.meta.getUpload(uploadId) : undefined;
  if (!upload || upload.bucket !== bucket || upload.key !== key) throw new S3Error('NoSuchUpload', { fields: { UploadId: uploadId } });
  return upload;
}

export function validatePartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
    throw new S3Error('InvalidArgument', { message: 'Part number must be an integer between 1 and 10000, inclusive', fields: { ArgumentName: 'partNumber', ArgumentValue: n } });
  }
}

export interface UploadPartOutput {
  etag: string;
  /** The upload's encryption, for the response headers. */
  encryption?: ObjectEncryption;
  checksumAlgorithm: ChecksumAlgorithm | undefined;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  lastModified: number;
}

/** Record a part whose bytes are already a durable blob; replaces an earlier part of that number. */
async function commitPart(deps: EngineDeps, upload: UploadRecord, part: PartRecord): Promise<void> {
  let replaced: PartRecord | undefined;
  try {
    await deps.meta.transaction(async (tx) => {
      // The upload may have been completed or aborted while the part streamed in.
      if (!(await tx.getUpload(upload.uploadId))) throw new S3Error('NoSuchUpload', { fields: { UploadId: upload.uploadId } });
      replaced = await tx.putPart(part);
      // A part counts against the bucket's quota from the moment it is stored.
      await tx.addUsage(upload.bucket, { objectCount: 0, bytes: 0, uploadParts: replaced ? 0 : 1, uploadBytes: part.size - (replaced?.size ?? 0) });
      await tx.registerBlobs([part.blobId]);
      if (replaced) await tx.unregisterBlobs([replaced.blobId]);
    });
  } catch (err) {
    await deleteBlobs(deps, inBlobStore([part.blobId]));
    throw err;
  } finally {
    deps.blobs.settle([part.blobId]);
  }
  if (replaced) await deleteBlobs(deps, inBlobStore([replaced.blobId]));
}

/** Record the bytes an UploadPart or UploadPartCopy stored as part `partNumber` of `upload`. */
async function commitWrittenPart(
  deps: EngineDeps,
  upload: UploadRecord,
  partNumber: number,
  body: WrittenData,
  algorithm: ChecksumAlgorithm | undefined,
  layers: StoredBytesLayers,
): Promise<UploadPartOutput> {
  const part: PartRecord = {
    uploadId: upload.uploadId,
    partNumber,
    blobId: partBlobId(body),
    size: body.size,
    etag: etagOf(upload.encryption, layers, body.md5Hex),
    lastModified: Date.now(),
    checksums: body.checksums,
  };
  await commitPart(deps, upload, part);
  return { etag: part.etag, checksumAlgorithm: algorithm, checksums: body.checksums, lastModified: part.lastModified, encryption: upload.encryption };
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  body: BodyInput;
  /** The SSE-C key, which every part of an SSE-C upload must present. */
  sseCustomer?: SseCustomerKey;
}

/** Bytes of the part a new part of that number replaces. */
async function storedPartSize(deps: EngineDeps, uploadId: string, partNumber: number): Promise<number> {
  const [stored] = await deps.meta.listParts(uploadId, partNumber - 1, 1);
  return stored?.partNumber === partNumber ? stored.size : 0;
}

export async function uploadPart(deps: EngineDeps, input: UploadPartInput): Promise<UploadPartOutput> {
  validatePartNumber(input.partNumber);
  if (input.body.size > MAX_PART_SIZE_BYTES) throw new S3Error('EntityTooLarge', { fields: { ProposedSize: input.body.size, MaxSizeAllowed: MAX_PART_SIZE_BYTES } });
  const upload = await requireUpload(deps, input.bucket, input.key, input.uploadId);
  const bucket = await bucketForWrite(deps, input.bucket);
  // A part of an object that will be locked needs an integrity check, as a PutObject of it does
  // (engine/object-write.ts); the upload's own checksum algorithm, computed here, is none.
  // https://www.ibm.com/docs/en/coss/3.20.1?topic=objects-upload-part-object-lock
  if (writeGetsRetention(bucket, upload.lock) && input.body.contentMd5 === undefined && input.body.checksumAlgorithm === undefined) {
    throw new S3Error('InvalidRequest', { message: 'Content-MD5 OR x-amz-checksum- HTTP header is required for Upload Part requests with Object Lock parameters' });
  }
  await refuseIfOverQuota(deps, bucket, input.body.size, () => storedPartSize(deps, upload.uploadId, input.partNumber));
  const layers = await openDataKey(deps.keys, upload.encryption, input.sseCustomer, 'part');
  const uploadAlg = (upload.checksumAlgorithm ?? undefined) as ChecksumAlgorithm | undefined;
  const sent = input.body.checksumAlgorithm;
  if (uploadAlg && sent && sent !== uploadAlg) {
    throw new S3Error('InvalidRequest', {
      message: `Checksum Type mismatch occurred, expected checksum Type: ${uploadAlg.toLowerCase()}, actual checksum Type: ${sent.toLowerCase()}`,
    });
  }
  const algorithm = sent ?? uploadAlg;
  // A checksum the upload asked for but the part did not send is computed, not checked.
  // The parts are stored as the object will be: under the upload's encryption.
  const body = await writeObjectData(
    deps,
    { ...input.body, checksumAlgorithm: algorithm, computeOnly: sent === undefined && algorithm !== undefined },
    partWriteOptions(storedBytesTransform(layers)),
  );
  return commitWrittenPart(deps, upload, input.partNumber, body, algorithm, layers);
}

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  source: { bucket: string; key: string; versionId?: string };
  sourceRange?: RangeSpec;
  sourceConditions: ReadConditions;
  signal?: AbortSignal;
  /** The SSE-C key of the upload, and that of the source (x-amz-copy-source-…-customer-*). */
  sseCustomer?: SseCustomerKey;
  sourceCustomer?: SseCustomerKey;
}

export async function uploadPartCopy(deps: EngineDeps, input: UploadPartCopyInput): Promise<UploadPartOutput & { sourceVersionId?: string }> {
  validatePartNumber(input.partNumber);
  const upload = await requireUpload(deps, input.bucket, input.key, input.uploadId);
  const layers = await openDataKey(deps.keys, upload.encryption, input.sseCustomer, 'part');
  const sourceBucket = await cachedBucket(deps, input.source.bucket);
  if (!sourceBucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.source.bucket } });
  const source = await requireCopySource(deps, input.source);
  const sourceLayers = await openDataKey(deps.keys, source.encryption, input.sourceCustomer, 'copy-source');
  checkCopySourceConditions(source, input.sourceConditions);
  requireReadable(source);
  const wanted = input.sourceRange;
  if (wanted && 'start' in wanted && (wanted.start >= source.size || (wanted.end !== undefined && wanted.end >= source.size))) {
    // x-amz-copy-source-range must lie inside the source: S3 neither clamps it nor answers 416.
    throw new S3Error('InvalidArgument', {
      message: `Range specified is not valid for source object of size: ${source.size}`,
      fields: { ArgumentName: 'x-amz-copy-source-range' },
    });
  }
  let range = wanted ? resolveRange(wanted, source.size) : undefined;
  range ??= source.size > 0 ? { start: 0, end: source.size - 1 } : undefined;
  const size = range ? range.end - range.start + 1 : 0;
  if (size > MAX_PART_SIZE_BYTES) throw new S3Error('EntityTooLarge', { fields: { ProposedSize: size, MaxSizeAllowed: MAX_PART_SIZE_BYTES } });
  await refuseIfOverQuota(deps, await bucketForWrite(deps, input.bucket), size, () => storedPartSize(deps, upload.uploadId, input.partNumber));
  const algorithm = (upload.checksumAlgorithm ?? undefined) as ChecksumAlgorithm | undefined;
  const body = await copyObjectData(deps, source, range, { checksumAlgorithm: algorithm, signal: input.signal }, partWriteOptions(storedBytesTransform(layers)), sourceLayers);
  return {
    ...(await commitWrittenPart(deps, upload, input.partNumber, body, algorithm, layers)),
    sourceVersionId: sourceBucket.versioning !== null ? source.versionId : undefined,
  };
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteMultipartUploadInput {
  bucket: string;
  key: string;
  uploadId: string;
  parts: CompletedPart[];
  conditions: WriteConditions;
  /** A whole-object checksum the client computed (x-amz-checksum-<alg> on Complete). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** x-amz-checksum-type on Complete: must be the upload's. */
  checksumType?: ChecksumType;
  /** SSE-C headers on Complete: an SSE-C upload's key. */
  sseCustomer?: SseCustomerKey;
}

export interface CompleteMultipartUploadOutput {
  etag: string;
  versionId: string | undefined;
  checksumAlgorithm: ChecksumAlgorithm;
  checksumType: ChecksumType;
  checksums: Record<string, string>;
  size: number;
  encryption?: ObjectEncryption;
}

/** CRC32, CRC32C, SHA1 and SHA256 are S3's "additional" checksums; CRC64NVME is its default. */
function hasAdditionalChecksum(upload: UploadRecord): boolean {
  return upload.checksumAlgorithm !== null && upload.checksumAlgorithm !== 'CRC64NVME';
}

function objectChecksums(upload: UploadRecord, parts: PartRecord[]): { algorithm: ChecksumAlgorithm; type: ChecksumType; values: Record<string, string> } {
  const algorithm = (upload.checksumAlgorithm ?? 'CRC64NVME') as ChecksumAlgorithm;
  const type = upload.checksumType ?? 'FULL_OBJECT';
  const values: Record<string, string> = {};
  // Like a single PUT, every object carries a CRC64NVME of its whole content.
  values.CRC64NVME = combineChecksumParts(
    'CRC64NVME',
    parts.map((p) => ({ checksum: p.checksums.CRC64NVME!, size: p.size })),
  );
  if (algorithm !== 'CRC64NVME') {
    if (type === 'FULL_OBJECT') {
      values[algorithm] = combineChecksumParts(
        algorithm as 'CRC32' | 'CRC32C',
        parts.map((p) => ({ checksum: p.checksums[algorithm]!, size: p.size })),
      );
    } else {
      // COMPOSITE: the checksum of the concatenated part checksums, suffixed with the part count.
      const h = createHasher(algorithm);
      for (const p of parts) h.update(Buffer.from(p.checksums[algorithm]!, 'base64'));
      values[algorithm] = `${h.digest().toString('base64')}-${parts.length}`;
    }
  }
  return { algorithm, type, values };
}

/** Complete's x-amz-checksum-<alg>: a COMPOSITE value matches with its own "-N" (as S3 shows it) or none. */
function sameObjectChecksum(stored: string | undefined, sent: string): boolean {
  if (stored === undefined) return false;
  const [have, got] = [splitPartCount(stored), splitPartCount(sent)];
  return have.checksum === got.checksum && (got.partCount === undefined || got.partCount === have.partCount);
}

export async function completeMultipartUpload(deps: EngineDeps, input: CompleteMultipartUploadInput): Promise<CompleteMultipartUploadOutput> {
  if (input.parts.length === 0) throw new S3Error('MalformedXML', { message: 'The XML you provided was not well-formed or did not validate against our published schema' });
  for (let i = 1; i < input.parts.length; i++) {
    if (input.parts[i]!.partNumber <= input.parts[i - 1]!.partNumber) throw new S3Error('InvalidPartOrder');
  }
  const retried = await completedBefore(deps, input);
  if (retried) return retried;
  const known = await requireUpload(deps, input.bucket, input.key, input.uploadId);
  await openDataKey(deps.keys, known.encryption, input.sseCustomer, 'complete');
  // "If the checksum type doesn't match the checksum type that was specified ... during the
  // CreateMultipartUpload request, it'll result in a BadDigest error."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html#AmazonS3-CompleteMultipartUpload-request-header-ChecksumType
  if (input.checksumType !== undefined && input.checksumType !== (known.checksumType ?? 'FULL_OBJECT')) {
    throw new S3Error('BadDigest', {
      message: `The upload was created using the ${known.checksumType ?? 'FULL_OBJECT'} checksum mode. The complete request must use the same checksum mode.`,
    });
  }
  // "When a additional checksum ... is applied to each part, the PartNumber must start at 1 and
  // the part numbers must be consecutive. Otherwise ... InvalidPartOrder."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html
  if (hasAdditionalChecksum(known) && input.parts.some((p, i) => p.partNumber !== i + 1)) {
    throw new S3Error('InvalidPartOrder', { message: 'The list of parts was not in ascending order. With additional checksums, part numbers must start at 1 and be consecutive.' });
  }
  let unused: string[] = [];
  let gone: BlobRef[] = [];
  let out: CompleteMultipartUploadOutput | undefined;
  let raced: CompleteMultipartUploadOutput | undefined;
  let foreign = false;
  await deps.meta.transaction(async (tx) => {
    const upload = await tx.getUpload(input.uploadId);
    if (!upload) {
      // A concurrent Complete of the same upload won: answer as it was answered.
      const done = await tx.getCompletedUpload(input.uploadId);
      if (done && done.bucket === input.bucket && done.key === input.key) {
        raced = done.result as unknown as CompleteMultipartUploadOutput;
        return;
      }
      throw new S3Error('NoSuchUpload', { fields: { UploadId: input.uploadId } });
    }
    const bucket = await tx.getBucket(input.bucket);
    if (!bucket) throw new S3Error('NoSuchBucket', { fields: { BucketName: input.bucket } });
    const allParts = await tx.listParts(upload.uploadId, 0, MAX_PARTS + 1);
    const stored = new Map(allParts.map((p) => [p.partNumber, p]));
    const chosen: PartRecord[] = [];
    for (const [i, want] of input.parts.entries()) {
      const part = stored.get(want.partNumber);
      if (!part || part.etag !== want.etag.replace(/^"|"$/g, '')) {
        throw new S3Error('InvalidPart', { fields: { PartNumber: want.partNumber, UploadId: upload.uploadId } });
      }
      // A composite checksum is built from the part checksums, so S3 requires each of them
      // (observed on AWS, recorded in https://github.com/floci-io/floci/pull/3093).
      const uploadAlg = upload.checksumAlgorithm as ChecksumAlgorithm | null;
      if (uploadAlg && upload.checksumType === 'COMPOSITE' && want.checksums[uploadAlg] === undefined) {
        throw new S3Error('InvalidRequest', {
          message: `The upload was created using a ${uploadAlg.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${want.partNumber} in the request.`,
        });
      }
      for (const [alg, value] of Object.entries(want.checksums)) {
        if (part.checksums[alg] !== undefined && part.checksums[alg] !== value) {
          throw new S3Error('InvalidPart', {
            message: `The ${alg.toLowerCase()} you specified for part ${want.partNumber} did not match what was uploaded.`,
            fields: { PartNumber: want.partNumber },
          });
        }
      }
      if (i < input.parts.length - 1 && part.size < MIN_PART_SIZE_BYTES) {
        throw new S3Error('EntityTooSmall', { fields: { ProposedSize: part.size, MinSizeAllowed: MIN_PART_SIZE_BYTES, PartNumber: want.partNumber, ETag: part.etag } });
      }
      chosen.push(part);
    }
    const size = chosen.reduce((n, p) => n + p.size, 0);
    if (size > MAX_MULTIPART_OBJECT_BYTES) throw new S3Error('EntityTooLarge');
    const checksums = objectChecksums(upload, chosen);
    if (input.checksum && !sameObjectChecksum(checksums.values[input.checksum.algorithm], input.checksum.value)) {
      throw new S3Error('BadDigest', { message: `The ${input.checksum.algorithm} you specified did not match the calculated checksum.` });
    }
    const md5 = createHash('md5');
    for (const p of chosen) md5.update(Buffer.from(p.etag, 'hex'));
    const etag = `${md5.digest('hex')}-${chosen.length}`;
    const record = newObjectRecord({
      bucket: upload.bucket,
      key: upload.key,
      ownerId: upload.ownerId,
      size,
      etag,
      storageClass: upload.storageClass,
      contentHeaders: upload.contentHeaders,
      userMetadata: upload.userMetadata,
      checksums: { algorithm: upload.checksumAlgorithm ?? undefined, type: checksums.type, values: checksums.values },
      bytes: { parts: chosen.map((p) => ({ partNumber: p.partNumber, blobId: p.blobId, size: p.size, etag: p.etag, checksums: p.checksums })) },
      tags: upload.tags,
      encryption: upload.encryption,
      lock: upload.lock,
      acl: upload.acl,
    });
    // Conditions given at creation and at completion both apply.
    const created: WriteConditions = upload.conditions ?? {};
    const conditions: WriteConditions = {
      ifNoneMatchStar: input.conditions.ifNoneMatchStar || created.ifNoneMatchStar,
      ifMatch: input.conditions.ifMatch ?? created.ifMatch,
    };
    // The parts were counted against the quota as they were stored: the chosen ones become the
    // object's bytes, the others are released with the upload.
    gone = await commitVersion(tx, bucket, record, conditions, { uploadParts: -allParts.length, uploadBytes: -allParts.reduce((n, p) => n + p.size, 0) });
    if (record.ownerId !== bucket.ownerId) foreign = true;
    // The parts are in the blob store: the archive job moves an archive class's bytes to the
    // archive volume, so completion stays O(parts).
    if (isArchiveClass(record.storageClass)) await tx.setObjectTimer(record.bucket, record.key, record.versionId, 'archive', Date.now());
    const used = new Set(chosen.map((p) => p.blobId));
    unused = (await tx.deleteUpload(upload.uploadId)).map((p) => p.blobId).filter((id) => !used.has(id));
    if (unused.length > 0) await tx.unregisterBlobs(unused);
    out = {
      etag,
      versionId: writtenVersionId(record),
      checksumAlgorithm: checksums.algorithm,
      checksumType: checksums.type,
      checksums: checksums.values,
      size,
      encryption: upload.encryption,
    };
    await tx.recordCompletedUpload({ uploadId: upload.uploadId, bucket: upload.bucket, key: upload.key, completedAt: Date.now(), result: { ...out } });
  });
  if (raced) return raced;
  // The bucket may have just been marked as holding another user's object.
  if (foreign) deps.cache.buckets.delete(input.bucket);
  await deleteBlobs(deps, [...gone, ...inBlobStore(unused)]);
  return out!;
}

/** How long a completed upload is remembered for retried Completes. */
export const COMPLETED_UPLOAD_MEMORY_MS = 24 * 3600 * 1000;

/**
 * A retried Complete of an upload that already completed (its first response was lost) gets the
 * same answer: S3 answers 200 again rather than NoSuchUpload, and clients that retry on a
 * dropped connection depend on it.
 */
async function completedBefore(deps: EngineDeps, input: CompleteMultipartUploadInput): Promise<CompleteMultipartUploadOutput | undefined> {
  if (!UPLOAD_ID.test(input.uploadId)) return undefined;
  const done = await deps.meta.getCompletedUpload(input.uploadId);
  if (!done || done.bucket !== input.bucket || done.key !== input.key) return undefined;
  return done.result as unknown as CompleteMultipartUploadOutput;
}

export async function abortMultipartUpload(deps: EngineDeps, bucket: string, key: string, uploadId: string): Promise<void> {
  await requireUpload(deps, bucket, key, uploadId);
  let blobs: string[] = [];
  await deps.meta.transaction(async (tx) => {
    if (!(await tx.getUpload(uploadId))) throw new S3Error('NoSuchUpload', { fields: { UploadId: uploadId } });
    const parts = await tx.deleteUpload(uploadId);
    blobs = parts.map((p) => p.blobId);
    if (blobs.length > 0) await tx.unregisterBlobs(blobs);
    // The parts' bytes leave the bucket's usage (and its quota) with them.
    if (parts.length > 0) await tx.addUsage(bucket, { objectCount: 0, bytes: 0, uploadParts: -parts.length, uploadBytes: -parts.reduce((n, p) => n + p.size, 0) });
  });
  await deleteBlobs(deps, inBlobStore(blobs));
}

/** Abort uploads initiated before `cutoff`; returns how many. Safe to run on many gateways. */
export async function abortUploadsInitiatedBefore(deps: EngineDeps, cutoff: number): Promise<number> {
  await deps.meta.transaction((tx) => tx.forgetCompletedUploadsBefore(Date.now() - COMPLETED_UPLOAD_MEMORY_MS));
  let aborted = 0;
  for (;;) {
    const batch = await deps.meta.listUploadsInitiatedBefore(cutoff, 100);
    if (batch.length === 0) return aborted;
    for (const u of batch) {
      await abortMultipartUpload(deps, u.bucket, u.key, u.uploadId).catch((err: unknown) => {
        if (!(err instanceof S3Error && err.code === 'NoSuchUpload')) throw err;
      });
      aborted++;
    }
  }
}
