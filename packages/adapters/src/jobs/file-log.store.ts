import { mkdirSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Result } from "effect";
import { StorageFailure } from "@parallax/domain";
import { parseStored, storedLogLineSchema } from "@parallax/domain/jobs";
import type { LogEntry, LogLine, LogPage, LogStore } from "@parallax/application/jobs";
import { unlessMissing } from "../shared/errno.js";

const CHECKPOINT_EVERY = 256;
const CHUNK = 64 * 1024;
const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

/** Where line n starts, for every CHECKPOINT_EVERY-th line of a file, built incrementally. */
interface LineIndex {
  /** Bytes of the file already indexed (always just after a newline). */
  indexedBytes: number;
  lines: number;
  checkpoints: number[];
  /** The file's last byte is not a newline (a writer died mid-line). */
  partialTail: boolean;
}

/**
 * One NDJSON file per job (`<dir>/<job id>.ndjson`), appended by the worker running the
 * job and read by any process. Offsets are line numbers; a per-process index of line
 * starts (one per 256 lines, extended as the file grows) makes reading from any offset
 * cost a seek plus at most 256 lines, and following a live log cost only the new bytes.
 */
export class FileLogStore implements LogStore {
  private readonly indexes = new Map<string, LineIndex>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    return this.io(async () => {
      if (entries.length === 0) return [];
      const handle = await open(this.path(jobId), "a+");
      try {
        const size = (await handle.stat()).size;
        const index = await this.indexUpTo(jobId, handle, size);
        // A line cut short by a killed writer becomes a line of its own; ours start clean.
        let text = index.partialTail ? "\n" : "";
        const first = index.lines + (index.partialTail ? 1 : 0);
        const lines = entries.map((entry, i) => ({ ...entry, offset: first + i }));
        for (const line of lines) text += `${JSON.stringify([line.stream, line.timestamp, line.message])}\n`;
        const buffer = Buffer.from(text, "utf8");
        const indexed = index.indexedBytes;
        let written = 0;
        while (written < buffer.length) written += (await handle.write(buffer, written, buffer.length - written)).bytesWritten;
        // Our own bytes are indexed from memory, unless someone read past them meanwhile.
        if (this.indexes.get(jobId) === index && index.indexedBytes === indexed) {
          scanLines(index, buffer, buffer.length, size);
          index.partialTail = false;
        }
        return lines;
      } finally {
        await handle.close();
      }
    });
  }

  read(jobId: string, fromOffset: number, limit: number): Effect.Effect<LogPage, StorageFailure> {
    return this.io(async () => {
      const handle = await unlessMissing(open(this.path(jobId), "r"), undefined);
      if (handle === undefined) return { lines: [], nextOffset: 0 };
      try {
        const index = await this.indexUpTo(jobId, handle, (await handle.stat()).size);
        const start = Math.min(Math.max(0, fromOffset), index.lines);
        const wanted = Math.min(Math.max(0, limit), index.lines - start);
        if (wanted === 0) return { lines: [], nextOffset: start };
        const checkpoint = Math.floor(start / CHECKPOINT_EVERY);
        let line = checkpoint * CHECKPOINT_EVERY;
        let position = index.checkpoints[checkpoint]!;
        const end = index.indexedBytes;
        const lines: LogLine[] = [];
        let carry = "";
        const buffer = Buffer.alloc(CHUNK);
        while (lines.length < wanted && position < end) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - position), position);
          if (bytesRead === 0) break;
          position += bytesRead;
          const parts = (carry + buffer.toString("utf8", 0, bytesRead)).split("\n");
          carry = parts.pop()!;
          for (const part of parts) {
            if (line >= start && lines.length < wanted) lines.push(parseLine(part, line));
            line++;
          }
        }
        return { lines, nextOffset: start + lines.length };
      } finally {
        await handle.close();
      }
    });
  }

  size(jobId: string): Effect.Effect<number, StorageFailure> {
    return this.read(jobId, Number.MAX_SAFE_INTEGER, 0).pipe(Effect.map((page) => page.nextOffset));
  }

  private io<A>(body: () => Promise<A>): Effect.Effect<A, StorageFailure> {
    return Effect.tryPromise({ try: body, catch: (cause) => new StorageFailure({ message: `Log store: ${(cause as Error).message}`, cause }) });
  }

  private path(jobId: string): string {
    if (!SAFE_ID.test(jobId)) throw new Error(`unsafe job id '${jobId}'`);
    return join(this.dir, `${jobId}.ndjson`);
  }

  /**
   * Extends the index over complete lines written since the last look. Reads of one job may
   * interleave (the feed reads while the worker appends): each scans from what was indexed
   * when it started and commits only if nobody extended the index meanwhile, else looks again.
   */
  private async indexUpTo(jobId: string, handle: FileHandle, size: number): Promise<LineIndex> {
    for (;;) {
      let index = this.indexes.get(jobId);
      // Smaller than indexed: another call indexed a later size, or the file was replaced.
      if (index && size < index.indexedBytes) size = (await handle.stat()).size;
      if (!index || size < index.indexedBytes) {
        index = { indexedBytes: 0, lines: 0, checkpoints: [0], partialTail: false };
        this.indexes.set(jobId, index);
      }
      const from = index.indexedBytes;
      const scanned = { lines: index.lines, indexedBytes: from, checkpoints: [] as number[] };
      const buffer = Buffer.alloc(CHUNK);
      let position = from;
      while (position < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, size - position), position);
        if (bytesRead === 0) break;
        scanLines(scanned, buffer, bytesRead, position);
        position += bytesRead;
      }
      if (this.indexes.get(jobId) !== index || index.indexedBytes !== from) continue;
      index.lines = scanned.lines;
      index.indexedBytes = scanned.indexedBytes;
      index.checkpoints.push(...scanned.checkpoints);
      index.partialTail = scanned.indexedBytes < size;
      return index;
    }
  }
}

/** Counts the lines that end in `bytes` (read at `position` of the file) into `index`. */
function scanLines(index: Pick<LineIndex, "lines" | "indexedBytes" | "checkpoints">, bytes: Buffer, length: number, position: number): void {
  for (let i = 0; i < length; i++) {
    if (bytes[i] !== 0x0a) continue;
    index.lines++;
    index.indexedBytes = position + i + 1;
    if (index.lines % CHECKPOINT_EVERY === 0) index.checkpoints.push(index.indexedBytes);
  }
}

function parseLine(text: string, offset: number): LogLine {
  // A line that does not parse was cut short by a killed writer: it stays a line, marked so.
  const parsed = parseStored(storedLogLineSchema, text);
  if (Result.isSuccess(parsed)) {
    const [stream, timestamp, message] = parsed.success;
    return { offset, stream, timestamp, message };
  }
  return { offset, stream: "system", timestamp: new Date(0).toISOString(), message: "[parallax] unreadable log line (writer interrupted)" };
}
