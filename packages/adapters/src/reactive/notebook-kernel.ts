import { rm } from "node:fs/promises";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { executableCell, type CellLanguage } from "@parallax/domain/reactive";
import type { Kernel, KernelCell, KernelEvent, KernelFactory, KernelOptions } from "@parallax/application/reactive";
import type { LanguageKernel, NamedValues } from "./language-kernel.js";
import { JavaScriptKernel } from "./javascript/javascript-kernel.js";
import { PythonProcess } from "./python/python-process.js";
import { SqlKernel } from "./sql/sql-kernel.js";
import { notebookWorkDir, workDirName, type KernelSandbox } from "./sandbox/kernel-sandbox.js";

export interface NotebookKernelOptions {
  pythonBin: string;
  timeoutMs: number;
  /** Bytes one output may take, in every language. */
  maxOutputBytes?: number;
  /** Characters of stdout and stderr one cell may send. */
  maxStreamChars?: number;
  /** Limits, environment and the notebook's working directory for all three languages. */
  sandbox?: KernelSandbox;
}

/**
 * One notebook's kernel: a persistent python3 process, a persistent Node process for
 * JavaScript and an in-process SQL database, each started on first use. SQL placeholders take their values from
 * Python first, then from JavaScript. A Python cell's IPython magics run as the driver's helpers
 * (`executableCell`), and a `%%sql` cell's body runs as a SQL cell.
 *
 * With a sandbox, all three work in the notebook's own directory under their limits; the Python
 * and JavaScript processes also as its user, under its wrapper, with its environment.
 */
export class NotebookKernel implements Kernel {
  readonly python: PythonProcess;
  readonly javascript: JavaScriptKernel;
  readonly sql: SqlKernel;

  constructor(options: NotebookKernelOptions & KernelOptions) {
    const { pythonBin, timeoutMs, maxOutputBytes, maxStreamChars, sandbox } = options;
    const workDir = sandbox ? () => notebookWorkDir(sandbox, options.notebookId) : undefined;
    this.python = new PythonProcess({ pythonBin, timeoutMs, maxOutputBytes, maxStreamChars, ...(sandbox && workDir && { sandbox: { sandbox, workDir } }) });
    const javascriptSandbox = sandbox && workDir && { heapMb: sandbox.limits.memoryMb, sandbox: { sandbox, workDir } };
    this.javascript = new JavaScriptKernel({ timeoutMs, maxOutputBytes, maxStreamChars, ...javascriptSandbox });
    const sqlSandbox = sandbox && workDir && { memoryMb: sandbox.limits.memoryMb, workDir };
    this.sql = new SqlKernel(options.dbConnString, (names) => this.lookup(names), timeoutMs, maxOutputBytes, sqlSandbox);
  }

  run(cell: KernelCell): Stream.Stream<KernelEvent> {
    switch (cell.language) {
      case "python": {
        const { language, source } = executableCell(cell.code);
        return language === "sql" ? this.runSql(source) : this.python.run(cell.id, source, cell.writes);
      }
      case "javascript":
        return this.javascript.run(cell.id, cell.code, cell.writes);
      case "sql":
        return this.runSql(cell.code);
    }
  }

  forget(language: CellLanguage, names: readonly string[]): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (language === "python") this.python.forget(names);
      else if (language === "javascript") this.javascript.forget(names);
      else return this.sql.forget(names);
      return Effect.void;
    });
  }

  generation(language: CellLanguage): number {
    switch (language) {
      case "python":
        return this.python.generation;
      case "javascript":
        return this.javascript.generation;
      case "sql":
        return this.sql.generation;
    }
  }

  setDatabase(connectionString: string | null): Effect.Effect<void> {
    return this.sql.setConnection(connectionString);
  }

  shutdown(): Effect.Effect<void> {
    const processes = Effect.promise(() => Promise.all([this.python.close(), this.javascript.close()]));
    return Effect.asVoid(Effect.all([processes, this.sql.close()], { concurrency: "unbounded" }));
  }

  /** A SQL cell prints nothing: its run is its result. */
  private runSql(code: string): Stream.Stream<KernelEvent> {
    return Stream.fromEffect(Effect.map(this.sql.run(code), (result): KernelEvent => ({ type: "result", result })));
  }

  /** A name a kernel defines but did not hand over was too large to. */
  private lookup(names: readonly string[]): Effect.Effect<NamedValues & { tooLarge: string[] }> {
    return Effect.gen({ self: this }, function* () {
      const values: Record<string, unknown> = {};
      const tooLarge: string[] = [];
      let missing = [...names];
      for (const source of [this.python, this.javascript] satisfies LanguageKernel[]) {
        if (missing.length === 0 || !source.started) continue;
        const found = yield* source.values(missing);
        Object.assign(values, found.values);
        tooLarge.push(...missing.filter((name) => !(name in found.values) && !found.missing.includes(name)));
        missing = found.missing;
      }
      return { values, missing, tooLarge };
    });
  }
}

export class NotebookKernelFactory implements KernelFactory {
  constructor(private readonly options: NotebookKernelOptions) {}

  create(options: KernelOptions): NotebookKernel {
    return new NotebookKernel({ ...this.options, ...options });
  }

  /** A deleted notebook's working directory goes with it: a notebook made later under the same id starts empty. */
  discard(notebookId: string): Effect.Effect<void> {
    const { sandbox } = this.options;
    if (!sandbox) return Effect.void;
    // Deleting the notebook has succeeded by now: a directory that cannot go is left, not a failure.
    return Effect.promise(() => rm(join(sandbox.workRoot, workDirName(notebookId)), { recursive: true, force: true }).catch(() => undefined));
  }
}
