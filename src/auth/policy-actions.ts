// The S3 action names a bucket policy may name, with the resource each acts on, and the wildcard
// match IAM uses for actions and resources (`*` any run of characters, `?` any one).
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html

type Kind = 'bucket' | 'object' | 'service';

/** S3's actions by the resource type they act on (the "Resource types" column of the reference). */
const ACTIONS_BY_KIND: Readonly<Record<Kind, readonly string[]>> = {
  object: [
    'AbortMultipartUpload',
    'BypassGovernanceRetention',
    'DeleteObject',
    'DeleteObjectTagging',
    'DeleteObjectVersion',
    'DeleteObjectVersionTagging',
    'GetObject',
    'GetObjectAcl',
    'GetObjectAttributes',
    'GetObjectLegalHold',
    'GetObjectRetention',
    'GetObjectTagging',
    'GetObjectTorrent',
    'GetObjectVersion',
    'GetObjectVersionAcl',
    'GetObjectVersionAttributes',
    'GetObjectVersionForReplication',
    'GetObjectVersionTagging',
    'GetObjectVersionTorrent',
    'InitiateReplication',
    'ListMultipartUploadParts',
    'ObjectOwnerOverrideToBucketOwner',
    'PutObject',
    'PutObjectAcl',
    'PutObjectLegalHold',
    'PutObjectRetention',
    'PutObjectTagging',
    'PutObjectVersionAcl',
    'PutObjectVersionTagging',
    'ReplicateDelete',
    'ReplicateObject',
    'ReplicateTags',
    'RestoreObject',
  ],
  bucket: [
    'CreateBucket',
    'DeleteBucket',
    'DeleteBucketOwnershipControls',
    'DeleteBucketPolicy',
    'DeleteBucketWebsite',
    'GetAccelerateConfiguration',
    'GetAnalyticsConfiguration',
    'GetBucketAcl',
    'GetBucketCORS',
    'GetBucketLocation',
    'GetBucketLogging',
    'GetBucketNotification',
    'GetBucketObjectLockConfiguration',
    'GetBucketOwnershipControls',
    'GetBucketPolicy',
    'GetBucketPolicyStatus',
    'GetBucketPublicAccessBlock',
    'GetBucketRequestPayment',
    'GetBucketTagging',
    'GetBucketVersioning',
    'GetBucketWebsite',
    'GetEncryptionConfiguration',
    'GetIntelligentTieringConfiguration',
    'GetInventoryConfiguration',
    'GetLifecycleConfiguration',
    'GetMetricsConfiguration',
    'GetReplicationConfiguration',
    'ListBucket',
    'ListBucketMultipartUploads',
    'ListBucketVersions',
    'PutAccelerateConfiguration',
    'PutAnalyticsConfiguration',
    'PutBucketAcl',
    'PutBucketCORS',
    'PutBucketLogging',
    'PutBucketNotification',
    'PutBucketObjectLockConfiguration',
    'PutBucketOwnershipControls',
    'PutBucketPolicy',
    'PutBucketPublicAccessBlock',
    'PutBucketRequestPayment',
    'PutBucketTagging',
    'PutBucketVersioning',
    'PutBucketWebsite',
    'PutEncryptionConfiguration',
    'PutIntelligentTieringConfiguration',
    'PutInventoryConfiguration',
    'PutLifecycleConfiguration',
    'PutMetricsConfiguration',
    'PutReplicationConfiguration',
  ],
  service: ['ListAllMyBuckets', 'GetAccessPoint', 'ListAccessPoints', 'GetAccountPublicAccessBlock', 'PutAccountPublicAccessBlock'],
};

export const S3_ACTION_NAMES: readonly string[] = Object.values(ACTIONS_BY_KIND).flat();

/**
 * Whether `text` matches `pattern`, where `*` matches any run of characters (none included) and
 * `?` any one character. Actions compare case-insensitively, resources and condition values not.
 */
export function wildcardMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  // Iterative glob match with backtracking to the last `*`: linear in practice, no regex built.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** The kinds of resource the actions a pattern (`s3:Get*`, `*`) names act on. */
export function actionResourceKinds(pattern: string): Set<Kind> {
  const kinds = new Set<Kind>();
  const name = pattern === '*' ? '*' : pattern.slice(pattern.indexOf(':') + 1);
  for (const [kind, names] of Object.entries(ACTIONS_BY_KIND) as Array<[Kind, readonly string[]]>) {
    if (names.some((n) => wildcardMatch(name, n, true))) kinds.add(kind);
  }
  return kinds;
}
