// Version ids: those newVersionId (object-write.ts) makes — nine base-36 digits of the creation
// time in milliseconds, then sixteen base64url characters — and 'null', the version of objects
// written while versioning was never enabled or is suspended.

const GENERATED = /^[0-9a-z]{9}[A-Za-z0-9_-]{16}$/;

/** Whether `id` can name a version of ours: anything else is "Invalid version id specified". */
export function isVersionId(id: string): boolean {
  return id === 'null' || GENERATED.test(id);
}

/** When a generated version id was made (ms since the epoch); undefined for 'null' and foreign ids. */
export function versionIdTime(id: string): number | undefined {
  return GENERATED.test(id) ? parseInt(id.slice(0, 9), 36) : undefined;
}
