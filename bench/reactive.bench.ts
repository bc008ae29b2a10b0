/**
 * `npm run bench -- reactive [sizes...]`: reactive-notebook analysis and dependency graph on seeded
 * synthetic Python notebooks (cell i defines `v{i}` and reads 1–3 random earlier `v`s).
 *
 * Per size: analysis throughput, full graph build, re-plan after editing the first and a middle cell
 * (analysis of the edited cell + upsert + plan), peak RSS. marimo's reference on this class of
 * machine: ~0.44 s for 1,000 cells and ~42 s for 10,000 (quadratic registration).
 */
import { loadavg } from "node:os";
import { analyzeCell, DependencyGraph, type CellAnalysis } from "@parallax/domain/reactive";
import { mulberry32 } from "@parallax/domain";
import { emit, peakRssMiB, percentile, round, timeMs } from "./support.js";

const MARIMO_REFERENCE_MS: Record<number, number> = { 1000: 440, 10000: 42000 };
const REPEATS = 5;
const EDITS = 40;


function syntheticCell(i: number, random: () => number): string {
  if (i === 0) return "v0 = 1";
  const count = 1 + Math.floor(random() * 3);
  const sources = new Set<number>();
  while (sources.size < Math.min(count, i)) sources.add(Math.floor(random() * i));
  return `v${i} = ${[...sources].map((source) => `v${source}`).join(" + ")} + ${i % 7}`;
}

function syntheticNotebook(size: number, seed: number): string[] {
  const random = mulberry32(seed);
  return Array.from({ length: size }, (_, i) => syntheticCell(i, random));
}

function analyzeAll(cells: readonly string[]): CellAnalysis[] {
  return cells.map((code) => analyzeCell("python", code));
}

function buildGraph(analyses: readonly CellAnalysis[]): DependencyGraph {
  const graph = new DependencyGraph();
  analyses.forEach((analysis, i) => graph.upsert(`cell${i}`, analysis));
  return graph;
}

/** CPU time of this process: the machine's 2 cores are shared, so wall time alone overstates cost. */
function cpuMs<T>(fn: () => T): { ms: number; value: T } {
  const before = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, value };
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Edits cell `index` back and forth between two versions and re-plans: analysis + upsert + plan. */
function replan(graph: DependencyGraph, index: number, versions: readonly [string, string]): { p50: number; p95: number; planned: number } {
  const samples: number[] = [];
  let planned = 0;
  for (let edit = 0; edit < EDITS; edit++) {
    const code = versions[edit % 2]!;
    const { ms, value } = timeMs(() => {
      graph.upsert(`cell${index}`, analyzeCell("python", code));
      return graph.plan([`cell${index}`]);
    });
    samples.push(ms);
    planned = value.length;
  }
  samples.sort((a, b) => a - b);
  return { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)), planned };
}

async function measure(size: number): Promise<number> {
  const cells = syntheticNotebook(size, 42 + size);
  const baselineMiB = round(process.memoryUsage.rss() / 1024 / 1024, 1);
  const { peakMiB, value } = await peakRssMiB(() => {
    const cold = timeMs(() => buildGraph(analyzeAll(cells)));
    const analysisRuns: number[] = [];
    const buildRuns: number[] = [];
    const cpuRuns: number[] = [];
    let graph = cold.value;
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const analysis = timeMs(() => analyzeAll(cells));
      analysisRuns.push(analysis.ms);
      const build = timeMs(() => buildGraph(analysis.value));
      buildRuns.push(build.ms);
      graph = build.value;
      cpuRuns.push(cpuMs(() => buildGraph(analyzeAll(cells))).ms);
    }
    const middle = Math.floor(size / 2);
    const middleCode = cells[middle]!;
    return {
      coldTotal: cold.ms,
      analysisMs: median(analysisRuns),
      buildMs: median(buildRuns),
      cpuTotalMs: median(cpuRuns),
      firstCell: replan(graph, 0, ["v0 = 2", "v0 = 1"]),
      middleCell: replan(graph, middle, [middleCode.replace(/\+ \d+$/, "+ 100"), middleCode]),
      middleCellNewReads: replan(graph, middle, [`v${middle} = v${middle - 1} * 2`, middleCode]),
      errors: graph.order().filter((id) => graph.error(id) !== undefined).length,
    };
  });
  const total = value.analysisMs + value.buildMs;
  emit("reactive", {
    cells: size,
    analysis_cells_per_s: Math.round(size / (value.analysisMs / 1000)),
    analysis_ms: round(value.analysisMs, 2),
    graph_build_ms: round(value.buildMs, 2),
    analysis_plus_build_ms: round(total, 2),
    analysis_plus_build_cpu_ms: round(value.cpuTotalMs, 2),
    cold_first_run_ms: round(value.coldTotal, 2),
    load_average_1m: round(loadavg()[0]!, 2),
    replan_edit_first_cell_ms: value.firstCell,
    replan_edit_middle_cell_ms: value.middleCell,
    replan_edit_middle_cell_new_reads_ms: value.middleCellNewReads,
    cells_in_error: value.errors,
    peak_rss_mib: peakMiB,
    rss_before_mib: baselineMiB,
    marimo_reference_ms: MARIMO_REFERENCE_MS[size],
    speedup_vs_marimo: MARIMO_REFERENCE_MS[size] ? round(MARIMO_REFERENCE_MS[size]! / total, 1) : undefined,
  });
  return value.cpuTotalMs;
}

export async function main(args: string[]): Promise<void> {
  const sizes = args.length > 0 ? args.map(Number).filter((n) => n > 0) : [1000, 10000];
  const cpuTotals = new Map<number, number>();
  for (const size of sizes) cpuTotals.set(size, await measure(size));
  const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
  if (smallest !== largest) {
    emit("reactive_scaling", {
      cells: [smallest, largest],
      size_ratio: largest / smallest,
      analysis_plus_build_cpu_ratio: round(cpuTotals.get(largest)! / cpuTotals.get(smallest)!, 2),
    });
  }
}
