import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const depcruise = join(root, "node_modules", ".bin", "depcruise");
const config = join(root, ".dependency-cruiser.cjs");

function cruise(cwd: string) {
  return spawnSync(depcruise, ["--config", config, "--output-type", "err", "packages", "apps"], { cwd, encoding: "utf8" });
}

describe("dependency rule (domain ← application ← adapters ← apps)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "parallax-arch-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("holds for the repository", () => {
    const result = cruise(root);
    expect(result.stdout + result.stderr).not.toMatch(/error /);
    expect(result.status).toBe(0);
  });

  it("fails on a domain file doing I/O and on application importing an adapter", () => {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    };
    write("packages/domain/src/leak.ts", 'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n');
    write("packages/adapters/src/store.ts", "export const store = 1;\n");
    write("packages/application/src/use-case.ts", 'import { store } from "../../adapters/src/store.js";\nexport const y = store;\n');
    write("apps/http/src/main.ts", "export {};\n");
    cpSync(join(root, "tsconfig.base.json"), join(scratch, "tsconfig.base.json"));
    const result = cruise(scratch);
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toContain("domain-no-io-builtins");
    expect(output).toContain("application-depends-on-domain-only");
  });

  it("the check is wired into npm run depcheck", () => {
    const pkg = JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json').scripts)"], { cwd: root, encoding: "utf8" }));
    expect(pkg.depcheck).toContain("depcruise");
  });
});
