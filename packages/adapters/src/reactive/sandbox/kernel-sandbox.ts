/**
 * What a kernel runs inside: resource limits, an allowlisted environment, a working directory of
 * its own per notebook, optionally another user and a wrapper command (`bwrap`, `nsjail`) for
 * namespaces. It is not a container: see this folder's README for what it does not stop.
 *
 * The Python kernel gets the limits as hard rlimits (the driver sets them on itself before any
 * cell runs, so they hold whatever the wrapper); the JavaScript kernel gets them from `prlimit`,
 * which it starts under, and a heap limit in place of the address space; DuckDB a memory limit,
 * one thread and file access to its notebook's directory only.
 */
import { createHash } from "node:crypto";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_ENV_ALLOW, kernelEnvironment } from "./kernel-environment.js";

export interface KernelLimits {
  /** CPU seconds one kernel process may use over its life (RLIMIT_CPU; past it the kernel is restarted). */
  cpuSeconds: number;
  /** Address space of a Python kernel (RLIMIT_AS), DuckDB's memory_limit, the JavaScript kernel's heap. */
  memoryMb: number;
  /** Processes the kernel may add to those its user already runs (RLIMIT_NPROC counts per user, not per kernel). */
  maxProcesses: number;
  /** Open file descriptors of a kernel process (RLIMIT_NOFILE). */
  maxOpenFiles: number;
}

export interface KernelSandbox {
  limits: KernelLimits;
  /** A command prefix every Python and JavaScript kernel is started under; `{workdir}` stands for the notebook's directory. */
  wrapper: readonly string[];
  /** The user kernels run as (needs a root host); the host's own user when absent. */
  user?: { uid: number; gid: number };
  /** Host variables a kernel may see (`*` ends a prefix); secret-shaped names never pass. */
  envAllow: readonly string[];
  /** Variables set for every kernel, after the allowed ones. */
  envExtra: Readonly<Record<string, string>>;
  /** Where each notebook's working directory is made. */
  workRoot: string;
}

export const DEFAULT_LIMITS: KernelLimits = { cpuSeconds: 3_600, memoryMb: 2_048, maxProcesses: 64, maxOpenFiles: 1_024 };

export function kernelSandbox(workRoot: string, options: Partial<Omit<KernelSandbox, "workRoot">> = {}): KernelSandbox {
  return { limits: DEFAULT_LIMITS, wrapper: [], envAllow: DEFAULT_ENV_ALLOW, envExtra: {}, ...options, workRoot: resolve(workRoot) };
}

/**
 * A notebook id as a directory name: kept when it is plainly safe, otherwise a digest, so that no
 * id can name a path outside the root or another notebook's directory.
 */
export function workDirName(notebookId: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(notebookId)) return notebookId;
  return `id-${createHash("sha256").update(notebookId).digest("hex").slice(0, 32)}`;
}

/**
 * The notebook's working directory, made if missing: mode 0700, owned by the kernels' user. The
 * root is 0711, so a kernel can reach its own directory without listing its neighbours'.
 */
export async function notebookWorkDir(sandbox: KernelSandbox, notebookId: string): Promise<string> {
  await ensureRoot(sandbox);
  const dir = join(sandbox.workRoot, workDirName(notebookId));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await ownedByKernel(sandbox, dir);
  return dir;
}

/** A fresh directory for one run over an uploaded notebook (its owner removes it). */
export async function scratchWorkDir(sandbox: KernelSandbox): Promise<string> {
  await ensureRoot(sandbox);
  const dir = await mkdtemp(join(sandbox.workRoot, ".scratch-"));
  await ownedByKernel(sandbox, dir);
  return dir;
}

async function ensureRoot(sandbox: KernelSandbox): Promise<void> {
  await mkdir(sandbox.workRoot, { recursive: true, mode: 0o711 });
  await chmod(sandbox.workRoot, 0o711);
}

async function ownedByKernel(sandbox: KernelSandbox, dir: string): Promise<void> {
  await chmod(dir, 0o700);
  if (sandbox.user) await chown(dir, sandbox.user.uid, sandbox.user.gid);
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

/** `command args` as the sandbox starts it in `workDir`: under the wrapper, as its user, with the allowlisted environment. */
export function sandboxedCommand(sandbox: KernelSandbox, workDir: string, command: string, args: readonly string[], env: Record<string, string> = {}): SandboxedCommand {
  const prefix = sandbox.wrapper.map((part) => part.replaceAll("{workdir}", workDir));
  const [file, ...rest] = [...prefix, command, ...args];
  return {
    file: file!,
    args: rest,
    cwd: workDir,
    env: { ...kernelEnvironment(process.env, sandbox.envAllow, sandbox.envExtra), HOME: workDir, ...env },
    ...sandbox.user,
  };
}

/**
 * The rlimits of a kernel process (the Python driver sets them on itself, the JavaScript kernel
 * starts under `prlimit`). RLIMIT_NPROC counts every process of the user, so the kernel's share is
 * what its user already runs plus `maxProcesses`.
 */
export async function kernelRlimits(sandbox: KernelSandbox): Promise<{ cpu: number; as: number; nofile: number; nproc: number; processes: number }> {
  const { cpuSeconds, memoryMb, maxOpenFiles, maxProcesses } = sandbox.limits;
  const uid = sandbox.user?.uid ?? process.getuid?.() ?? -1;
  return { cpu: cpuSeconds, as: memoryMb * 1024 * 1024, nofile: maxOpenFiles, nproc: (await processesOf(uid)) + maxProcesses, processes: maxProcesses };
}

/**
 * `prlimit` options for a kernel's hard limits (the CPU's hard limit a second past the soft one, so
 * SIGXCPU comes first). No RLIMIT_AS: V8 reserves far more address space than it uses, so the
 * JavaScript heap is held by `--max-old-space-size` instead.
 */
export function prlimitArguments(limits: { cpu: number; nofile: number; nproc: number }): string[] {
  return [`--cpu=${limits.cpu}:${limits.cpu + 1}`, `--nofile=${limits.nofile}`, `--nproc=${limits.nproc}`];
}

/** Processes (threads count too, as RLIMIT_NPROC counts them) of `uid`, from /proc; 0 where there is none. */
async function processesOf(uid: number): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return 0;
  }
  let count = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, "utf8");
      const owner = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      const threads = /^Threads:\s+(\d+)/m.exec(status)?.[1];
      if (Number(owner) === uid) count += Number(threads ?? 1);
    } catch {
      // Gone since the listing.
    }
  }
  return count;
}
