// The write half of a SQLite metadata transaction. Runs inside the store's batch transaction;
// see sqlite-store.ts for how batches commit.
import type { MetaTx, MetaReader } from '../store.js';
import { BlobDoomedError, QuotaExceededError } from '../store.js';
import type { BucketQuota, ObjectRecord } from '../types.js';
import { REPLACE_COLUMNS, objectExtraText, tagsText, toObject, toPart, uploadExtraText } from './rows.js';
import type { Row } from './rows.js';

export interface SqlRunner {
  get(sql: string, ...params: unknown[]): Row | undefined;
  all(sql: string, ...params: unknown[]): Row[];
  run(sql: string, ...params: unknown[]): number;
  /** The next version order number. */
  nextSeq(): number;
  /** A key's versions are about to change: drop what is cached of it. */
  forgetKey(bucket: string, key: string): void;
  forgetAll(): void;
}

export type MetaWrites = Omit<MetaTx, keyof MetaReader>;

/**
 * An object row's data columns, in the order both the in-place UPDATE and the INSERT name them:
 * delete_marker, size, etag, last_modified, owner_id, storage_class, content_headers,
 * user_metadata, checksums, inline_data, blob_id, parts, tags, extra.
 */
function objectDataValues(o: ObjectRecord): unknown[] {
  return [
    o.deleteMarker ? 1 : 0,
    o.size,
    o.etag,
    o.lastModified,
    o.ownerId,
    o.storageClass,
    JSON.stringify(o.contentHeaders),
    JSON.stringify(o.userMetadata),
    JSON.stringify(o.checksums),
    o.inlineData,
    o.blobId,
    o.parts === null ? null : JSON.stringify(o.parts),
    tagsText(o.tags),
    objectExtraText(o),
  ];
}

export function sqliteWrites(s: SqlRunner): MetaWrites {
  return {
    async recordCompletedUpload(c) {
      s.run(
        'INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, completed_at, result) VALUES (?, ?, ?, ?, ?)',
        c.uploadId,
        c.bucket,
        c.key,
        c.completedAt,
        JSON.stringify(c.result),
      );
    },
    async forgetCompletedUploadsBefore(cutoff) {
      return s.run('DELETE FROM completed_uploads WHERE completed_at < ?', cutoff);
    },

    async createUpload(u) {
      s.run(
        `INSERT INTO multipart_uploads (upload_id, bucket, key, initiated, owner_id, storage_class, content_headers, user_metadata,
             checksum_algorithm, checksum_type, tags, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        u.uploadId,
        u.bucket,
        u.key,
        u.initiated,
        u.ownerId,
        u.storageClass,
        JSON.stringify(u.contentHeaders),
        JSON.stringify(u.userMetadata),
        u.checksumAlgorithm,
        u.checksumType,
        tagsText(u.tags),
        uploadExtraText(u),
      );
    },
    async deleteUpload(id) {
      const parts = s.all('SELECT * FROM multipart_parts WHERE upload_id = ?', id).map(toPart);
      s.run('DELETE FROM multipart_parts WHERE upload_id = ?', id);
      s.run('DELETE FROM multipart_uploads WHERE upload_id = ?', id);
      return parts;
    },
    async putPart(p) {
      const old = s.get('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number = ?', p.uploadId, p.partNumber);
      s.run(
        `INSERT OR REPLACE INTO multipart_parts (upload_id, part_number, blob_id, size, etag, last_modified, checksums)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        p.uploadId,
        p.partNumber,
        p.blobId,
        p.size,
        p.etag,
        p.lastModified,
        JSON.stringify(p.checksums),
      );
      return old && toPart(old);
    },

    async createUser(u) {
      s.run('INSERT INTO users (id, name, email, is_admin, created_at) VALUES (?, ?, ?, ?, ?)', u.id, u.name, u.email, u.isAdmin ? 1 : 0, u.createdAt);
    },
    async deleteUser(id) {
      s.run('DELETE FROM users WHERE id = ?', id);
    },
    async createAccessKey(k) {
      s.run(
        'INSERT INTO access_keys (access_key_id, secret, user_id, created_at, status) VALUES (?, ?, ?, ?, ?)',
        k.accessKeyId,
        k.secretAccessKey,
        k.userId,
        k.createdAt,
        k.status ?? 'Active',
      );
    },
    async deleteAccessKey(id) {
      s.run('DELETE FROM access_keys WHERE access_key_id = ?', id);
    },
    async setAccessKeyStatus(id, status) {
      return s.run('UPDATE access_keys SET status = ? WHERE access_key_id = ?', status, id) > 0;
    },
    async createBucket(b) {
      s.run(
        'INSERT INTO buckets (name, owner_id, region, created_at, versioning, object_lock, config) VALUES (?, ?, ?, ?, ?, ?, ?)',
        b.name,
        b.ownerId,
        b.region,
        b.createdAt,
        b.versioning,
        b.objectLockEnabled ? 1 : 0,
        JSON.stringify(b.config),
      );
      s.run('INSERT INTO bucket_usage (bucket) VALUES (?)', b.name);
    },
    async deleteBucket(name) {
      s.forgetAll();
      const parts = s.all('SELECT p.* FROM multipart_uploads u JOIN multipart_parts p ON p.upload_id = u.upload_id WHERE u.bucket = ?', name).map(toPart);
      s.run('DELETE FROM multipart_parts WHERE upload_id IN (SELECT upload_id FROM multipart_uploads WHERE bucket = ?)', name);
      s.run('DELETE FROM multipart_uploads WHERE bucket = ?', name);
      s.run('DELETE FROM buckets WHERE name = ?', name);
      return parts;
    },
    async setBucketVersioning(name, state) {
      s.run('UPDATE buckets SET versioning = ? WHERE name = ?', state, name);
    },
    async enableBucketObjectLock(name) {
      s.run('UPDATE buckets SET object_lock = 1 WHERE name = ?', name);
    },
    async setBucketTags(name, tags) {
      s.run('UPDATE buckets SET tags = ? WHERE name = ?', tagsText(tags), name);
    },
    async setBucketConfig(name, key, value) {
      // One document at a time, in SQL, so a change to one never rewrites another from a stale read.
      const path = `$.${key}`;
      if (value === undefined) s.run('UPDATE buckets SET config = json_remove(config, ?) WHERE name = ?', path, name);
      else s.run('UPDATE buckets SET config = json_set(config, ?, json(?)) WHERE name = ?', path, JSON.stringify(value), name);
    },
    async setObjectTags(bucket, key, versionId, tags) {
      s.forgetKey(bucket, key);
      return s.run('UPDATE objects SET tags = ? WHERE bucket = ? AND key = ? AND version_id = ?', tagsText(tags), bucket, key, versionId) > 0;
    },
    async setObjectAcl(bucket, key, versionId, acl) {
      s.forgetKey(bucket, key);
      // One field of the version's extra JSON changes; the others stay as they are.
      const sql =
        acl === undefined
          ? "UPDATE objects SET extra = json_remove(extra, '$.acl') WHERE bucket = ? AND key = ? AND version_id = ?"
          : "UPDATE objects SET extra = json_set(extra, '$.acl', json(?)) WHERE bucket = ? AND key = ? AND version_id = ?";
      return acl === undefined ? s.run(sql, bucket, key, versionId) > 0 : s.run(sql, JSON.stringify(acl), bucket, key, versionId) > 0;
    },
    async setObjectLock(bucket, key, versionId, lock) {
      s.forgetKey(bucket, key);
      // Only the lock member of the extra document changes: encryption and archive state stay.
      if (lock === undefined) return s.run("UPDATE objects SET extra = json_remove(extra, '$.lock') WHERE bucket = ? AND key = ? AND version_id = ?", bucket, key, versionId) > 0;
      return (
        s.run("UPDATE objects SET extra = json_set(extra, '$.lock', json(?)) WHERE bucket = ? AND key = ? AND version_id = ?", JSON.stringify(lock), bucket, key, versionId) > 0
      );
    },
    async insertObjectVersion(o, replaceVersionId, options) {
      s.forgetKey(o.bucket, o.key);
      let removed: ObjectRecord | undefined;
      if (replaceVersionId !== undefined) {
        const r = s.get(`SELECT ${REPLACE_COLUMNS} FROM objects WHERE bucket = ? AND key = ? AND version_id = ?`, o.bucket, o.key, replaceVersionId);
        removed = r && toObject(r);
        if (removed?.isLatest && replaceVersionId === o.versionId) {
          // Overwriting the latest version under its own id (the common unversioned PUT): the row
          // changes in place and no index entry moves.
          s.run(
            `UPDATE objects SET delete_marker = ?, size = ?, etag = ?, last_modified = ?, owner_id = ?, storage_class = ?,
                 content_headers = ?, user_metadata = ?, checksums = ?, inline_data = ?, blob_id = ?, parts = ?, tags = ?, extra = ?
               WHERE bucket = ? AND key = ? AND version_id = ?`,
            ...objectDataValues(o),
            o.bucket,
            o.key,
            o.versionId,
          );
          return removed;
        }
        if (removed) s.run('DELETE FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', o.bucket, o.key, replaceVersionId);
      }
      // Another version is latest unless the one just removed was, or there can be none.
      if (!removed?.isLatest && options?.onlyVersion !== true) s.run('UPDATE objects SET is_latest = 0 WHERE bucket = ? AND key = ? AND is_latest = 1', o.bucket, o.key);
      const seq = s.nextSeq();
      s.run(
        `INSERT INTO objects (bucket, key, version_id, seq, is_latest, delete_marker, size, etag, last_modified, owner_id,
             storage_class, content_headers, user_metadata, checksums, inline_data, blob_id, parts, tags, extra)
           VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        o.bucket,
        o.key,
        o.versionId,
        seq,
        ...objectDataValues(o),
      );
      return removed;
    },
    async deleteObjectVersion(bucket, key, versionId) {
      s.forgetKey(bucket, key);
      const r = s.get('SELECT * FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, key, versionId);
      if (!r) return undefined;
      s.run('DELETE FROM objects WHERE bucket = ? AND key = ? AND version_id = ?', bucket, key, versionId);
      if (r.is_latest === 1) {
        s.run('UPDATE objects SET is_latest = 1 WHERE seq = (SELECT seq FROM objects WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1)', bucket, key);
      }
      return toObject(r);
    },
    async addUsage(bucket, d) {
      const parts = d.uploadParts ?? 0;
      const partBytes = d.uploadBytes ?? 0;
      const growsBytes = d.bytes + partBytes > 0;
      const growsObjects = d.objectCount > 0;
      const update =
        'UPDATE bucket_usage SET object_count = object_count + ?, bytes = bytes + ?, upload_parts = upload_parts + ?, upload_bytes = upload_bytes + ? WHERE bucket = ?';
      if (!growsBytes && !growsObjects) {
        s.run(update, d.objectCount, d.bytes, parts, partBytes, bucket);
        return;
      }
      // The change and the counts it leads to in one statement, with the quota beside them.
      const r = s.get(
        `${update} RETURNING object_count, bytes + upload_bytes AS total, (SELECT json_extract(config, '$.quota') FROM buckets WHERE name = ?) AS quota`,
        d.objectCount,
        d.bytes,
        parts,
        partBytes,
        bucket,
        bucket,
      );
      if (r === undefined || r.quota === null) return;
      const quota = JSON.parse(r.quota as string) as BucketQuota;
      const limit =
        growsBytes && (r.total as number) > quota.hardQuotaBytes
          ? 'bytes'
          : growsObjects && quota.maxObjects !== undefined && (r.object_count as number) > quota.maxObjects
            ? 'objects'
            : undefined;
      if (limit === undefined) return;
      // Undone here, so a caller that goes on after the refusal (one key of a batch) keeps exact counts.
      s.run(update, -d.objectCount, -d.bytes, -parts, -partBytes, bucket);
      throw new QuotaExceededError(bucket, limit);
    },
    async registerBlobs(ids) {
      const now = Date.now();
      for (const id of ids) {
        // Collected as garbage while its writer stalled between writing it and this commit.
        if (s.get('SELECT 1 AS x FROM doomed_blobs WHERE blob_id = ?', id)) throw new BlobDoomedError(id);
        s.run('INSERT OR IGNORE INTO blobs (blob_id, created_at) VALUES (?, ?)', id, now);
      }
    },
    async unregisterBlobs(ids) {
      for (const id of ids) s.run('DELETE FROM blobs WHERE blob_id = ?', id);
    },
    async doomBlobs(ids) {
      const now = Date.now();
      const doomed: string[] = [];
      for (const id of ids) {
        if (s.get('SELECT 1 AS x FROM blobs WHERE blob_id = ?', id)) continue;
        s.run('INSERT OR IGNORE INTO doomed_blobs (blob_id, doomed_at) VALUES (?, ?)', id, now);
        doomed.push(id);
      }
      return doomed;
    },
  };
}
