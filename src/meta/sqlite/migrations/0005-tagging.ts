// Tags: an object version's tag set lives in its own row, so it is written in the transaction
// that writes the version and, once versioning arrives, every version keeps its own; an upload
// keeps the tags of CreateMultipartUpload until it completes; a bucket's tag set is on its row.
// Each is JSON text, a list of [key, value] pairs in the order given, or NULL for no tags.
export const migration = {
  id: 5,
  name: 'tagging',
  sql: `
ALTER TABLE objects ADD COLUMN tags TEXT;
ALTER TABLE multipart_uploads ADD COLUMN tags TEXT;
ALTER TABLE buckets ADD COLUMN tags TEXT;
`,
} as const;
