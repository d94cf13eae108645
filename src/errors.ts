// The S3 error contract. Every row of ../shared/seed/error-codes.md is one entry here (a code
// with several messages is several entries), followed by the codes S3 clients rely on that the
// seed omits. Where S3 and the seed disagree on a status, the seed wins.

export interface ErrorRow {
  readonly code: string;
  readonly status: number;
  readonly message: string;
  /** The status line's reason phrase, where the seed's differs from the standard one. */
  readonly reason?: string;
}

/** Rows of the seed, in its order. */
export const SEED_ERROR_ROWS = [
  { code: 'AccessDenied', status: 403, message: 'Access Denied' },
  { code: 'AccessDenied', status: 403, message: 'Access Denied - Server-Side Encryption with Customer-Provided Keys is not enabled for this vault.' },
  { code: 'BadDigest', status: 400, message: 'The Content-MD5 you specified did not match what we received.' },
  {
    code: 'BucketAlreadyExists',
    status: 409,
    message: 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  },
  { code: 'BucketNotEmpty', status: 409, message: 'The bucket you tried to delete is not empty.' },
  { code: 'CredentialsNotSupported', status: 400, message: 'This request does not support credentials.' },
  { code: 'EntityTooSmall', status: 400, message: 'Your proposed upload is smaller than the minimum allowed object size.' },
  { code: 'EntityTooLarge', status: 400, message: 'Your proposed upload exceeds the maximum allowed object size.' },
  { code: 'IncompleteBody', status: 400, message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.' },
  { code: 'IncorrectNumberOfFilesInPostRequest', status: 400, message: 'POST requires exactly one file upload per request.' },
  { code: 'InlineDataTooLarge', status: 400, message: 'Inline data exceeds the maximum allowed size.' },
  { code: 'InternalError', status: 500, message: 'We encountered an internal error. Please try again.' },
  { code: 'InvalidAccessKeyId', status: 403, message: 'The AWS access key Id you provided does not exist in our records.' },
  { code: 'InvalidArgument', status: 400, message: 'Invalid Argument' },
  { code: 'InvalidArgument', status: 400, message: 'Requests specifying Server-Side Encryption with Customer-Provided Keys must be made over a secure connection.' },
  { code: 'InvalidArgument', status: 400, message: 'Requests specifying Server-Side Encryption with Customer-Provided Keys must provide an appropriate secret key.' },
  {
    code: 'InvalidArgument',
    status: 400,
    message: 'Requests specifying Server-Side Encryption with Customer-Provided Keys must provide the client calculated MD5 of the secret key.',
  },
  { code: 'InvalidArgument', status: 400, message: 'The MD5 hash of the secret key was improperly encoded. The MD5 hash must be Base64 encoded.' },
  { code: 'InvalidArgument', status: 400, message: 'The calculated MD5 hash of the key did not match the hash that was provided.' },
  { code: 'InvalidBucketName', status: 400, message: 'The specified bucket is not valid.' },
  { code: 'InvalidBucketState', status: 409, message: 'The request is not valid with the current state of the bucket.' },
  { code: 'InvalidDigest', status: 400, message: 'The Content-MD5 you specified is not valid.' },
  { code: 'InvalidEncryptionAlgorithmError', status: 400, message: 'The Encryption request you specified is not valid. Supported value: AES256.' },
  {
    code: 'InvalidLocationConstraint',
    status: 400,
    message: 'The specified location constraint is not valid. For more information about regions, see How to Select a Region for Your Buckets.',
  },
  { code: 'InvalidObjectState', status: 403, message: 'The operation is not valid for the current state of the object.' },
  {
    code: 'InvalidPart',
    status: 400,
    message:
      "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
  },
  { code: 'InvalidPartOrder', status: 400, message: 'The list of parts was not in ascending order. Parts list must specified in order by part number.' },
  { code: 'InvalidRange', status: 416, message: 'The requested range cannot be satisfied.', reason: 'Requested Range Not Satisfiable' },
  { code: 'InvalidRequest', status: 400, message: 'Please use AWS4-HMAC-SHA256.' },
  { code: 'InvalidRequest', status: 400, message: 'The object was stored using a form of Server-Side Encryption. The correct parameters must be provided to retrieve the object.' },
  { code: 'InvalidRequest', status: 400, message: 'The encryption parameters are not applicable to this object.' },
  { code: 'InvalidSecurity', status: 403, message: 'The provided security credentials are not valid.' },
  { code: 'InvalidURI', status: 400, message: "Couldn't parse the specified URI." },
  { code: 'KeyTooLong', status: 400, message: 'Your key is too long.' },
  { code: 'MalformedACLError', status: 400, message: 'The XML you provided was not well-formed or did not validate against our published schema.' },
  { code: 'MalformedPOSTRequest', status: 400, message: 'The body of your POST request is not well-formed multipart/form-data.' },
  { code: 'MalformedXML', status: 400, message: 'The XML you provided was not well-formed or did not validate against our published schema.' },
  { code: 'MaxMessageLengthExceeded', status: 400, message: 'Your request was too big.' },
  { code: 'MaxPostPreDataLengthExceededError', status: 400, message: 'Your POST request fields preceding the upload file were too large.' },
  { code: 'MetadataTooLarge', status: 400, message: 'Your metadata headers exceed the maximum allowed metadata size.' },
  { code: 'MethodNotAllowed', status: 405, message: 'The specified method is not allowed against this resource.' },
  { code: 'MissingContentLength', status: 411, message: 'You must provide the Content-Length HTTP header.' },
  { code: 'MissingRequestBodyError', status: 400, message: 'Request body is empty.' },
  { code: 'NoSuchBucket', status: 404, message: 'The specified bucket does not exist.' },
  { code: 'NoSuchKey', status: 404, message: 'The specified key does not exist.' },
  {
    code: 'NoSuchUpload',
    status: 404,
    message: 'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.',
  },
  { code: 'NotImplemented', status: 501, message: 'A header you provided implies functionality that is not implemented.' },
  { code: 'OperationAborted', status: 409, message: 'A conflicting conditional operation is currently in progress against this resource. Try again.' },
  { code: 'PreconditionFailed', status: 412, message: 'At least one of the preconditions you specified did not hold.' },
  { code: 'Redirect', status: 307, message: 'Temporary redirect.', reason: 'Moved Temporarily' },
  { code: 'RequestIsNotMultiPartContent', status: 400, message: 'Bucket POST must be of the enclosure-type multipart/form-data.' },
  { code: 'RequestTimeout', status: 400, message: 'Your socket connection to the server was not read from or written to within the timeout period.' },
  { code: 'RequestTimeTooSkewed', status: 403, message: "The difference between the request time and the server's time is too large." },
  {
    code: 'SignatureDoesNotMatch',
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS secret access key and signing method. For more information, see REST Authentication and SOAP Authentication for details.',
  },
  { code: 'ServiceUnavailable', status: 503, message: 'Reduce your request rate.' },
  { code: 'SlowDown', status: 503, message: 'Reduce your request rate.', reason: 'Slow Down' },
  { code: 'TemporaryRedirect', status: 307, message: 'You are being redirected to the bucket while DNS updates.', reason: 'Moved Temporarily' },
  { code: 'TooManyBuckets', status: 400, message: 'You have attempted to create more buckets than allowed.' },
  { code: 'UnexpectedContent', status: 400, message: 'This request does not support content.' },
  { code: 'UnresolvableGrantByEmailAddress', status: 400, message: 'The email address you provided does not match any account on record.' },
  { code: 'UserKeyMustBeSpecified', status: 400, message: 'The bucket POST must contain the specified field name. If it is specified, check the order of the fields.' },
  { code: 'VaultQuotaExceeded', status: 507, message: 'The capacity used on the target vault has exceeded a hard quota' },
] as const satisfies readonly ErrorRow[];

/** Codes AWS S3 sends that the seed does not list, which S3 clients and SDKs act on. */
export const EXTRA_ERROR_ROWS = [
  {
    code: 'AccessForbidden',
    status: 403,
    message:
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
  },
  { code: 'AccessControlListNotSupported', status: 400, message: 'The bucket does not allow ACLs' },
  { code: 'AuthorizationHeaderMalformed', status: 400, message: 'The authorization header is malformed.' },
  {
    code: 'AuthorizationQueryParametersError',
    status: 400,
    message:
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
  },
  { code: 'BadRequest', status: 400, message: 'An error occurred when parsing the HTTP request.' },
  { code: 'BucketAlreadyOwnedByYou', status: 409, message: 'Your previous request to create the named bucket succeeded and you already own it.' },
  { code: 'ConditionalRequestConflict', status: 409, message: 'The conditional request cannot succeed due to a conflicting operation against this resource.' },
  { code: 'ExpiredToken', status: 400, message: 'The provided token has expired.' },
  {
    code: 'IllegalLocationConstraintException',
    status: 400,
    message: 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
  },
  { code: 'InvalidBucketAclWithObjectOwnership', status: 400, message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting" },
  { code: 'InvalidChunkSizeError', status: 403, message: 'Only the last chunk is allowed to have a size less than 8192 bytes' },
  { code: 'InvalidObjectName', status: 400, message: 'Object key is not valid.' },
  { code: 'InvalidPolicyDocument', status: 400, message: 'The content of the form does not meet the conditions specified in the policy document.' },
  { code: 'InvalidPartNumber', status: 416, message: 'The requested partnumber is not satisfiable' },
  { code: 'InvalidRetentionPeriod', status: 400, message: 'Default retention period must be a positive integer value.' },
  { code: 'InvalidStorageClass', status: 400, message: 'The storage class you specified is not valid' },
  { code: 'InvalidTag', status: 400, message: 'The tag provided was not a valid tag.' },
  { code: 'KMS.NotFoundException', status: 400, message: 'Invalid keyId' },
  { code: 'MalformedPolicy', status: 400, message: 'This policy contains invalid Json' },
  { code: 'MalformedTrailerError', status: 400, message: 'The request contained trailing data that was not well-formed or did not conform to our published schema.' },
  { code: 'MissingSecurityHeader', status: 400, message: 'Your request was missing a required header.' },
  { code: 'NoSuchCORSConfiguration', status: 404, message: 'The CORS configuration does not exist' },
  { code: 'NoSuchBucketPolicy', status: 404, message: 'The bucket policy does not exist' },
  { code: 'NoSuchPublicAccessBlockConfiguration', status: 404, message: 'The public access block configuration was not found' },
  { code: 'NoSuchTagSet', status: 404, message: 'The TagSet does not exist' },
  { code: 'NoSuchObjectLockConfiguration', status: 404, message: 'The specified object does not have a ObjectLock configuration' },
  { code: 'NoSuchVersion', status: 404, message: 'The specified version does not exist.' },
  { code: 'NotModified', status: 304, message: 'Not Modified' },
  { code: 'ServerSideEncryptionConfigurationNotFoundError', status: 404, message: 'The server side encryption configuration was not found' },
  { code: 'OwnershipControlsNotFoundError', status: 404, message: 'The bucket ownership controls were not found' },
  { code: 'PolicyTooLarge', status: 400, message: 'Policy exceeds the maximum allowed document size.' },
  { code: 'ObjectLockConfigurationNotFoundError', status: 404, message: 'Object Lock configuration does not exist for this bucket' },
  { code: 'RequestHeaderSectionTooLarge', status: 400, message: 'Your request header section exceeds the maximum allowed size.' },
  { code: 'TooManyParts', status: 400, message: 'You have attempted to upload more parts than allowed.' },
  { code: 'XAmzContentSHA256Mismatch', status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed." },
] as const satisfies readonly ErrorRow[];

/**
 * Conditions of a self-hosted store that S3 itself never reports, under the names its peers use
 * (MinIO and versitygw answer a full disk with 507 Insufficient Storage).
 */
export const SERVER_ERROR_ROWS = [
  { code: 'InsufficientStorage', status: 507, message: 'The server does not have enough free disk space to store this data. Delete some objects to proceed.' },
] as const satisfies readonly ErrorRow[];

export type S3ErrorCode = (typeof SEED_ERROR_ROWS)[number]['code'] | (typeof EXTRA_ERROR_ROWS)[number]['code'] | (typeof SERVER_ERROR_ROWS)[number]['code'];

/** code → status and default message (the first row of that code). */
export const S3_ERRORS: Readonly<Record<S3ErrorCode, { status: number; message: string; reason?: string }>> = (() => {
  const table: Record<string, { status: number; message: string; reason?: string }> = {};
  for (const row of [...SEED_ERROR_ROWS, ...EXTRA_ERROR_ROWS, ...SERVER_ERROR_ROWS] as readonly ErrorRow[]) {
    table[row.code] ??= { status: row.status, message: row.message, reason: row.reason };
  }
  return table as Record<S3ErrorCode, { status: number; message: string; reason?: string }>;
})();

/** The seed's alternative messages, named so call sites don't retype them. */
export const MESSAGES = {
  sseCNotEnabled: SEED_ERROR_ROWS[1].message,
  sseCNeedsTls: SEED_ERROR_ROWS[14].message,
  sseCNeedsKey: SEED_ERROR_ROWS[15].message,
  sseCNeedsKeyMd5: SEED_ERROR_ROWS[16].message,
  sseCKeyMd5Encoding: SEED_ERROR_ROWS[17].message,
  sseCKeyMd5Mismatch: SEED_ERROR_ROWS[18].message,
  useSigV4: SEED_ERROR_ROWS[28].message,
  sseParametersRequired: SEED_ERROR_ROWS[29].message,
  sseParametersNotApplicable: SEED_ERROR_ROWS[30].message,
} as const;

export interface S3ErrorDetails {
  message?: string;
  /** Extra child elements of <Error>, e.g. ActualObjectSize, BucketName, Region. */
  fields?: Record<string, string | number>;
  headers?: Record<string, string>;
  resource?: string;
  cause?: unknown;
}

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly fields: Record<string, string | number>;
  readonly headers: Record<string, string>;
  readonly resource: string | undefined;

  constructor(code: S3ErrorCode, details: S3ErrorDetails = {}) {
    const row = S3_ERRORS[code];
    super(details.message ?? row.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'S3Error';
    this.code = code;
    this.status = row.status;
    this.fields = details.fields ?? {};
    this.headers = details.headers ?? {};
    this.resource = details.resource;
  }
}

export function isS3Error(err: unknown): err is S3Error {
  return err instanceof S3Error;
}

/** Error codes of a write that failed for want of disk space (the OS's, or SQLite's). */
const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** A failure of the disk filling up, as the S3 error a client gets for it; undefined for any other. */
export function storageFullError(err: unknown): S3Error | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && STORAGE_FULL_CODES.has(code) ? new S3Error('InsufficientStorage', { cause: err }) : undefined;
}
