// Garbage collection may run in several processes while others commit new blobs. A collector
// marks an unregistered blob doomed in the same transaction that finds it unregistered, and only
// then deletes its file; registering a doomed blob fails its transaction. So a blob is either
// committed (and never collected) or doomed (and never committed), whatever the interleaving.
// Doomed ids are random and only crashes leave orphans, so the rows are few and are kept.
export const migration = {
  id: 4,
  name: 'doomed-blobs',
  sql: `
CREATE TABLE doomed_blobs (
  blob_id    TEXT PRIMARY KEY,
  doomed_at  INTEGER NOT NULL
);
`,
} as const;
