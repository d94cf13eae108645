// The LifecycleConfiguration document of PutBucketLifecycleConfiguration: parsed, validated by
// S3's rules, and rendered back for GetBucketLifecycleConfiguration (pure; throws S3Error).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html
import { randomBytes } from 'node:crypto';
import { S3Error } from '../errors.js';
import type { LifecycleConfiguration, LifecycleFilter, LifecycleRule, Tag } from '../engine/records.js';
import { TRANSITION_CLASSES } from '../engine/storage-class.js';
import { validateTagSet } from './tagging-input.js';
import { renderXmlInOrder } from './xml.js';
import type { XmlValue } from './xml.js';
import { parseXml } from './xml.js';
import { childElement, childList, childText, elementOf, intText, onlyChildren } from './xml-schema.js';
import type { XmlNode } from './xml-schema.js';

export const MAX_LIFECYCLE_RULES = 1000;
export const MAX_RULE_ID_LENGTH = 255;

function invalid(message: string, fields?: Record<string, string>): S3Error {
  return new S3Error('InvalidArgument', { message, fields });
}

/** `what` names the field and its action as S3's message does: "'Days' for Expiration action must be a positive integer". */
function positiveDays(text: string, what: string): number {
  const n = intText(text);
  if (n < 1) throw invalid(`${what} must be a positive integer`);
  return n;
}

function nonNegative(text: string, what: string): number {
  const n = intText(text);
  if (n < 0) throw invalid(`${what} must be a nonnegative integer`);
  return n;
}

/** An ISO 8601 date at midnight UTC ("The date value must conform to the ISO 8601 format. The time is always midnight UTC."). */
function midnightDate(text: string): number {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) throw new S3Error('MalformedXML');
  const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t);
  if (Number.isNaN(ms)) throw new S3Error('MalformedXML');
  if (ms % 86_400_000 !== 0) throw invalid("'Date' must be at midnight GMT");
  return ms;
}

function parseTag(node: XmlNode): Tag {
  onlyChildren(node, ['Key', 'Value']);
  const key = childText(node, 'Key');
  const value = childText(node, 'Value');
  if (key === undefined || value === undefined) throw new S3Error('MalformedXML');
  return { key, value };
}

function sizeBound(node: XmlNode, name: string): number | undefined {
  const t = childText(node, name);
  return t === undefined ? undefined : nonNegative(t, `'${name}'`);
}

/**
 * Filter holds at most one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan and And; And
 * combines a prefix, tags and the size bounds. An empty Filter applies to every object.
 */
function parseFilter(node: XmlNode): { filter: LifecycleFilter; form: LifecycleRule['filterForm'] } {
  onlyChildren(node, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And']);
  const present = ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And'].filter((n) => node[n] !== undefined);
  if (present.length > 1) throw new S3Error('MalformedXML');
  const and = childElement(node, 'And');
  if (and) {
    onlyChildren(and, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
    const tags = childList(and, 'Tag').map(parseTag);
    const filter: LifecycleFilter = {
      prefix: childText(and, 'Prefix'),
      tags: tags.length > 0 ? validateTagSet(tags, 'object') : undefined,
      objectSizeGreaterThan: sizeBound(and, 'ObjectSizeGreaterThan'),
      objectSizeLessThan: sizeBound(and, 'ObjectSizeLessThan'),
    };
    return { filter: checkSizes(filter), form: 'filter-and' };
  }
  // Tag is read as a list (it repeats inside And); directly in Filter it appears at most once.
  const tagList = childList(node, 'Tag');
  if (tagList.length > 1) throw new S3Error('MalformedXML');
  const tag = tagList[0];
  const filter: LifecycleFilter = {
    prefix: childText(node, 'Prefix'),
    tags: tag ? validateTagSet([parseTag(tag)], 'object') : undefined,
    objectSizeGreaterThan: sizeBound(node, 'ObjectSizeGreaterThan'),
    objectSizeLessThan: sizeBound(node, 'ObjectSizeLessThan'),
  };
  return { filter, form: 'filter' };
}

function checkSizes(f: LifecycleFilter): LifecycleFilter {
  if (f.objectSizeGreaterThan !== undefined && f.objectSizeLessThan !== undefined && f.objectSizeGreaterThan >= f.objectSizeLessThan) {
    throw invalid('ObjectSizeGreaterThan must be less than ObjectSizeLessThan in a filter.');
  }
  return f;
}

function parseStorageClassOf(node: XmlNode): string {
  const sc = childText(node, 'StorageClass');
  if (sc === undefined || !TRANSITION_CLASSES.has(sc)) throw new S3Error('MalformedXML');
  return sc;
}

function parseRule(node: XmlNode): LifecycleRule {
  onlyChildren(node, [
    'ID',
    'Prefix',
    'Filter',
    'Status',
    'Expiration',
    'Transition',
    'NoncurrentVersionExpiration',
    'NoncurrentVersionTransition',
    'AbortIncompleteMultipartUpload',
  ]);
  const id = childText(node, 'ID');
  if (id !== undefined && id.length > MAX_RULE_ID_LENGTH)
    throw invalid(`ID length should not exceed allowed limit of ${MAX_RULE_ID_LENGTH}`, { ArgumentName: 'ID', ArgumentValue: id });
  const status = childText(node, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw new S3Error('MalformedXML');
  // The legacy Prefix and Filter exclude each other.
  if (node.Prefix !== undefined && node.Filter !== undefined) throw new S3Error('MalformedXML');
  let filter: LifecycleFilter = {};
  let filterForm: LifecycleRule['filterForm'] = 'none';
  if (node.Filter !== undefined) ({ filter, form: filterForm } = parseFilter(elementOf(node.Filter)));
  else if (node.Prefix !== undefined) {
    filter = { prefix: childText(node, 'Prefix') ?? '' };
    filterForm = 'legacy-prefix';
  }
  const rule: LifecycleRule = { id: id ?? randomBytes(24).toString('base64url'), enabled: status === 'Enabled', filter, filterForm };

  const exp = childElement(node, 'Expiration');
  if (exp) {
    onlyChildren(exp, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
    const days = childText(exp, 'Days');
    const date = childText(exp, 'Date');
    const marker = childText(exp, 'ExpiredObjectDeleteMarker');
    const set = [days, date, marker].filter((v) => v !== undefined).length;
    if (set === 0) throw new S3Error('MalformedXML');
    if (set > 1) {
      if (marker !== undefined) throw invalid('ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy.');
      throw new S3Error('MalformedXML');
    }
    if (marker !== undefined && marker !== 'true' && marker !== 'false') throw new S3Error('MalformedXML');
    if (marker === 'true' && filter.tags !== undefined) throw invalid('ExpiredObjectDeleteMarker cannot be specified with a tag-based filter.');
    rule.expiration = {
      days: days === undefined ? undefined : positiveDays(days, "'Days' for Expiration action"),
      date: date === undefined ? undefined : midnightDate(date),
      expiredObjectDeleteMarker: marker === undefined ? undefined : marker === 'true',
    };
  }

  const transitions = childList(node, 'Transition').map((t) => {
    onlyChildren(t, ['Days', 'Date', 'StorageClass']);
    const days = childText(t, 'Days');
    const date = childText(t, 'Date');
    if ((days === undefined) === (date === undefined)) throw new S3Error('MalformedXML');
    const storageClass = parseStorageClassOf(t);
    const d = days === undefined ? undefined : nonNegative(days, "'Days' for Transition action");
    // "Objects must be stored at least 30 days in the current storage class before you can
    // transition them to S3 Standard-IA or S3 One Zone-IA."
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
    if (d !== undefined && d < 30 && (storageClass === 'STANDARD_IA' || storageClass === 'ONEZONE_IA')) {
      throw invalid(`'Days' in Transition action must be greater than or equal to 30 for storageClass '${storageClass}'`);
    }
    return { days: d, date: date === undefined ? undefined : midnightDate(date), storageClass };
  });
  if (transitions.length > 0) {
    if (new Set(transitions.map((t) => t.storageClass)).size < transitions.length) throw invalid("'StorageClass' must be different for 'Transition' actions in same 'Rule'");
    if (new Set(transitions.map((t) => t.days === undefined)).size > 1) throw invalid("Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule");
    rule.transitions = transitions;
  }

  const nve = childElement(node, 'NoncurrentVersionExpiration');
  if (nve) {
    onlyChildren(nve, ['NoncurrentDays', 'NewerNoncurrentVersions']);
    const days = childText(nve, 'NoncurrentDays');
    const newer = childText(nve, 'NewerNoncurrentVersions');
    if (days === undefined) throw new S3Error('MalformedXML');
    rule.noncurrentVersionExpiration = {
      noncurrentDays: positiveDays(days, "'NoncurrentDays' for NoncurrentVersionExpiration action"),
      newerNoncurrentVersions: newer === undefined ? undefined : positiveDays(newer, "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action"),
    };
  }
  const nvts = childList(node, 'NoncurrentVersionTransition').map((t) => {
    onlyChildren(t, ['NoncurrentDays', 'StorageClass', 'NewerNoncurrentVersions']);
    const days = childText(t, 'NoncurrentDays');
    if (days === undefined) throw new S3Error('MalformedXML');
    const newer = childText(t, 'NewerNoncurrentVersions');
    return {
      noncurrentDays: nonNegative(days, "'NoncurrentDays' for NoncurrentVersionTransition action"),
      storageClass: parseStorageClassOf(t),
      newerNoncurrentVersions: newer === undefined ? undefined : positiveDays(newer, "'NewerNoncurrentVersions' for NoncurrentVersionTransition action"),
    };
  });
  if (nvts.length > 0) {
    if (new Set(nvts.map((t) => t.storageClass)).size < nvts.length) throw invalid("'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule'");
    rule.noncurrentVersionTransitions = nvts;
  }

  const abort = childElement(node, 'AbortIncompleteMultipartUpload');
  if (abort) {
    onlyChildren(abort, ['DaysAfterInitiation']);
    const days = childText(abort, 'DaysAfterInitiation');
    if (days === undefined) throw new S3Error('MalformedXML');
    // Uploads have no tags and no size yet: "You can't use AbortIncompleteMultipartUpload with a tag-based filter."
    if (filter.tags !== undefined || filter.objectSizeGreaterThan !== undefined || filter.objectSizeLessThan !== undefined) {
      throw invalid('AbortIncompleteMultipartUpload cannot be specified with Tags or object size filters.');
    }
    rule.abortIncompleteMultipartUpload = { daysAfterInitiation: positiveDays(days, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action") };
  }

  if (!rule.expiration && !rule.transitions && !rule.noncurrentVersionExpiration && !rule.noncurrentVersionTransitions && !rule.abortIncompleteMultipartUpload) {
    throw new S3Error('InvalidRequest', { message: 'At least one action needs to be specified in a rule' });
  }
  return rule;
}

/** The whole document: 1 to 1000 rules with unique IDs. */
export function parseLifecycleConfiguration(text: string): LifecycleConfiguration {
  const doc = parseXml(text, new Set(['Rule', 'Transition', 'NoncurrentVersionTransition', 'Tag']));
  onlyChildren(doc, ['LifecycleConfiguration']);
  const root = elementOf(doc.LifecycleConfiguration);
  onlyChildren(root, ['Rule']);
  const rules = childList(root, 'Rule').map(parseRule);
  if (rules.length === 0 || rules.length > MAX_LIFECYCLE_RULES) throw new S3Error('MalformedXML');
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw invalid('Rule ID must be unique. Found same ID for more than one rule', { ArgumentName: 'ID', ArgumentValue: r.id });
    ids.add(r.id);
  }
  return { rules };
}

function dateText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function renderFilter(f: LifecycleFilter, form: LifecycleRule['filterForm']): Array<[string, XmlValue]> {
  const tag = (t: Tag): XmlValue => ({ Key: t.key, Value: t.value });
  if (form === 'legacy-prefix') return [['Prefix', f.prefix ?? '']];
  if (form === 'none') return [];
  if (form === 'filter-and') {
    const and: Record<string, XmlValue> = {};
    if (f.prefix !== undefined) and.Prefix = f.prefix;
    if (f.tags) and.Tag = f.tags.map(tag);
    if (f.objectSizeGreaterThan !== undefined) and.ObjectSizeGreaterThan = f.objectSizeGreaterThan;
    if (f.objectSizeLessThan !== undefined) and.ObjectSizeLessThan = f.objectSizeLessThan;
    return [['Filter', { And: and }]];
  }
  const filter: Record<string, XmlValue> = {};
  if (f.prefix !== undefined) filter.Prefix = f.prefix;
  if (f.tags?.[0]) filter.Tag = tag(f.tags[0]);
  if (f.objectSizeGreaterThan !== undefined) filter.ObjectSizeGreaterThan = f.objectSizeGreaterThan;
  if (f.objectSizeLessThan !== undefined) filter.ObjectSizeLessThan = f.objectSizeLessThan;
  return [['Filter', filter]];
}

/** GetBucketLifecycleConfiguration's document, rules as they were put (their made-up IDs included). */
export function renderLifecycleConfiguration(config: LifecycleConfiguration): string {
  const rules = config.rules.map((r): XmlValue => {
    const out: Record<string, XmlValue> = {};
    out.ID = r.id;
    for (const [k, v] of renderFilter(r.filter, r.filterForm)) out[k] = v;
    out.Status = r.enabled ? 'Enabled' : 'Disabled';
    if (r.transitions) out.Transition = r.transitions.map((t) => ({ ...(t.days !== undefined ? { Days: t.days } : { Date: dateText(t.date!) }), StorageClass: t.storageClass }));
    if (r.expiration) {
      const e = r.expiration;
      out.Expiration =
        e.days !== undefined ? { Days: e.days } : e.date !== undefined ? { Date: dateText(e.date) } : { ExpiredObjectDeleteMarker: e.expiredObjectDeleteMarker ? 'true' : 'false' };
    }
    if (r.noncurrentVersionTransitions) {
      out.NoncurrentVersionTransition = r.noncurrentVersionTransitions.map((t) => ({
        NoncurrentDays: t.noncurrentDays,
        StorageClass: t.storageClass,
        NewerNoncurrentVersions: t.newerNoncurrentVersions,
      }));
    }
    if (r.noncurrentVersionExpiration) {
      out.NoncurrentVersionExpiration = {
        NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays,
        NewerNoncurrentVersions: r.noncurrentVersionExpiration.newerNoncurrentVersions,
      };
    }
    if (r.abortIncompleteMultipartUpload) out.AbortIncompleteMultipartUpload = { DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation };
    return out;
  });
  return renderXmlInOrder('LifecycleConfiguration', [['Rule', rules]]);
}
