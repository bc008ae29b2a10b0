import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../apps/http/src/host/host-process.testkit.js";

const readme = readFileSync(join(process.cwd(), "README.md"), "utf8");
const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
const commands = firstBlock
  .split("\n")
  .map((line) => line.replace(/#.*$/, "").trim())
  .filter(Boolean);

describe("README library example", () => {
  it("builds the container, rebinds a port and runs a use case as a Promise", async () => {
    const { createContainer, loadConfig } = await import("@parallax/adapters");
    const { MemoryNotebookStore } = await import("@parallax/adapters/notebook");
    const { runAsPromise } = await import("@parallax/application");
    const { SpatialNotebooks, NotebookStore } = await import("@parallax/application/notebook");
    const container = createContainer(loadConfig({ STORAGE: "memory", LOG_LEVEL: "silent" }));
    const mine = new MemoryNotebookStore();
    container.rebind(NotebookStore).toConstantValue(mine);
    const notebooks = container.get(SpatialNotebooks);
    await runAsPromise(notebooks.convert("hello", { filename: "hello.ipynb", bytes: new TextEncoder().encode(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] })) }));
    expect(await runAsPromise(notebooks.list())).toEqual(["hello.ipynb"]);
    expect(await runAsPromise(mine.list())).toEqual(["hello.ipynb"]);
  });
});

describe("README quick start", () => {
  it("opens with the install-and-start command and the test command", () => {
    expect(readme.indexOf("```sh")).toBeLessThan(readme.indexOf("\n## "));
    expect(commands).toEqual(["npm ci && npm start", "npm test"]);
  });

  it("`npm start` serves /health with embedded defaults and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "parallax-readme-"));
    const port = await freePort();
    // `npm ci` already ran (this suite runs from an installed tree); the start half is exercised as written.
    const child = spawn("npm", ["start", "--silent"], {
      cwd: process.cwd(),
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      stdio: "ignore",
      detached: true,
    });
    try {
      let body: unknown;
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/health`);
          body = await response.json();
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      // The union of §A's payload and §D's readiness flags (CONTRACTS.md §D).
      expect(body).toMatchObject({ status: "healthy", service: "notebook-processor" });
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
