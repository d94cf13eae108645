// Put/Get/DeleteBucketOwnershipControls (`?ownershipControls`) and Put/Get/DeletePublicAccessBlock
// (`?publicAccessBlock`) of a bucket.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { readWholeBody } from '../http/body.js';
import type { ObjectOwnership, PublicAccessBlock } from '../access.js';
import { parseXml, renderXml } from './xml.js';
import { isElement, onlyChildren } from './xml-schema.js';

const OWNERSHIPS: readonly ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

/** x-amz-object-ownership of CreateBucket, or undefined; any other value is InvalidArgument. */
export function parseObjectOwnershipHeader(value: string | undefined): ObjectOwnership | undefined {
  if (value === undefined) return undefined;
  if (!(OWNERSHIPS as readonly string[]).includes(value)) {
    throw new S3Error('InvalidArgument', { message: 'Invalid x-amz-object-ownership header', fields: { ArgumentName: 'x-amz-object-ownership', ArgumentValue: value } });
  }
  return value as ObjectOwnership;
}

/** `<OwnershipControls><Rule><ObjectOwnership>…</ObjectOwnership></Rule></OwnershipControls>`: exactly one rule. */
export function parseOwnershipControls(text: string): ObjectOwnership {
  const doc = parseXml(text, new Set(['Rule']));
  onlyChildren(doc, ['OwnershipControls']);
  const root = doc.OwnershipControls;
  if (!isElement(root)) throw new S3Error('MalformedXML');
  onlyChildren(root, ['Rule']);
  const rules = (root.Rule ?? []) as unknown[];
  if (rules.length !== 1 || !isElement(rules[0])) throw new S3Error('MalformedXML');
  onlyChildren(rules[0], ['ObjectOwnership']);
  const v = rules[0].ObjectOwnership;
  if (typeof v !== 'string' || !(OWNERSHIPS as readonly string[]).includes(v.trim())) throw new S3Error('MalformedXML');
  return v.trim() as ObjectOwnership;
}

export async function getBucketOwnershipControls(ctx: RequestContext): Promise<S3Result> {
  const ownership = await ctx.engine.getBucketOwnershipControls(ctx.bucket!);
  return { status: 200, body: renderXml('OwnershipControls', { Rule: { ObjectOwnership: ownership } }) };
}

export async function putBucketOwnershipControls(ctx: RequestContext): Promise<S3Result> {
  const { text } = await readWholeBody(ctx);
  await ctx.engine.putBucketOwnershipControls(ctx.bucket!, parseOwnershipControls(text));
  return { status: 200 };
}

export async function deleteBucketOwnershipControls(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.deleteBucketOwnershipControls(ctx.bucket!);
  return { status: 204 };
}

const SWITCHES = [
  ['BlockPublicAcls', 'blockPublicAcls'],
  ['IgnorePublicAcls', 'ignorePublicAcls'],
  ['BlockPublicPolicy', 'blockPublicPolicy'],
  ['RestrictPublicBuckets', 'restrictPublicBuckets'],
] as const;

/** The PublicAccessBlockConfiguration document: each of the four switches true or false, absent meaning false. */
export function parsePublicAccessBlock(text: string): PublicAccessBlock {
  const doc = parseXml(text);
  onlyChildren(doc, ['PublicAccessBlockConfiguration']);
  const root = doc.PublicAccessBlockConfiguration;
  if (typeof root === 'string' && root.trim() === '') return { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };
  if (!isElement(root)) throw new S3Error('MalformedXML');
  onlyChildren(
    root,
    SWITCHES.map(([el]) => el),
  );
  const out: Record<string, boolean> = {};
  for (const [el, field] of SWITCHES) {
    const v = root[el];
    if (v === undefined) {
      out[field] = false;
      continue;
    }
    if (typeof v !== 'string') throw new S3Error('MalformedXML');
    const t = v.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') throw new S3Error('MalformedXML');
    out[field] = t === 'true';
  }
  return out as unknown as PublicAccessBlock;
}

export async function getPublicAccessBlock(ctx: RequestContext): Promise<S3Result> {
  const pab = await ctx.engine.getPublicAccessBlock(ctx.bucket!);
  const body: Record<string, string> = {};
  for (const [el, field] of SWITCHES) body[el] = pab[field] ? 'true' : 'false';
  return { status: 200, body: renderXml('PublicAccessBlockConfiguration', body) };
}

export async function putPublicAccessBlock(ctx: RequestContext): Promise<S3Result> {
  const { text } = await readWholeBody(ctx);
  await ctx.engine.putPublicAccessBlock(ctx.bucket!, parsePublicAccessBlock(text));
  return { status: 200 };
}

export async function deletePublicAccessBlock(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.deletePublicAccessBlock(ctx.bucket!);
  return { status: 204 };
}
