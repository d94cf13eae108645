// The objects table is keyed by its version sequence number, which SQLite then keeps as the row
// id, and the (bucket, key, seq) index goes. Every object write touched four B-trees (rows, the
// primary key, latest, history); now three. The newest version of a key is found through the
// (bucket, key, version_id) index, whose few entries per key sort cheaply by seq, and the next
// seq at start is the largest row id, found without a scan.
export const migration = {
  id: 3,
  name: 'objects-by-seq',
  sql: `
CREATE TABLE objects_by_seq (
  seq             INTEGER PRIMARY KEY,
  bucket          TEXT NOT NULL,
  key             TEXT NOT NULL,
  version_id      TEXT NOT NULL,
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
  UNIQUE (bucket, key, version_id)
);
INSERT INTO objects_by_seq (seq, bucket, key, version_id, is_latest, delete_marker, size, etag, last_modified, owner_id,
  storage_class, content_headers, user_metadata, checksums, inline_data, blob_id, parts, extra)
SELECT seq, bucket, key, version_id, is_latest, delete_marker, size, etag, last_modified, owner_id,
  storage_class, content_headers, user_metadata, checksums, inline_data, blob_id, parts, extra
FROM objects ORDER BY seq;
DROP TABLE objects;
ALTER TABLE objects_by_seq RENAME TO objects;
-- Listing is a range scan over the latest versions; keys compare as UTF-8 bytes (BINARY).
CREATE UNIQUE INDEX objects_latest ON objects(bucket, key) WHERE is_latest = 1;
`,
} as const;
