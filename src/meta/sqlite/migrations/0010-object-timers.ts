// Timers on object versions: work due at a time on one version (a restore that completes, a
// restored copy that expires). A background job reads the due ones through the index on due_at,
// so it never scans the objects; a timer whose version is gone is dropped when it comes due.
export const migration = {
  id: 10,
  name: 'object-timers',
  sql: `
CREATE TABLE object_timers (
  bucket      TEXT NOT NULL,
  key         TEXT NOT NULL,
  version_id  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  PRIMARY KEY (bucket, key, version_id, kind)
);
CREATE INDEX object_timers_due ON object_timers(due_at);
`,
} as const;
