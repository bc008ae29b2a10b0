/**
 * Acceptance for the Python cell analysis on code no one here wrote (issue 13): every top-level
 * statement of the test machine's standard library is one cell. CPython parses each module and
 * computes, with `ast` and `symtable`, the names each statement binds in the module namespace; the
 * analysis must give no syntax error on any of them and report the same writes for ≥ 99 % of them,
 * and reads within the reference's bounds for ≥ 99 %. Also checks that every snippet of
 * tests/python-syntax.fixtures.ts is valid for this CPython.
 *
 * Defs (writes): the reference mirrors the analysis' (and marimo's) notion of what a cell defines:
 * - targets of `=`, `:` (with or without a value) and augmented assignment, through tuple, list and
 *   starred unpacking; attribute and subscript targets bind nothing;
 * - `for` and `with … as` targets and walrus targets, comprehension walruses included;
 * - `def`, `class` and import names (`import a.b` binds `a`); `from __future__` binds nothing and
 *   `from m import *` is set aside (the analysis refuses it with its own error);
 * - match captures (`case x`, `as x`, `*rest`, `**rest`);
 * - in function and class bodies, only names declared `global` and bound there (symtable);
 * - never: `except … as e` (unbound again after its handler), `del`, a module-level `global`, and
 *   single-underscore names (private to their cell).
 * Reads: symtable knows which names a statement looks up in the module but not in which order, so
 * the reference gives bounds. At least: the names the module scope references and the globals its
 * functions and classes look up, less the names it binds, handler names, builtins and private
 * names. At most: those plus `del` targets and augmented-assignment targets (the cell needs the
 * old value) and the names a class body reads before binding them (symtable calls them local).
 * Each file is read whole, so a statement sharing a line with another (`a = 1; b = 2`) makes one
 * cell with both.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { analyzeCell } from "@parallax/domain/reactive";
import { VALID_PYTHON, VALID_PYTHON_312 } from "./python-syntax.fixtures.js";

/** The interpreter to compare with: PYTHON_BIN, else `python3` on PATH. */
const PYTHON = process.env["PYTHON_BIN"] ?? "python3";

const REFERENCE = String.raw`
import ast, builtins, json, os, symtable, sys, sysconfig, tokenize

STDLIB = sysconfig.get_paths()["stdlib"]
SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"}
MAX_STATEMENTS = int(sys.argv[1])
# Module attributes every namespace has, and the implicit cell symtable adds wherever super is named.
BUILTINS = set(dir(builtins)) | {"__builtins__", "__file__", "__cached__", "__path__", "__annotations__", "__class__"}
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

def private(name):
    return name.startswith("_") and not name.startswith("__")

def bind(target, out):
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            bind(element, out)
    elif isinstance(target, ast.Starred):
        bind(target.value, out)

class ModuleBindings(ast.NodeVisitor):
    def __init__(self):
        self.defs, self.star = set(), False
    def visit_Assign(self, node):
        for target in node.targets:
            bind(target, self.defs)
        self.generic_visit(node)
    def visit_AugAssign(self, node):
        bind(node.target, self.defs)
        self.generic_visit(node)
    visit_AnnAssign = visit_AugAssign
    def visit_For(self, node):
        bind(node.target, self.defs)
        self.generic_visit(node)
    visit_AsyncFor = visit_For
    def visit_withitem(self, node):
        if node.optional_vars is not None:
            bind(node.optional_vars, self.defs)
        self.generic_visit(node)
    def visit_NamedExpr(self, node):
        bind(node.target, self.defs)
        self.generic_visit(node)
    def visit_scope(self, node):
        # Decorators, bases and keywords run in the module; the body does not.
        self.defs.add(node.name)
        for expression in [*node.decorator_list, *getattr(node, "bases", []), *getattr(node, "keywords", [])]:
            self.visit(expression)
    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_scope
    def visit_Lambda(self, node):
        pass
    def visit_Import(self, node):
        for alias in node.names:
            self.defs.add(alias.asname or alias.name.split(".")[0])
    def visit_ImportFrom(self, node):
        if node.module == "__future__":
            return
        for alias in node.names:
            if alias.name == "*":
                self.star = True
            else:
                self.defs.add(alias.asname or alias.name)
    def visit_MatchAs(self, node):
        if node.name:
            self.defs.add(node.name)
        self.generic_visit(node)
    def visit_MatchStar(self, node):
        if node.name:
            self.defs.add(node.name)
    def visit_MatchMapping(self, node):
        if node.rest:
            self.defs.add(node.rest)
        self.generic_visit(node)

def declared_globals(table, out):
    for child in table.get_children():
        for symbol in child.get_symbols():
            if symbol.is_declared_global() and (symbol.is_assigned() or symbol.is_imported()):
                out.add(symbol.get_name())
        declared_globals(child, out)

def referenced(table, out, module=True):
    for symbol in table.get_symbols():
        if symbol.is_referenced() and (module or (symbol.is_global() and not symbol.is_local())):
            out.add(symbol.get_name())
    for child in table.get_children():
        referenced(child, out, False)

class ModuleOnly(ast.NodeVisitor):
    """Handler names, del targets and augmented targets outside functions and classes."""
    def __init__(self):
        self.handlers, self.rebound = set(), set()
    def visit_ExceptHandler(self, node):
        if node.name:
            self.handlers.add(node.name)
        self.generic_visit(node)
    def visit_Delete(self, node):
        self.rebound.update(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.rebound.add(node.target.id)
        self.generic_visit(node)
    def visit_scope(self, node):
        pass
    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_scope

def read_before_bound_in_classes(tree, out):
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        bound = set()
        for statement in cls.body:
            loads, stores, todo = set(), set(), [statement]
            while todo:
                node = todo.pop()
                if isinstance(node, ast.Name):
                    (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
                if node is statement or not isinstance(node, SCOPES):
                    todo.extend(ast.iter_child_nodes(node))
            out.update(loads - bound)
            bound |= stores

def statements(tree):
    groups = []
    for node in tree.body:
        start = min([node.lineno, *[d.lineno for d in getattr(node, "decorator_list", [])]])
        if groups and start <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], node.end_lineno)
            groups[-1][2].append(node)
        else:
            groups.append([start, node.end_lineno, [node]])
    return groups

def modules():
    for root, dirs, names in os.walk(STDLIB):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            if name.endswith(".py"):
                yield os.path.join(root, name)

cells, files, unparsable, alone = [], 0, 0, 0
for path in modules():
    try:
        with tokenize.open(path) as handle:
            text = handle.read()
        tree = ast.parse(text)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        unparsable += 1
        continue
    files += 1
    # Not splitlines(): it also splits at form feeds, which ast does not count as line ends.
    lines = text.split("\n")
    for start, end, nodes in statements(tree):
        source = "\n".join(lines[start - 1:end]) + "\n"
        found, module_only, names, early = ModuleBindings(), ModuleOnly(), set(), set()
        for node in nodes:
            found.visit(node)
            module_only.visit(node)
            read_before_bound_in_classes(node, early)
        try:
            table = symtable.symtable(source, path, "exec")
        except SyntaxError:
            alone += 1
            continue
        declared_globals(table, found.defs)
        referenced(table, names)
        lower = names - found.defs - module_only.handlers - BUILTINS
        upper = names | module_only.rebound | early
        cells.append({"file": os.path.relpath(path, STDLIB), "line": start, "source": source,
                      "defs": sorted(d for d in found.defs if not private(d)), "star": found.star,
                      "readsAtLeast": sorted(n for n in lower if not private(n)), "readsAtMost": sorted(upper)})
stride = -(-len(cells) // MAX_STATEMENTS)
print(json.dumps({"python": sys.version.split()[0], "stdlib": STDLIB, "files": files,
                  "unparsable": unparsable, "alone": alone, "statements": len(cells), "stride": stride}))
for cell in cells[::stride]:
    print(json.dumps(cell))
`;

const ACCEPTS = String.raw`
import ast, json, sys
rejected = []
for snippet in json.load(sys.stdin):
    try:
        ast.parse(snippet)
    except SyntaxError as error:
        rejected.append([snippet, str(error)])
print(json.dumps({"version": list(sys.version_info[:2]), "rejected": rejected}))
`;

/** Beyond this many statements, every k-th one is checked, to keep the test fast on a large stdlib. */
const MAX_STATEMENTS = 40_000;

interface Header {
  readonly python: string;
  readonly stdlib: string;
  readonly files: number;
  readonly unparsable: number;
  /** Statements CPython cannot compile on their own: none, unless the module is one a statement cannot be cut from. */
  readonly alone: number;
  readonly statements: number;
  readonly stride: number;
}

interface Cell {
  readonly file: string;
  readonly line: number;
  readonly source: string;
  readonly defs: readonly string[];
  readonly star: boolean;
  readonly readsAtLeast: readonly string[];
  readonly readsAtMost: readonly string[];
}

function python(script: string, args: readonly string[] = [], input?: string): string {
  const result = spawnSync(PYTHON, ["-c", script, ...args], { input, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${PYTHON} failed: ${result.stderr}`);
  return result.stdout;
}

const probe = spawnSync(PYTHON, ["--version"], { encoding: "utf8" });
const skipReason = probe.error ? `${PYTHON} is not available (${probe.error.message})` : undefined;
if (skipReason) console.warn(`skipping the standard-library corpus test: ${skipReason}`);

/** Counts and examples of the statements where the analysis and the reference differ, by kind. */
class Differences {
  readonly byKind = new Map<string, string[]>();
  count = 0;

  add(cell: Cell, kind: string, detail: string): void {
    const statement = /^\s*(@|async\s+def|def|class|import|from|for|while|with|try|if|match)\b/.exec(cell.source)?.[1] ?? "assignment or expression";
    const key = `${statement}: ${kind}`;
    const examples = this.byKind.get(key) ?? [];
    examples.push(`${cell.file}:${cell.line} ${detail}: ${cell.source.split("\n")[0]!.slice(0, 100)}`);
    this.byKind.set(key, examples);
    this.count++;
  }

  lines(): string[] {
    return [...this.byKind].sort((a, b) => b[1].length - a[1].length).map(([key, examples]) => `  ${examples.length} × ${key}\n    ${examples.slice(0, 3).join("\n    ")}`);
  }
}

const percent = (part: number, whole: number): number => (whole === 0 ? 0 : (100 * part) / whole);

function compareDefs(cell: Cell, writes: readonly string[], into: Differences): void {
  const missing = cell.defs.filter((name) => !writes.includes(name));
  const extra = writes.filter((name) => !cell.defs.includes(name));
  if (missing.length) into.add(cell, "misses a name CPython binds", `[${missing.join(", ")}]`);
  else if (extra.length) into.add(cell, "writes a name CPython does not bind", `[${extra.join(", ")}]`);
}

function compareReads(cell: Cell, reads: readonly string[], into: Differences): void {
  const missing = cell.readsAtLeast.filter((name) => !reads.includes(name));
  const extra = reads.filter((name) => !cell.readsAtMost.includes(name));
  if (missing.length) into.add(cell, "misses a name the module looks up", `[${missing.join(", ")}]`);
  else if (extra.length) into.add(cell, "reads a name the module never looks up", `[${extra.join(", ")}]`);
}

describe.skipIf(skipReason !== undefined)("Python analysis on the standard library", () => {
  it("CPython accepts every snippet of tests/python-syntax.fixtures.ts", () => {
    const result = JSON.parse(python(ACCEPTS, [], JSON.stringify([...VALID_PYTHON, ...VALID_PYTHON_312]))) as { version: [number, number]; rejected: [string, string][] };
    const newer = new Set(VALID_PYTHON_312);
    const at312 = result.version[0] > 3 || (result.version[0] === 3 && result.version[1] >= 12);
    expect(result.rejected.filter(([snippet]) => at312 || !newer.has(snippet))).toEqual([]);
  });

  it("gives no syntax error, and the reference's defs and reads on ≥ 99 % of the top-level statements", { timeout: 60_000 }, () => {
    const [headerLine, ...lines] = python(REFERENCE, [String(MAX_STATEMENTS)]).trim().split("\n");
    const header = JSON.parse(headerLine!) as Header;
    const cells = lines.map((line) => JSON.parse(line) as Cell);
    const syntaxErrors: string[] = [];
    const starRefusals = { expected: 0, given: 0 };
    const otherErrors = new Differences();
    const defs = new Differences();
    const reads = new Differences();
    let compared = 0;
    const started = performance.now();
    for (const cell of cells) {
      const analysis = analyzeCell("python", cell.source);
      if (analysis.error?.startsWith("SyntaxError") || analysis.error?.includes("nested too deeply")) {
        syntaxErrors.push(`${cell.file}:${cell.line} ${analysis.error}`);
      } else if (cell.star) {
        starRefusals.expected++;
        if (analysis.error?.includes("import *")) starRefusals.given++;
      } else {
        compared++;
        if (analysis.error !== undefined) otherErrors.add(cell, analysis.error, "error");
        compareDefs(cell, analysis.writes, defs);
        compareReads(cell, analysis.reads, reads);
      }
    }
    const analysisSeconds = (performance.now() - started) / 1000;
    const defsAgreement = percent(compared - defs.count - otherErrors.count, compared);
    const readsAgreement = percent(compared - reads.count - otherErrors.count, compared);
    console.log(
      [
        `CPython ${header.python}, ${header.stdlib}: ${header.files} modules (${header.unparsable} that CPython cannot parse skipped)`,
        `${cells.length} of ${header.statements} top-level statements checked${header.stride > 1 ? ` (every ${header.stride}th)` : ""}, analysed in ${analysisSeconds.toFixed(1)} s; ${header.alone} that CPython cannot compile alone skipped`,
        `syntax errors: ${syntaxErrors.length}`,
        ...syntaxErrors.slice(0, 20).map((error) => `  ${error}`),
        `\`import *\` statements set aside: ${starRefusals.expected} (refused by the analysis: ${starRefusals.given})`,
        `other analysis errors: ${otherErrors.count}`,
        ...otherErrors.lines(),
        `defs agree on ${compared - defs.count - otherErrors.count} of ${compared} statements (${defsAgreement.toFixed(2)} %)`,
        ...defs.lines(),
        `reads within the reference's bounds on ${compared - reads.count - otherErrors.count} of ${compared} statements (${readsAgreement.toFixed(2)} %)`,
        ...reads.lines(),
      ].join("\n"),
    );
    expect(cells.length).toBeGreaterThan(1000);
    expect(syntaxErrors).toEqual([]);
    expect(starRefusals.given).toBe(starRefusals.expected);
    expect(defsAgreement).toBeGreaterThanOrEqual(99);
    expect(readsAgreement).toBeGreaterThanOrEqual(99);
  });
});
