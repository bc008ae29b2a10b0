/**
 * The magics the analysis finds are the ones IPython finds: seeded cells mixing magics, shell
 * escapes, help lines and Python that merely looks like them (`a % b`, `!=`, `%` in strings and
 * continued lines) go through IPython's own input transformer; where CPython parses its output,
 * the analysis must give no syntax error and define the same names. Skipped where IPython is not
 * installed. `%time`/`%timeit` lines and cell magics are left out of the name comparison: IPython
 * hides their code in a string, whereas the analysis reads it on purpose. The shell commands are
 * balanced: IPython 8 lets an unclosed bracket in `!cmd` swallow the lines after it, whereas the
 * analysis ends a shell escape with its line, as IPython documents.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { analyzeCell } from "@parallax/domain/reactive";

/** The interpreter to compare with: PYTHON_BIN, else `python3` on PATH. */
const PYTHON = process.env["PYTHON_BIN"] ?? "python3";

const ORACLE = String.raw`
import ast, json, random
from IPython.core.inputtransformer2 import TransformerManager

MAGIC = ["%matplotlib inline", "!pip install -q x", "!!ls", "files = !ls *.csv", "out = %sx echo hi", "%load_ext autoreload",
         "%env FOO=bar", "np.mean?", "??np.sum", "%cd /tmp", "a, b = !echo 1 2", "%%time", "x = % y", "!echo 'a (b)' \"c\"",
         "%config InlineBackend.figure_format = 'retina'", "res = %who_ls", "!ls \\\n  -la", "%time q = 1"]
PYTHON = ["x = 1", "y = (1 +\n     2)", "z = [a,\n     b]", "s = '''\n%not\n!magic\n'''", "t = a % b", "u = a != b", "w = 2.",
          "v = f(x) \\\n    + 1", "def f():\n    return 1", "if a:\n    k = 1", "d = {'k': 1}", 'p = "?"', "# comment %time",
          "r = 'x'  # why?", "m = (a\n     % b)"]

def defs(tree):
    names = set()
    def bind(target):
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                bind(element)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target)
        elif isinstance(node, ast.For):
            bind(node.target)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return sorted(names)

random.seed(13)
manager = TransformerManager()
for _ in range(1500):
    parts = [random.choice(MAGIC + PYTHON + PYTHON) for _ in range(random.randint(1, 6))]
    if random.random() < 0.3:
        parts.insert(random.randint(0, len(parts)), "for i in range(3):\n    " + random.choice(MAGIC).replace("\n", "\n    "))
    cell = "\n".join(parts)
    try:
        tree = ast.parse(manager.transform_cell(cell))
    except SyntaxError:
        continue
    compare = not cell.lstrip().startswith("%%") and "%time" not in cell
    print(json.dumps({"cell": cell, "defs": defs(tree) if compare else None}))
`;

const probe = spawnSync(PYTHON, ["-c", "import IPython"], { encoding: "utf8" });
const skipReason = probe.error ? `${PYTHON} is not available (${probe.error.message})` : probe.status !== 0 ? `IPython is not installed for ${PYTHON}` : undefined;
if (skipReason) console.warn(`skipping the IPython comparison of magics: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("magics found as IPython finds them", () => {
  it("no syntax error and the same names on cells IPython turns into valid Python", { timeout: 60_000 }, () => {
    const result = spawnSync(PYTHON, ["-c", ORACLE], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    expect(result.status, result.stderr).toBe(0);
    const cells = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { cell: string; defs: string[] | null });
    const wrong = cells.flatMap(({ cell, defs }): { cell: string; error?: string; writes?: string[]; ipython?: string[] }[] => {
      const analysis = analyzeCell("python", cell);
      if (analysis.error !== undefined) return [{ cell, error: analysis.error }];
      const writes = analysis.writes.filter((name) => !name.startsWith("_"));
      return defs !== null && writes.join() !== defs.join() ? [{ cell, writes, ipython: defs }] : [];
    });
    console.log(`${cells.length} cells compared with IPython's transformer: ${wrong.length} differ`);
    expect(cells.length).toBeGreaterThan(1000);
    expect(wrong).toEqual([]);
  });
});
