// Requests node's HTTP parser refuses (a Content-Length that is not a number, both Content-Length
// and Transfer-Encoding, a header name with a space) never reach a handler. Node's own answer is
// a bare `400 Bad Request`; S3 clients look for the error document and a request id, so it is
// written here, straight to the socket, as S3 answers: 400 BadRequest. A body cut short by the
// client ending the connection is the handler's to answer (IncompleteBody).
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { S3_ERRORS } from '../errors.js';
import type { S3ErrorCode } from '../errors.js';
import { renderXml } from '../xml/render.js';

export function answerClientError(log: Logger, err: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own guards: a reset or closed socket cannot be answered, and a response already under
  // way on this socket (the parse error came mid-body) must not be corrupted.
  // Node sets _httpMessage back to null once a response is done: `?? undefined` keeps a client
  // that half-closes after a finished exchange from throwing here (which ended the process).
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  if (err.code === 'HPE_INVALID_EOF_STATE' && inFlight !== undefined && !inFlight.headersSent && !inFlight.req.complete) {
    // The client ended its side of the connection before sending the Content-Length it announced
    // (or the rest of its chunks). Its request is in a handler already: end that body where the
    // bytes stopped, so the handler finds it short and answers 400 IncompleteBody itself, with
    // its request id, on the half of the connection that is still open, and removes whatever
    // it had started to store. A client that closed both halves never reads the answer, but the
    // handler cleans up the same way.
    const req = inFlight.req;
    if (req.destroyed) return;
    // What arrived is all that will: the message counts as complete. Node destroys the socket of
    // a request ended while incomplete, which would take the answer with it; the connection
    // closes once the answer is sent instead.
    inFlight.setHeader('Connection', 'close');
    req.complete = true;
    req.push(null);
    return;
  }
  if (inFlight !== undefined && !inFlight.headersSent && inFlight.req.complete) {
    // The request in a handler arrived whole; what cannot be parsed is what the client sent after
    // it: more body than its Content-Length announced (s3-tests' PUT of 'bar' under
    // `Content-Length: 2`), or a pipelined request that is not HTTP. The client waits for the
    // answer to the request it sent (there, BadDigest against its Content-MD5), so that answer
    // goes out first, and then the connection closes instead of reading the bytes that followed.
    inFlight.setHeader('Connection', 'close');
    return;
  }
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  // S3's codes, with the seed's 400: headers that did not arrive within COFFER_HEADERS_TIMEOUT
  // (a slowloris client), and a header block over node's limit (16 KiB; S3's is 8 KiB).
  const code: S3ErrorCode = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'RequestTimeout' : err.code === 'HPE_HEADER_OVERFLOW' ? 'RequestHeaderSectionTooLarge' : 'BadRequest';
  const remote = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
  if (code === 'BadRequest') log.info({ reqId: requestId, code: err.code, remote }, 'unparseable request');
  else
    log.warn(
      { reqId: requestId, code: err.code, remote },
      code === 'RequestTimeout' ? 'closed a connection: request headers not received within COFFER_HEADERS_TIMEOUT' : 'closed a connection: request header block too large',
    );
  writeRawError(socket, code, requestId);
}

/**
 * CONNECT asks for a tunnel, which node hands to a 'connect' listener instead of the request
 * handler, and closes unanswered without one. S3 has no such method: 405 MethodNotAllowed.
 */
export function answerConnect(log: Logger, socket: Duplex): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  log.info({ reqId: requestId }, 'CONNECT refused');
  writeRawError(socket, 'MethodNotAllowed', requestId);
}

/** S3's error document with the code's status, written to the socket, which then closes. */
function writeRawError(socket: Duplex, code: S3ErrorCode, requestId: string): void {
  const hostId = randomBytes(24).toString('base64');
  const status = S3_ERRORS[code].status;
  const doc = renderXml('Error', { Code: code, Message: S3_ERRORS[code].message, RequestId: requestId, HostId: hostId }, null);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${hostId}\r\nServer: Coffer\r\n` +
      `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(doc)}\r\nConnection: close\r\n\r\n` +
      doc,
  );
}
