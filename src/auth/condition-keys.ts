// The condition keys a bucket policy can test, read from the request and the resource.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys
import type { ConditionKeys } from './policy-conditions.js';
import type { RequestFacts } from './authorize.js';

/** What the keys are read from: the request's facts, decided at `now`, and who asks. */
export interface KeySources extends Omit<RequestFacts, 'now'> {
  readonly now: number;
  readonly userId?: string;
  readonly userName?: string;
  /** The tags of the object the request acts on, when it was looked up. */
  readonly existingObjectTags?: readonly { readonly key: string; readonly value: string }[];
}

const AUTH_TYPES = { header: 'REST-HEADER', query: 'REST-QUERY-STRING', post: 'POST' } as const;

function headerValue(h: KeySources['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function one(v: string | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : [v];
}

/** The tag set the request asks for: from its body when given, else its x-amz-tagging header (URL-encoded query form). */
function requestTags(src: KeySources): URLSearchParams | undefined {
  if (src.requestTags !== undefined) return new URLSearchParams(src.requestTags.map((t) => [t.key, t.value]));
  const v = headerValue(src.headers, 'x-amz-tagging');
  return v === undefined ? undefined : new URLSearchParams(v);
}

/** The request's value(s) of each key, by lower-cased key name. */
export function conditionKeys(src: KeySources): ConditionKeys {
  return (key) => {
    switch (key) {
      case 'aws:sourceip': {
        const ip = src.sourceIp;
        return one(ip?.toLowerCase().startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);
      }
      case 'aws:securetransport':
        return [String(src.secureTransport)];
      case 'aws:currenttime':
        return [new Date(src.now).toISOString()];
      case 'aws:epochtime':
        return [String(Math.floor(src.now / 1000))];
      case 'aws:username':
        return one(src.userName);
      case 'aws:userid':
        return [src.userId ?? 'anonymous'];
      case 'aws:principaltype':
        return [src.userId === undefined ? 'Anonymous' : 'User'];
      case 'aws:referer':
        return one(headerValue(src.headers, 'referer'));
      case 'aws:useragent':
        return one(headerValue(src.headers, 'user-agent'));
      case 's3:prefix':
      case 's3:delimiter':
      case 's3:max-keys':
        return one(src.query.get(key.slice(3)) ?? undefined);
      case 's3:versionid':
        return one(src.query.get('versionId') ?? undefined);
      case 's3:signatureversion':
        return one(src.signatureVersion);
      case 's3:authtype':
        return src.authType === 'anonymous' ? undefined : [AUTH_TYPES[src.authType]];
      case 's3:requestobjecttagkeys': {
        const tags = requestTags(src);
        return tags === undefined ? undefined : [...new Set(tags.keys())];
      }
      default:
        break;
    }
    if (key.startsWith('s3:existingobjecttag/')) {
      const name = key.slice('s3:existingobjecttag/'.length);
      // Tag keys are case-sensitive; the key name in the policy arrives lower-cased, so compare both ways.
      const tag = src.existingObjectTags?.find((t) => t.key === name || t.key.toLowerCase() === name);
      return one(tag?.value);
    }
    if (key.startsWith('s3:requestobjecttag/')) {
      const name = key.slice('s3:requestobjecttag/'.length);
      const tags = requestTags(src);
      if (tags === undefined) return undefined;
      for (const [k, v] of tags) if (k === name || k.toLowerCase() === name) return [v];
      return undefined;
    }
    // s3:x-amz-acl, s3:x-amz-server-side-encryption, s3:x-amz-grant-read, s3:x-amz-copy-source,
    // s3:x-amz-metadata-directive, s3:x-amz-storage-class…: the request header of that name.
    if (key.startsWith('s3:x-amz-')) return one(headerValue(src.headers, key.slice(3)));
    return undefined;
  };
}
