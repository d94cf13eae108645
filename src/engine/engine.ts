// The engine: one method per S3 operation, typed in and out, no HTTP. It owns the metadata
// store and the blob store.
import type { EngineDeps } from './deps.js';
import { cachedBucket } from './deps.js';
import * as buckets from './buckets.js';
import * as users from './users.js';
import * as write from './object-write.js';
import * as read from './object-read.js';
import * as del from './object-delete.js';
import * as list from './list.js';
import * as listVersions from './list-versions.js';
import { collectGarbage } from './gc.js';
import * as mpu from './multipart.js';
import * as mpuList from './multipart-list.js';
import * as objectTagging from './object-tagging.js';
import * as bucketTagging from './bucket-tagging.js';
import * as bucketCors from './bucket-cors.js';
import * as access from './access.js';
import * as quota from './quota.js';
import * as bucketEncryption from './bucket-encryption.js';
import * as versioning from './bucket-versioning.js';
import * as lock from './object-lock.js';
import type { AccessKeyStatus, BucketEncryption, BucketQuota, CorsRule, ObjectLockConfiguration, ObjectOwnership, PublicAccessBlock, BucketPolicy, Tag } from '../meta/types.js';
import type { SseCustomerKey } from './encryption.js';

export class Engine {
  constructor(readonly deps: EngineDeps) {}

  createUser(input: users.CreateUserInput) {
    return users.createUser(this.deps, input);
  }
  deleteUser(name: string) {
    return users.deleteUser(this.deps, name);
  }
  listUsers() {
    return users.listUsers(this.deps);
  }
  getUser(id: string) {
    return this.deps.meta.getUser(id);
  }
  getUserDetails(name: string) {
    return users.getUserDetails(this.deps, name);
  }
  addAccessKey(name: string, input: { accessKeyId?: string; secretAccessKey?: string }) {
    return users.addAccessKey(this.deps, name, input);
  }
  setAccessKeyStatus(name: string, accessKeyId: string, status: AccessKeyStatus) {
    return users.setAccessKeyStatus(this.deps, name, accessKeyId, status);
  }
  deleteAccessKey(name: string, accessKeyId: string) {
    return users.deleteAccessKey(this.deps, name, accessKeyId);
  }

  setBucketQuota(bucket: string, value: BucketQuota | undefined) {
    return quota.setBucketQuota(this.deps, bucket, value);
  }
  getBucketQuota(bucket: string) {
    return quota.getBucketQuota(this.deps, bucket);
  }
  getBucketUsage(bucket: string) {
    return quota.getBucketUsage(this.deps, bucket);
  }
  listBucketUsage() {
    return quota.listBucketUsage(this.deps);
  }
  /** Throws unless the metadata store answers a query. */
  async checkReady() {
    await this.deps.meta.countBuckets('');
  }
  lookupAccessKey(accessKeyId: string) {
    return users.lookupAccessKey(this.deps, accessKeyId);
  }
  ensureRootUser(accessKeyId?: string, secret?: string) {
    return users.ensureRootUser(this.deps, accessKeyId, secret);
  }

  createBucket(input: buckets.CreateBucketInput) {
    return buckets.createBucket(this.deps, input);
  }
  deleteBucket(bucket: string) {
    return buckets.deleteBucket(this.deps, bucket);
  }
  getBucket(bucket: string) {
    return cachedBucket(this.deps, bucket);
  }
  headBucket(bucket: string) {
    return buckets.requireBucket(this.deps, bucket);
  }
  listBuckets(input: buckets.ListBucketsInput) {
    return buckets.listBuckets(this.deps, input);
  }

  putObject(input: write.PutObjectInput) {
    return write.putObject(this.deps, input);
  }
  copyObject(input: write.CopyObjectInput) {
    return write.copyObject(this.deps, input);
  }
  getObject(input: read.GetObjectInput) {
    return read.getObject(this.deps, input);
  }
  deleteObject(bucket: string, ownerId: string | undefined, target: del.DeleteTarget, options?: del.DeleteOptions) {
    return del.deleteObject(this.deps, bucket, ownerId, target, options);
  }
  deleteObjects(bucket: string, ownerId: string | undefined, targets: del.DeleteTarget[], options?: del.DeleteOptions) {
    return del.deleteObjects(this.deps, bucket, ownerId, targets, options);
  }
  putBucketVersioning(input: versioning.PutBucketVersioningInput) {
    return versioning.putBucketVersioning(this.deps, input);
  }
  putObjectLockConfiguration(bucket: string, configuration: ObjectLockConfiguration) {
    return lock.putObjectLockConfiguration(this.deps, bucket, configuration);
  }
  getObjectLockConfiguration(bucket: string) {
    return lock.getObjectLockConfiguration(this.deps, bucket);
  }
  putObjectRetention(input: lock.PutObjectRetentionInput) {
    return lock.putObjectRetention(this.deps, input);
  }
  putObjectLegalHold(input: lock.ObjectLockTarget & { legalHold: boolean }) {
    return lock.putObjectLegalHold(this.deps, input);
  }
  getObjectRetention(input: lock.ObjectLockTarget) {
    return lock.getObjectLock(this.deps, { ...input, part: 'retention' });
  }
  getObjectLegalHold(input: lock.ObjectLockTarget) {
    return lock.getObjectLock(this.deps, { ...input, part: 'legalHold' });
  }
  listObjects(input: list.ListObjectsInput) {
    return list.listObjects(this.deps, input);
  }
  listObjectVersions(input: listVersions.ListObjectVersionsInput) {
    return listVersions.listObjectVersions(this.deps, input);
  }

  createMultipartUpload(input: mpu.CreateMultipartUploadInput) {
    return mpu.createMultipartUpload(this.deps, input);
  }
  uploadPart(input: mpu.UploadPartInput) {
    return mpu.uploadPart(this.deps, input);
  }
  uploadPartCopy(input: mpu.UploadPartCopyInput) {
    return mpu.uploadPartCopy(this.deps, input);
  }
  completeMultipartUpload(input: mpu.CompleteMultipartUploadInput) {
    return mpu.completeMultipartUpload(this.deps, input);
  }
  abortMultipartUpload(bucket: string, key: string, uploadId: string) {
    return mpu.abortMultipartUpload(this.deps, bucket, key, uploadId);
  }
  abortUploadsInitiatedBefore(cutoff: number) {
    return mpu.abortUploadsInitiatedBefore(this.deps, cutoff);
  }
  listMultipartUploads(input: mpuList.ListUploadsInput) {
    return mpuList.listMultipartUploads(this.deps, input);
  }
  listParts(input: mpuList.ListPartsInput) {
    return mpuList.listParts(this.deps, input);
  }
  headObject(bucket: string, key: string, versionId?: string, sseCustomer?: SseCustomerKey) {
    return read.headObject(this.deps, bucket, key, versionId, sseCustomer);
  }

  getObjectTagging(input: objectTagging.ObjectTaggingInput) {
    return objectTagging.getObjectTagging(this.deps, input);
  }
  putObjectTagging(input: objectTagging.ObjectTaggingInput & { tags: Tag[] }) {
    return objectTagging.putObjectTagging(this.deps, input);
  }
  deleteObjectTagging(input: objectTagging.ObjectTaggingInput) {
    return objectTagging.putObjectTagging(this.deps, { ...input, tags: [] });
  }
  getBucketTagging(bucket: string) {
    return bucketTagging.getBucketTagging(this.deps, bucket);
  }
  putBucketTagging(bucket: string, tags: Tag[]) {
    return bucketTagging.putBucketTagging(this.deps, bucket, tags);
  }
  deleteBucketTagging(bucket: string) {
    return bucketTagging.putBucketTagging(this.deps, bucket, []);
  }

  getBucketCors(bucket: string) {
    return bucketCors.getBucketCors(this.deps, bucket);
  }
  putBucketCors(bucket: string, rules: CorsRule[]) {
    return bucketCors.putBucketCors(this.deps, bucket, rules);
  }
  deleteBucketCors(bucket: string) {
    return bucketCors.putBucketCors(this.deps, bucket, undefined);
  }
  corsRulesOf(bucket: string) {
    return bucketCors.corsRulesOf(this.deps, bucket);
  }
  getBucketAcl(bucket: string) {
    return access.getBucketAcl(this.deps, bucket);
  }
  putBucketAcl(bucket: string, acl: access.AclInput) {
    return access.putBucketAcl(this.deps, bucket, acl);
  }
  getObjectAcl(target: access.ObjectAclTarget) {
    return access.getObjectAcl(this.deps, target);
  }
  putObjectAcl(target: access.ObjectAclTarget, acl: access.AclInput) {
    return access.putObjectAcl(this.deps, target, acl);
  }
  getBucketOwnershipControls(bucket: string) {
    return access.getBucketOwnershipControls(this.deps, bucket);
  }
  putBucketOwnershipControls(bucket: string, ownership: ObjectOwnership) {
    return access.putBucketOwnershipControls(this.deps, bucket, ownership);
  }
  deleteBucketOwnershipControls(bucket: string) {
    return access.putBucketOwnershipControls(this.deps, bucket, undefined);
  }
  getBucketPolicy(bucket: string) {
    return access.getBucketPolicy(this.deps, bucket);
  }
  bucketAccessDocuments(bucket: string) {
    return access.bucketAccessDocuments(this.deps, bucket);
  }
  putBucketPolicy(bucket: string, policy: BucketPolicy) {
    return access.putBucketPolicy(this.deps, bucket, policy);
  }
  deleteBucketPolicy(bucket: string) {
    return access.putBucketPolicy(this.deps, bucket, undefined);
  }
  getPublicAccessBlock(bucket: string) {
    return access.getPublicAccessBlock(this.deps, bucket);
  }
  putPublicAccessBlock(bucket: string, pab: PublicAccessBlock) {
    return access.putPublicAccessBlock(this.deps, bucket, pab);
  }
  deletePublicAccessBlock(bucket: string) {
    return access.putPublicAccessBlock(this.deps, bucket, undefined);
  }
  /** The object a request names, for the authorizer (no error when it is missing). */
  objectForAccess(bucket: string, key: string, versionId?: string) {
    return access.objectForAccess(this.deps, bucket, key, versionId);
  }
  getBucketEncryption(bucket: string) {
    return bucketEncryption.getBucketEncryption(this.deps, bucket);
  }
  putBucketEncryption(bucket: string, config: BucketEncryption | undefined) {
    return bucketEncryption.putBucketEncryption(this.deps, bucket, config);
  }
  /** SSE-S3: a new current master key; the old ones still open what they sealed. */
  rotateMasterKey() {
    return this.deps.keys.master.rotate();
  }
  createKmsKey(keyId?: string) {
    return this.deps.keys.kms.createKey(keyId);
  }
  listKmsKeys() {
    return this.deps.keys.kms.listKeys();
  }

  collectGarbage(minAgeMs: number) {
    return collectGarbage(this.deps, minAgeMs);
  }
}
