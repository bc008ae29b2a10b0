/**
 * Reactive execution end to end below HTTP: a seeded notebook where cell i defines `v{i}`
 * from 1–3 random earlier cells; "run cell 0" runs it and every dependent through the
 * scheduler, the real kernel (python3 subprocess / JavaScript worker), the event bus and the
 * coalesced saves. Reports the whole run, the cost per cell, and the latency of one edit.
 *
 * Comparison partners on the same cells, in order: Jupyter's "run all" (a python3 ipykernel
 * driven by jupyter_client, one execute request per cell, each awaited; Python only, where
 * Debian's python3-ipykernel and python3-jupyter-client are installed), and the language alone
 * (every cell's code run in one process, one after another: the floor no kernel protocol adds to).
 *
 *   npm run bench -- reactive-run [sizes=100,1000] [languages=javascript,python]
 */
import { spawnSync } from "node:child_process";
import { Effect, Exit, Scope, Stream } from "effect";
import { ReactiveNotebooks } from "@parallax/application/reactive";
import { MemoryNotebookStore } from "@parallax/adapters/notebook";
import { NotebookKernelFactory } from "@parallax/adapters/reactive";
import { SystemClock } from "@parallax/adapters/shared";
import { emit, peakRssMiB, percentile, round, timeMsAsync } from "./support.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function cellCode(language: "python" | "javascript", i: number, random: () => number): string {
  if (i === 0) return language === "python" ? "v0 = 1" : "const v0 = 1;";
  const reads = new Set<number>();
  const count = 1 + Math.floor(random() * 3);
  for (let k = 0; k < count; k++) reads.add(Math.floor(random() * i));
  const sum = [...reads].map((r) => `v${r}`).join(" + ");
  return language === "python" ? `v${i} = (${sum}) % 1000003` : `const v${i} = (${sum}) % 1000003;`;
}

/** jupyter_client running the cells (JSON on stdin) in a fresh ipykernel; prints the run's ms. */
const JUPYTER_RUN_ALL = `
import json, sys, time
from jupyter_client.manager import start_new_kernel
cells = json.load(sys.stdin)
km, kc = start_new_kernel(kernel_name="python3")
try:
    started = time.perf_counter()
    for code in cells:
        reply = kc.execute_interactive(code, store_history=False, timeout=60, output_hook=lambda message: None)
        if reply["content"]["status"] != "ok":
            sys.exit("cell failed: " + reply["content"].get("evalue", ""))
    print(json.dumps({"run_all_ms": (time.perf_counter() - started) * 1000}))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;
/** Debian's python3, where its ipykernel and jupyter_client are (another python3 may come first on PATH). */
const JUPYTER_PYTHON = "/usr/bin/python3";

/** Every cell's code run in one interpreter, one after another; prints the run's ms. */
const ALONE: Record<"python" | "javascript", { command: string; args: string[] }> = {
  python: { command: "python3", args: ["-c", "import json, sys, time\ncells = json.load(sys.stdin)\nnames = {}\nstarted = time.perf_counter()\nfor code in cells: exec(code, names)\nprint(json.dumps({'run_all_ms': (time.perf_counter() - started) * 1000}))"] },
  javascript: {
    command: process.execPath,
    args: ["-e", "const vm = require('node:vm'); const cells = JSON.parse(require('node:fs').readFileSync(0, 'utf8')); const context = vm.createContext({}); const started = performance.now(); for (const code of cells) vm.runInContext(code, context); console.log(JSON.stringify({ run_all_ms: performance.now() - started }));"],
  },
};

function runAllMs(command: string, args: string[], cells: readonly string[]): number | string {
  const run = spawnSync(command, args, { input: JSON.stringify(cells), encoding: "utf8", timeout: 600_000 });
  if (run.status !== 0) return `failed: ${(run.stderr || String(run.error)).trim().split("\n").at(-1)}`;
  return round((JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { run_all_ms: number }).run_all_ms, 1);
}

const hasJupyter = spawnSync(JUPYTER_PYTHON, ["-c", "import jupyter_client, ipykernel"], { stdio: "ignore" }).status === 0;

function partners(language: "python" | "javascript", cells: readonly string[]): Record<string, unknown> {
  const alone = runAllMs(ALONE[language].command, ALONE[language].args, cells);
  if (language !== "python") return { language_alone_run_all_ms: alone };
  const jupyter = hasJupyter ? runAllMs(JUPYTER_PYTHON, ["-c", JUPYTER_RUN_ALL], cells) : "not installed (Debian: python3-ipykernel python3-jupyter-client)";
  return { jupyter_run_all_ms: jupyter, language_alone_run_all_ms: alone };
}

async function bench(language: "python" | "javascript", size: number): Promise<void> {
  let counter = 0;
  const service = new ReactiveNotebooks(
    new MemoryNotebookStore(),
    new NotebookKernelFactory({ pythonBin: "python3", timeoutMs: 60_000 }),
    { next: () => `c${++counter}` },
    new SystemClock(),
  );
  try {
    const id = await run(service.create(`bench ${language} ${size}`));
    const initial = (await run(service.get(id))).cells[0]!.id;
    await run(service.deleteCell(id, initial));
    const random = seeded(42);
    const cellIds: string[] = [];
    const codes = Array.from({ length: size }, (_, i) => cellCode(language, i, random));
    for (const code of codes) cellIds.push((await run(service.addCell(id, language, undefined, code))).id);

    let events = 0;
    let lastStatus = "";
    // Subscribed before the run starts, so every event of the run is counted.
    const listening = await run(Scope.make());
    const stream = await run(Scope.provide(service.events(id), listening));
    const counting = Stream.runForEach(stream, (event) =>
      Effect.sync(() => {
        events++;
        if (event.type === "cell_status") lastStatus = event.status;
      }),
    );
    Effect.runFork(Effect.ensuring(counting, Scope.close(listening, Exit.void)));

    const { peakMiB, value: runMs } = await peakRssMiB(async () => {
      const { ms } = await timeMsAsync(async () => {
        await run(service.runCell(id, cellIds[0]!));
        await run(service.idle(id));
      });
      return ms;
    });
    const notebook = await run(service.get(id));
    const succeeded = notebook.cells.filter((cell) => cell.status === "success").length;

    const editMs: number[] = [];
    const middle = cellIds[Math.floor(size / 2)]!;
    for (let k = 0; k < 50; k++) {
      const code = language === "python" ? `v${Math.floor(size / 2)} = ${k}` : `const v${Math.floor(size / 2)} = ${k};`;
      editMs.push((await timeMsAsync(() => run(service.updateCell(id, middle, code)))).ms);
    }
    editMs.sort((a, b) => a - b);
    emit(`reactive-run/${language}/${size}`, {
      cells: size,
      cells_succeeded: succeeded,
      last_status: lastStatus,
      events,
      run_all_ms: round(runMs, 1),
      per_cell_ms: round(runMs / size, 3),
      cells_per_s: round((size / runMs) * 1000, 0),
      edit_p50_ms: round(percentile(editMs, 50), 3),
      edit_p95_ms: round(percentile(editMs, 95), 3),
      peak_rss_mib: peakMiB,
      partners: partners(language, codes),
    });
  } finally {
    await run(service.closeAll());
  }
}

export async function main(args: string[]): Promise<void> {
  const sizes = (args[0] ?? "100,1000").split(",").map(Number);
  const hasPython = spawnSync("python3", ["--version"]).status === 0;
  const languages = (args[1] ?? "javascript,python").split(",").filter((l) => l !== "python" || hasPython) as Array<"python" | "javascript">;
  for (const language of languages) for (const size of sizes) await bench(language, size);
}
