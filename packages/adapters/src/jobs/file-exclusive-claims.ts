import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { link, mkdir, readFile, readdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { storedExclusiveClaimSchema, unclaimed, type ExclusiveClaim } from "@parallax/domain/jobs";
import { errnoCode, unlessMissing } from "../shared/errno.js";
import { readStored } from "./stored-documents.js";

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Versions kept behind the newest, so a reader between readdir and read still finds its file. */
const KEPT_VERSIONS = 8;

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

  async read(pipeline: string): Promise<ExclusiveClaim> {
    this.check(pipeline);
    for (let attempt = 0; attempt < 5; attempt++) {
      const version = await this.latest(pipeline);
      if (version === 0) return unclaimed(pipeline);
      const path = join(this.root, pipeline, `${version}.json`);
      const text = await unlessMissing(readFile(path, "utf8"), undefined);
      if (text !== undefined) return readStored(storedExclusiveClaimSchema, text, path);
    }
    throw new Error(`exclusive claim of ${pipeline} keeps changing under the reader`);
  }

  /** True when `next` became the stored claim; false when the stored version is not `expectedVersion`. */
  async write(next: ExclusiveClaim, expectedVersion: number): Promise<boolean> {
    this.check(next.pipeline);
    if (next.version !== expectedVersion + 1 || (await this.latest(next.pipeline)) !== expectedVersion) return false;
    const dir = join(this.root, next.pipeline);
    if (expectedVersion === 0) await mkdir(dir, { recursive: true });
    const temp = join(this.tmp, `claim.${next.pipeline}.${next.version}.${randomBytes(6).toString("hex")}`);
    await writeFile(temp, JSON.stringify(next));
    try {
      await link(temp, join(dir, `${next.version}.json`));
    } catch (error) {
      if (errnoCode(error) === "EEXIST") return false;
      throw error;
    } finally {
      await unlink(temp);
    }
    if (next.version > KEPT_VERSIONS) await unlessMissing(unlink(join(dir, `${next.version - KEPT_VERSIONS}.json`)), undefined);
    return true;
  }

  private async latest(pipeline: string): Promise<number> {
    const names = await unlessMissing(readdir(join(this.root, pipeline)), []);
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
}
