// The first schema: users and keys, buckets with per-bucket settings and usage counters, object
// versions (a version id on every row, delete markers), multipart uploads and parts, and the
// registry of committed blobs that garbage collection checks files against.
export const migration = {
  id: 1,
  name: 'initial',
  sql: `
CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  email       TEXT,
  is_admin    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);
CREATE TABLE access_keys (
  access_key_id  TEXT PRIMARY KEY,
  secret         TEXT NOT NULL,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at     INTEGER NOT NULL
);
CREATE INDEX access_keys_user ON access_keys(user_id);

CREATE TABLE buckets (
  name         TEXT PRIMARY KEY,
  owner_id     TEXT NOT NULL,
  region       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  versioning   TEXT,
  object_lock  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX buckets_owner ON buckets(owner_id, name);

-- Per-bucket configuration documents (ACL, policy, CORS, lifecycle, encryption, quota, ...).
CREATE TABLE bucket_settings (
  bucket  TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
  name    TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (bucket, name)
);

CREATE TABLE bucket_usage (
  bucket        TEXT PRIMARY KEY REFERENCES buckets(name) ON DELETE CASCADE,
  object_count  INTEGER NOT NULL DEFAULT 0,
  bytes         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE objects (
  bucket          TEXT NOT NULL,
  key             TEXT NOT NULL,
  version_id      TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  is_latest       INTEGER NOT NULL,
  delete_marker   INTEGER NOT NULL DEFAULT 0,
  size            INTEGER NOT NULL,
  etag            TEXT NOT NULL,
  last_modified   INTEGER NOT NULL,
  owner_id        TEXT NOT NULL,
  storage_class   TEXT NOT NULL,
  content_headers TEXT NOT NULL,
  user_metadata   TEXT NOT NULL,
  checksums       TEXT NOT NULL,
  inline_data     BLOB,
  blob_id         TEXT,
  parts           TEXT,
  extra           TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (bucket, key, version_id)
);
-- Listing is a range scan over the latest versions; keys compare as UTF-8 bytes (BINARY).
CREATE UNIQUE INDEX objects_latest ON objects(bucket, key) WHERE is_latest = 1;
CREATE INDEX objects_history ON objects(bucket, key, seq);

CREATE TABLE multipart_uploads (
  upload_id        TEXT PRIMARY KEY,
  bucket           TEXT NOT NULL,
  key              TEXT NOT NULL,
  initiated        INTEGER NOT NULL,
  owner_id         TEXT NOT NULL,
  storage_class    TEXT NOT NULL,
  content_headers  TEXT NOT NULL,
  user_metadata    TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_type    TEXT,
  extra            TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX multipart_uploads_key ON multipart_uploads(bucket, key, initiated, upload_id);

CREATE TABLE multipart_parts (
  upload_id      TEXT NOT NULL REFERENCES multipart_uploads(upload_id) ON DELETE CASCADE,
  part_number    INTEGER NOT NULL,
  blob_id        TEXT NOT NULL,
  size           INTEGER NOT NULL,
  etag           TEXT NOT NULL,
  last_modified  INTEGER NOT NULL,
  checksums      TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);

CREATE TABLE blobs (
  blob_id     TEXT PRIMARY KEY,
  created_at  INTEGER NOT NULL
);
`,
} as const;
