// The fuzzer's frame: a target is a fast-check property over one parser; a run checks it on
// `runs` inputs from `seed` and reports how fast it went. Every refusal must be an S3Error whose
// code is a row of the error table, and no single input may take long (a hang or a
// super-linear blow-up shows up as a slow input long before it shows up as a stuck process).
import fc from 'fast-check';
import { S3Error, S3_ERRORS } from '../src/errors.js';
import type { S3ErrorCode } from '../src/errors.js';

export interface FuzzTarget {
  name: string;
  /** What the target checks, for the report. */
  about: string;
  /** A fresh property; async targets return an async property. */
  property(): AnyProperty;
}

/** A property over any inputs, sync or async: the runner only counts and reports them. */
// biome-ignore lint/suspicious/noExplicitAny: each target has its own input types; the runner never looks at them.
export type AnyProperty = fc.IRawProperty<any>;

/** An input taking longer than this is a failure: no parser should need it for a few KiB. */
export const MAX_INPUT_MS = 2000;

export interface RunResult {
  name: string;
  runs: number;
  ms: number;
  perSecond: number;
  /** Whether every input held; the failure (counterexample, seed, path) otherwise. */
  failure?: string;
}

export async function runTarget(target: FuzzTarget, runs: number, seed: number): Promise<RunResult> {
  const started = performance.now();
  // fast-check's own clock check covers async properties; timed() below covers sync ones.
  const details = await fc.check(target.property(), { numRuns: runs, seed, timeout: MAX_INPUT_MS });
  const ms = performance.now() - started;
  const result: RunResult = { name: target.name, runs: details.numRuns, ms, perSecond: details.numRuns / (ms / 1000) };
  if (details.failed) {
    const cause: unknown = details.errorInstance ?? (details.interrupted ? 'interrupted' : 'no error reported');
    const error = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
    result.failure = `seed ${details.seed}, path "${details.counterexamplePath}", input ${fc.stringify(details.counterexample)}\n${error}`;
  }
  return result;
}

/** Run a sync predicate and fail it when one input takes longer than MAX_INPUT_MS. */
export function timed<A extends unknown[]>(check: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    const t0 = performance.now();
    check(...args);
    const ms = performance.now() - t0;
    if (ms > MAX_INPUT_MS) throw new Error(`one input took ${Math.round(ms)} ms`);
  };
}

/** `err` must be an S3Error with a code of the table (and one of `allowed`, when given). */
export function assertS3Refusal(err: unknown, allowed?: readonly S3ErrorCode[]): asserts err is S3Error {
  if (!(err instanceof S3Error)) throw new Error(`refused with something other than an S3Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  if (!Object.hasOwn(S3_ERRORS, err.code)) throw new Error(`refused with ${err.code}, which is not in the error table`);
  if (allowed !== undefined && !allowed.includes(err.code)) throw new Error(`refused with ${err.code}: ${err.message}; expected one of ${allowed.join(', ')}`);
}

/** `fn()`'s value, or undefined when it refused with an S3Error (checked as assertS3Refusal). */
export function valueOrRefusal<T>(fn: () => T, allowed?: readonly S3ErrorCode[]): T | undefined {
  try {
    return fn();
  } catch (err) {
    assertS3Refusal(err, allowed);
    return undefined;
  }
}

export async function asyncValueOrRefusal<T>(fn: () => Promise<T>, allowed?: readonly S3ErrorCode[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    assertS3Refusal(err, allowed);
    return undefined;
  }
}

/** Strings made of the given tokens (the parser's own vocabulary) and of any character at all. */
export function tokenString(tokens: readonly string[], maxLength = 40): fc.Arbitrary<string> {
  return fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }), { maxLength }).map((parts) => parts.join(''));
}

/** One edit of a string: a character replaced, inserted or removed, or the string cut short. */
export interface Edit {
  op: 'replace' | 'insert' | 'delete' | 'truncate';
  /** Scaled to the string's length when applied. */
  at: number;
  ch: string;
}

export const editArb: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  ch: fc.oneof(
    fc.constantFrom(' ', '\t', '\r', '\n', '%', '+', '/', '=', '&', ';', ',', ':', '0', 'a', 'A', 'f', 'F', '<', '>', '"', '\u0000', '\u00e9'),
    fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
  ),
});

export function applyEdit(s: string, e: Edit): string {
  if (s.length === 0) return e.op === 'insert' ? e.ch : s;
  const at = e.at % (e.op === 'insert' ? s.length + 1 : s.length);
  switch (e.op) {
    case 'replace':
      return s.slice(0, at) + e.ch + s.slice(at + 1);
    case 'insert':
      return s.slice(0, at) + e.ch + s.slice(at);
    case 'delete':
      return s.slice(0, at) + s.slice(at + 1);
    case 'truncate':
      return s.slice(0, at);
  }
}

/** The same edit on bytes. */
export function applyByteEdit(b: Buffer, e: Edit): Buffer {
  const byte = Buffer.from([e.ch.charCodeAt(0) & 0xff]);
  if (b.length === 0) return e.op === 'insert' ? byte : b;
  const at = e.at % (e.op === 'insert' ? b.length + 1 : b.length);
  switch (e.op) {
    case 'replace':
      return Buffer.concat([b.subarray(0, at), byte, b.subarray(at + 1)]);
    case 'insert':
      return Buffer.concat([b.subarray(0, at), byte, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 'truncate':
      return b.subarray(0, at);
  }
}
