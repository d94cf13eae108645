// Evaluating a bucket policy for one request: which statements apply (principal, action,
// resource, conditions), and whether any applying statement denies or allows.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
import type { PolicyDocument, PolicyPrincipal, PolicyStatement } from '../access.js';
import { wildcardMatch } from './policy-actions.js';
import { conditionsHold } from './policy-conditions.js';
import type { ConditionKeys } from './policy-conditions.js';

/** Who asks, as a policy's Principal names them. */
export interface PolicyRequester {
  /** Canonical user id; undefined for an anonymous request. */
  readonly userId?: string;
  readonly userName?: string;
}

export interface PolicyQuestion {
  readonly requester: PolicyRequester;
  readonly action: string;
  /** The resource's ARN: `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`. */
  readonly arn: string;
  readonly keys: ConditionKeys;
}

export type PolicyAnswer = 'Deny' | 'Allow' | 'None';

/**
 * Whether a Principal names the requester. `*` is everyone, anonymous requests included. A
 * Coffer user is named by their canonical id (as AWS or CanonicalUser), by name, or by the ARNs
 * `arn:aws:iam::<id or name>:root` and `arn:aws:iam::<account>:user/<name>`.
 */
export function principalMatches(p: PolicyPrincipal, who: PolicyRequester): boolean {
  if (p === '*') return true;
  if (p.aws.includes('*')) return true;
  if (who.userId === undefined) return false;
  if (p.canonicalUser.includes(who.userId)) return true;
  for (const v of p.aws) {
    if (v === who.userId || (who.userName !== undefined && v === who.userName)) return true;
    const m = /^arn:aws:(?:iam|sts)::([^:]*):(.+)$/.exec(v);
    if (!m) continue;
    const account = m[1]!;
    const rest = m[2]!;
    if (rest === 'root' && (account === who.userId || account === who.userName)) return true;
    if (rest.startsWith('user/') && who.userName !== undefined && rest.slice(rest.lastIndexOf('/') + 1) === who.userName) return true;
  }
  return false;
}

/** Policy variables: ${aws:username}, ${s3:prefix}…, and the escapes ${*}, ${?}, ${$}. */
function substituter(keys: ConditionKeys): (text: string) => string | undefined {
  return (text) => {
    if (!text.includes('${')) return text;
    let missing = false;
    const out = text.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
      if (name === '*' || name === '?' || name === '$') return name;
      const v = keys(name.toLowerCase());
      if (v === undefined || v.length === 0) {
        missing = true;
        return '';
      }
      return v[0]!;
    });
    return missing ? undefined : out;
  };
}

function anyMatches(patterns: readonly string[], text: string, ignoreCase: boolean, substitute: (t: string) => string | undefined): boolean {
  return patterns.some((p) => {
    const pattern = substitute(p);
    return pattern !== undefined ? wildcardMatch(pattern, text, ignoreCase) : false;
  });
}

function applies(s: PolicyStatement, q: PolicyQuestion, substitute: (t: string) => string | undefined): boolean {
  if (s.principal !== undefined && !principalMatches(s.principal, q.requester)) return false;
  if (s.notPrincipal !== undefined && principalMatches(s.notPrincipal, q.requester)) return false;
  const actionName = q.action;
  if (s.action !== undefined && !s.action.some((a) => wildcardMatch(a, actionName, true))) return false;
  if (s.notAction?.some((a) => wildcardMatch(a, actionName, true))) return false;
  if (s.resource !== undefined && !anyMatches(s.resource, q.arn, false, substitute)) return false;
  if (s.notResource !== undefined && anyMatches(s.notResource, q.arn, false, substitute)) return false;
  if (s.condition !== undefined && !conditionsHold(s.condition, q.keys, substitute)) return false;
  return true;
}

/** Deny when an applying statement denies, else Allow when one allows, else None. */
export function evaluatePolicy(doc: PolicyDocument, q: PolicyQuestion): PolicyAnswer {
  const substitute = substituter(q.keys);
  let allowed = false;
  for (const s of doc.statements) {
    if (!applies(s, q, substitute)) continue;
    if (s.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'None';
}
