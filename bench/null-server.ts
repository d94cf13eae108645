// The do-nothing HTTP server the ceilings are measured against: it ignores auth, discards any
// upload, and answers a GET with `?bytes=N` from a buffer in memory (4 KiB without it). It runs
// as its own process, as Coffer does, so it never shares an event loop with the client.
// Run: `node dist/bench/null-server.js` → prints `null server: http://127.0.0.1:<port>`.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHUNK_BYTES = 1024 * 1024;
const SMALL_BYTES = 4 * 1024;

const chunk = randomBytes(CHUNK_BYTES);
const small = chunk.subarray(0, SMALL_BYTES);

async function serveBytes(res: ServerResponse, total: number): Promise<void> {
  res.writeHead(200, { 'content-length': total, 'content-type': 'application/octet-stream' });
  for (let sent = 0; sent < total; ) {
    const n = Math.min(CHUNK_BYTES, total - sent);
    sent += n;
    if (!res.write(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n))) {
      await Promise.race([once(res, 'drain'), once(res, 'close')]);
      if (res.destroyed) return;
    }
  }
  res.end();
}

const server = createServer((req, res) => {
  if (req.method === 'PUT' || req.method === 'POST') {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    });
    return;
  }
  const q = req.url?.indexOf('?') ?? -1;
  const bytes = q >= 0 ? new URLSearchParams(req.url!.slice(q + 1)).get('bytes') : null;
  if (bytes !== null) {
    void serveBytes(res, Number(bytes));
    return;
  }
  res.writeHead(200, { 'content-length': SMALL_BYTES, 'content-type': 'application/octet-stream' });
  res.end(small);
});
// The same connection settings as Coffer's listener.
server.requestTimeout = 0;
server.headersTimeout = 60_000;
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as AddressInfo;
  process.stdout.write(`null server: http://${a.address}:${a.port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
