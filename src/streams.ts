import { Transform } from 'node:stream';
import type { Readable, TransformCallback, Writable } from 'node:stream';
import { S3Error } from './errors.js';
import { pipeline } from 'node:stream/promises';

/** `pipeline` over a list built at run time: backpressure, and every stage destroyed on error. */
export function pipeAll(stages: ReadonlyArray<Readable | Transform | Writable>, signal?: AbortSignal): Promise<void> {
  return pipeline(stages as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream>, signal ? { signal } : {});
}

/**
 * Fails the body with RequestTimeout when no bytes arrive for `ms`. The clock starts when the
 * request is piped in: a guard built for a request that is refused before its body is read
 * (KeyTooLong, MaxMessageLengthExceeded, ...) is never piped, and its timer would otherwise fire
 * later with an error nothing listens for, an uncaught exception that ends the process.
 */
export class StallGuard extends Transform {
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    super();
    this.once('pipe', () => {
      if (this.destroyed || this.timer !== undefined) return;
      this.timer = setTimeout(() => this.destroy(new S3Error('RequestTimeout')), this.ms);
      this.timer.unref();
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.timer?.refresh();
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    clearTimeout(this.timer);
    cb();
  }
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    cb(err);
  }
}
