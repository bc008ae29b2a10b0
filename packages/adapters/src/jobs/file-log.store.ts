import { mkdirSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import * as Result from "effect/Result";
import { StorageFailure } from "@parallax/domain";
import { parseStored, storedLogLineSchema } from "@parallax/domain/jobs";
import type { LogEntry, LogLine, LogPage, LogStore } from "@parallax/application/jobs";
import { errnoCode, unlessMissing } from "../shared/errno.js";

const CHECKPOINT_EVERY = 256;
const CHUNK = 64 * 1024;
const SAFE_ID = /^[A-Za-z0-9_.-]+$/;
/** How long a job's log stays open after its last append (a running job appends again soon). */
const IDLE_CLOSE_MS = 2_000;
/** Logs kept open at most; beyond, the least recently used idle one is closed. */
const MAX_OPEN = 64;
/** Line indexes kept in memory (one per log read or written); an evicted one is rebuilt from the file when next needed. */
const MAX_INDEXES = 1_024;

/** A job's log file held open between appends, so a running job's next append is a stat and a write. */
interface Appender {
  readonly handle: FileHandle;
  /** Created by this open (O_EXCL), nothing in it yet: its first append needs no stat. */
  created: boolean;
  users: number;
  closed: boolean;
  timer: NodeJS.Timeout | undefined;
}

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
 * The appending process keeps a log open while its job writes (closed after 2 s without
 * an append): every file call is a thread-pool round trip, and open + close were half of
 * an append's. Appends go through O_APPEND, so other processes' appends stay whole.
 */
export class FileLogStore implements LogStore {
  private readonly indexes = new Map<string, LineIndex>();
  /** Logs open for appending by job id, least recently used first. */
  private readonly appenders = new Map<string, Appender>();
  private readonly opening = new Map<string, Promise<Appender>>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  append(jobId: string, entries: readonly LogEntry[]): Effect.Effect<LogLine[], StorageFailure> {
    return this.io(async () => {
      if (entries.length === 0) return [];
      const appender = await this.appender(jobId);
      const { handle } = appender;
      try {
        const size = appender.created ? 0 : (await handle.stat()).size;
        appender.created = false;
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
        this.release(jobId, appender);
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

  /** The job's log open for appending (and reading, to index others' lines), shared by this process's appends. */
  private async appender(jobId: string): Promise<Appender> {
    for (;;) {
      let appender = this.appenders.get(jobId);
      if (appender !== undefined) {
        // Most recently used last: the first entries are the ones to close when too many are open.
        this.appenders.delete(jobId);
        this.appenders.set(jobId, appender);
      } else {
        let opening = this.opening.get(jobId);
        if (opening === undefined) {
          opening = this.openAppender(this.path(jobId));
          this.opening.set(jobId, opening);
          try {
            appender = await opening;
          } finally {
            this.opening.delete(jobId);
          }
          this.appenders.set(jobId, appender);
        } else appender = await opening;
      }
      if (appender.closed) continue;
      appender.users++;
      clearTimeout(appender.timer);
      appender.timer = undefined;
      return appender;
    }
  }

  private async openAppender(path: string): Promise<Appender> {
    try {
      return { handle: await open(path, "ax+"), created: true, users: 0, closed: false, timer: undefined };
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error;
      return { handle: await open(path, "a+"), created: false, users: 0, closed: false, timer: undefined };
    }
  }

  /** Done with an append: the log closes once idle for IDLE_CLOSE_MS, or now when too many are open. */
  private release(jobId: string, appender: Appender): void {
    appender.users--;
    if (appender.users > 0) return;
    appender.timer = setTimeout(() => this.closeIdle(jobId, appender), IDLE_CLOSE_MS).unref();
    for (const [id, other] of this.appenders) {
      if (this.appenders.size <= MAX_OPEN) break;
      this.closeIdle(id, other);
    }
  }

  private closeIdle(jobId: string, appender: Appender): void {
    if (appender.users > 0 || appender.closed) return;
    appender.closed = true;
    clearTimeout(appender.timer);
    if (this.appenders.get(jobId) === appender) this.appenders.delete(jobId);
    // Nothing waits on the close, and a failed close(2) leaves nothing to do but say so.
    appender.handle.close().catch((error: unknown) => process.emitWarning(`job log ${jobId} not closed: ${(error as Error).message}`));
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
        // A host lives through many jobs: forget the oldest index rather than keep one per job ever seen.
        if (this.indexes.size >= MAX_INDEXES && !this.indexes.has(jobId)) this.indexes.delete(this.indexes.keys().next().value!);
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
