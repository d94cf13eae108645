// Put/Get/DeleteBucketEncryption: `?encryption` of a bucket, its default encryption and the
// encryption types it blocks.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_BlockedEncryptionTypes.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { readCheckedBody } from '../http/body.js';
import type { BucketEncryption } from '../engine/records.js';
import { parseXml, renderXml, textOf } from './xml.js';
import type { XmlObject } from './xml.js';

function childObject(node: unknown, name: string): Record<string, unknown> | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  // An empty element reads as ''.
  if (v === '') return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new S3Error('MalformedXML');
  return v as Record<string, unknown>;
}

/** A ServerSideEncryptionConfiguration document: one Rule, as S3 takes. */
export function parseEncryptionConfiguration(text: string): BucketEncryption {
  const doc = parseXml(text, new Set(['Rule', 'EncryptionType']));
  const root = childObject(doc, 'ServerSideEncryptionConfiguration');
  if (!root) throw new S3Error('MalformedXML');
  const rules = (root.Rule ?? []) as unknown[];
  if (rules.length !== 1) throw new S3Error('MalformedXML');
  const rule = rules[0] === '' ? {} : rules[0];
  if (typeof rule !== 'object' || rule === null) throw new S3Error('MalformedXML');
  const out: BucketEncryption = {};
  const apply = childObject(rule, 'ApplyServerSideEncryptionByDefault');
  if (apply) {
    const algorithm = textOf(apply, 'SSEAlgorithm')?.trim();
    const keyId = textOf(apply, 'KMSMasterKeyID')?.trim();
    if (algorithm === 'aws:kms:dsse') throw new S3Error('NotImplemented', { message: 'Dual-layer server-side encryption (aws:kms:dsse) is not implemented.' });
    if (algorithm !== 'AES256' && algorithm !== 'aws:kms') throw new S3Error('MalformedXML');
    // "KMSMasterKeyID ... can only be used when you set the value of SSEAlgorithm as aws:kms".
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html
    if (keyId !== undefined && keyId !== '' && algorithm !== 'aws:kms') {
      throw new S3Error('InvalidArgument', {
        message: 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
        fields: { ArgumentName: 'ApplyServerSideEncryptionByDefault' },
      });
    }
    out.defaultAlgorithm = algorithm;
    if (keyId) out.kmsMasterKeyId = keyId;
  }
  const bucketKey = textOf(rule, 'BucketKeyEnabled')?.trim();
  if (bucketKey !== undefined) {
    if (bucketKey !== 'true' && bucketKey !== 'false') throw new S3Error('MalformedXML');
    out.bucketKeyEnabled = bucketKey === 'true';
  }
  const blocked = childObject(rule, 'BlockedEncryptionTypes');
  if (blocked) {
    const types = ((blocked.EncryptionType ?? []) as unknown[]).map((t) => (typeof t === 'string' ? t.trim() : ''));
    if (types.some((t) => t !== 'SSE-C' && t !== 'NONE') || (types.includes('NONE') && types.length > 1)) {
      throw new S3Error('InvalidArgument', { message: 'The EncryptionType in BlockedEncryptionTypes must be SSE-C or NONE.', fields: { ArgumentName: 'EncryptionType' } });
    }
    out.blockedEncryptionTypes = [...new Set(types)] as Array<'SSE-C' | 'NONE'>;
  }
  if (out.defaultAlgorithm === undefined && out.blockedEncryptionTypes === undefined) throw new S3Error('MalformedXML');
  return out;
}

export function renderEncryptionConfiguration(config: BucketEncryption): string {
  const rule: XmlObject = {};
  if (config.defaultAlgorithm) rule.ApplyServerSideEncryptionByDefault = { SSEAlgorithm: config.defaultAlgorithm, KMSMasterKeyID: config.kmsMasterKeyId };
  rule.BucketKeyEnabled = config.bucketKeyEnabled ?? false;
  if (config.blockedEncryptionTypes) rule.BlockedEncryptionTypes = { EncryptionType: config.blockedEncryptionTypes };
  return renderXml('ServerSideEncryptionConfiguration', { Rule: rule });
}

export async function getBucketEncryption(ctx: RequestContext): Promise<S3Result> {
  return { status: 200, body: renderEncryptionConfiguration(await ctx.engine.getBucketEncryption(ctx.bucket!)) };
}

/** PutBucketEncryption requires an integrity check of its body (Content-MD5 or a checksum), as S3 does. */
export async function putBucketEncryption(ctx: RequestContext): Promise<S3Result> {
  const text = await readCheckedBody(ctx);
  await ctx.engine.putBucketEncryption(ctx.bucket!, parseEncryptionConfiguration(text));
  return { status: 200 };
}

/** DeleteBucketEncryption answers 204, whether or not the bucket had a configuration. */
export async function deleteBucketEncryption(ctx: RequestContext): Promise<S3Result> {
  await ctx.engine.putBucketEncryption(ctx.bucket!, undefined);
  return { status: 204 };
}
