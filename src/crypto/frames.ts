// The stored form of encrypted bytes: chunked AES-256-GCM. The client's bytes are cut into frames
// of FRAME_BYTES (the last one shorter); each is stored as nonce ‖ ciphertext ‖ tag and
// authenticated on its own, with its index as additional data, so
//  - a range read fetches and decrypts only the frames that cover the range;
//  - a changed, moved or missing byte fails that frame's tag: the read is an error, never wrong data;
//  - memory is one frame per stream, whatever the object's size.
// The nonce is a random 8-byte prefix chosen per stored unit (an object's blob, a part, an inline
// value) followed by the frame's 32-bit index: it never repeats under one data key, since every
// object or upload has its own data key and a unit holds at most 2^32 frames (5 GiB / 64 KiB is
// 81,920). The nonce is stored with its frame, so any frame decrypts without reading a header.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CipherGCM, DecipherGCM } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export const FRAME_BYTES = 64 * 1024;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const FRAME_OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;
const STORED_FRAME_BYTES = FRAME_BYTES + FRAME_OVERHEAD_BYTES;
const CIPHER = 'aes-256-gcm';

/** Stored bytes of `plainBytes` client bytes. */
export function sealedSize(plainBytes: number): number {
  return plainBytes + Math.ceil(plainBytes / FRAME_BYTES) * FRAME_OVERHEAD_BYTES;
}

/** The frame's index as its additional authenticated data: frames cannot be reordered. */
function frameAad(index: number): Buffer {
  const aad = Buffer.alloc(8);
  aad.writeUInt32BE(Math.floor(index / 2 ** 32), 0);
  aad.writeUInt32BE(index >>> 0, 4);
  return aad;
}

/** The error of a frame that does not authenticate, or of stored bytes that end too early. */
export class TamperedDataError extends Error {
  readonly code = 'ECOFFERTAMPERED';
  constructor(message: string) {
    super(message);
    this.name = 'TamperedDataError';
  }
}

/** Encrypts a stream of client bytes into frames. */
export class FrameEncryptor extends Transform {
  private readonly prefix = randomBytes(8);
  private cipher: CipherGCM | undefined;
  private filled = 0;
  private index = 0;

  constructor(private readonly key: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      const cipher = this.cipher ?? this.startFrame();
      const take = Math.min(FRAME_BYTES - this.filled, chunk.length - offset);
      this.push(cipher.update(take === chunk.length ? chunk : chunk.subarray(offset, offset + take)));
      this.filled += take;
      offset += take;
      if (this.filled === FRAME_BYTES) this.endFrame();
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.cipher) this.endFrame();
    cb();
  }

  private startFrame(): CipherGCM {
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    this.prefix.copy(nonce, 0);
    nonce.writeUInt32BE(this.index, 8);
    const cipher = createCipheriv(CIPHER, this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(frameAad(this.index));
    this.push(nonce);
    this.cipher = cipher;
    return cipher;
  }

  private endFrame(): void {
    const cipher = this.cipher!;
    const rest = cipher.final();
    if (rest.length > 0) this.push(rest);
    this.push(cipher.getAuthTag());
    this.cipher = undefined;
    this.filled = 0;
    this.index++;
  }
}

/** The frames of a body whole in memory. */
export function encryptBuffer(key: Buffer, plain: Buffer): Buffer {
  const prefix = randomBytes(8);
  const out: Buffer[] = [];
  for (let index = 0, at = 0; at < plain.length; index++, at += FRAME_BYTES) {
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    prefix.copy(nonce, 0);
    nonce.writeUInt32BE(index, 8);
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(frameAad(index));
    out.push(nonce, cipher.update(plain.subarray(at, Math.min(at + FRAME_BYTES, plain.length))), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

/** Decrypt frame `index` (stored bytes `frame`, holding `plainBytes`); throws TamperedDataError. */
function openFrame(key: Buffer, index: number, frame: Buffer, plainBytes: number): Buffer {
  const nonce = frame.subarray(0, NONCE_BYTES);
  const tag = frame.subarray(NONCE_BYTES + plainBytes, NONCE_BYTES + plainBytes + TAG_BYTES);
  const decipher: DecipherGCM = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(frameAad(index));
  decipher.setAuthTag(tag);
  const plain = decipher.update(frame.subarray(NONCE_BYTES, NONCE_BYTES + plainBytes));
  try {
    decipher.final();
  } catch {
    throw new TamperedDataError(`stored frame ${index} failed authentication`);
  }
  return plain;
}

/** Where the frames covering client bytes [start, end] of a unit of `size` lie in its stored bytes. */
export function storedRangeOf(start: number, end: number, size: number): { firstFrame: number; start: number; end: number } {
  const firstFrame = Math.floor(start / FRAME_BYTES);
  const lastFrame = Math.floor(end / FRAME_BYTES);
  return { firstFrame, start: firstFrame * STORED_FRAME_BYTES, end: Math.min((lastFrame + 1) * STORED_FRAME_BYTES, sealedSize(size)) - 1 };
}

/**
 * Decrypts the stored frames from `firstFrame` on and passes on client bytes [start, end] of a
 * unit holding `size` of them. A frame's bytes are released only once its tag has been checked.
 */
export class FrameDecryptor extends Transform {
  private frame: Buffer | undefined;
  private filled = 0;
  private index: number;
  /** Client bytes of the current frame's first byte. */
  private offset: number;

  constructor(
    private readonly key: Buffer,
    firstFrame: number,
    private readonly first: number,
    private readonly last: number,
    private readonly size: number,
  ) {
    super();
    this.index = firstFrame;
    this.offset = firstFrame * FRAME_BYTES;
  }

  private plainBytesOf(index: number): number {
    return Math.min(FRAME_BYTES, this.size - index * FRAME_BYTES);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      let at = 0;
      while (at < chunk.length && this.offset <= this.last) {
        const plainBytes = this.plainBytesOf(this.index);
        const storedBytes = plainBytes + FRAME_OVERHEAD_BYTES;
        let whole: Buffer | undefined;
        if (this.filled === 0 && chunk.length - at >= storedBytes) {
          // The frame lies whole in this chunk (the common case: blobs are read 1 MiB at a time): no copy.
          whole = chunk.subarray(at, at + storedBytes);
          at += storedBytes;
        } else {
          this.frame ??= Buffer.allocUnsafe(storedBytes);
          const take = Math.min(storedBytes - this.filled, chunk.length - at);
          chunk.copy(this.frame, this.filled, at, at + take);
          this.filled += take;
          at += take;
          if (this.filled === storedBytes) whole = this.frame;
        }
        if (whole !== undefined) {
          const plain = openFrame(this.key, this.index, whole, plainBytes);
          const from = Math.max(this.first - this.offset, 0);
          const to = Math.min(this.last - this.offset + 1, plainBytes);
          this.push(from === 0 && to === plainBytes ? plain : plain.subarray(from, to));
          this.offset += plainBytes;
          this.index++;
          this.filled = 0;
          this.frame = undefined;
        }
      }
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    cb(this.offset <= this.last ? new TamperedDataError(`stored data ends inside frame ${this.index}`) : null);
  }
}

/** Client bytes [start, end] of frames whole in memory (an inline value); throws TamperedDataError. */
export function decryptBuffer(key: Buffer, stored: Buffer, start: number, end: number, size: number): Buffer {
  if (end < start) return Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let index = Math.floor(start / FRAME_BYTES); index * FRAME_BYTES <= end; index++) {
    const plainBytes = Math.min(FRAME_BYTES, size - index * FRAME_BYTES);
    const at = index * STORED_FRAME_BYTES;
    if (at + plainBytes + FRAME_OVERHEAD_BYTES > stored.length) throw new TamperedDataError(`stored data ends inside frame ${index}`);
    const plain = openFrame(key, index, stored.subarray(at, at + plainBytes + FRAME_OVERHEAD_BYTES), plainBytes);
    const offset = index * FRAME_BYTES;
    out.push(plain.subarray(Math.max(start - offset, 0), Math.min(end - offset + 1, plainBytes)));
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
