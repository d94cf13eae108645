// Which objects a lifecycle rule selects: its filter (prefix, tags, object size).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html
import type { LifecycleRule, ObjectRecord } from '../meta/types.js';

/** Whether a rule's filter selects an object (prefix, every tag, size bounds). */
export function ruleApplies(rule: LifecycleRule, obj: Pick<ObjectRecord, 'key' | 'size' | 'tags'>): boolean {
  const f = rule.filter;
  if (f.prefix !== undefined && !obj.key.startsWith(f.prefix)) return false;
  if (f.objectSizeGreaterThan !== undefined && !(obj.size > f.objectSizeGreaterThan)) return false;
  if (f.objectSizeLessThan !== undefined && !(obj.size < f.objectSizeLessThan)) return false;
  if (f.tags) {
    for (const t of f.tags) if (!obj.tags?.some((o) => o.key === t.key && o.value === t.value)) return false;
  }
  return true;
}

/** The rule prefixes to scan: one scan for all when a rule has none, else one per distinct prefix that no other contains. */
export function scanPrefixes(rules: LifecycleRule[]): string[] {
  const prefixes = [...new Set(rules.map((r) => r.filter.prefix ?? ''))].sort();
  return prefixes.filter((p, i) => !prefixes.slice(0, i).some((q) => p.startsWith(q)));
}
