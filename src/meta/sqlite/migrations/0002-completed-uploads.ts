// Completed multipart uploads are remembered for a while, so a retried CompleteMultipartUpload
// (the first one's response was lost) gets the same answer instead of NoSuchUpload, as S3 does.
export const migration = {
  id: 2,
  name: 'completed-uploads',
  sql: `
CREATE TABLE completed_uploads (
  upload_id     TEXT PRIMARY KEY,
  bucket        TEXT NOT NULL,
  key           TEXT NOT NULL,
  completed_at  INTEGER NOT NULL,
  result        TEXT NOT NULL
);
CREATE INDEX completed_uploads_age ON completed_uploads(completed_at);
`,
} as const;
