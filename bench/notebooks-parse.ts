/**
 * Part 1 of `npm run bench -- notebooks` (issue 11 items 4 and 6): opening a stored 2,000-image
 * notebook (≈ 49 MiB, nbformat's layout as the store writes it), against its partners, in one run.
 *
 * In process (medians of `runs`, the two Node paths interleaved, a GC before each run):
 * - floor: `readFile` + `JSON.parse` of the file;
 * - parallax: what the host does when it opens a notebook file (`FileNotebookStore.get`: read and
 *   decode in pieces, `parseNotebookJson`, `validateNotebook` with the zod schema) + `extractCharts`;
 *   `ratio_to_floor`;
 * - nbformat: Python `nbformat.read` (which validates; fastjsonschema) of the same file, timed
 *   inside Python; skipped with the reason where no python3 has nbformat and fastjsonschema.
 *
 * Whole process (medians of `processRuns` fresh processes; wall time from spawn to exit, peak RSS
 * = the child's own maxRSS; `rss_above_baseline` = peak minus the RSS once its modules are loaded):
 * - node_floor: `node` reading + JSON.parse, no Parallax module;
 * - node_parallax: `node` loading Parallax's built modules (dist: the file store, the notebook
 *   domain), then the same read + validate + extractCharts;
 * - python_nbformat: `python3` importing nbformat, then `nbformat.read` (which validates).
 * Targets (issue 11 item 4): ratio_to_floor ≤ 1.3; rss_above_baseline ≤ 2 × the file size.
 * Runs `tsc -b` first so dist is current. The machine is shared: each line carries the load average.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { Effect } from "effect";
import { FileNotebookStore } from "@parallax/adapters/notebook";
import { extractCharts, serializeNotebook, type Notebook } from "@parallax/domain/notebook";
import { emit, loadAverages, round } from "./support.js";

/** `cells` code cells, each with one display_data output holding an `imageBytes` PNG (base64). */
export function imageNotebook(cells: number, imageBytes: number): Notebook {
  const base64 = Buffer.alloc(imageBytes, 7).toString("base64");
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { chartPositions: {}, visionos_export: { export_date: "2026-11-21", total_windows: cells, window_types: ["chart"] } },
    cells: Array.from({ length: cells }, (_, i) => ({
      id: `cell-${i}`,
      cell_type: "code" as const,
      metadata: {},
      source: [`plt.plot(range(${i}))\n`, "plt.show()"],
      execution_count: i + 1,
      outputs: [{ output_type: "display_data" as const, data: { "image/png": base64, "text/plain": ["<Figure size 640x480>"] }, metadata: {} }],
    })),
  };
}

const CELLS = 2000;
const IMAGE_BYTES = 19_000;
const NAME = "bench.ipynb";
const root = process.cwd();
const MiB = 1024 * 1024;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A full GC between runs, so one run's garbage is not the next one's cost. */
const collect: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

async function floor(path: string): Promise<number> {
  const document = JSON.parse(await readFile(path, "utf8")) as { cells: unknown[] };
  return document.cells.length;
}

async function parallax(store: FileNotebookStore): Promise<number> {
  const stored = await Effect.runPromise(store.get(NAME));
  return extractCharts(stored.notebook).length;
}

async function timed(run: () => Promise<number>, expected: number): Promise<number> {
  collect();
  const started = performance.now();
  const count = await run();
  const ms = performance.now() - started;
  if (count !== expected) throw new Error(`expected ${expected}, got ${count}`);
  return ms;
}

// --- Python: nbformat.read validates (fastjsonschema when installed, nbformat's default) ---

const pythonInProcess = `
import gc, json, sys, time, nbformat
path, runs = sys.argv[1], int(sys.argv[2])
def floor():
    with open(path, encoding="utf-8") as f:
        return len(json.load(f)["cells"])
def read():
    errors = {}
    nb = nbformat.read(path, as_version=4, capture_validation_error=errors)
    if errors: raise SystemExit(str(errors["ValidationError"]))
    return len(nb.cells)
def timed(fn):
    gc.collect(); t = time.perf_counter(); n = fn(); ms = (time.perf_counter() - t) * 1000
    assert n == ${CELLS}, n
    return ms
floor(); read()
f, r = [], []
for _ in range(runs):
    f.append(timed(floor)); r.append(timed(read))
nb = nbformat.read(path, as_version=4)
gc.collect(); t = time.perf_counter(); nbformat.validate(nb); v = (time.perf_counter() - t) * 1000
from nbformat.json_compat import get_current_validator
print(json.dumps({"floor": f, "read": r, "validate_again_ms": v, "validator": get_current_validator().name,
                  "nbformat": nbformat.__version__, "python": sys.version.split()[0]}))
`;

const pythonProcess = `
import resource, sys, time
import nbformat
loaded = time.perf_counter()
def rss(): 
    with open("/proc/self/statm") as f: return int(f.read().split()[1]) * resource.getpagesize()
baseline = rss()
errors = {}
nb = nbformat.read(sys.argv[1], as_version=4, capture_validation_error=errors)
if errors: raise SystemExit(str(errors["ValidationError"]))
import json
print(json.dumps({"cells": len(nb.cells), "baseline_rss": baseline, "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
`;

/** The first python3 that imports nbformat and fastjsonschema (the pyenv shim may lack them; Debian's has them). */
function findPython(): { python: string } | { skipped: string } {
  const candidates = [...new Set([process.env["PYTHON"], "python3", "/usr/bin/python3"].filter((c): c is string => !!c))];
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", "import nbformat, fastjsonschema"], { stdio: "ignore" });
    if (probe.status === 0) return { python };
  }
  return { skipped: `no python3 with nbformat and fastjsonschema among ${candidates.join(", ")} (apt-get install python3-nbformat python3-fastjsonschema)` };
}

// --- Fresh Node processes; performance.now() counts from process start ---

const nodeChild = (parallax: boolean) => `
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
${
  parallax
    ? `const [{ Effect }, { FileNotebookStore }, { extractCharts }] = await Promise.all([
  import("effect"),
  import(${JSON.stringify(pathToFileURL(join(root, "packages/adapters/dist/notebook/index.js")).href)}),
  import(${JSON.stringify(pathToFileURL(join(root, "packages/domain/dist/notebook/index.js")).href)}),
]);`
    : ""
}
const loadMs = performance.now();
const rss = () => Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096;
globalThis.gc?.();
const baseline = rss();
const [directory, name] = process.argv.slice(-2);
const started = performance.now();
${
  parallax
    ? `const store = new FileNotebookStore(directory);
const stored = await Effect.runPromise(store.get(name));
const count = extractCharts(stored.notebook).length;`
    : `const count = JSON.parse(await readFile(directory + "/" + name, "utf8")).cells.length;`
}
const workMs = performance.now() - started;
process.stdout.write(JSON.stringify({ count, loadMs, workMs, baseline, maxRss: process.resourceUsage().maxRSS * 1024 }));
`;

interface ProcessRun {
  wallMs: number;
  loadMs?: number;
  workMs?: number;
  peakRss: number;
  aboveBaseline: number;
}

function runProcess(command: string, args: string[], expected: number): ProcessRun {
  const started = performance.now();
  const child = spawnSync(command, args, { cwd: root, encoding: "utf8", env: { ...process.env, NBFORMAT_VALIDATOR: "fastjsonschema" } });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`${command} exited with ${child.status}: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as { count?: number; cells?: number; loadMs?: number; workMs?: number; baseline: number; maxRss?: number; max_rss?: number; baseline_rss?: number };
  const count = report.count ?? report.cells;
  if (count !== expected) throw new Error(`${command}: expected ${expected}, got ${count}`);
  const peak = report.maxRss ?? report.max_rss!;
  const baseline = report.baseline ?? report.baseline_rss!;
  return { wallMs, loadMs: report.loadMs, workMs: report.workMs, peakRss: peak, aboveBaseline: peak - baseline };
}

function processFigures(runs: ProcessRun[], fileBytes: number) {
  const pick = (f: (run: ProcessRun) => number | undefined) => {
    const values = runs.map(f).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const above = pick((run) => run.aboveBaseline)!;
  return {
    runs: runs.length,
    wall_ms: round(pick((run) => run.wallMs)!, 0),
    load_ms: runs[0]!.loadMs === undefined ? undefined : round(pick((run) => run.loadMs)!, 0),
    work_ms: runs[0]!.workMs === undefined ? undefined : round(pick((run) => run.workMs)!, 0),
    peak_rss_mib: round(pick((run) => run.peakRss)! / MiB, 1),
    rss_above_baseline_mib: round(above / MiB, 1),
    rss_above_baseline_per_file_size: round(above / fileBytes, 2),
  };
}

export async function parseBenchmark({ runs = 7, processRuns = 3 }: { runs?: number; processRuns?: number } = {}): Promise<void> {
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-b"], { stdio: "inherit" });
  const dataDir = mkdtempSync(join(tmpdir(), "parallax-bench-parse-"));
  try {
    const directory = join(dataDir, "notebooks");
    mkdirSync(directory);
    const path = join(directory, NAME);
    writeFileSync(path, serializeNotebook(imageNotebook(CELLS, IMAGE_BYTES)));
    const fileBytes = statSync(path).size;
    const file = { file_mib: round(fileBytes / MiB, 1), image_outputs: CELLS };

    // In process: warm both paths once, then interleave them, alternating which goes first.
    const store = new FileNotebookStore(directory);
    await timed(() => floor(path), CELLS);
    await timed(() => parallax(store), CELLS);
    const floorMs: number[] = [];
    const parallaxMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      if (run % 2 === 0) floorMs.push(await timed(() => floor(path), CELLS));
      parallaxMs.push(await timed(() => parallax(store), CELLS));
      if (run % 2 === 1) floorMs.push(await timed(() => floor(path), CELLS));
    }
    const floorMedian = median(floorMs);
    const parallaxMedian = median(parallaxMs);
    emit("notebooks.parse.floor", { ...file, what: "readFile + JSON.parse", runs, median_ms: round(floorMedian, 1), load_avg: loadAverages() });
    emit("notebooks.parse_validate_extract", {
      ...file,
      what: "FileNotebookStore.get (read, decode, parse, validateNotebook: what the host does to open a notebook) + extractCharts",
      runs,
      median_ms: round(parallaxMedian, 1),
      floor_ms: round(floorMedian, 1),
      ratio_to_floor: round(parallaxMedian / floorMedian, 2),
      target_ratio: 1.3,
      throughput_mib_per_s: round(fileBytes / MiB / (parallaxMedian / 1000), 1),
      load_avg: loadAverages(),
    });

    const python = findPython();
    if ("skipped" in python) {
      emit("notebooks.parse.nbformat", { skipped: python.skipped });
    } else {
      const child = spawnSync(python.python, ["-c", pythonInProcess, path, String(runs)], { encoding: "utf8", env: { ...process.env, NBFORMAT_VALIDATOR: "fastjsonschema" } });
      if (child.status !== 0) throw new Error(`nbformat run failed: ${child.stderr}`);
      const report = JSON.parse(child.stdout) as { floor: number[]; read: number[]; validate_again_ms: number; validator: string; nbformat: string; python: string };
      const readMedian = median(report.read);
      emit("notebooks.parse.nbformat", {
        ...file,
        what: "nbformat.read (JSON load, convert, validate)",
        python: report.python,
        nbformat: report.nbformat,
        validator: report.validator,
        runs,
        median_ms: round(readMedian, 1),
        ratio_to_floor: round(readMedian / floorMedian, 2),
        python_floor_ms: round(median(report.floor), 1),
        validate_again_ms: round(report.validate_again_ms, 1),
        parallax_ratio_to_nbformat: round(parallaxMedian / readMedian, 2),
        load_avg: loadAverages(),
      });
    }

    // Whole processes, interleaved.
    const nodeArgs = (parallaxChild: boolean) => ["--expose-gc", "--input-type=module", "-e", nodeChild(parallaxChild), directory, NAME];
    const figures: Record<string, ProcessRun[]> = { node_floor: [], node_parallax: [], python_nbformat: [] };
    for (let run = 0; run < processRuns; run++) {
      figures["node_floor"]!.push(runProcess(process.execPath, nodeArgs(false), CELLS));
      figures["node_parallax"]!.push(runProcess(process.execPath, nodeArgs(true), CELLS));
      if (!("skipped" in python)) figures["python_nbformat"]!.push(runProcess(python.python, ["-c", pythonProcess, path], CELLS));
    }
    for (const [name, results] of Object.entries(figures)) {
      if (results.length === 0) emit(`notebooks.parse.process.${name}`, { skipped: "skipped" in python ? python.skipped : "no runs" });
      else emit(`notebooks.parse.process.${name}`, { ...file, ...processFigures(results, fileBytes), load_avg: loadAverages() });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
