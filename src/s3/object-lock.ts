// Object Lock handlers: a bucket's ?object-lock configuration, and a version's ?retention and
// ?legal-hold. Their bodies must carry Content-MD5 or an x-amz-checksum-*, as S3 requires.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
import { S3Error } from '../errors.js';
import type { RequestContext, S3Result } from '../http/context.js';
import { readCheckedBody } from '../http/body.js';
import type { ObjectLockConfiguration, ObjectLockMode } from '../engine/records.js';
import { parseIsoDate } from './object-headers.js';
import { isoDate, parseXml, renderXml, textOf } from './xml.js';
import { objectTarget } from './object-target.js';

/** AWS's ceilings on a default retention: 100 years, in days or years. */
const MAX_RETENTION_DAYS = 36500;
const MAX_RETENTION_YEARS = 100;

function element(node: unknown, name: string): Record<string, unknown> | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? {} : undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new S3Error('MalformedXML');
  return v as Record<string, unknown>;
}

function parseMode(value: string | undefined): ObjectLockMode {
  if (value !== 'GOVERNANCE' && value !== 'COMPLIANCE') throw new S3Error('MalformedXML');
  return value;
}

/** A positive whole number of days or years within AWS's ceiling, else InvalidRetentionPeriod. */
function parsePeriod(text: string, max: number): number {
  const v = text.trim();
  if (!/^-?\d+$/.test(v)) throw new S3Error('MalformedXML');
  const n = Number(v);
  if (n <= 0) throw new S3Error('InvalidRetentionPeriod');
  if (n > max) throw new S3Error('InvalidRetentionPeriod', { message: `Default retention period cannot exceed ${max === MAX_RETENTION_DAYS ? `${max} days` : `${max} years`}.` });
  return n;
}

/**
 * An ObjectLockConfiguration document: ObjectLockEnabled must be Enabled; a Rule holds one
 * DefaultRetention with a Mode and either Days or Years, never both.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLockConfiguration.html
 */
export function parseObjectLockConfiguration(text: string): ObjectLockConfiguration {
  const doc = parseXml(text);
  const conf = element(doc, 'ObjectLockConfiguration');
  if (conf === undefined) throw new S3Error('MalformedXML');
  if (textOf(conf, 'ObjectLockEnabled')?.trim() !== 'Enabled') throw new S3Error('MalformedXML');
  if (conf.Rule === undefined) return {};
  const retention = element(element(conf, 'Rule'), 'DefaultRetention');
  if (retention === undefined) throw new S3Error('MalformedXML');
  const mode = parseMode(textOf(retention, 'Mode')?.trim());
  const days = textOf(retention, 'Days');
  const years = textOf(retention, 'Years');
  if ((days === undefined) === (years === undefined)) throw new S3Error('MalformedXML');
  return {
    defaultRetention: days !== undefined ? { mode, days: parsePeriod(days, MAX_RETENTION_DAYS) } : { mode, years: parsePeriod(years!, MAX_RETENTION_YEARS) },
  };
}

export async function putObjectLockConfiguration(ctx: RequestContext): Promise<S3Result> {
  const configuration = parseObjectLockConfiguration(await readCheckedBody(ctx));
  await ctx.engine.putObjectLockConfiguration(ctx.bucket!, configuration);
  return { status: 200 };
}

export async function getObjectLockConfiguration(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.getObjectLockConfiguration(ctx.bucket!);
  const rule = out.configuration.defaultRetention;
  return {
    status: 200,
    body: renderXml('ObjectLockConfiguration', {
      ObjectLockEnabled: 'Enabled',
      Rule: rule === undefined ? undefined : { DefaultRetention: { Mode: rule.mode, Days: rule.days, Years: rule.years } },
    }),
  };
}

/** A Retention document: Mode and RetainUntilDate together, or neither (which removes the retention). */
export function parseRetention(text: string): { mode: ObjectLockMode; retainUntil: number } | undefined {
  const doc = parseXml(text);
  const r = element(doc, 'Retention');
  if (r === undefined) throw new S3Error('MalformedXML');
  const modeText = textOf(r, 'Mode')?.trim();
  const dateText = textOf(r, 'RetainUntilDate')?.trim();
  if (modeText === undefined && dateText === undefined) return undefined;
  const mode = parseMode(modeText);
  if (dateText === undefined) throw new S3Error('MalformedXML');
  const retainUntil = parseIsoDate(dateText);
  if (retainUntil === undefined)
    throw new S3Error('InvalidArgument', { message: 'The retain until date must be provided in ISO 8601 format', fields: { ArgumentName: 'RetainUntilDate' } });
  return { mode, retainUntil };
}

/** A LegalHold document: Status ON or OFF. */
export function parseLegalHold(text: string): boolean {
  const doc = parseXml(text);
  const status = textOf(element(doc, 'LegalHold'), 'Status')?.trim();
  if (status !== 'ON' && status !== 'OFF') throw new S3Error('MalformedXML');
  return status === 'ON';
}

export async function putObjectRetention(ctx: RequestContext): Promise<S3Result> {
  const retention = parseRetention(await readCheckedBody(ctx));
  await ctx.engine.putObjectRetention({ ...objectTarget(ctx), retention, bypassGovernance: ctx.bypassGovernance === true });
  return { status: 200 };
}

export async function getObjectRetention(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.getObjectRetention(objectTarget(ctx));
  return {
    status: 200,
    body: renderXml('Retention', { Mode: out.lock?.mode, RetainUntilDate: out.lock?.retainUntil === undefined ? undefined : isoDate(out.lock.retainUntil) }),
  };
}

export async function putObjectLegalHold(ctx: RequestContext): Promise<S3Result> {
  const legalHold = parseLegalHold(await readCheckedBody(ctx));
  await ctx.engine.putObjectLegalHold({ ...objectTarget(ctx), legalHold });
  return { status: 200 };
}

export async function getObjectLegalHold(ctx: RequestContext): Promise<S3Result> {
  const out = await ctx.engine.getObjectLegalHold(objectTarget(ctx));
  return { status: 200, body: renderXml('LegalHold', { Status: out.lock?.legalHold ? 'ON' : 'OFF' }) };
}
