// The object, or one version of it (`?versionId=`), that an object sub-resource request names:
// ?tagging, ?acl, ?retention and ?legal-hold all act on it.
import type { RequestContext } from '../http/context.js';

export interface ObjectTarget {
  bucket: string;
  key: string;
  versionId?: string;
}

export function objectTarget(ctx: RequestContext): ObjectTarget {
  return { bucket: ctx.bucket!, key: ctx.key!, versionId: ctx.query.get('versionId') ?? undefined };
}
