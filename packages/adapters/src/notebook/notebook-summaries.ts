import { stat } from "node:fs/promises";
import { z } from "zod";
import type { JsonObject } from "@parallax/domain/notebook";
import type { NotebookSummary } from "@parallax/application/notebook";
import { readFileVersioned, versionOf } from "../shared/atomic-file.js";
import { unlessMissing } from "../shared/errno.js";

/** Only the metadata is taken from a stored document; cells are not walked. */
const summarySchema = z.object({ metadata: z.record(z.string(), z.unknown()).catch({}) });

/**
 * The summaries of a directory of notebooks, kept by version (inode, mtime, size): listing
 * costs one `stat` per notebook, and only a document written since the last listing (by this
 * process or another) is read and parsed again. Nothing is persisted: the first listing after
 * a start reads each notebook once.
 */
export class NotebookSummaries {
  private readonly known = new Map<string, { version: string; metadata: JsonObject }>();

  /** `names` sorted; `pathOf` maps a name to its file. Names that vanished meanwhile are left out. */
  async list(names: readonly string[], pathOf: (name: string) => string): Promise<NotebookSummary[]> {
    const versions = await Promise.all(names.map((name) => unlessMissing(stat(pathOf(name), { bigint: true }).then(versionOf), undefined)));
    const summaries: NotebookSummary[] = [];
    // One document at a time: several changed 100 MB notebooks must not be held in memory at once.
    for (const [index, name] of names.entries()) {
      const version = versions[index];
      if (version === undefined) continue;
      let entry = this.known.get(name);
      if (entry?.version !== version) {
        const file = await unlessMissing(readFileVersioned(pathOf(name)), undefined);
        if (file === undefined) continue;
        entry = { version: file.version, metadata: metadataOf(file.bytes) };
        this.known.set(name, entry);
      }
      summaries.push({ name, metadata: entry.metadata });
    }
    const present = new Set(names);
    for (const name of this.known.keys()) if (!present.has(name)) this.known.delete(name);
    return summaries;
  }

  /** The metadata of `bytes`, the document `name` at `version`: parsed only if this version's is not known yet. */
  metadataOf(name: string, version: string, bytes: Buffer): JsonObject {
    const entry = this.known.get(name);
    if (entry?.version === version) return entry.metadata;
    const metadata = metadataOf(bytes);
    this.known.set(name, { version, metadata });
    return metadata;
  }
}

/** A document that is not JSON lists with empty metadata rather than failing the whole listing. */
function metadataOf(bytes: Buffer): JsonObject {
  try {
    const parsed = summarySchema.safeParse(JSON.parse(bytes.toString("utf8")));
    return parsed.success ? (parsed.data.metadata as JsonObject) : {};
  } catch {
    return {};
  }
}
