/**
 * `JSON.parse` for notebook text, without a second copy of its images.
 *
 * A notebook is mostly a few long strings: base64 images, HTML, JSON-as-text. `JSON.parse` copies
 * each into a new string (and through the young generation, where a big document costs its size
 * again in copying and semispaces), while the text it came from is still alive. Here each long
 * string value with nothing to unescape (no backslash, no control character) is taken as a slice
 * of the text instead, which V8 keeps as a view into it, and only the rest of the document, with a
 * placeholder where each such string was, goes through `JSON.parse`. The text may come in pieces
 * as a file is read (the file store's `readStoredText`), so it never needs one flat copy either.
 * A slice keeps its piece (about 1 MiB) alive, not the whole file: a caller that keeps one image
 * of a big notebook and drops the rest keeps at most that piece, never more than the file. Text
 * whose strings are mostly escaped (which gains nothing here) is soon left to `JSON.parse` whole.
 *
 * The result is what `JSON.parse` of the joined text returns: the same values, keys, order and
 * errors (any text the skeleton refuses is parsed whole to throw `JSON.parse`'s own error). A
 * replaced string lies between two unescaped quotes with no backslash or control character in
 * between, so `JSON.parse` would read it as exactly those characters, and the structure around it
 * is parsed as it is written.
 */

/** Shorter strings stay in the skeleton: copying them is cheap, and a slice keeps its chunk alive. */
const LONG_STRING = 1024;

/** Characters of strings with escapes scanned before giving up, unless more were replaced. */
const ESCAPED_BUDGET = 1 << 22;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

export function parseNotebookJson(text: string | readonly string[]): unknown {
  const chunks = typeof text === "string" ? [text] : text;
  const skeleton = skeletonOf(chunks);
  if (skeleton === undefined) return JSON.parse(chunks.join(""));
  let document: unknown;
  try {
    document = JSON.parse(skeleton.text);
  } catch {
    // The skeleton is refused exactly where the text is: parse the text for JSON.parse's own message.
    return JSON.parse(chunks.join(""));
  }
  return skeleton.strings.length === 0 ? document : substitute(document, skeleton.strings);
}

/**
 * The text with each long, escape-free string value replaced by `"\u0000<n>"`, and those strings
 * (as slices). Undefined, and the text is parsed as it is, where a placeholder could be mistaken
 * for a string of the document (one starting with an escaped NUL), for an unterminated string, and
 * where strings with escapes (which JSON.parse must read itself) outweigh those replaced.
 */
function skeletonOf(chunks: readonly string[]): { text: string; strings: string[] } | undefined {
  const parts: string[] = [];
  const strings: string[] = [];
  let escapedLength = 0;
  let replacedLength = 0;
  // The structure from (copyChunk, copyFrom) on is not yet in `parts`.
  let copyChunk = 0;
  let copyFrom = 0;
  let ci = 0;
  let p = 0;
  for (;;) {
    // Outside a string: the next quote opens one.
    let open = -1;
    while (ci < chunks.length && (open = chunks[ci]!.indexOf('"', p)) < 0) {
      ci++;
      p = 0;
    }
    if (ci >= chunks.length) break;
    const startChunk = ci;
    const start = open + 1;
    if (charAt(chunks, ci, start) === BACKSLASH && escapedNul(chunks, ci, start)) return undefined;
    // Inside: plain characters up to the closing quote; once a backslash or a control character
    // shows (a string JSON.parse must read itself), escape pairs up to the first unescaped quote.
    let plain = true;
    let pendingEscape = false;
    p = start;
    let close: number;
    for (;;) {
      const chunk = chunks[ci]!;
      if (pendingEscape && p < chunk.length) {
        p++; // what a backslash ending the previous chunk escapes
        pendingEscape = false;
      }
      if (plain) {
        special.lastIndex = p;
        p = special.exec(chunk)?.index ?? chunk.length;
      } else {
        escapedRun.lastIndex = p;
        escapedRun.test(chunk);
        // Text full of escapes gains nothing here and costs a second scan: leave it to JSON.parse.
        escapedLength += escapedRun.lastIndex - p;
        if (escapedLength > ESCAPED_BUDGET && escapedLength > replacedLength) return undefined;
        p = escapedRun.lastIndex;
      }
      if (p >= chunk.length) {
        ci++;
        p = 0;
        if (ci >= chunks.length) return undefined;
        continue;
      }
      const code = chunk.charCodeAt(p);
      if (code === QUOTE) {
        close = p;
        break;
      }
      if (plain) {
        if (code === BACKSLASH || code < 0x20) plain = false;
      } else if (code === BACKSLASH && p === chunk.length - 1) {
        // A backslash ending the chunk: what it escapes begins the next one.
        pendingEscape = true;
        ci++;
        p = 0;
        if (ci >= chunks.length) return undefined;
      }
      // Otherwise the escaped run stopped at its bound: go on from there.
    }
    const endChunk = ci;
    p = close + 1;
    const length = plain ? lengthBetween(chunks, startChunk, start, endChunk, close) : 0;
    if (plain && length >= LONG_STRING && !isKey(chunks, endChunk, close + 1)) {
      replacedLength += length;
      parts.push(...between(chunks, copyChunk, copyFrom, startChunk, start), `\\u0000${strings.length}`);
      const pieces = between(chunks, startChunk, start, endChunk, close);
      strings.push(pieces.length === 1 ? pieces[0]! : pieces.join(""));
      copyChunk = endChunk;
      copyFrom = close;
    }
  }
  if (strings.length === 0) return { text: chunks.length === 1 ? chunks[0]! : chunks.join(""), strings };
  parts.push(...rest(chunks, copyChunk, copyFrom));
  return { text: parts.join(""), strings };
}

/** What ends a string's plain characters: a quote, a backslash or a control character. */
const special = /["\\\u0000-\u001f]/g;
/**
 * Characters and escape pairs up to an unescaped quote (JSON.parse checks what they are), at most
 * 4,096 at a time: a run of alternatives pushes a backtracking entry each.
 */
const escapedRun = /(?:[^"\\]|\\[^]){0,4096}/y;

function charAt(chunks: readonly string[], ci: number, p: number): number {
  while (ci < chunks.length && p >= chunks[ci]!.length) {
    p -= chunks[ci]!.length;
    ci++;
  }
  return ci < chunks.length ? chunks[ci]!.charCodeAt(p) : -1;
}

/** `\u0000` at a string's start: its value would begin with the placeholder's NUL. */
function escapedNul(chunks: readonly string[], ci: number, p: number): boolean {
  let text = "";
  for (let i = 0; i < 6; i++) {
    const code = charAt(chunks, ci, p + i);
    if (code < 0) return false;
    text += String.fromCharCode(code);
  }
  return text === "\\u0000";
}

function lengthBetween(chunks: readonly string[], startChunk: number, start: number, endChunk: number, end: number): number {
  let length = 0;
  for (let ci = startChunk; ci <= endChunk; ci++) length += (ci === endChunk ? end : chunks[ci]!.length) - (ci === startChunk ? start : 0);
  return length;
}

/** The text from (startChunk, start) to (endChunk, end), as slices of the chunks. */
function between(chunks: readonly string[], startChunk: number, start: number, endChunk: number, end: number): string[] {
  if (startChunk === endChunk) return [chunks[startChunk]!.slice(start, end)];
  const pieces = [chunks[startChunk]!.slice(start)];
  for (let ci = startChunk + 1; ci < endChunk; ci++) pieces.push(chunks[ci]!);
  pieces.push(chunks[endChunk]!.slice(0, end));
  return pieces;
}

function rest(chunks: readonly string[], ci: number, p: number): string[] {
  return ci >= chunks.length ? [] : between(chunks, ci, p, chunks.length - 1, chunks[chunks.length - 1]!.length);
}

/** After a string's closing quote: is the next character other than JSON whitespace a colon? */
function isKey(chunks: readonly string[], ci: number, p: number): boolean {
  for (;;) {
    const code = charAt(chunks, ci, p);
    if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) p++;
    else return code === COLON;
  }
}

/**
 * Puts each string back where its placeholder was parsed (iteratively: a document may nest deeper
 * than the stack). A key is never a placeholder; a duplicate key may have dropped one.
 */
function substitute(document: unknown, strings: readonly string[]): unknown {
  const restore = (value: string): string => strings[Number(value.slice(1))]!;
  if (typeof document === "string") return document.charCodeAt(0) === 0 ? restore(document) : document;
  if (typeof document !== "object" || document === null) return document;
  const pending: object[] = [document];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const value: unknown = node[i];
        if (typeof value === "object" && value !== null) pending.push(value);
        else if (typeof value === "string" && value.charCodeAt(0) === 0) node[i] = restore(value);
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const value = record[key];
        if (typeof value === "object" && value !== null) pending.push(value);
        else if (typeof value === "string" && value.charCodeAt(0) === 0) {
          // `record.__proto__ = …` would set the prototype: JSON.parse made it an own property.
          Object.defineProperty(record, key, { value: restore(value), writable: true, enumerable: true, configurable: true });
        }
      }
    }
  }
  return document;
}
