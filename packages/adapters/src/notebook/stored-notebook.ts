import { open } from "node:fs/promises";
import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import { StorageFailure } from "@parallax/domain";
import { parseStoredNotebook, type Notebook } from "@parallax/domain/notebook";
import { versionOf } from "../shared/atomic-file.js";

/**
 * A document read back from a store, parsed with nbformat's schema: damage (a torn or hand-edited
 * file, another tool's bad write) is a `StorageFailure` naming where it lies, reported when it is
 * read, never a malformed notebook that fails somewhere later. `content` is the stored bytes or
 * their text in pieces (`readStoredText`).
 */
export function parseStored(content: Uint8Array | readonly string[], where: string): Effect.Effect<Notebook, StorageFailure> {
  const parsed = parseStoredNotebook(content instanceof Uint8Array ? new TextDecoder().decode(content) : content);
  if (Result.isSuccess(parsed)) return Effect.succeed(parsed.success);
  return Effect.fail(new StorageFailure({ message: `Stored notebook ${where} is damaged: ${parsed.failure.slice(0, 5).join("; ")}` }));
}

const PIECE_BYTES = 1 << 20;

/**
 * A stored file's text and its version, from one open descriptor (as `readFileVersioned`). The
 * text comes in pieces of about 1 MiB, each decoded as it is read, so the whole file is never
 * held as bytes and as text at once: the parsed notebook's long strings are slices of these
 * pieces (`parseNotebookJson`). Decoded as `new TextDecoder().decode` decodes the whole file: a
 * leading BOM dropped, malformed sequences replaced; pieces split only before a UTF-8 lead byte.
 */
export async function readStoredText(path: string, pieceBytes = PIECE_BYTES): Promise<{ text: string[]; version: string }> {
  const handle = await open(path, "r");
  try {
    const version = versionOf(await handle.stat({ bigint: true }));
    const buffer = Buffer.allocUnsafe(Math.max(4, pieceBytes));
    const text: string[] = [];
    let decoder = new TextDecoder();
    const decode = (end: number) => {
      if (end === 0) return;
      const piece = decoder.decode(buffer.subarray(0, end));
      if (piece.length > 0) text.push(piece);
      // Only the file's start may carry the BOM the first decoder drops.
      decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    };
    let held = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, held, buffer.length - held, null);
      if (bytesRead === 0) {
        decode(held);
        return { text, version };
      }
      const end = held + bytesRead;
      const split = sequenceStart(buffer, end);
      decode(split);
      buffer.copyWithin(0, split, end);
      held = end - split;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Where to end a piece so that no UTF-8 sequence is cut: before the last lead byte of a multi-byte
 * sequence among the last three bytes (it may still lack continuation bytes), else at `end`.
 * Splitting before a lead byte never changes what a decoder makes of the bytes.
 */
function sequenceStart(bytes: Uint8Array, end: number): number {
  for (let i = end - 1; i >= Math.max(0, end - 3); i--) {
    const byte = bytes[i]!;
    if (byte >= 0xc0) return i;
    if (byte < 0x80) return end;
  }
  return end;
}
