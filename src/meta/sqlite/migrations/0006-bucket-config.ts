// A bucket's configuration documents (ACL, policy, CORS, lifecycle, encryption, lock, quota…) as one
// JSON object on its row, keyed by document: read with the bucket, each document replaced alone.
export const migration = {
  id: 6,
  name: 'bucket-config',
  sql: `
ALTER TABLE buckets ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
`,
} as const;
