// The route table: (method, target, sub-resource, header) → AWS operation. The most specific
// matching row wins; a start-up check refuses two rows that could match the same request.
import { S3Error } from '../errors.js';
import { ACTIONS } from '../auth/authorize.js';

export type On = 'service' | 'bucket' | 'object';
export type BodyKind = 'none' | 'xml' | 'stream';

export interface Route {
  method: string;
  on: On;
  /** Query keys that must be present; `key=value` requires that value. */
  query?: readonly string[];
  header?: string;
  op: string;
  /** The IAM action the authorizer is asked about. */
  action: string;
  /**
   * The action instead when the request names a version (`?versionId=`): S3 asks for
   * s3:GetObjectVersion to read a version, s3:DeleteObjectVersion to delete one, and so on.
   */
  versionAction?: string;
  /** The request also reads the object x-amz-copy-source names: the authorizer is asked about it too. */
  copySource?: true;
  /**
   * A browser POST upload: its key and credentials are in the form body, so dispatch does not ask
   * the authorizer; the handler asks (authorizePostObject) once the form's fields are read, about
   * `action` on the object they name.
   */
  postForm?: true;
  body: BodyKind;
}

// Actions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
// and each operation's page ("you must have the s3:GetObjectVersion permission" with versionId).
export const ROUTES: readonly Route[] = [
  { method: 'GET', on: 'service', op: 'ListBuckets', action: 's3:ListAllMyBuckets', body: 'none' },

  { method: 'PUT', on: 'bucket', op: 'CreateBucket', action: 's3:CreateBucket', body: 'xml' },
  { method: 'HEAD', on: 'bucket', op: 'HeadBucket', action: 's3:ListBucket', body: 'none' },
  { method: 'DELETE', on: 'bucket', op: 'DeleteBucket', action: 's3:DeleteBucket', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['location'], op: 'GetBucketLocation', action: 's3:GetBucketLocation', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['versioning'], op: 'GetBucketVersioning', action: 's3:GetBucketVersioning', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['versioning'], op: 'PutBucketVersioning', action: 's3:PutBucketVersioning', body: 'xml' },
  { method: 'PUT', on: 'bucket', query: ['object-lock'], op: 'PutObjectLockConfiguration', action: 's3:PutBucketObjectLockConfiguration', body: 'xml' },
  { method: 'GET', on: 'bucket', query: ['object-lock'], op: 'GetObjectLockConfiguration', action: 's3:GetBucketObjectLockConfiguration', body: 'none' },
  { method: 'GET', on: 'bucket', op: 'ListObjects', action: 's3:ListBucket', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['list-type=2'], op: 'ListObjectsV2', action: 's3:ListBucket', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['uploads'], op: 'ListMultipartUploads', action: 's3:ListBucketMultipartUploads', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['versions'], op: 'ListObjectVersions', action: 's3:ListBucketVersions', body: 'none' },
  { method: 'POST', on: 'bucket', query: ['delete'], op: 'DeleteObjects', action: 's3:DeleteObject', body: 'xml' },
  { method: 'POST', on: 'bucket', op: 'PostObject', action: 's3:PutObject', postForm: true, body: 'stream' },

  { method: 'PUT', on: 'object', op: 'PutObject', action: 's3:PutObject', body: 'stream' },
  { method: 'PUT', on: 'object', header: 'x-amz-copy-source', op: 'CopyObject', action: 's3:PutObject', copySource: true, body: 'none' },
  { method: 'GET', on: 'object', op: 'GetObject', action: 's3:GetObject', versionAction: 's3:GetObjectVersion', body: 'none' },
  { method: 'HEAD', on: 'object', op: 'HeadObject', action: 's3:GetObject', versionAction: 's3:GetObjectVersion', body: 'none' },
  { method: 'DELETE', on: 'object', op: 'DeleteObject', action: 's3:DeleteObject', versionAction: 's3:DeleteObjectVersion', body: 'none' },
  { method: 'GET', on: 'object', query: ['attributes'], op: 'GetObjectAttributes', action: 's3:GetObjectAttributes', versionAction: 's3:GetObjectVersionAttributes', body: 'none' },

  { method: 'POST', on: 'object', query: ['uploads'], op: 'CreateMultipartUpload', action: 's3:PutObject', body: 'none' },
  { method: 'PUT', on: 'object', query: ['partNumber', 'uploadId'], op: 'UploadPart', action: 's3:PutObject', body: 'stream' },
  { method: 'PUT', on: 'object', query: ['partNumber', 'uploadId'], header: 'x-amz-copy-source', op: 'UploadPartCopy', action: 's3:PutObject', copySource: true, body: 'none' },
  { method: 'POST', on: 'object', query: ['uploadId'], op: 'CompleteMultipartUpload', action: 's3:PutObject', body: 'xml' },
  { method: 'DELETE', on: 'object', query: ['uploadId'], op: 'AbortMultipartUpload', action: 's3:AbortMultipartUpload', body: 'none' },
  { method: 'GET', on: 'object', query: ['uploadId'], op: 'ListParts', action: 's3:ListMultipartUploadParts', body: 'none' },

  { method: 'GET', on: 'object', query: ['tagging'], op: 'GetObjectTagging', action: 's3:GetObjectTagging', versionAction: 's3:GetObjectVersionTagging', body: 'none' },
  { method: 'PUT', on: 'object', query: ['tagging'], op: 'PutObjectTagging', action: 's3:PutObjectTagging', versionAction: 's3:PutObjectVersionTagging', body: 'xml' },
  { method: 'DELETE', on: 'object', query: ['tagging'], op: 'DeleteObjectTagging', action: 's3:DeleteObjectTagging', versionAction: 's3:DeleteObjectVersionTagging', body: 'none' },
  // Retention and legal hold of a version use the same actions as of the latest.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html
  { method: 'PUT', on: 'object', query: ['retention'], op: 'PutObjectRetention', action: 's3:PutObjectRetention', body: 'xml' },
  { method: 'GET', on: 'object', query: ['retention'], op: 'GetObjectRetention', action: 's3:GetObjectRetention', body: 'none' },
  { method: 'PUT', on: 'object', query: ['legal-hold'], op: 'PutObjectLegalHold', action: 's3:PutObjectLegalHold', body: 'xml' },
  { method: 'GET', on: 'object', query: ['legal-hold'], op: 'GetObjectLegalHold', action: 's3:GetObjectLegalHold', body: 'none' },

  { method: 'GET', on: 'bucket', query: ['tagging'], op: 'GetBucketTagging', action: 's3:GetBucketTagging', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['tagging'], op: 'PutBucketTagging', action: 's3:PutBucketTagging', body: 'xml' },
  // "To use this operation, you must have permission to perform the s3:PutBucketTagging action."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketTagging.html
  { method: 'DELETE', on: 'bucket', query: ['tagging'], op: 'DeleteBucketTagging', action: 's3:PutBucketTagging', body: 'none' },

  { method: 'GET', on: 'bucket', query: ['cors'], op: 'GetBucketCors', action: 's3:GetBucketCORS', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['cors'], op: 'PutBucketCors', action: 's3:PutBucketCORS', body: 'xml' },
  // "To use this operation, you must have permission to perform the s3:PutBucketCORS action."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketCors.html
  { method: 'DELETE', on: 'bucket', query: ['cors'], op: 'DeleteBucketCors', action: 's3:PutBucketCORS', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['acl'], op: 'GetBucketAcl', action: 's3:GetBucketAcl', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['acl'], op: 'PutBucketAcl', action: 's3:PutBucketAcl', body: 'xml' },
  { method: 'GET', on: 'object', query: ['acl'], op: 'GetObjectAcl', action: 's3:GetObjectAcl', versionAction: 's3:GetObjectVersionAcl', body: 'none' },
  { method: 'PUT', on: 'object', query: ['acl'], op: 'PutObjectAcl', action: 's3:PutObjectAcl', versionAction: 's3:PutObjectVersionAcl', body: 'xml' },
  { method: 'GET', on: 'bucket', query: ['policy'], op: 'GetBucketPolicy', action: 's3:GetBucketPolicy', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['policy'], op: 'PutBucketPolicy', action: 's3:PutBucketPolicy', body: 'xml' },
  { method: 'DELETE', on: 'bucket', query: ['policy'], op: 'DeleteBucketPolicy', action: 's3:DeleteBucketPolicy', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['policyStatus'], op: 'GetBucketPolicyStatus', action: 's3:GetBucketPolicyStatus', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['ownershipControls'], op: 'GetBucketOwnershipControls', action: 's3:GetBucketOwnershipControls', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['ownershipControls'], op: 'PutBucketOwnershipControls', action: 's3:PutBucketOwnershipControls', body: 'xml' },
  // "To use this operation, you must have the s3:PutBucketOwnershipControls permission."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketOwnershipControls.html
  { method: 'DELETE', on: 'bucket', query: ['ownershipControls'], op: 'DeleteBucketOwnershipControls', action: 's3:PutBucketOwnershipControls', body: 'none' },
  { method: 'GET', on: 'bucket', query: ['publicAccessBlock'], op: 'GetPublicAccessBlock', action: 's3:GetBucketPublicAccessBlock', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['publicAccessBlock'], op: 'PutPublicAccessBlock', action: 's3:PutBucketPublicAccessBlock', body: 'xml' },
  // "…you must have the s3:PutBucketPublicAccessBlock permission."
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletePublicAccessBlock.html
  { method: 'DELETE', on: 'bucket', query: ['publicAccessBlock'], op: 'DeletePublicAccessBlock', action: 's3:PutBucketPublicAccessBlock', body: 'none' },
  // "To use this operation, you must have permission to perform the s3:PutEncryptionConfiguration
  // action" (Delete as well as Put). https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html
  { method: 'GET', on: 'bucket', query: ['encryption'], op: 'GetBucketEncryption', action: 's3:GetEncryptionConfiguration', body: 'none' },
  { method: 'PUT', on: 'bucket', query: ['encryption'], op: 'PutBucketEncryption', action: 's3:PutEncryptionConfiguration', body: 'xml' },
  { method: 'DELETE', on: 'bucket', query: ['encryption'], op: 'DeleteBucketEncryption', action: 's3:PutEncryptionConfiguration', body: 'none' },
];

/**
 * Query keys that select a different resource in S3. A request naming one that no route
 * handles gets NotImplemented rather than being served as the plain resource.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 */
export const SUB_RESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metadataConfiguration',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'renameObject',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versioning',
  'versions',
  'website',
]);

function specificity(r: Route): number {
  return (r.query?.length ?? 0) + (r.header ? 1 : 0);
}

function queryMatches(r: Route, query: URLSearchParams): boolean {
  return (r.query ?? []).every((q) => {
    const eq = q.indexOf('=');
    return eq < 0 ? query.has(q) : query.get(q.slice(0, eq)) === q.slice(eq + 1);
  });
}

function routeKeys(r: Route): Set<string> {
  return new Set((r.query ?? []).map((q) => q.split('=')[0]!));
}

export interface RouteRequest {
  method: string;
  on: On;
  query: URLSearchParams;
  /** The request has no query string: then no sub-resource can be named and no row's query can match. */
  queryEmpty?: boolean;
  hasHeader: (name: string) => boolean;
}

/** ROUTES rows without query keys, by method and target, most specific (a header) first. */
const PLAIN_ROUTES = new Map<string, Route[]>();
for (const r of ROUTES) {
  if (r.query !== undefined && r.query.length > 0) continue;
  const id = `${r.method} ${r.on}`;
  const list = PLAIN_ROUTES.get(id) ?? [];
  list.push(r);
  list.sort((a, b) => specificity(b) - specificity(a));
  PLAIN_ROUTES.set(id, list);
}

export function matchRoute(req: RouteRequest, routes: readonly Route[] = ROUTES): Route {
  if (req.queryEmpty === true && routes === ROUTES) {
    // The same answer as below for the most common requests, without building sets and lists.
    for (const r of PLAIN_ROUTES.get(`${req.method} ${req.on}`) ?? []) if (!r.header || req.hasHeader(r.header)) return r;
  }
  const requested = [...new Set(req.query.keys())].filter((k) => SUB_RESOURCES.has(k));
  const candidates = routes.filter((r) => r.on === req.on && queryMatches(r, req.query) && (!r.header || req.hasHeader(r.header)));
  const unhandled = (r: Route): boolean => {
    const keys = routeKeys(r);
    return requested.some((k) => !keys.has(k));
  };
  const sameMethod = candidates.filter((r) => r.method === req.method).sort((a, b) => specificity(b) - specificity(a));
  // Of equally specific rows, the one that handles every sub-resource named (PUT ?tagging with an
  // x-amz-copy-source header is PutObjectTagging, not CopyObject).
  const best = sameMethod.find((r) => !unhandled(r));
  if (best) return best;
  // The resource exists with other methods: 405 with the methods it has.
  const others = candidates.filter((r) => !unhandled(r));
  if (others.length > 0) {
    const allow = [...new Set(others.map((r) => r.method))].sort().join(', ');
    throw new S3Error('MethodNotAllowed', { headers: { Allow: allow }, fields: { Method: req.method, ResourceType: req.on.toUpperCase() } });
  }
  throw new S3Error('NotImplemented', { message: 'A header or query you provided implies functionality that is not implemented.' });
}

/** An action the authorizer knows, for this kind of route; else why not. */
function actionProblem(action: string | undefined, on: On): string | undefined {
  if (typeof action !== 'string' || action === '') return 'has no action';
  const spec = ACTIONS[action];
  if (spec === undefined) return `names ${action}, which the authorizer does not know`;
  if (!spec.on.includes(on)) return `names ${action}, which does not act on the ${on}`;
  return undefined;
}

/**
 * The table is refused at start-up when two rows could match the same request, or a row lacks
 * an action the authorizer knows for its kind of resource: a request must never reach a handler
 * unasked.
 */
export function checkRouteTable(routes: readonly Route[] = ROUTES): void {
  for (const r of routes) {
    const problem = actionProblem(r.action, r.postForm === true ? 'object' : r.on) ?? (r.versionAction === undefined ? undefined : actionProblem(r.versionAction, r.on));
    if (problem !== undefined) throw new Error(`route ${r.op} ${problem}`);
    if (r.copySource === true && r.header !== 'x-amz-copy-source') throw new Error(`route ${r.op} reads a copy source but does not match on x-amz-copy-source`);
  }
  for (let i = 0; i < routes.length; i++) {
    for (let j = i + 1; j < routes.length; j++) {
      const a = routes[i]!;
      const b = routes[j]!;
      if (a.method === b.method && a.on === b.on && (a.header ?? '') === (b.header ?? '') && [...(a.query ?? [])].sort().join('&') === [...(b.query ?? [])].sort().join('&')) {
        throw new Error(`routes ${a.op} and ${b.op} match the same requests`);
      }
    }
  }
}
