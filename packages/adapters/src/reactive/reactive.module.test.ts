import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { NotebookReexecutor } from "@parallax/application/notebook";
import { KernelFactory, ReactiveAuthenticator, ReactiveNotebooks } from "@parallax/application/reactive";
import { createContainer, loadConfig } from "../composition/index.js";
import { createLogger } from "../shared/logger.js";
import { pythonAvailable } from "./reactive.module.js";

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const logger = createLogger("silent");

describe("reactiveModule", () => {
  it("binds the reactive service, kernels and the AUTH=none authenticator", () => {
    const container = createContainer(loadConfig({}, { STORAGE: "memory", LOG_LEVEL: "silent" }), { logger });
    expect(container.get(ReactiveNotebooks)).toBeInstanceOf(ReactiveNotebooks);
    expect(container.get(KernelFactory)).toBeDefined();
    expect(container.get(ReactiveAuthenticator)).toBeDefined();
  });

  it("binds validation by execution only when the python binary runs", () => {
    const without = createContainer(loadConfig({}, { STORAGE: "memory", PYTHON_BIN: "/nonexistent/python3" }), { logger });
    expect(pythonAvailable("/nonexistent/python3")).toBe(false);
    expect(without.isBound(NotebookReexecutor)).toBe(false);
    if (!hasPython) return;
    const withPython = createContainer(loadConfig({}, { STORAGE: "memory" }), { logger });
    expect(withPython.isBound(NotebookReexecutor)).toBe(true);
  });
});
