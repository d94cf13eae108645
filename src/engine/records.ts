// The records the engine hands to its callers, named here so that the S3 layer reads them from
// the engine and never imports the metadata store (handlers do not touch storage).
export type {
  BucketEncryption,
  BucketRecord,
  ChecksumType,
  CorsRule,
  ObjectEncryption,
  ObjectLockConfiguration,
  ObjectLockMode,
  ObjectLockState,
  ObjectRecord,
  Tag,
  UserRecord,
} from '../meta/types.js';
