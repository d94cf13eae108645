// MD5 of large bodies on a worker thread. MD5 is the slowest hash a PUT needs (the ETag), and on
// the event loop it caps a single upload at MD5 speed while the loop also reads the socket; on a
// worker it runs beside that work. Chunks are copied in batches of about 1 MiB per message.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (!h) { h = createHash('md5'); hashes.set(m.id, h); }
    for (const c of m.chunks) h.update(c);
    parentPort.postMessage({ id: m.id, acked: m.bytes });
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) ?? createHash('md5');
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, md5: h.digest() });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

const BATCH_BYTES = 1024 * 1024;
/** Bytes sent to the worker but not hashed yet before the body waits: memory stays flat. */
const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;

class Md5Worker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private readonly acks = new Map<number, (bytes: number) => void>();
  private failure: Error | undefined;
  private busy = 0;

  constructor() {
    // The worker only hashes: a small heap keeps its memory out of the way.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    this.worker.on('message', (m: { id: number; md5?: Uint8Array; acked?: number }) => {
      if (m.acked !== undefined) {
        this.acks.get(m.id)?.(m.acked);
        return;
      }
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(Buffer.from(m.md5!));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('MD5 worker exited')));
    // After the listeners: adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  /** Bodies in progress. A busy worker keeps the process alive; an idle one does not. */
  get active(): number {
    return this.busy;
  }

  begin(): void {
    if (this.busy++ === 0) this.worker.ref();
  }

  end(): void {
    if (--this.busy === 0) this.worker.unref();
  }

  get dead(): boolean {
    return this.failure !== undefined;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    for (const ack of this.acks.values()) ack(Number.POSITIVE_INFINITY);
  }

  onAck(id: number, fn: ((bytes: number) => void) | undefined): void {
    if (fn) this.acks.set(id, fn);
    else this.acks.delete(id);
  }

  post(message: unknown): void {
    if (!this.failure) this.worker.postMessage(message);
  }

  digest(id: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ op: 'digest', id });
    });
  }
}

/** A few MD5 workers shared by a server's uploads; each upload sticks to the least busy one. */
export class Md5Pool {
  private readonly workers: Md5Worker[] = [];
  private nextId = 1;

  // One worker: with the event loop that makes two busy threads, the cores a small server has.
  constructor(private readonly size = 1) {}

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  start(): OffloadedMd5 {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]!.dead) this.workers.splice(i, 1);
    if (this.workers.length < this.size) this.workers.push(new Md5Worker());
    const worker = this.workers.reduce((a, b) => (b.active < a.active ? b : a));
    worker.begin();
    return new OffloadedMd5(worker, this.nextId++);
  }
}

/** One body's MD5, computed on a worker. */
export class OffloadedMd5 {
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly worker: Md5Worker,
    private readonly id: number,
  ) {
    worker.onAck(id, (bytes) => {
      this.inFlight -= bytes;
      if (this.inFlight <= MAX_IN_FLIGHT_BYTES / 2 && this.wake) {
        const wake = this.wake;
        this.wake = undefined;
        wake();
      }
    });
  }

  /** Add a chunk; resolves at once, or once the worker has caught up when it is far behind. */
  update(chunk: Buffer): Promise<void> | undefined {
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= BATCH_BYTES) this.flush();
    if (this.inFlight <= MAX_IN_FLIGHT_BYTES) return undefined;
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    // The chunks travel on to the disk, so they are copied (structured clone), not transferred.
    this.worker.post({ op: 'update', id: this.id, chunks: this.batch, bytes: this.batchBytes });
    this.inFlight += this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
  }

  async digest(): Promise<Buffer> {
    this.flush();
    try {
      return await this.worker.digest(this.id);
    } finally {
      this.finish();
    }
  }

  /** An abandoned body: the worker forgets its state. */
  drop(): void {
    if (this.done) return;
    this.batch = [];
    this.worker.post({ op: 'drop', id: this.id });
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.worker.onAck(this.id, undefined);
    this.worker.end();
    this.wake?.();
  }
}
