// Prometheus metrics (prom-client), one registry per server. Per request the edge hands over one
// outcome and the work is a few additions to plain numbers kept per operation (plain-metrics.ts),
// turned into series when scraped; what can be read when scraped (requests in flight, bucket
// usage and quotas) is read then, not kept up to date per request. Label values are bounded: S3
// operation names, status classes, error codes from the table, job names; a bucket name only
// with COFFER_METRICS_BUCKET_LABELS=on.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BucketUsageRow } from '../meta/types.js';
import type { RequestObserver, RequestOutcome } from '../http/server.js';
import { Buckets, registerComputed } from './plain-metrics.js';

/** Request latencies: from a millisecond (a small GET) to minutes (a large upload). */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Metadata commits and fsyncs: group commits take a fraction of a millisecond to tens of them. */
const SYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** What the requests of one operation came to. */
class OperationStats {
  /** By status class: 1xx … 5xx. */
  readonly requests = [0, 0, 0, 0, 0];
  received = 0;
  sent = 0;
  readonly duration = new Buckets(REQUEST_BUCKETS);
}

export interface MetricsSources {
  /** Requests the edge is serving now. */
  inflight(): number;
  /** Every bucket's usage and quota. */
  usage(): Promise<BucketUsageRow[]>;
}

export class CofferMetrics implements RequestObserver {
  readonly registry = new Registry();
  private readonly operations = new Map<string, OperationStats>();
  private readonly errors = new Map<string, number>();
  private shedCount = 0;
  private rateLimitedCount = 0;
  private readonly transactions = new Buckets(SYNC_BUCKETS);
  private readonly blobSyncs = new Buckets(SYNC_BUCKETS);
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private readonly jobDuration: Histogram<'job'>;
  private sources: MetricsSources | undefined;

  constructor(options: { bucketLabels: boolean }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const perOperation = (f: (op: string, s: OperationStats) => Array<{ value: number; labels?: Record<string, string>; metricName?: string }>) => () =>
      [...this.operations].flatMap(([op, s]) => f(op, s));
    registerComputed(
      this.registry,
      'coffer_requests_total',
      'Requests answered, by S3 operation and status class',
      'counter',
      perOperation((operation, s) => s.requests.flatMap((value, i) => (value > 0 ? [{ value, labels: { operation, status_class: STATUS_CLASSES[i]! } }] : []))),
    );
    registerComputed(
      this.registry,
      'coffer_request_duration_seconds',
      'Time from a request arriving to its response sent, by S3 operation',
      'histogram',
      perOperation((operation, s) => s.duration.exposed('coffer_request_duration_seconds', { operation })),
    );
    registerComputed(
      this.registry,
      'coffer_received_bytes_total',
      'Request body bytes received, by S3 operation',
      'counter',
      perOperation((operation, s) => [{ value: s.received, labels: { operation } }]),
    );
    registerComputed(
      this.registry,
      'coffer_sent_bytes_total',
      'Response body bytes sent, by S3 operation',
      'counter',
      perOperation((operation, s) => [{ value: s.sent, labels: { operation } }]),
    );
    registerComputed(this.registry, 'coffer_errors_total', 'Error responses, by S3 error code', 'counter', () =>
      [...this.errors].map(([code, value]) => ({ value, labels: { code } })),
    );
    registerComputed(this.registry, 'coffer_requests_shed_total', 'Requests refused with ServiceUnavailable past COFFER_MAX_INFLIGHT', 'counter', () => [
      { value: this.shedCount },
    ]);
    registerComputed(this.registry, 'coffer_requests_rate_limited_total', 'Requests refused with SlowDown past COFFER_RATE_LIMIT', 'counter', () => [
      { value: this.rateLimitedCount },
    ]);
    const self = this;
    new Gauge({
      name: 'coffer_requests_in_flight',
      help: 'Requests being served',
      registers,
      collect() {
        this.set(self.sources?.inflight() ?? 0);
      },
    });
    registerComputed(
      this.registry,
      'coffer_meta_transaction_duration_seconds',
      'Metadata transactions, from being asked for to durable (group commit and WAL fsync included)',
      'histogram',
      () => this.transactions.exposed('coffer_meta_transaction_duration_seconds', {}),
    );
    registerComputed(this.registry, 'coffer_blob_fsync_duration_seconds', 'The final fdatasync of each blob written', 'histogram', () =>
      this.blobSyncs.exposed('coffer_blob_fsync_duration_seconds', {}),
    );
    this.jobRuns = new Counter({ name: 'coffer_job_runs_total', help: 'Background job runs, by job and outcome', labelNames: ['job', 'outcome'], registers });
    this.jobDuration = new Histogram({ name: 'coffer_job_duration_seconds', help: 'Background job run time, by job', labelNames: ['job'], buckets: REQUEST_BUCKETS, registers });
    this.usageGauges(options.bucketLabels, registers);
  }

  /** What is read when scraped; given once the server runs. */
  setSources(sources: MetricsSources): void {
    this.sources = sources;
  }

  private usageGauges(bucketLabels: boolean, registers: Registry[]): void {
    // prom-client collects every metric of a scrape at once: the first gauge collected starts
    // one read of the store, the others wait for that same read.
    let reading: Promise<void> | undefined;
    const collect = async (): Promise<void> => {
      reading ??= read().finally(() => {
        setImmediate(() => {
          reading = undefined;
        });
      });
      await reading;
    };
    const gauge = (name: string, help: string, labelled = bucketLabels): Gauge => new Gauge({ name, help, labelNames: labelled ? ['bucket'] : [], registers, collect });
    const bytes = gauge('coffer_bucket_bytes', 'Bytes of object versions stored');
    const objects = gauge('coffer_bucket_objects', 'Object versions stored (delete markers not counted)');
    const uploadBytes = gauge('coffer_bucket_incomplete_upload_bytes', 'Bytes of parts of unfinished multipart uploads');
    const quotaBytes = gauge('coffer_bucket_quota_bytes', 'Hard quota in bytes of buckets that have one');
    const quotaObjects = gauge('coffer_bucket_quota_objects', 'Object limit of buckets that have one');
    const buckets = gauge('coffer_buckets', 'Buckets', false);
    const withQuota = gauge('coffer_buckets_with_quota', 'Buckets with a hard quota', false);
    const atQuota = gauge('coffer_buckets_at_quota', 'Buckets whose usage has reached a limit of their quota', false);
    const read = async (): Promise<void> => {
      const rows = (await this.sources?.usage()) ?? [];
      for (const g of [bytes, objects, uploadBytes, quotaBytes, quotaObjects]) g.reset();
      let full = 0;
      let quotas = 0;
      const totals = { bytes: 0, objects: 0, uploads: 0, quotaBytes: 0, quotaObjects: 0 };
      for (const r of rows) {
        const q = r.quota;
        if (q) {
          quotas++;
          if (r.usage.bytes + r.uploads.bytes >= q.hardQuotaBytes || (q.maxObjects !== undefined && r.usage.objectCount >= q.maxObjects)) full++;
        }
        if (bucketLabels) {
          const l = { bucket: r.bucket };
          bytes.set(l, r.usage.bytes);
          objects.set(l, r.usage.objectCount);
          uploadBytes.set(l, r.uploads.bytes);
          if (q) quotaBytes.set(l, q.hardQuotaBytes);
          if (q?.maxObjects !== undefined) quotaObjects.set(l, q.maxObjects);
        }
        totals.bytes += r.usage.bytes;
        totals.objects += r.usage.objectCount;
        totals.uploads += r.uploads.bytes;
        totals.quotaBytes += q?.hardQuotaBytes ?? 0;
        totals.quotaObjects += q?.maxObjects ?? 0;
      }
      if (!bucketLabels) {
        bytes.set(totals.bytes);
        objects.set(totals.objects);
        uploadBytes.set(totals.uploads);
        quotaBytes.set(totals.quotaBytes);
        quotaObjects.set(totals.quotaObjects);
      }
      buckets.set(rows.length);
      withQuota.set(quotas);
      atQuota.set(full);
    };
  }

  requestDone(o: RequestOutcome): void {
    let s = this.operations.get(o.operation);
    if (s === undefined) {
      s = new OperationStats();
      this.operations.set(o.operation, s);
    }
    const cls = Math.floor(o.status / 100) - 1;
    s.requests[cls >= 0 && cls < 5 ? cls : 4]!++;
    s.duration.observe(o.seconds);
    s.received += o.bytesReceived;
    s.sent += o.bytesSent;
    if (o.errorCode !== undefined) {
      this.errors.set(o.errorCode, (this.errors.get(o.errorCode) ?? 0) + 1);
      if (o.errorCode === 'SlowDown') this.rateLimitedCount++;
    }
  }

  shed(): void {
    this.shedCount++;
  }

  transaction(seconds: number): void {
    this.transactions.observe(seconds);
  }

  blobSync(seconds: number): void {
    this.blobSyncs.observe(seconds);
  }

  jobRun(job: string, ok: boolean, seconds: number): void {
    this.jobRuns.labels(job, ok ? 'ok' : 'error').inc();
    this.jobDuration.labels(job).observe(seconds);
  }

  /** The text exposition format. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
