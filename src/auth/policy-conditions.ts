// The Condition element of a policy statement: every operator IAM defines, with `…IfExists` and
// the ForAnyValue / ForAllValues set operators, tested against the request's condition keys.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
import { isIP } from 'node:net';
import { wildcardMatch } from './policy-actions.js';

type Match = (value: string, policyValue: string) => boolean;

function num(s: string): number | undefined {
  if (s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** A date as IAM reads one: ISO 8601, or seconds since the epoch. */
function date(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function compareWith(parse: (s: string) => number | undefined, test: (a: number, b: number) => boolean): Match {
  return (v, p) => {
    const a = parse(v);
    const b = parse(p);
    return a !== undefined && b !== undefined && test(a, b);
  };
}

/** IPv4 or IPv6 address as a bigint and its bit width; IPv4-mapped IPv6 reads as IPv4. */
function ipBits(addr: string): { value: bigint; width: number } | undefined {
  let a = addr;
  if (a.toLowerCase().startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  const kind = isIP(a);
  if (kind === 4) {
    return { value: a.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n), width: 32 };
  }
  if (kind === 6) {
    const [head, tail] = a.split('::') as [string, string | undefined];
    const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
    let h = groups(head);
    let t = groups(tail);
    // An embedded IPv4 tail (::1.2.3.4) is two groups.
    const expand = (g: string[]): string[] =>
      g.flatMap((x) => {
        if (!x.includes('.')) return [x];
        const o = x.split('.').map(Number);
        return [((o[0]! << 8) | o[1]!).toString(16), ((o[2]! << 8) | o[3]!).toString(16)];
      });
    h = expand(h);
    t = expand(t);
    const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return { value: all.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n), width: 128 };
  }
  return undefined;
}

function inCidr(addr: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipBits(addr);
  const b = ipBits(base ?? '');
  if (a === undefined || b === undefined || a.width !== b.width) return false;
  const bits = bitsText === undefined ? b.width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > b.width) return false;
  const shift = BigInt(b.width - bits);
  return a.value >> shift === b.value >> shift;
}

const POSITIVE: Readonly<Record<string, Match>> = {
  StringEquals: (v, p) => v === p,
  StringEqualsIgnoreCase: (v, p) => v.toLowerCase() === p.toLowerCase(),
  StringLike: (v, p) => wildcardMatch(p, v, false),
  NumericEquals: compareWith(num, (a, b) => a === b),
  NumericLessThan: compareWith(num, (a, b) => a < b),
  NumericLessThanEquals: compareWith(num, (a, b) => a <= b),
  NumericGreaterThan: compareWith(num, (a, b) => a > b),
  NumericGreaterThanEquals: compareWith(num, (a, b) => a >= b),
  DateEquals: compareWith(date, (a, b) => a === b),
  DateLessThan: compareWith(date, (a, b) => a < b),
  DateLessThanEquals: compareWith(date, (a, b) => a <= b),
  DateGreaterThan: compareWith(date, (a, b) => a > b),
  DateGreaterThanEquals: compareWith(date, (a, b) => a >= b),
  Bool: (v, p) => v.toLowerCase() === p.toLowerCase(),
  BinaryEquals: (v, p) => Buffer.from(v, 'base64').equals(Buffer.from(p, 'base64')),
  IpAddress: (v, p) => inCidr(v, p),
  ArnEquals: (v, p) => wildcardMatch(p, v, false),
  ArnLike: (v, p) => wildcardMatch(p, v, false),
};

/** Negated operators: true when the key's value matches none of the policy's values. */
const NEGATED: Readonly<Record<string, string>> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  NotIpAddress: 'IpAddress',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

export const CONDITION_OPERATORS: readonly string[] = [...Object.keys(POSITIVE), ...Object.keys(NEGATED), 'Null'];

export interface ParsedOperator {
  base: string;
  set?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
}

/** `ForAnyValue:StringLikeIfExists` → its parts; undefined for an operator IAM does not define. */
export function parseOperator(op: string): ParsedOperator | undefined {
  let rest = op;
  let set: ParsedOperator['set'];
  if (rest.startsWith('ForAnyValue:')) {
    set = 'ForAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  } else if (rest.startsWith('ForAllValues:')) {
    set = 'ForAllValues';
    rest = rest.slice('ForAllValues:'.length);
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  if (!CONDITION_OPERATORS.includes(rest)) return undefined;
  // "You cannot use IfExists with the Null condition operator."
  if (rest === 'Null' && (ifExists || set !== undefined)) return undefined;
  return { base: rest, set, ifExists };
}

/** The request's value(s) of a condition key (lower-cased name); undefined when the request has none. */
export type ConditionKeys = (lowerCaseKey: string) => readonly string[] | undefined;

/** Policy values with ${…} policy variables put in; undefined when one names a key the request lacks. */
export type Substitute = (policyValue: string) => string | undefined;

function oneValueMatches(base: string, v: string, policyValues: readonly string[], substitute: Substitute): boolean {
  const negatedOf = NEGATED[base];
  const match = POSITIVE[negatedOf ?? base]!;
  const any = policyValues.some((p) => {
    const pv = substitute(p);
    return pv !== undefined && match(v, pv);
  });
  return negatedOf === undefined ? any : !any;
}

/** One operator on one key. */
function keyHolds(op: ParsedOperator, values: readonly string[] | undefined, policyValues: readonly string[], substitute: Substitute): boolean {
  if (op.base === 'Null') {
    const absent = values === undefined || values.length === 0;
    return policyValues.some((p) => (p.toLowerCase() === 'true' ? absent : !absent));
  }
  const missing = values === undefined || values.length === 0;
  if (missing) {
    if (op.set === 'ForAllValues') return true;
    if (op.set === 'ForAnyValue') return false;
    if (op.ifExists) return true;
    // "If the key … is not present in the request context … the condition is false. If the policy
    // condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the
    // right key is not present, the condition is true."
    return NEGATED[op.base] !== undefined;
  }
  if (op.set === 'ForAllValues') return values.every((v) => oneValueMatches(op.base, v, policyValues, substitute));
  return values.some((v) => oneValueMatches(op.base, v, policyValues, substitute));
}

/** A statement's Condition: every operator, and within one every key, must hold. */
export function conditionsHold(condition: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>, keys: ConditionKeys, substitute: Substitute): boolean {
  for (const [opText, block] of Object.entries(condition)) {
    const op = parseOperator(opText);
    if (op === undefined) return false;
    for (const [key, policyValues] of Object.entries(block)) {
      if (!keyHolds(op, keys(key.toLowerCase()), policyValues, substitute)) return false;
    }
  }
  return true;
}
