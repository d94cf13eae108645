// The multipart/form-data body of a browser POST upload, read as a stream (busboy): the fields
// before the file are collected (at most 20 KB of them), the file is handed on as a stream that
// ends only once the whole form has been read, so a form that turns out malformed or holds a
// second file never leaves an object behind. Fields after the file are ignored, as S3 ignores them.
// https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { S3Error } from '../errors.js';
import type { RequestContext } from '../http/context.js';
import { header } from '../http/context.js';
import { sendContinue } from '../http/body.js';

/** "Your POST request fields preceding the upload file were too large": S3 allows 20 KB of them. */
export const MAX_POST_PRE_DATA_BYTES = 20 * 1024;

export interface PostForm {
  /** The fields before the file, names lower-case (S3 reads them without case); the first of a name counts. */
  fields: Map<string, string>;
  /** The file part's filename ('' when it has none), for ${filename}. */
  filename: string;
  /** The file's bytes; fails with the form's error if the rest of the form is not well-formed. */
  file: Readable;
}

/**
 * Read the form up to its file. Rejects with RequestIsNotMultiPartContent, MalformedPOSTRequest,
 * MaxPostPreDataLengthExceededError or IncorrectNumberOfFilesInPostRequest (a form without one).
 */
export function readPostForm(ctx: RequestContext): Promise<PostForm> {
  const contentType = header(ctx, 'content-type') ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) throw new S3Error('RequestIsNotMultiPartContent');
  let bb: busboy.Busboy;
  try {
    // The file may be large; busboy's own limits apply only to the fields before it.
    bb = busboy({ headers: ctx.req.headers, defParamCharset: 'utf8', preservePath: true, limits: { fieldSize: MAX_POST_PRE_DATA_BYTES + 1 } });
  } catch (err) {
    // No boundary, or a content type busboy cannot read.
    throw new S3Error('MalformedPOSTRequest', { cause: err });
  }
  // Expect: 100-continue is answered once the request has passed what needs no body.
  sendContinue(ctx);
  return new Promise<PostForm>((resolve, reject) => {
    const fields = new Map<string, string>();
    let preData = 0;
    let settled = false;
    let out: PassThrough | undefined;
    let formDone = false;
    /** Field parts sent as files (a filename on a text field), still being read. */
    const pending: Array<Promise<void>> = [];

    const fail = (err: S3Error): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      } else if (out && !out.destroyed) out.destroy(err);
      ctx.req.unpipe(bb);
      ctx.req.resume();
    };
    // The fields before the file stalling: S3's RequestTimeout (the file's stalls are the engine's).
    const timer = setTimeout(() => fail(new S3Error('RequestTimeout')), ctx.config.requestTimeoutMs);
    const addField = (name: string, value: string): void => {
      preData += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (preData > MAX_POST_PRE_DATA_BYTES) return fail(new S3Error('MaxPostPreDataLengthExceededError'));
      const lower = name.toLowerCase();
      if (!fields.has(lower)) fields.set(lower, value);
    };
    const startFile = (filename: string, feed: (sink: PassThrough) => void): void => {
      if (out !== undefined) return fail(new S3Error('IncorrectNumberOfFilesInPostRequest'));
      const sink = new PassThrough();
      // Its consumer (the engine's write) listens for its errors while it reads; one that comes
      // after the consumer has stopped (it failed first) must not go unhandled.
      sink.on('error', () => undefined);
      out = sink;
      feed(sink);
      void Promise.all(pending).then(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ fields, filename, file: sink });
      });
    };
    const endFile = (): void => {
      if (out && formDone && !out.destroyed && !out.writableEnded) out.end();
    };

    // busboy hands over a part without a name= (Content-Disposition: form-data; filename="f") with
    // the name undefined, whatever its types say; such a part is a field named ''.
    bb.on('field', (rawName: string | undefined, value, info) => {
      const name = rawName ?? '';
      if (name.toLowerCase() === 'file') {
        // The file given as a text field: "the file or text content". Text is held whole, so it
        // gets the fields' 20 KB; more is inline data too large, to be sent as a file part.
        if (info.valueTruncated) return fail(new S3Error('InlineDataTooLarge'));
        return startFile('', (sink) => sink.write(value));
      }
      if (out !== undefined) return;
      if (info.valueTruncated || info.nameTruncated) return fail(new S3Error('MaxPostPreDataLengthExceededError'));
      addField(name, value);
    });
    bb.on('file', (rawName: string | undefined, stream, info) => {
      const name = rawName ?? '';
      if (name.toLowerCase() === 'file') {
        if (out !== undefined) {
          stream.on('error', () => undefined);
          stream.resume();
          return fail(new S3Error('IncorrectNumberOfFilesInPostRequest'));
        }
        return startFile(info.filename ?? '', (sink) => {
          stream.on('data', (chunk: Buffer) => {
            if (!sink.write(chunk)) {
              stream.pause();
              sink.once('drain', () => stream.resume());
            }
          });
          stream.on('end', endFile);
          // A form cut off inside the file fails the part's stream as well as the form.
          stream.on('error', (err) => fail(new S3Error('MalformedPOSTRequest', { cause: err })));
        });
      }
      // Every part stream gets an error listener: a form cut off inside a part fails that part too.
      stream.on('error', (err) => fail(new S3Error('MalformedPOSTRequest', { cause: err })));
      if (out !== undefined) {
        stream.resume();
        return;
      }
      // A field sent with a filename (clients that post every field as a file part): its value.
      const chunks: Buffer[] = [];
      let size = 0;
      pending.push(
        new Promise<void>((done) => {
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_POST_PRE_DATA_BYTES) fail(new S3Error('MaxPostPreDataLengthExceededError'));
            else chunks.push(chunk);
          });
          stream.on('end', () => {
            addField(name, Buffer.concat(chunks).toString('utf8'));
            done();
          });
        }),
      );
    });
    bb.on('close', () => {
      formDone = true;
      if (out === undefined) {
        void Promise.all(pending).then(() => fail(new S3Error('IncorrectNumberOfFilesInPostRequest')));
        return;
      }
      endFile();
    });
    bb.on('error', (err) => fail(new S3Error('MalformedPOSTRequest', { cause: err })));
    // Refreshed only until the file is reached: refreshing a cleared timer would arm it again.
    const onData = (): void => {
      if (!settled) timer.refresh();
    };
    ctx.req.on('data', onData);
    ctx.req.on('close', () => {
      if (!ctx.req.complete) fail(new S3Error('IncompleteBody'));
    });
    ctx.req.pipe(bb);
  });
}
