// S3 orders keys by their UTF-8 bytes, which is the order of Unicode code points. SQLite's
// BINARY collation and PostgreSQL's COLLATE "C" compare the UTF-8 bytes, so the stores agree.

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when
 * there is none (empty prefix, or a prefix made only of U+10FFFF). Used to turn a prefix into a
 * range scan and to skip a whole common prefix with one seek.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // Skip the surrogate block: it has no code points of its own.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return cps.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** Compare two keys by UTF-8 bytes (code point order), unlike JS's UTF-16 `<`. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
