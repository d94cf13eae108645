// S3's storage classes as Coffer keeps them. Every class S3 accepts on a PUT to a general purpose
// bucket is accepted and reported back; the archive classes (S3 Glacier Flexible Retrieval and
// Deep Archive) hold their bytes on the archive volume, compressed, and are read only through a
// restored copy. https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#AmazonS3-PutObject-request-header-StorageClass
// OUTPOSTS, SNOW, EXPRESS_ONEZONE and FSX_OPENZFS belong to Outposts, Snow devices, directory
// buckets and FSx: a general purpose bucket answers them with InvalidStorageClass.

export const STORAGE_CLASSES: ReadonlySet<string> = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
]);

/** "Objects in the S3 Glacier Flexible Retrieval and S3 Glacier Deep Archive storage classes are archived": they must be restored to be read. */
export const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export function isStorageClass(value: string): boolean {
  return STORAGE_CLASSES.has(value);
}

export function isArchiveClass(storageClass: string): boolean {
  return ARCHIVE_CLASSES.has(storageClass);
}

/**
 * Classes a lifecycle Transition may name. "You can't transition objects to S3 Express One Zone"
 * and STANDARD is where objects start, not a transition target.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html
 */
export const TRANSITION_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'DEEP_ARCHIVE', 'GLACIER_IR']);
