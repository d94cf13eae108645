// RestoreObject: `POST /{key}?restore` with a RestoreRequest document.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import type { RestoreTier } from '../engine/archive.js';
import { parseXml } from './xml.js';
import { childElement, childText, elementOf, intText, onlyChildren } from './xml-schema.js';

const TIERS: ReadonlySet<string> = new Set(['Expedited', 'Standard', 'Bulk']);

/**
 * `<RestoreRequest><Days/><GlacierJobParameters><Tier/></GlacierJobParameters></RestoreRequest>`.
 * Days is required to restore an archived object and is a positive integer; the tier defaults to
 * Standard. The top-level Tier belongs to a SELECT request: with Days, S3 answers MalformedXML
 * (https://github.com/aws/aws-sdk/issues/713, https://github.com/aws/aws-sdk-net/issues/3069). Type SELECT (S3 Select on an archive) and
 * OutputLocation are not offered: AWS has closed S3 Select to new customers, and a request for it
 * is NotImplemented rather than a restore that ignores them.
 */
export function parseRestoreRequest(text: string): { days: number; tier: RestoreTier } {
  const doc = parseXml(text);
  onlyChildren(doc, ['RestoreRequest']);
  const root = elementOf(doc.RestoreRequest);
  onlyChildren(root, ['Days', 'GlacierJobParameters', 'Tier', 'Type', 'Description', 'SelectParameters', 'OutputLocation']);
  if (root.Type !== undefined || root.SelectParameters !== undefined || root.OutputLocation !== undefined) {
    throw new S3Error('NotImplemented', { message: 'A header or query you provided implies functionality that is not implemented.' });
  }
  childText(root, 'Description');
  const daysText = childText(root, 'Days');
  if (daysText === undefined) throw new S3Error('MalformedXML');
  const days = intText(daysText);
  if (days < 1) throw new S3Error('InvalidArgument', { message: 'Days must be a positive integer', fields: { ArgumentName: 'Days', ArgumentValue: daysText } });
  if (root.Tier !== undefined) throw new S3Error('MalformedXML');
  const job = childElement(root, 'GlacierJobParameters');
  let tier = 'Standard';
  if (job) {
    onlyChildren(job, ['Tier']);
    const jobTier = childText(job, 'Tier');
    if (jobTier === undefined) throw new S3Error('MalformedXML');
    tier = jobTier;
  }
  if (!TIERS.has(tier)) throw new S3Error('MalformedXML');
  return { days, tier: tier as RestoreTier };
}

export async function restoreObject(ctx: RequestContext): Promise<S3Result> {
  const { text } = await readWholeBody(ctx);
  const request = parseRestoreRequest(text);
  const versionId = ctx.query.get('versionId') ?? undefined;
  const out = await ctx.engine.restoreObject({ bucket: ctx.bucket!, key: ctx.key!, versionId, ...request });
  return { status: out.status };
}
