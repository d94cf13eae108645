// Metrics text parsed by the Prometheus project's own parser (prometheus_client.parser, Debian
// python3-prometheus-client), not by the code under test: what a real scrape would read.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';

export interface Sample {
  /** The sample's own name (a histogram's x_bucket, x_count, x_sum; a counter's x_total). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The family's type: counter, gauge, histogram, … */
  type: string;
}

const PARSE = `
import sys, json, math
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append({"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value), "type": fam.type})
print(json.dumps(out))
`;

/** A python3 that can import prometheus_client (pyenv's may not see Debian's packages), or undefined. */
export function prometheusParser(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore', timeout: 30_000 }).status === 0) return python;
  }
  return undefined;
}

/** Parse exposition text; throws when the parser refuses it. */
export function parsePrometheus(python: string, text: string): Sample[] {
  const r = spawnSync(python, ['-c', PARSE], { input: text, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the Prometheus parser refused the scrape: ${r.stderr}`);
  return JSON.parse(r.stdout) as Sample[];
}

/** The value of the sample `name` whose labels include `labels` (0 when there is none: a series not yet seen). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

export interface Scrape {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** GET /_coffer/metrics with `headers`. */
export function scrape(endpoint: string, headers: Record<string, string> = {}): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/_coffer/metrics', endpoint), { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
