import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** `pipeline` over a list built at run time: backpressure, and every stage destroyed on error. */
export function pipeAll(stages: ReadonlyArray<Readable | Transform | Writable>, signal?: AbortSignal): Promise<void> {
  return pipeline(stages as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream>, signal ? { signal } : {});
}
