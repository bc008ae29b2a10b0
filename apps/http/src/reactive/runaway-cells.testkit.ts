/**
 * Runaway cells against a real host process, `/health` sampled meanwhile: the sandbox's e2e test
 * and `npm run bench -- sandbox` run the same cells. Each cell gets a notebook of its own and
 * must end in `error` with a `cell_error` naming what stopped it; the same notebook then runs a
 * plain cell, so its kernel recovered.
 */
import { chmodSync } from "node:fs";
import { sampleHost, type HostProcess, type HostSample } from "../host/host-process.testkit.js";
import { NotebookSocketClient, notebookWithCell } from "./reactive-test-client.testkit.js";

export interface RunawayCell {
  name: string;
  type: "python" | "javascript" | "sql";
  code: string;
  /** What its `cell_error` must say. */
  error: RegExp;
  /** Code the notebook runs afterwards (same cell) to show the kernel answers again. */
  after: string;
}

export const RUNAWAY_CELLS: readonly RunawayCell[] = [
  {
    name: "Python allocates without bound",
    type: "python",
    code: "chunks = []\nwhile True:\n    chunks.append(bytearray(10_000_000))",
    error: /^MemoryError: the kernel's memory limit \(\d+ MB, KERNEL_MEMORY_MB\) was reached/,
    after: "print('still here')",
  },
  {
    name: "Python forks without bound",
    type: "python",
    code: "import os\nwhile True:\n    os.fork()",
    error: /^BlockingIOError: .*process limit \(KERNEL_MAX_PROCESSES\) was reached/,
    after: "import subprocess\nprint('still here', subprocess.run(['true']).returncode)",
  },
  { name: "Python loops forever", type: "python", code: "while True:\n    pass", error: /^TimeoutError: cell execution timed out after/, after: "print('still here')" },
  { name: "JavaScript loops forever", type: "javascript", code: "while (true) {}", error: /^TimeoutError: /, after: "console.log('still here')" },
  {
    name: "JavaScript allocates without bound",
    type: "javascript",
    code: "const hoard = [];\nwhile (true) hoard.push(new Array(1_000_000).fill(1));",
    error: /JavaScript heap limit \(\d+ MB, KERNEL_MEMORY_MB\) was reached/,
    after: "console.log('still here')",
  },
  { name: "SQL runs forever", type: "sql", code: "SELECT count(*) FROM range(1000000000000) a", error: /^TimeoutError: query timed out after/, after: "SELECT 'still here' AS s" },
];

/** Root ignores RLIMIT_NPROC and may raise any hard limit: a root host runs its kernels as nobody. */
export const KERNEL_USER_FOR_TESTS: Record<string, string> = process.getuid?.() === 0 ? { KERNEL_USER: "65534:65534" } : {};

/** A host's environment for runaway cells: tight limits, and DATA_DIR reachable by the kernels' user. */
export function sandboxedHostEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  chmodSync(dataDir, 0o755);
  return { DATA_DIR: dataDir, STORAGE: "memory", CELL_TIMEOUT_SECONDS: "3", KERNEL_MEMORY_MB: "384", KERNEL_MAX_PROCESSES: "24", ...KERNEL_USER_FOR_TESTS, ...extra };
}

export interface RunawayOutcome {
  name: string;
  status: string;
  error: string;
  afterStatus: string;
  afterStdout: string;
}

/** Runs a cell over the socket: its final status, `cell_error` and stdout. */
export async function runOverSocket(client: NotebookSocketClient, cellId: string): Promise<{ status: string; error: string; stdout: string }> {
  const from = client.messages.length;
  client.send({ type: "run_cell", cellId });
  const status = await client.finalStatus(cellId, from, 120_000);
  const error = client.events(from).find((event) => event["type"] === "cell_error" && event["cellId"] === cellId);
  return { status, error: String(error?.["error"] ?? ""), stdout: client.stdout(cellId, from) };
}

async function putCode(host: HostProcess, notebookId: string, cellId: string, code: string): Promise<void> {
  const response = await fetch(`${host.url}/api/v1/notebooks/${notebookId}/cells/${cellId}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
  if (!response.ok) throw new Error(`PUT cell: ${response.status} ${await response.text()}`);
}

/**
 * The kernel's user and process limit as a cell sees them; a fork bomb runs only when the kernel
 * is unprivileged with a finite RLIMIT_NPROC, so that nothing but the limit under test stops it.
 */
export async function processLimitHolds(host: HostProcess): Promise<boolean> {
  const { notebookId, cellId } = await notebookWithCell(host.url, "python", "import os, resource\nprint(os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[1])");
  const client = await NotebookSocketClient.connect(host.url, notebookId);
  try {
    const [uid, nproc] = (await runOverSocket(client, cellId)).stdout.trim().split(" ").map(Number);
    return uid !== undefined && nproc !== undefined && uid !== 0 && nproc > 0 && nproc < 100_000;
  } finally {
    await client.close();
  }
}

/** Runs every runaway cell, one after another, while `/health` is sampled every 10 ms. */
export async function runRunawaysSampled(host: HostProcess, cells: readonly RunawayCell[] = RUNAWAY_CELLS): Promise<{ outcomes: RunawayOutcome[]; health: HostSample }> {
  const sampling = sampleHost(host);
  const outcomes: RunawayOutcome[] = [];
  try {
    for (const cell of cells) outcomes.push(await runRunaway(host, cell));
  } catch (error) {
    await sampling.stop().catch(() => undefined);
    throw error;
  }
  return { outcomes, health: await sampling.stop() };
}

async function runRunaway(host: HostProcess, cell: RunawayCell): Promise<RunawayOutcome> {
  const { notebookId, cellId } = await notebookWithCell(host.url, cell.type, cell.code);
  const client = await NotebookSocketClient.connect(host.url, notebookId);
  try {
    const { status, error } = await runOverSocket(client, cellId);
    await putCode(host, notebookId, cellId, cell.after);
    const after = await runOverSocket(client, cellId);
    return { name: cell.name, status, error, afterStatus: after.status, afterStdout: after.stdout };
  } finally {
    await client.close();
  }
}
