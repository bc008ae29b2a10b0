/**
 * Test support: which python3 to use for a test that needs modules a bare interpreter lacks.
 * `python3` on PATH may be a pyenv build without matplotlib while the system's has Debian's
 * packages, so both are probed (PYTHON_BIN first). A test that finds none skips and says why.
 */
import { spawnSync } from "node:child_process";

const candidates = [...new Set([process.env["PYTHON_BIN"], "python3", "/usr/bin/python3"].filter((bin): bin is string => Boolean(bin)))];
const probed = new Map<string, boolean>();

function imports(bin: string, modules: readonly string[]): boolean {
  const key = `${bin}\0${modules.join(",")}`;
  let found = probed.get(key);
  if (found === undefined) {
    const code = modules.length > 0 ? `import ${modules.join(", ")}` : "pass";
    found = spawnSync(bin, ["-c", code], { stdio: "ignore" }).status === 0;
    probed.set(key, found);
  }
  return found;
}

/** The first interpreter that imports every module, or undefined (a warning names what is missing). */
export function pythonWith(...modules: string[]): string | undefined {
  const bin = candidates.find((candidate) => imports(candidate, modules));
  if (!bin) console.warn(`skipped: no python3 here imports ${modules.join(", ")} (tried ${candidates.join(", ")})`);
  return bin;
}

/** The first interpreter that runs but lacks one of the modules (to test how a cell degrades without them). */
export function pythonWithout(...modules: string[]): string | undefined {
  const bin = candidates.find((candidate) => imports(candidate, []) && !imports(candidate, modules));
  if (!bin) console.warn(`skipped: every python3 here has ${modules.join(", ")} (tried ${candidates.join(", ")})`);
  return bin;
}
