// The one factory of ObjectRecord. Records are plain data; this keeps their shape in one place.
import type { AccessControlList, ArchiveState, ObjectEncryption, ObjectLockState, ObjectRecord, PartRef, StoredChecksums, Tag } from './types.js';

/** Where a version's bytes are: inline in its row, one blob, or a blob per part. */
export type ObjectBytes = { inlineData: Buffer } | { blobId: string } | { parts: PartRef[] };

/** What a new object version (or delete marker) is made of; the factory fills in the rest. */
export interface NewObjectRecord {
  bucket: string;
  key: string;
  ownerId: string;
  /** Default 'null': the version id is decided when it is committed. */
  versionId?: string;
  /** Default true: a new version becomes the latest. */
  isLatest?: boolean;
  /** Default false. A delete marker has no bytes, size 0 and an empty ETag. */
  deleteMarker?: boolean;
  size?: number;
  etag?: string;
  /** Default now. */
  lastModified?: number;
  /** Default STANDARD. */
  storageClass?: string;
  contentHeaders?: Record<string, string>;
  userMetadata?: Record<string, string>;
  checksums?: StoredChecksums;
  /** Where the bytes are; none for a delete marker (and in listing rows, which omit them). */
  bytes?: ObjectBytes;
  tags?: Tag[];
  encryption?: ObjectEncryption;
  lock?: ObjectLockState;
  archive?: ArchiveState;
  acl?: AccessControlList;
}

/**
 * The one way an ObjectRecord is made, by the engine, the stores and the tests: every field is
 * present (optional ones as undefined), so records of one kind compare equal and share a shape.
 */
export function newObjectRecord(init: NewObjectRecord): ObjectRecord {
  const bytes = init.bytes;
  return {
    bucket: init.bucket,
    key: init.key,
    versionId: init.versionId ?? 'null',
    isLatest: init.isLatest ?? true,
    deleteMarker: init.deleteMarker ?? false,
    size: init.size ?? 0,
    etag: init.etag ?? '',
    lastModified: init.lastModified ?? Date.now(),
    ownerId: init.ownerId,
    storageClass: init.storageClass ?? 'STANDARD',
    contentHeaders: init.contentHeaders ?? {},
    userMetadata: init.userMetadata ?? {},
    checksums: init.checksums ?? { values: {} },
    inlineData: bytes !== undefined && 'inlineData' in bytes ? bytes.inlineData : null,
    blobId: bytes !== undefined && 'blobId' in bytes ? bytes.blobId : null,
    parts: bytes !== undefined && 'parts' in bytes ? bytes.parts : null,
    tags: init.tags,
    encryption: init.encryption,
    lock: init.lock,
    acl: init.acl,
    archive: init.archive,
  };
}
