import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectRun } from "@parallax/application/reactive";
import { TABLE_MIME, type CellLanguage } from "@parallax/domain/reactive";
import { NotebookKernel } from "../notebook-kernel.js";
import { DEFAULT_LIMITS, kernelSandbox, notebookWorkDir, workDirName, type KernelLimits, type KernelSandbox } from "./kernel-sandbox.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
if (!hasPython) console.warn("kernel sandbox tests skipped: python3 not found");

/**
 * Root ignores RLIMIT_NPROC and may raise any hard limit, so a root test process runs its kernels
 * as nobody (KERNEL_USER), as a root host should.
 */
const kernelUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

const SECRETS = { AWS_SECRET_ACCESS_KEY: "host-aws-secret-h10", LLM_API_KEY: "host-llm-key-h10", PARALLAX_DEPLOY_TOKEN: "host-token-h10" };

let root: string;
const kernels: NotebookKernel[] = [];

beforeAll(() => {
  Object.assign(process.env, SECRETS);
  // A directory the kernels' user can reach (mkdtemp makes it 0700).
  root = mkdtempSync(join(tmpdir(), "parallax-sandbox-"));
  chmodSync(root, 0o755);
});
afterAll(async () => {
  await Promise.all(kernels.map((kernel) => Effect.runPromise(kernel.shutdown())));
  for (const name of Object.keys(SECRETS)) delete process.env[name];
  rmSync(root, { recursive: true, force: true });
});

function sandbox(limits: Partial<KernelLimits> = {}, options: Partial<KernelSandbox> = {}): KernelSandbox {
  return kernelSandbox(join(root, "kernels"), { limits: { ...DEFAULT_LIMITS, ...limits }, ...(kernelUser && { user: kernelUser }), ...options });
}

function notebook(notebookId: string, within: KernelSandbox, timeoutMs = 60_000) {
  const kernel = new NotebookKernel({ pythonBin: "python3", timeoutMs, notebookId, dbConnString: null, sandbox: within });
  kernels.push(kernel);
  return async (language: CellLanguage, code: string) => {
    const { chunks, result } = await Effect.runPromise(collectRun(kernel.run({ id: "c", language, code, reads: [], writes: [] })));
    const stdout = chunks.map(([, text]) => text).join("");
    return { ...result, stdout };
  };
}

describe.skipIf(!hasPython)("kernel sandbox: environment and working directory", () => {
  it("a Python cell works in its notebook's own directory, HOME included, and sees none of the host's secrets", async () => {
    const within = sandbox();
    const run = notebook("env-nb", within);
    const own = join(within.workRoot, "env-nb");
    const result = await run("python", "import os\nprint(os.getcwd())\nprint(os.environ['HOME'])\nprint(dict(os.environ))");
    expect(result.status).toBe("success");
    const [cwd, home, environ] = result.stdout.split("\n");
    expect([cwd, home]).toEqual([own, own]);
    for (const secret of Object.values(SECRETS)) expect(environ).not.toContain(secret);
    for (const name of Object.keys(SECRETS)) expect(environ).not.toContain(name);
  });

  it("a JavaScript cell reaching its kernel's process finds it is not the host's: its notebook's directory, HOME, environment, user, rlimits and priority", async () => {
    const within = sandbox({ cpuSeconds: 600, maxOpenFiles: 256 });
    const run = notebook("env-js", within);
    const own = join(within.workRoot, "env-js");
    const code = `const proc = console.log.constructor.constructor("return process")();
const os = proc.getBuiltinModule("node:os");
const limits = proc.getBuiltinModule("node:fs").readFileSync("/proc/self/limits", "utf8");
const limit = (name) => limits.split("\\n").find((line) => line.startsWith(name)).split(/\\s{2,}/).slice(1, 3).join(" ");
console.log(JSON.stringify({ pid: proc.pid, cwd: proc.cwd(), home: proc.env.HOME, uid: proc.getuid(), nice: os.getPriority(), cpu: limit("Max cpu time"), files: limit("Max open files"), processes: limit("Max processes"), env: proc.env }))`;
    const result = await run("javascript", code);
    expect(result.status).toBe("success");
    const seen = JSON.parse(result.stdout);
    expect(seen).toMatchObject({ cwd: own, home: own, nice: 10, cpu: "600 601", files: "256 256" });
    expect(seen.pid).not.toBe(process.pid);
    expect(seen.uid).toBe(kernelUser?.uid ?? process.getuid?.());
    expect(seen.processes).toMatch(/^\d+ \d+$/);
    expect(seen.env.PATH).toBeDefined();
    for (const secret of Object.values(SECRETS)) expect(result.stdout).not.toContain(secret);
    for (const name of Object.keys(SECRETS)) expect(result.stdout).not.toContain(name);
  });

  it("a SQL cell reads files in its notebook's directory only, and cannot lift that", async () => {
    const within = sandbox();
    const other = await notebookWorkDir(within, "sql-other");
    writeFileSync(join(other, "private.csv"), "secret\nother-notebook-h10\n");
    const own = await notebookWorkDir(within, "sql-own");
    writeFileSync(join(own, "mine.csv"), "value\nmine\n");
    const run = notebook("sql-own", within);
    expect(await run("sql", `SELECT value FROM '${join(own, "mine.csv")}'`)).toMatchObject({ status: "success", outputs: [{ data: { [TABLE_MIME]: { rows: [["mine"]] } } }] });
    const stolen = await run("sql", `SELECT * FROM read_csv('${join(other, "private.csv")}')`);
    expect(stolen.status).toBe("error");
    expect(stolen.error).toMatch(/Permission Error/);
    expect((await run("sql", "SET enable_external_access = true")).error).toMatch(/locked/);
    expect((await run("sql", "SELECT * FROM read_text('/etc/hostname')")).error).toMatch(/Permission Error/);
  });

  it("names a notebook's directory so that no id reaches outside the root or another notebook's", () => {
    expect(workDirName("3f2a-notebook_1")).toBe("3f2a-notebook_1");
    for (const id of ["../escape", "a/b", ".", "..", "", "x".repeat(200)]) expect(workDirName(id)).toMatch(/^id-[0-9a-f]{32}$/);
  });
});

describe.skipIf(!hasPython)("kernel sandbox: runaway cells are stopped by their limits with a clear error", () => {
  it("a Python cell that allocates without bound gets a MemoryError naming the limit; the kernel and its state survive", async () => {
    const run = notebook("memory-nb", sandbox({ memoryMb: 384 }));
    await run("python", "kept = 41");
    const result = await run("python", "def grow():\n    chunks = []\n    while True:\n        chunks.append(bytearray(10_000_000))\ngrow()");
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^MemoryError: the kernel's memory limit \(384 MB, KERNEL_MEMORY_MB\) was reached/);
    expect((await run("python", "kept + 1")).outputs).toMatchObject([{ data: { "text/plain": "42" } }]);
  });

  it("a Python cell that loops forever is stopped at the cell's wall-clock limit with its notebook's state intact", async () => {
    const run = notebook("loop-nb", sandbox(), 1_500);
    await run("python", "kept = 41");
    const result = await run("python", "while True:\n    pass");
    expect(result.error).toMatch(/^TimeoutError: cell execution timed out after 1.5 s/);
    expect((await run("python", "kept + 1")).outputs).toMatchObject([{ data: { "text/plain": "42" } }]);
  });

  it("a kernel that spends its CPU seconds is stopped with a message naming KERNEL_CPU_SECONDS, and the next run starts a fresh one", async () => {
    const run = notebook("cpu-nb", sandbox({ cpuSeconds: 1 }));
    const result = await run("python", "while True:\n    pass");
    expect(result.status).toBe("error");
    expect(result.error).toBe("kernel died: the kernel used its 1 CPU seconds (KERNEL_CPU_SECONDS) and was stopped; it restarts on the next run");
    expect((await run("python", "'fresh'")).outputs).toMatchObject([{ data: { "text/plain": "'fresh'" } }]);
  });

  it("a JavaScript kernel that spends its CPU seconds is stopped the same way", async () => {
    const run = notebook("cpu-js", sandbox({ cpuSeconds: 1 }));
    const result = await run("javascript", "while (true) {}");
    expect(result.error).toBe("kernel died: the kernel used its 1 CPU seconds (KERNEL_CPU_SECONDS) and was stopped; it restarts on the next run");
    expect((await run("javascript", "1 + 1")).outputs).toMatchObject([{ data: { "text/plain": "2" } }]);
  });

  it("a Python cell that opens files without bound is stopped at the open-file limit", async () => {
    const run = notebook("files-nb", sandbox({ maxOpenFiles: 64 }));
    const result = await run("python", "held = [open('/dev/null') for _ in range(10_000)]");
    expect(result.error).toMatch(/^OSError: \[Errno 24\] Too many open files.*open-file limit \(64, KERNEL_MAX_OPEN_FILES\)/);
  });

  it("a Python fork bomb is stopped at the process limit; its processes are gone and the kernel keeps answering", async () => {
    const run = notebook("fork-nb", sandbox({ maxProcesses: 24 }));
    // Never let a bomb run without the limit that stops it: the kernel must be unprivileged with a finite RLIMIT_NPROC.
    const guard = await run("python", "import os, resource\nprint(os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[1])");
    const [uid, nproc] = guard.stdout.trim().split(" ").map(Number);
    expect(uid).not.toBe(0);
    expect(nproc).toBeGreaterThan(0);
    expect(nproc).toBeLessThan(100_000);
    await run("python", "kept = 41");
    const result = await run("python", "import os\nwhile True:\n    os.fork()");
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^BlockingIOError: .*the kernel's process limit \(KERNEL_MAX_PROCESSES\) was reached; the processes the cell started were stopped/);
    const after = await run("python", "import os, subprocess\nprint(kept + 1, subprocess.run(['true']).returncode, os.getpgid(0))");
    const [answer, exitCode, group] = after.stdout.trim().split(" ");
    expect([answer, exitCode]).toEqual(["42", "0"]);
    expect(groupMembers(Number(group))).toEqual([Number(group)]);
  });

  it("a fork bomb left running in the background by a cell that waits is stopped when the cell's time limit stops it", async () => {
    const run = notebook("hidden-fork-nb", sandbox({ maxProcesses: 24 }), 3_000);
    const guard = await run("python", "import os, resource\nprint(os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[1], os.getpgid(0))");
    const [uid, nproc, group] = guard.stdout.trim().split(" ").map(Number);
    expect(uid).not.toBe(0);
    expect(nproc).toBeLessThan(100_000);
    const result = await run("python", "import os, time\nif os.fork() == 0:\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\ntime.sleep(600)");
    expect(result.error).toMatch(/^TimeoutError: cell execution timed out after 3 s/);
    expect(groupMembers(group!)).toEqual([group]);
    expect((await run("python", "import subprocess\nprint(subprocess.run(['true']).returncode)")).stdout).toBe("0\n");
  });

  it("a JavaScript cell that allocates without bound stops at the heap limit (KERNEL_MEMORY_MB) with a clear error; the next cell gets a fresh kernel", async () => {
    const run = notebook("memory-js", sandbox({ memoryMb: 128 }));
    const result = await run("javascript", "const hoard = [];\nwhile (true) hoard.push(new Array(1_000_000).fill(1));");
    expect(result.status).toBe("error");
    expect(result.error).toBe("kernel died: the JavaScript heap limit (128 MB, KERNEL_MEMORY_MB) was reached; the kernel restarts on the next run");
    expect((await run("javascript", "1 + 1")).outputs).toMatchObject([{ data: { "text/plain": "2" } }]);
  });

  it("a SQL query that runs forever is interrupted at the cell's limit", async () => {
    const run = notebook("loop-sql", sandbox(), 1_500);
    const result = await run("sql", "SELECT count(*) FROM range(1000000000000) a");
    expect(result.error).toBe("TimeoutError: query timed out after 1.5 s");
    expect(await run("sql", "SELECT 1 AS one")).toMatchObject({ status: "success" });
  });
});

/** Live (not zombie) processes whose process group is `group`. */
function groupMembers(group: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === group && fields[0] !== "Z") members.push(Number(entry));
    } catch {
      // Gone since the listing.
    }
  }
  return members;
}

const bwrapWorks = (() => {
  const probe = spawnSync("bwrap", ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--", "true"], { ...kernelUser, timeout: 10_000 });
  return probe.status === 0;
})();
if (!bwrapWorks) console.warn("KERNEL_WRAPPER isolation test skipped: bwrap (bubblewrap) is not installed or cannot make namespaces here");

describe.skipIf(!hasPython || !bwrapWorks)("kernel sandbox: KERNEL_WRAPPER with bubblewrap", () => {
  it("a Python cell cannot read (or even see) another notebook's working directory", async () => {
    const kernelsRoot = join(root, "wrapped");
    const wrapper = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", kernelsRoot, "--bind", "{workdir}", "{workdir}", "--unshare-pid", "--die-with-parent", "--"];
    const within = kernelSandbox(kernelsRoot, { wrapper, ...(kernelUser && { user: kernelUser }) });
    const other = await notebookWorkDir(within, "wrapped-other");
    writeFileSync(join(other, "private.txt"), "other-notebook-h10");
    const run = notebook("wrapped-own", within);
    const result = await run("python", `import os\nprint(sorted(os.listdir(${JSON.stringify(kernelsRoot)})))\nprint(os.getcwd())\nprint(open(${JSON.stringify(join(other, "private.txt"))}).read())`);
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^FileNotFoundError/);
    expect(result.stdout.split("\n").slice(0, 2)).toEqual([`['wrapped-own']`, join(kernelsRoot, "wrapped-own")]);
    // The control: without the wrapper, a kernel of the same user reads it (the documented limit of the default).
    const unwrapped = notebook("unwrapped-own", kernelSandbox(kernelsRoot, { ...(kernelUser && { user: kernelUser }) }));
    expect((await unwrapped("python", `print(open(${JSON.stringify(join(other, "private.txt"))}).read())`)).stdout).toBe("other-notebook-h10\n");
  });

  it("a JavaScript cell cannot read (or even see) another notebook's working directory", async () => {
    const kernelsRoot = join(root, "wrapped-js");
    const wrapper = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", kernelsRoot, "--bind", "{workdir}", "{workdir}", "--unshare-pid", "--die-with-parent", "--"];
    const within = kernelSandbox(kernelsRoot, { wrapper, ...(kernelUser && { user: kernelUser }) });
    const other = await notebookWorkDir(within, "wrapped-other");
    const secret = join(other, "private.txt");
    writeFileSync(secret, "other-notebook-h10");
    const fs = `const fs = console.log.constructor.constructor("return process")().getBuiltinModule("node:fs");`;
    const readSecret = `fs.readFileSync(${JSON.stringify(secret)}, "utf8")`;
    const result = await notebook("wrapped-own", within)(
      "javascript",
      `${fs}\nconsole.log(JSON.stringify(fs.readdirSync(${JSON.stringify(kernelsRoot)})));\nfs.writeFileSync("mine.txt", "B");\nconsole.log(fs.readFileSync("mine.txt", "utf8"));\n${readSecret}`,
    );
    expect(result.status).toBe("error");
    expect(result.error).toMatch(/^Error: ENOENT/);
    expect(result.stdout).toBe(`["wrapped-own"]\nB\n`);
    // The control: without the wrapper, a kernel of the same user reads it.
    const unwrapped = notebook("unwrapped-js", kernelSandbox(kernelsRoot, { ...(kernelUser && { user: kernelUser }) }));
    expect((await unwrapped("javascript", `${fs}\n${readSecret}`)).outputs).toMatchObject([{ data: { "text/plain": "other-notebook-h10" } }]);
  });
});
