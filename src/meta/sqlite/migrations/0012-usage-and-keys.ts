// Operating Coffer: the parts of unfinished multipart uploads are counted per bucket beside its
// versions (they count against a quota from the moment they are stored, and are reported apart),
// and an access key can be deactivated without being deleted. Uploads open at the upgrade are
// counted from their part rows.
export const migration = {
  id: 12,
  name: 'usage-and-keys',
  sql: `
ALTER TABLE bucket_usage ADD COLUMN upload_parts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bucket_usage ADD COLUMN upload_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE bucket_usage SET
  upload_parts = (SELECT count(*) FROM multipart_parts p JOIN multipart_uploads u ON u.upload_id = p.upload_id WHERE u.bucket = bucket_usage.bucket),
  upload_bytes = (SELECT coalesce(sum(p.size), 0) FROM multipart_parts p JOIN multipart_uploads u ON u.upload_id = p.upload_id WHERE u.bucket = bucket_usage.bucket);
ALTER TABLE access_keys ADD COLUMN status TEXT NOT NULL DEFAULT 'Active';
`,
} as const;
