import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { pipelinesFileSchema } from "@parallax/domain/jobs";
import { PipelineCatalog } from "@parallax/application/jobs";
import { ConfigError } from "../shared/shared.config.js";

/** A ConfigError, so `npm start` reports it as a configuration problem (message, exit 2). */
export class PipelinesFileError extends ConfigError {
  override name = "PipelinesFileError";
}

export interface LoadedPipelines {
  readonly catalog: PipelineCatalog;
  /** Absolute directory that relative paths of the file resolve against. */
  readonly baseDir: string;
}

/**
 * Reads and validates PIPELINES_FILE. Without a file there are no pipelines and paths
 * resolve against `fallbackBaseDir` (the data directory).
 */
export function loadPipelinesFile(path: string, fallbackBaseDir: string): LoadedPipelines {
  if (path === "") return { catalog: PipelineCatalog.empty(), baseDir: resolve(fallbackBaseDir) };
  const absolute = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(absolute, "utf8"));
  } catch (error) {
    throw new PipelinesFileError(`PIPELINES_FILE ${absolute}: ${(error as Error).message}`);
  }
  const parsed = pipelinesFileSchema.safeParse(raw);
  if (!parsed.success) throw new PipelinesFileError(`PIPELINES_FILE ${absolute} is invalid:\n${z.prettifyError(parsed.error)}`);
  const baseDir = resolve(dirname(absolute), parsed.data.base_dir ?? ".");
  return { catalog: new PipelineCatalog(parsed.data), baseDir };
}
