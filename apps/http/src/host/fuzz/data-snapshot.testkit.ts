import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

/** Test support: every file under a data directory with its SHA-256, by path relative to it. */
export function snapshotFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.set(relative(root, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  walk(root);
  return files;
}

export interface SnapshotChanges {
  missing: string[];
  changed: string[];
  /** Changed files that hold JSON (`.json`, `.ipynb`) and no longer parse. */
  unparseable: string[];
}

/** How the files of `before` fared: files added since are not a change (valid requests may add). */
export function compareSnapshot(root: string, before: Map<string, string>): SnapshotChanges {
  const after = snapshotFiles(root);
  const changes: SnapshotChanges = { missing: [], changed: [], unparseable: [] };
  for (const [path, hash] of before) {
    const now = after.get(path);
    if (now === undefined) changes.missing.push(path);
    else if (now !== hash) {
      changes.changed.push(path);
      if (/\.(json|ipynb)$/.test(path)) {
        try {
          JSON.parse(readFileSync(join(root, path), "utf8"));
        } catch {
          changes.unparseable.push(path);
        }
      }
    }
  }
  return changes;
}
