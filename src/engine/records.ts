// The records the engine hands to its callers, named here so that the S3 layer reads them from
// the engine and never imports the metadata store (handlers do not touch storage).
export type { BucketRecord, ChecksumType, CorsRule, LifecycleConfiguration, LifecycleFilter, LifecycleRule, ObjectRecord, Tag, UserRecord } from '../meta/types.js';
