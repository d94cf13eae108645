// Prometheus metrics (prom-client), one registry per server. Per request the edge hands over one
// outcome and the work is a few additions on children cached per operation, so the hot path
// pays no label hashing; what can be read when scraped (requests in flight, bucket usage and
// quotas) is read then, not kept up to date per request. Label values are bounded: S3 operation
// names, status classes, error codes from the table, job names; a bucket name only with
// COFFER_METRICS_BUCKET_LABELS=on.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BucketUsageRow } from '../meta/types.js';
import type { RequestObserver, RequestOutcome } from '../http/server.js';

/** Request latencies: from a millisecond (a small GET) to minutes (a large upload). */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Metadata commits and fsyncs: group commits take a fraction of a millisecond to tens of them. */
const SYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

interface OperationSeries {
  /** By status class: 1xx … 5xx. */
  requests: Array<{ inc(): void }>;
  duration: { observe(v: number): void };
  received: { inc(v: number): void };
  sent: { inc(v: number): void };
}

export interface MetricsSources {
  /** Requests the edge is serving now. */
  inflight(): number;
  /** Every bucket's usage and quota. */
  usage(): Promise<BucketUsageRow[]>;
}

export class CofferMetrics implements RequestObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'status_class'>;
  private readonly duration: Histogram<'operation'>;
  private readonly received: Counter<'operation'>;
  private readonly sent: Counter<'operation'>;
  private readonly errors: Counter<'code'>;
  private readonly shedTotal: Counter;
  private readonly rateLimited: Counter;
  private readonly transactions: Histogram;
  private readonly blobSyncs: Histogram;
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private readonly jobDuration: Histogram<'job'>;
  private readonly perOperation = new Map<string, OperationSeries>();
  private sources: MetricsSources | undefined;

  constructor(options: { bucketLabels: boolean }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'coffer_requests_total',
      help: 'Requests answered, by S3 operation and status class',
      labelNames: ['operation', 'status_class'],
      registers,
    });
    this.duration = new Histogram({
      name: 'coffer_request_duration_seconds',
      help: 'Time from a request arriving to its response sent, by S3 operation',
      labelNames: ['operation'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.received = new Counter({ name: 'coffer_received_bytes_total', help: 'Request body bytes received, by S3 operation', labelNames: ['operation'], registers });
    this.sent = new Counter({ name: 'coffer_sent_bytes_total', help: 'Response body bytes sent, by S3 operation', labelNames: ['operation'], registers });
    this.errors = new Counter({ name: 'coffer_errors_total', help: 'Error responses, by S3 error code', labelNames: ['code'], registers });
    this.shedTotal = new Counter({ name: 'coffer_requests_shed_total', help: 'Requests refused with ServiceUnavailable past COFFER_MAX_INFLIGHT', registers });
    this.rateLimited = new Counter({ name: 'coffer_requests_rate_limited_total', help: 'Requests refused with SlowDown past COFFER_RATE_LIMIT', registers });
    const self = this;
    new Gauge({
      name: 'coffer_requests_in_flight',
      help: 'Requests being served',
      registers,
      collect() {
        this.set(self.sources?.inflight() ?? 0);
      },
    });
    this.transactions = new Histogram({
      name: 'coffer_meta_transaction_duration_seconds',
      help: 'Metadata transactions, from being asked for to durable (group commit and WAL fsync included)',
      buckets: SYNC_BUCKETS,
      registers,
    });
    this.blobSyncs = new Histogram({ name: 'coffer_blob_fsync_duration_seconds', help: 'The final fdatasync of each blob written', buckets: SYNC_BUCKETS, registers });
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

  private series(operation: string): OperationSeries {
    let s = this.perOperation.get(operation);
    if (!s) {
      s = {
        requests: STATUS_CLASSES.map((c) => this.requests.labels(operation, c)),
        duration: this.duration.labels(operation),
        received: this.received.labels(operation),
        sent: this.sent.labels(operation),
      };
      this.perOperation.set(operation, s);
    }
    return s;
  }

  requestDone(o: RequestOutcome): void {
    const s = this.series(o.operation);
    const cls = Math.floor(o.status / 100) - 1;
    s.requests[cls >= 0 && cls < 5 ? cls : 4]!.inc();
    s.duration.observe(o.seconds);
    if (o.bytesReceived > 0) s.received.inc(o.bytesReceived);
    if (o.bytesSent > 0) s.sent.inc(o.bytesSent);
    if (o.errorCode !== undefined) {
      this.errors.labels(o.errorCode).inc();
      if (o.errorCode === 'SlowDown') this.rateLimited.inc();
    }
  }

  shed(): void {
    this.shedTotal.inc();
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
