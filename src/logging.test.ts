// The readable log line: one per request in a terminal, the access log's fields in a fixed order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatBytes, formatLogLine } from './logging.js';

const TIME = Date.UTC(2026, 11, 7, 14, 3, 4, 567);

test('a request line reads: time, status, error code, operation, method and path, bytes, milliseconds, access key and request id, then the rest', () => {
  const line = JSON.stringify({
    level: 30,
    time: TIME,
    pid: 1,
    hostname: 'h',
    reqId: '1A2B3C4D00000001',
    op: 'GetObject',
    method: 'GET',
    bucket: 'photos',
    key: 'cat.jpg',
    status: 404,
    code: 'NoSuchKey',
    bytesIn: 0,
    bytesOut: 310,
    ms: 3,
    accessKeyId: 'AKID',
    requester: 'alice',
    remoteIp: '10.0.0.7',
    msg: 'request',
  });
  assert.equal(
    formatLogLine(line),
    '14:03:04.567 404 NoSuchKey GetObject GET /photos/cat.jpg in=0 B out=310 B 3 ms akid=AKID id=1A2B3C4D00000001 requester=alice remoteIp=10.0.0.7\n',
  );
});

test('an unsigned request shows akid=-, a service request the path /, and colours only when asked', () => {
  const line = JSON.stringify({
    level: 30,
    time: TIME,
    reqId: 'R',
    op: 'PutObject',
    method: 'PUT',
    bucket: 'b',
    key: 'k',
    status: 200,
    bytesIn: 5 * 1024 * 1024,
    bytesOut: 0,
    ms: 12,
    msg: 'request',
  });
  assert.equal(formatLogLine(line), '14:03:04.567 200 PutObject PUT /b/k in=5.0 MiB out=0 B 12 ms akid=- id=R\n');
  assert.match(formatLogLine(line, true), /\x1b\[32m200\x1b\[0m/);
  const service = JSON.stringify({
    level: 30,
    time: TIME,
    reqId: 'S',
    op: 'ListBuckets',
    method: 'GET',
    status: 200,
    bytesIn: 0,
    bytesOut: 99,
    ms: 1,
    accessKeyId: 'AKID',
    msg: 'request',
  });
  assert.equal(formatLogLine(service), '14:03:04.567 200 ListBuckets GET / in=0 B out=99 B 1 ms akid=AKID id=S\n');
});

test('other lines read: time, level, message, fields, and an error stack indented below', () => {
  const warn = JSON.stringify({ level: 40, time: TIME, pid: 1, hostname: 'h', code: 'SlowDown', msg: 'request refused' });
  assert.equal(formatLogLine(warn), '14:03:04.567 WARN request refused code=SlowDown\n');
  const error = JSON.stringify({ level: 50, time: TIME, reqId: 'R', err: { message: 'boom', stack: 'Error: boom\n    at x' }, msg: 'internal error' });
  assert.equal(formatLogLine(error), '14:03:04.567 ERROR internal error reqId=R\n    Error: boom\n        at x\n');
  assert.equal(formatLogLine('not json'), 'not json\n');
});

test('sizes are bytes below a KiB, else one decimal in binary units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(1536 * 1024 * 1024), '1.5 GiB');
});

test('auto is readable on a terminal and JSON elsewhere; json and pretty force their format', () => {
  const lines: string[] = [];
  const tty = { isTTY: true, write: (s: string) => lines.push(s) };
  const pipe = { isTTY: false, write: (s: string) => lines.push(s) };
  createLogger({ logLevel: 'info', logFormat: 'auto' }, tty, { NO_COLOR: '1' }).info({ a: 1 }, 'hello');
  createLogger({ logLevel: 'info', logFormat: 'auto' }, pipe).info({ a: 1 }, 'hello');
  createLogger({ logLevel: 'info', logFormat: 'json' }, tty).info({ a: 1 }, 'hello');
  createLogger({ logLevel: 'info', logFormat: 'pretty' }, pipe).info({ a: 1 }, 'hello');
  createLogger({ logLevel: 'warn', logFormat: 'pretty' }, pipe).info({ a: 1 }, 'not shown');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO hello a=1\n$/);
  assert.equal((JSON.parse(lines[1]!) as { msg: string }).msg, 'hello');
  assert.equal((JSON.parse(lines[2]!) as { a: number }).a, 1);
  assert.match(lines[3]!, /^\d\d:\d\d:\d\d\.\d{3} INFO hello a=1\n$/);
});
