import { spawnSync } from "node:child_process";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { NotebookExecutor, NotebookReexecutor } from "@parallax/application/notebook";
import type { Notebook } from "@parallax/domain/notebook";
import { KernelFactory, ReactiveAuthenticator, ReactiveNotebooks } from "@parallax/application/reactive";
import { createContainer, loadConfig } from "../composition/index.js";
import { createLogger } from "../shared/logger.js";
import { pythonAvailable, probePython } from "./python/python-probe.js";
import { sandboxOf } from "./reactive.module.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const logger = createLogger("silent");

describe("reactiveModule", () => {
  it("binds the reactive service, kernels and the AUTH=none authenticator", () => {
    const container = createContainer(loadConfig({}, { STORAGE: "memory", LOG_LEVEL: "silent" }), { logger });
    expect(container.get(ReactiveNotebooks)).toBeInstanceOf(ReactiveNotebooks);
    expect(container.get(KernelFactory)).toBeDefined();
    expect(container.get(ReactiveAuthenticator)).toBeDefined();
  });

  it("binds validation by execution that answers only where the python binary runs, asked on first use", async () => {
    const notebook: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
    const without = createContainer(loadConfig({}, { STORAGE: "memory", PYTHON_BIN: "/nonexistent/python3" }), { logger });
    expect(await Effect.runPromise(without.get<NotebookReexecutor>(NotebookReexecutor).reexecute(notebook))).toBeUndefined();
    expect(await Effect.runPromise(without.get<NotebookExecutor>(NotebookExecutor).execute([{ index: 0, code: "print(1)" }]))).toBeUndefined();
    expect(pythonAvailable("/nonexistent/python3")).toBe(false);
    expect(await Effect.runPromise(probePython("/nonexistent/python3"))).toBe(false);
    if (!hasPython) return;
    expect(await Effect.runPromise(probePython("python3"))).toBe(true);
    const withPython = createContainer(loadConfig({}, { STORAGE: "memory" }), { logger });
    expect(await Effect.runPromise(withPython.get<NotebookReexecutor>(NotebookReexecutor).reexecute(notebook))).toMatchObject({ success: true, return_code: 0 });
  });
});

describe("the kernel sandbox's configuration", () => {
  it("reads the KERNEL_* variables into the sandbox every kernel runs in", () => {
    const config = loadConfig({
      DATA_DIR: "/srv/data",
      KERNEL_CPU_SECONDS: "60",
      KERNEL_MEMORY_MB: "512",
      KERNEL_MAX_PROCESSES: "16",
      KERNEL_MAX_OPEN_FILES: "256",
      KERNEL_USER: "65534:65534",
      KERNEL_WRAPPER: '["nsjail", "--chroot", "/", "--cwd", "{workdir}", "--"]',
      KERNEL_ENV_ALLOW: "PATH,LC_*",
      KERNEL_ENV: '{"MPLBACKEND":"Agg"}',
    });
    expect(sandboxOf(config)).toEqual({
      limits: { cpuSeconds: 60, memoryMb: 512, maxProcesses: 16, maxOpenFiles: 256 },
      wrapper: ["nsjail", "--chroot", "/", "--cwd", "{workdir}", "--"],
      user: { uid: 65534, gid: 65534 },
      envAllow: ["PATH", "LC_*"],
      envExtra: { MPLBACKEND: "Agg" },
      workRoot: "/srv/data/kernels",
    });
    expect(sandboxOf(loadConfig({ KERNEL_WRAPPER: "bwrap --ro-bind / / --" })).wrapper).toEqual(["bwrap", "--ro-bind", "/", "/", "--"]);
  });

  it("refuses secret-shaped names in KERNEL_ENV_ALLOW and KERNEL_ENV, and a KERNEL_USER that is not uid:gid, naming the variable", () => {
    expect(() => loadConfig({ KERNEL_ENV_ALLOW: "PATH,AWS_SECRET_ACCESS_KEY" })).toThrow(/never reach a kernel[\s\S]*at KERNEL_ENV_ALLOW/);
    expect(() => loadConfig({ KERNEL_ENV: '{"OPENAI_API_KEY":"x"}' })).toThrow(/never reach a kernel[\s\S]*at KERNEL_ENV\b/);
    expect(() => loadConfig({ KERNEL_ENV: "MPLBACKEND=Agg" })).toThrow(/JSON object[\s\S]*at KERNEL_ENV\b/);
    expect(() => loadConfig({ KERNEL_USER: "nobody" })).toThrow(/uid:gid[\s\S]*at KERNEL_USER/);
  });

  it("takes CELL_TIMEOUT_SECONDS over the older CELL_TIMEOUT_S", () => {
    expect(loadConfig({ CELL_TIMEOUT_S: "5", CELL_TIMEOUT_SECONDS: "7" })).toMatchObject({ CELL_TIMEOUT_S: 5, CELL_TIMEOUT_SECONDS: 7 });
  });
});
