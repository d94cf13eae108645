// Assertions on the S3Error a parser or verifier throws, for the unit tests beside the code.
import assert from 'node:assert/strict';
import { S3Error } from '../../src/errors.js';

/** The S3Error `p` rejects with, checked for its code (and message: exact, or a pattern). */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<S3Error> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => {
      caught = err;
    },
  );
  assert.ok(caught instanceof S3Error, `expected S3Error ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message !== undefined) assert.match(caught.message, message);
  return caught;
}

/** The S3Error `fn` throws: code, message and extra fields. */
export function refusal(fn: () => unknown): { code: string; message: string; fields: Record<string, string | number> } {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Error) return { code: err.code, message: err.message, fields: err.fields };
    throw err;
  }
  assert.fail('expected an S3Error');
}

/** The code of the S3Error `fn` throws, or 'none' when it returns (any other error is rethrown). */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Error) return err.code;
    throw err;
  }
  return 'none';
}
