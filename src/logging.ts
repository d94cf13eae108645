// The server's logger: pino JSON lines for log collectors when stdout is not a terminal, and in
// a terminal one readable line per request (COFFER_LOG_FORMAT overrides the choice). The request
// line is the access log (server.ts); the readable form shows the same fields in a fixed order.
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config.js';

/** Where log lines go; defaults to stdout. */
export interface LogTarget {
  write(text: string): unknown;
  isTTY?: boolean;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields of the access log line shown in its own layout, not as key=value. */
const REQUEST_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'op', 'method', 'bucket', 'key', 'status', 'code', 'bytesIn', 'bytesOut', 'ms', 'accessKeyId']);
const OTHER_SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err']);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function clock(ms: unknown): string {
  const d = new Date(typeof ms === 'number' ? ms : Date.now());
  return d.toISOString().slice(11, 23);
}

function pairs(o: Record<string, unknown>, skip: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (skip.has(k) || v === undefined || v === null) continue;
    out.push(`${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  }
  return out.join(' ');
}

function paint(color: boolean, code: number, text: string): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * One pino JSON line as one readable line. A request:
 * `12:03:04.567 200 PutObject PUT /photos/cat.jpg in=4.0 KiB out=0 B 3 ms akid=AKID id=1A2B… requester=alice …`
 * Anything else: `12:03:04.567 WARN message key=value …`, an error's stack on the lines after.
 */
export function formatLogLine(line: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = paint(color, 2, clock(o.time));
  if (o.msg === 'request' && typeof o.status === 'number') {
    const status = o.status;
    const statusText = paint(color, status >= 500 ? 31 : status >= 400 ? 33 : 32, String(status));
    // The path as S3 names the target: /bucket/key, / for the service.
    const path = o.bucket === undefined ? '/' : `/${o.bucket as string}${o.key === undefined ? '' : `/${o.key as string}`}`;
    const head = [time, statusText, o.code ?? '', o.op ?? '-', o.method ?? '', path].filter((s) => s !== '').join(' ');
    const sizes = `in=${formatBytes(Number(o.bytesIn ?? 0))} out=${formatBytes(Number(o.bytesOut ?? 0))} ${o.ms ?? 0} ms`;
    const who = `akid=${(o.accessKeyId as string | undefined) ?? '-'} id=${o.reqId as string}`;
    const rest = pairs(o, REQUEST_FIELDS);
    return `${head} ${sizes} ${who}${rest ? ` ${rest}` : ''}\n`;
  }
  const levelName = LEVEL_NAMES[o.level as number] ?? String(o.level);
  const level = paint(color, (o.level as number) >= 50 ? 31 : (o.level as number) >= 40 ? 33 : 36, levelName);
  const rest = pairs(o, OTHER_SKIPPED);
  let text = `${time} ${level} ${String(o.msg ?? '')}${rest ? ` ${rest}` : ''}\n`;
  const err = o.err as { message?: string; stack?: string } | undefined;
  if (err) text += `${(err.stack ?? err.message ?? '').replace(/^/gm, '    ')}\n`;
  return text;
}

/** A pino destination that writes each line readably. */
export function prettyDestination(target: LogTarget, color: boolean): DestinationStream {
  return { write: (line: string) => void target.write(formatLogLine(line, color)) };
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, target: LogTarget = process.stdout, env: Record<string, string | undefined> = process.env): Logger {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && target.isTTY === true);
  if (!pretty) return target === process.stdout ? pino({ level: config.logLevel }) : pino({ level: config.logLevel }, target as DestinationStream);
  // https://no-color.org: a terminal that asks for no colours gets none.
  const color = target.isTTY === true && !env.NO_COLOR;
  return pino({ level: config.logLevel }, prettyDestination(target, color));
}
