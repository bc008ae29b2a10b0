import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unclaimed, type ExclusiveClaim } from "@parallax/domain/jobs";

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Versions kept behind the newest, so a reader between readdir and read still finds its file. */
const KEPT_VERSIONS = 8;
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code;

/**
 * Exclusivity claims as files, safe across processes: `<pipeline>/<version>.json`, each
 * version created once by `link(2)` of a complete temp file. `link` fails with EEXIST when
 * another process wrote that version first, so writing version v+1 is a compare-and-set on
 * v, the same primitive as a job's versions (and a DynamoDB conditional Put).
 */
export class FileExclusiveClaims {
  constructor(
    private readonly root: string,
    private readonly tmp: string,
  ) {
    mkdirSync(root, { recursive: true });
  }

  read(pipeline: string): ExclusiveClaim {
    this.check(pipeline);
    for (let attempt = 0; attempt < 5; attempt++) {
      const version = this.latest(pipeline);
      if (version === 0) return unclaimed(pipeline);
      try {
        return JSON.parse(readFileSync(join(this.root, pipeline, `${version}.json`), "utf8")) as ExclusiveClaim;
      } catch (error) {
        if (errno(error) !== "ENOENT") throw error;
      }
    }
    throw new Error(`exclusive claim of ${pipeline} keeps changing under the reader`);
  }

  /** True when `next` became the stored claim; false when the stored version is not `expectedVersion`. */
  write(next: ExclusiveClaim, expectedVersion: number): boolean {
    this.check(next.pipeline);
    if (next.version !== expectedVersion + 1 || this.latest(next.pipeline) !== expectedVersion) return false;
    const dir = join(this.root, next.pipeline);
    if (expectedVersion === 0) mkdirSync(dir, { recursive: true });
    const temp = join(this.tmp, `claim.${next.pipeline}.${next.version}.${randomBytes(6).toString("hex")}`);
    writeFileSync(temp, JSON.stringify(next));
    try {
      linkSync(temp, join(dir, `${next.version}.json`));
    } catch (error) {
      if (errno(error) === "EEXIST") return false;
      throw error;
    } finally {
      unlinkSync(temp);
    }
    if (next.version > KEPT_VERSIONS) this.unlinkQuietly(join(dir, `${next.version - KEPT_VERSIONS}.json`));
    return true;
  }

  private latest(pipeline: string): number {
    let names: string[];
    try {
      names = readdirSync(join(this.root, pipeline));
    } catch (error) {
      if (errno(error) === "ENOENT") return 0;
      throw error;
    }
    let latest = 0;
    for (const name of names) {
      const version = Number(name.slice(0, -5));
      if (name.endsWith(".json") && Number.isInteger(version) && version > latest) latest = version;
    }
    return latest;
  }

  private check(pipeline: string): void {
    if (!SAFE_NAME.test(pipeline)) throw new Error(`unsafe pipeline name '${pipeline}'`);
  }

  private unlinkQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch (error) {
      if (errno(error) !== "ENOENT") throw error;
    }
  }
}
