import type { JsonObject, Notebook } from "@parallax/domain/notebook";

/** One notebook as the file store last read or wrote it. */
export interface CachedNotebook {
  /** The file's version (inode, mtime, size) these bytes were read or written as. */
  readonly version: string;
  readonly bytes: Buffer;
  /** Top-level metadata (the owner check); handed out read-only. */
  readonly metadata: JsonObject;
  /** The parsed document, never handed out (callers get a copy); absent when only the bytes were read. */
  readonly notebook?: Notebook;
}

/**
 * What the file store keeps in memory of the notebooks it served or wrote last, by name: the
 * stored bytes and, where it has it, the parsed document. An entry is only ever used for the
 * version it was made from: the store compares it with the file's version (one `stat`) first,
 * so a file another process replaced is read again, never served stale.
 *
 * Bounded by `budgetBytes` (the bytes, and as much again for a parsed document): the least
 * recently used entries go first, and a notebook larger than the budget is not kept at all.
 */
export class NotebookCache {
  private readonly entries = new Map<string, CachedNotebook>();
  private held = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The entry of `name` if it was made from `version`, as the most recently used. */
  get(name: string, version: string): CachedNotebook | undefined {
    const entry = this.entries.get(name);
    if (entry?.version !== version) return undefined;
    this.entries.delete(name);
    this.entries.set(name, entry);
    return entry;
  }

  /** Whether a notebook of this many bytes would be kept (callers skip preparing one that would not). */
  keeps(bytes: number): boolean {
    return weightOf(bytes, true) <= this.budgetBytes;
  }

  set(name: string, entry: CachedNotebook): void {
    this.delete(name);
    const weight = weightOf(entry.bytes.byteLength, entry.notebook !== undefined);
    if (weight > this.budgetBytes) return;
    this.entries.set(name, entry);
    this.held += weight;
    for (const [oldest, evicted] of this.entries) {
      if (this.held <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.held -= weightOf(evicted.bytes.byteLength, evicted.notebook !== undefined);
    }
  }

  delete(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    this.held -= weightOf(entry.bytes.byteLength, entry.notebook !== undefined);
  }

  /** Bytes held by the kept entries, as the budget counts them (tests). */
  heldBytes(): number {
    return this.held;
  }
}

/** A parsed document takes about as much heap as its text: counted twice. */
function weightOf(bytes: number, parsed: boolean): number {
  return parsed ? 2 * bytes : bytes;
}
