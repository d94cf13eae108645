// Each key's versions newest first, as an index: the version listing (ORDER BY key, seq DESC), the
// continuation inside one key's versions and "which version becomes the latest" after a delete
// then read a range of index entries instead of sorting all of a key's versions, however many
// millions of them a bucket holds. seq is the row id, so the entry carries no copy of the row.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
export const migration = {
  id: 9,
  name: 'version-order',
  sql: `
CREATE INDEX objects_versions ON objects(bucket, key, seq DESC);
`,
} as const;
