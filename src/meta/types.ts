// Records the metadata store keeps. Neither S3 wire formats nor SQL appear here.
import type { AccessControlList, BucketPolicy, ObjectOwnership, PublicAccessBlock } from '../access.js';

export type { AccessControlList, AclGrant, AclGrantee, BucketPolicy, ObjectOwnership, Permission, PublicAccessBlock } from '../access.js';

export interface UserRecord {
  /** Canonical user id (64 hex chars), as S3 shows in Owner/ID. */
  id: string;
  name: string;
  email: string | null;
  isAdmin: boolean;
  createdAt: number;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  userId: string;
  createdAt: number;
  /** An Inactive key signs nothing (InvalidAccessKeyId), as IAM's UpdateAccessKey; absent means Active. */
  status?: AccessKeyStatus;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export type VersioningState = 'Enabled' | 'Suspended' | null;

/** One tag of an object version or a bucket. A tag set keeps the order it was given in. */
export interface Tag {
  key: string;
  value: string;
}

export interface BucketRecord {
  name: string;
  ownerId: string;
  region: string;
  createdAt: number;
  versioning: VersioningState;
  objectLockEnabled: boolean;
  /** The bucket's tag set; absent or empty when it has none. */
  tags?: Tag[];
  /** The bucket's configuration documents; `{}` when none is set. */
  config: BucketConfig;
}

/**
 * A bucket's configuration documents: its sub-resources (?acl, ?policy, ?cors, ?lifecycle,
 * ?encryption, ?object-lock, ?ownershipControls, ?publicAccessBlock) and its quota, each typed and
 * absent until set. They ride on the bucket record, and so in the bucket cache: the authorizer and
 * every write read them with the bucket at no extra cost. `setBucketConfig` replaces one document
 * at a time, inside a transaction. Each feature adds its document as an optional field here.
 */
export interface BucketConfig {
  /** The operator's hard quota (admin API `buckets/{bucket}/quota`). */
  quota?: BucketQuota;
  /** ?lifecycle: the bucket's lifecycle rules (PutBucketLifecycleConfiguration). */
  lifecycle?: LifecycleConfiguration;
  /** ?acl: the bucket's ACL; absent means the owner's FULL_CONTROL alone (private). */
  acl?: AccessControlList;
  /** ?policy: the bucket policy, as sent and parsed. */
  policy?: BucketPolicy;
  /** ?ownershipControls: Object Ownership; absent behaves as ObjectWriter. */
  ownership?: ObjectOwnership;
  /** ?publicAccessBlock: the four Block Public Access switches. */
  publicAccessBlock?: PublicAccessBlock;
  /**
   * Set once a version owned by someone other than the bucket owner is written (ObjectWriter,
   * BucketOwnerPreferred): until then every object is the owner's, and the authorizer needs no
   * object read to answer the owner.
   */
  foreignObjects?: true;
  /** PutBucketCors: the rules browsers' cross-origin requests are answered by, in order. */
  cors?: CorsRule[];
  /** ?encryption: default encryption of new objects and blocked encryption types. */
  encryption?: BucketEncryption;
  /** ?object-lock: the default retention new versions get (PutObjectLockConfiguration); lock itself is `objectLockEnabled`. */
  objectLock?: ObjectLockConfiguration;
}

/**
 * A bucket's lifecycle configuration, as validated from PutBucketLifecycleConfiguration.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html
 */
export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  /**
   * x-amz-transition-default-minimum-object-size: by default objects under 128 KB do not
   * transition; `varies_by_storage_class` lets them go to the archive classes.
   */
  transitionDefaultMinimumObjectSize?: 'all_storage_classes_128K' | 'varies_by_storage_class';
}

export interface LifecycleRule {
  /** Unique within the configuration; S3 makes one up when the request has none. */
  id: string;
  enabled: boolean;
  /** Which objects the rule applies to; every condition must hold. */
  filter: LifecycleFilter;
  /** How the filter was written (legacy Prefix, Filter/Prefix, Filter/Tag, Filter/And…), to give it back as it was sent. */
  filterForm: 'legacy-prefix' | 'filter' | 'filter-and' | 'none';
  expiration?: { days?: number; date?: number; expiredObjectDeleteMarker?: boolean };
  transitions?: Array<{ days?: number; date?: number; storageClass: string }>;
  noncurrentVersionExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  noncurrentVersionTransitions?: Array<{ noncurrentDays: number; storageClass: string; newerNoncurrentVersions?: number }>;
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

export interface LifecycleFilter {
  prefix?: string;
  tags?: Tag[];
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
}

/** One CORSRule. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html */
export interface CorsRule {
  id?: string;
  allowedMethods: string[];
  allowedOrigins: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/**
 * A bucket's ServerSideEncryptionConfiguration: what new objects that name no encryption get, and
 * which encryption types writes may not use (S3 takes one rule).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionRule.html
 */
export interface BucketEncryption {
  /** ApplyServerSideEncryptionByDefault. */
  defaultAlgorithm?: 'AES256' | 'aws:kms';
  /** KMSMasterKeyID, with aws:kms. */
  kmsMasterKeyId?: string;
  bucketKeyEnabled?: boolean;
  /** BlockedEncryptionTypes: `SSE-C`, or `NONE` (nothing blocked). */
  blockedEncryptionTypes?: Array<'SSE-C' | 'NONE'>;
}

/**
 * A bucket's Object Lock configuration beyond "enabled": its default retention rule, if any, as
 * PutObjectLockConfiguration set it (Days or Years, never both).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectLockConfiguration.html
 */
export interface ObjectLockConfiguration {
  defaultRetention?: { mode: ObjectLockMode; days?: number; years?: number };
}

/** A hard cap on what a bucket holds; a write that would pass it fails with VaultQuotaExceeded. */
export interface BucketQuota {
  hardQuotaBytes: number;
  maxObjects?: number;
}

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksums {
  /** The algorithm the client asked for (x-amz-sdk-checksum-algorithm / x-amz-checksum-*), if any. */
  algorithm?: string;
  type?: ChecksumType;
  /** base64 values by algorithm name (CRC32, CRC32C, CRC64NVME, SHA1, SHA256). */
  values: Record<string, string>;
}

/** A byte run of an object stored in one blob (multipart objects have several). */
export interface PartRef {
  partNumber: number;
  blobId: string;
  size: number;
  etag: string;
  checksums?: Record<string, string>;
}

/** A part's place in a multipart object without where its bytes are (an archived version keeps it). */
export type PartLayout = Omit<PartRef, 'blobId'>;

export interface ObjectRecord {
  bucket: string;
  key: string;
  /** 'null' for objects written while versioning was never enabled or is suspended. */
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  /** Unquoted ETag. */
  etag: string;
  lastModified: number;
  ownerId: string;
  storageClass: string;
  /** content-type, content-encoding, content-disposition, content-language, cache-control, expires */
  contentHeaders: Record<string, string>;
  /** x-amz-meta-* without the prefix, names lower-case. */
  userMetadata: Record<string, string>;
  checksums: StoredChecksums;
  /** Where the bytes are: inline in the row, one blob, or several parts. */
  inlineData: Buffer | null;
  blobId: string | null;
  parts: PartRef[] | null;
  /** The version's tag set; absent or empty when it has none. */
  tags?: Tag[];
  /** How the stored bytes are encrypted; absent for plaintext. */
  encryption?: ObjectEncryption;
  /** Object Lock retention and legal hold of this version; absent when it has neither. */
  lock?: ObjectLockState;
  /** Archive storage state (archived bytes, restores); absent for bytes in the blob store. */
  archive?: ArchiveState;
  /** The version's ACL; absent means its owner's FULL_CONTROL alone (private). */
  acl?: AccessControlList;
}

/**
 * Server-side encryption of an object version, as S3 reports it on GET/HEAD: the algorithm
 * (x-amz-server-side-encryption, or SSE-C's x-amz-server-side-encryption-customer-algorithm)
 * and what names the key. https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html
 */
export interface ObjectEncryption {
  /** SSE-S3 (AES256), SSE-KMS (aws:kms), or a key the customer sends with each request (SSE-C). */
  algorithm: 'AES256' | 'aws:kms' | 'SSE-C';
  /** SSE-KMS: x-amz-server-side-encryption-aws-kms-key-id. */
  kmsKeyId?: string;
  /** SSE-KMS: x-amz-server-side-encryption-context, the base64 JSON encryption context. */
  kmsContext?: string;
  /** SSE-KMS: x-amz-server-side-encryption-bucket-key-enabled. */
  bucketKeyEnabled?: boolean;
  /** SSE-C: x-amz-server-side-encryption-customer-key-MD5 (base64), as S3 echoes it back. */
  customerKeyMd5?: string;
  /** SSE-C: salt and HMAC (base64) that check a later request's key; the key itself is never stored. */
  customerKeySalt?: string;
  customerKeyHmac?: string;
  /** The object's data key, sealed (base64) by the master key, the KMS key or the customer's key. */
  sealedKey?: string;
  /** SSE-S3: the master key that sealed `sealedKey` (old master keys stay readable after rotation). */
  masterKeyId?: string;
}

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

/**
 * Object Lock on a version: a retention (mode and retain-until date, set together) and a legal
 * hold, each independent of the other. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
export interface ObjectLockState {
  /** x-amz-object-lock-mode. */
  mode?: ObjectLockMode;
  /** x-amz-object-lock-retain-until-date, in ms. */
  retainUntil?: number;
  /** x-amz-object-lock-legal-hold: ON (true) or OFF. */
  legalHold?: boolean;
}

/**
 * An object in an archive storage class (GLACIER, DEEP_ARCHIVE) or archive tier, and its
 * temporary restored copy. https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
 */
export interface ArchiveState {
  /** S3 Intelligent-Tiering's archive tier (x-amz-archive-status), when the object is in one. */
  archiveStatus?: 'ARCHIVE_ACCESS' | 'DEEP_ARCHIVE_ACCESS';
  /** The last RestoreObject: x-amz-restore (ongoing-request, expiry-date) and RestoreStatus in listings. */
  restore?: {
    /** ongoing-request="true" while the restore runs. */
    inProgress: boolean;
    /** expiry-date of the restored copy, in ms, once the restore is done. */
    expiry?: number;
    /** The retrieval tier asked for. */
    tier?: 'Expedited' | 'Standard' | 'Bulk';
    /** Days the restored copy is kept, as asked. */
    days?: number;
    /** When the restore completes (ms), while it is in progress. */
    readyAt?: number;
    /** The restored copy: a blob of the uncompressed bytes in the blob store, once the restore is done. */
    blobId?: string;
  };
  /**
   * The archived bytes: the version's blob is on the archive volume, compressed. Absent while an
   * object of an archive class still has its bytes in the blob store (a multipart upload just
   * completed into GLACIER), until the archiver moves them.
   */
  stored?: {
    compression: 'br';
    /** Bytes of the compressed stream (before any encryption of it). */
    compressedSize: number;
    /**
     * A multipart version's parts: its bytes become one archived blob, but GET/HEAD with
     * partNumber, x-amz-mp-parts-count and GetObjectAttributes still answer by its parts.
     */
    parts?: PartLayout[];
  };
}

/**
 * What a bucket holds, as S3 bills storage: every version counts, current or not, and delete
 * markers count for nothing. https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html
 */
export interface BucketUsage {
  /** Object versions that are not delete markers. */
  objectCount: number;
  /** The sum of those versions' sizes. */
  bytes: number;
}

/** The parts of a bucket's unfinished multipart uploads: they count against its quota, and are reported apart. */
export interface UploadUsage {
  parts: number;
  bytes: number;
}

/** A change of a bucket's usage: its versions, and the parts of its unfinished uploads. */
export interface UsageDelta extends BucketUsage {
  uploadParts?: number;
  uploadBytes?: number;
}

/** One bucket's usage, with its quota when it has one. */
export interface BucketUsageRow {
  bucket: string;
  usage: BucketUsage;
  uploads: UploadUsage;
  quota?: BucketQuota;
}

export interface ListRange {
  prefix: string;
  /** Only keys strictly greater than this. */
  after?: string;
  /** Only keys greater than or equal to this. */
  from?: string;
  limit: number;
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  ownerId: string;
  storageClass: string;
  contentHeaders: Record<string, string>;
  userMetadata: Record<string, string>;
  checksumAlgorithm: string | null;
  checksumType: ChecksumType | null;
  /** The tags of CreateMultipartUpload, given to the object when the upload completes. */
  tags?: Tag[];
  /** Write conditions of CreateMultipartUpload, applied again at completion. */
  conditions?: UploadConditions;
  /** The encryption of the parts, and of the object once the upload completes. */
  encryption?: ObjectEncryption;
  /** Object Lock settings the object gets when the upload completes. */
  lock?: ObjectLockState;
  /** The ACL the object gets when the upload completes; absent: its owner's FULL_CONTROL alone. */
  acl?: AccessControlList;
}

/** If-None-Match: * and If-Match of a conditional write. */
export interface UploadConditions {
  ifNoneMatchStar?: boolean;
  ifMatch?: string;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blobId: string;
  size: number;
  /** Unquoted MD5 hex of the part. */
  etag: string;
  lastModified: number;
  /** base64 by algorithm. */
  checksums: Record<string, string>;
}

export interface UploadListRange {
  prefix: string;
  /** Uploads of keys after this key, or of this key with upload ids after uploadIdMarker. */
  keyMarker?: string;
  uploadIdMarker?: string;
  /** Only keys greater than or equal to this (a seek past a common prefix). */
  from?: string;
  limit: number;
}

/**
 * A window of the version listing: every version and delete marker, keys in UTF-8 byte order and
 * each key's versions newest first.
 */
export interface VersionListRange {
  prefix: string;
  /** Only versions after this key (all of its versions), or with versionIdMarker after that version of it. */
  keyMarker?: string;
  /** The version of keyMarker to continue after: its older versions come next. */
  versionIdMarker?: string;
  /**
   * When the versionIdMarker version is gone (deleted since the page that named it), its place
   * in the order is gone with it: then the key's versions last modified at or before this time
   * (ms) follow, none of which can be newer than it was. Without a time, all the key's versions.
   * Either way a version may be listed twice, but none is skipped.
   */
  versionIdMarkerTime?: number;
  /** Only keys greater than or equal to this (a seek past a common prefix). */
  from?: string;
  limit: number;
}

/** What a completed upload answered, kept so a retried Complete answers the same. */
export interface CompletedUploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  completedAt: number;
  result: Record<string, unknown>;
}

/** Work due on one object version at a time (the archive job's restores and restored-copy expiries). */
export interface ObjectTimer {
  bucket: string;
  key: string;
  versionId: string;
  kind: ObjectTimerKind;
  /** ms */
  dueAt: number;
}

/** 'archive': move an archive-class version's bytes to the archive volume (a multipart upload completed into GLACIER). */
export type ObjectTimerKind = 'restore' | 'restore-expiry' | 'archive';
