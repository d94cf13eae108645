// Rows of the SQLite schema and the records they map to, and the SQL pieces reads and writes share.
import type { AccessKeyRecord, BucketRecord, ObjectRecord, PartRecord, PartRef, Tag, UploadRecord, UserRecord, VersioningState } from '../types.js';
import { prefixUpperBound } from '../key-order.js';
import { newObjectRecord } from '../records.js';

export type Row = Record<string, unknown>;

export const LIST_COLUMNS = [
  'bucket',
  'key',
  'version_id',
  'is_latest',
  'delete_marker',
  'size',
  'etag',
  'last_modified',
  'owner_id',
  'storage_class',
  'content_headers',
  'user_metadata',
  'checksums',
  'blob_id',
  'extra',
].join(', ');

/** What replacing a version needs to know of the old one: everything but its inline bytes. */
export const REPLACE_COLUMNS = `${LIST_COLUMNS}, parts`;

/** A tag set as stored: JSON [key, value] pairs in order, NULL for none. */
export function tagsText(tags: readonly Tag[] | undefined): string | null {
  return tags === undefined || tags.length === 0 ? null : JSON.stringify(tags.map((t) => [t.key, t.value]));
}

/** The stored tag set; undefined when there is none (or the row was read without it). */
export function fromTagsText(text: unknown): Tag[] | undefined {
  if (typeof text !== 'string') return undefined;
  return (JSON.parse(text) as Array<[string, string]>).map(([key, value]) => ({ key, value }));
}

export function toUser(r: Row): UserRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    email: (r.email as string | null) ?? null,
    isAdmin: r.is_admin === 1,
    createdAt: r.created_at as number,
  };
}

export function toAccessKey(r: Row): AccessKeyRecord {
  const key: AccessKeyRecord = { accessKeyId: r.access_key_id as string, secretAccessKey: r.secret as string, userId: r.user_id as string, createdAt: r.created_at as number };
  // Absent means Active, so a key reads back as it was written.
  if (r.status === 'Inactive') key.status = 'Inactive';
  return key;
}

export function toBucket(r: Row): BucketRecord {
  return {
    name: r.name as string,
    ownerId: r.owner_id as string,
    region: r.region as string,
    createdAt: r.created_at as number,
    versioning: (r.versioning as VersioningState) ?? null,
    objectLockEnabled: r.object_lock === 1,
    tags: fromTagsText(r.tags),
    config: jsonObject<BucketRecord['config']>(r.config),
  };
}

/** Most objects carry no user metadata and no extras: '{}' needs no parser. */
function jsonObject<T>(text: unknown): T {
  return (text === '{}' ? {} : JSON.parse(text as string)) as T;
}

/** The typed optional fields of a version kept in its `extra` column as JSON; '{}' when it has none. */
type ObjectExtra = Pick<ObjectRecord, 'encryption' | 'lock' | 'archive' | 'acl'>;

export function objectExtraText(o: ObjectExtra): string {
  if (o.encryption === undefined && o.lock === undefined && o.archive === undefined && o.acl === undefined) return '{}';
  return JSON.stringify({ encryption: o.encryption, lock: o.lock, archive: o.archive, acl: o.acl });
}

/** The typed optional fields of an upload kept in its `extra` column as JSON (older rows hold only `conditions`). */
type UploadExtra = Pick<UploadRecord, 'conditions' | 'encryption' | 'lock' | 'acl'>;

export function uploadExtraText(u: UploadExtra): string {
  if (u.conditions === undefined && u.encryption === undefined && u.lock === undefined && u.acl === undefined) return '{}';
  return JSON.stringify({ conditions: u.conditions, encryption: u.encryption, lock: u.lock, acl: u.acl });
}

export function toObject(r: Row): ObjectRecord {
  const extra = jsonObject<ObjectExtra>(r.extra);
  const inlineData = r.inline_data as Buffer | null | undefined;
  const parts = r.parts == null ? null : (JSON.parse(r.parts as string) as PartRef[]);
  return newObjectRecord({
    bucket: r.bucket as string,
    key: r.key as string,
    versionId: r.version_id as string,
    isLatest: r.is_latest === 1,
    deleteMarker: r.delete_marker === 1,
    size: r.size as number,
    etag: r.etag as string,
    lastModified: r.last_modified as number,
    ownerId: r.owner_id as string,
    storageClass: r.storage_class as string,
    contentHeaders: jsonObject<Record<string, string>>(r.content_headers),
    userMetadata: jsonObject<Record<string, string>>(r.user_metadata),
    checksums: JSON.parse(r.checksums as string) as ObjectRecord['checksums'],
    // Listing rows are read without inline_data and parts: they come back as null.
    bytes: inlineData != null ? { inlineData } : r.blob_id != null ? { blobId: r.blob_id as string } : parts !== null ? { parts } : undefined,
    tags: fromTagsText(r.tags),
    encryption: extra.encryption,
    lock: extra.lock,
    archive: extra.archive,
    acl: extra.acl,
  });
}

export function toUpload(r: Row): UploadRecord {
  const extra = jsonObject<UploadExtra>(r.extra);
  return {
    uploadId: r.upload_id as string,
    bucket: r.bucket as string,
    key: r.key as string,
    initiated: r.initiated as number,
    ownerId: r.owner_id as string,
    storageClass: r.storage_class as string,
    contentHeaders: JSON.parse(r.content_headers as string) as Record<string, string>,
    userMetadata: JSON.parse(r.user_metadata as string) as Record<string, string>,
    checksumAlgorithm: (r.checksum_algorithm as string | null) ?? null,
    checksumType: (r.checksum_type as UploadRecord['checksumType']) ?? null,
    tags: fromTagsText(r.tags),
    conditions: extra.conditions,
    encryption: extra.encryption,
    lock: extra.lock,
    acl: extra.acl,
  };
}

export function toPart(r: Row): PartRecord {
  return {
    uploadId: r.upload_id as string,
    partNumber: r.part_number as number,
    blobId: r.blob_id as string,
    size: r.size as number,
    etag: r.etag as string,
    lastModified: r.last_modified as number,
    checksums: JSON.parse(r.checksums as string) as Record<string, string>,
  };
}

/**
 * A key prefix as an index range (key >= prefix AND key < the first string after it), and the
 * seek bound `from` (key >= from) that listings use to skip a common prefix.
 */
export function keyPrefixRange(prefix: string, from: string | undefined, conds: string[], params: unknown[]): void {
  if (from !== undefined) {
    conds.push('key >= ?');
    params.push(from);
  }
  if (prefix === '') return;
  conds.push('key >= ?');
  params.push(prefix);
  const upper = prefixUpperBound(prefix);
  if (upper !== undefined) {
    conds.push('key < ?');
    params.push(upper);
  }
}
