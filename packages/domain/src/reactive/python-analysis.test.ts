import { describe, expect, it } from "vitest";
import { analyzeCell } from "./analysis.js";
import { PYTHON_BUILTINS } from "./builtins.js";

interface Case {
  readonly rule: string;
  readonly code: string;
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
  /** A substring of the expected error; the cell then has no names. */
  readonly error?: string;
}

const lines = (...source: string[]): string => source.join("\n");

const cases: readonly Case[] = [
  // Reads versus writes in textual order
  { rule: "load before store is a read", code: "print(x)\nx = 1", reads: ["x"], writes: ["x"] },
  { rule: "store before load is not a read", code: "x = 1\nprint(x)", writes: ["x"] },
  { rule: "x = x + 1 reads and writes x", code: "x = x + 1", reads: ["x"], writes: ["x"] },
  // Augmented assignment reads its target before writing it (issue 13, defect 3; marimo agrees)
  { rule: "x += 1 reads and writes x", code: "x += 1", reads: ["x"], writes: ["x"] },
  { rule: "augmented assignment reads its value and its target", code: "total -= step * k", reads: ["k", "step", "total"], writes: ["total"] },
  ...["-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "^=", "|=", "@="].map((op) => ({ rule: `x ${op} 2 reads and writes x`, code: `x ${op} 2`, reads: ["x"], writes: ["x"] })),
  { rule: "augmented attribute assignment reads the base", code: "x.a += 1", reads: ["x"] },
  { rule: "augmented subscript assignment reads the base and index", code: "x[i] += 1", reads: ["i", "x"] },
  { rule: "parenthesised augmented target", code: "(x) += 1", reads: ["x"], writes: ["x"] },
  { rule: "augmented assignment after a definition in the cell is not a read", code: "n = 0\nn += 1", writes: ["n"] },
  { rule: "augmented assignment in a function makes a local", code: "def f():\n    n += 1", writes: ["f"] },
  { rule: "augmented assignment in a class body reads the outer name", code: "class A:\n    n += 1", reads: ["n"], writes: ["A"] },
  { rule: "statements separated by semicolons are ordered", code: "a = 1; b = a", writes: ["a", "b"] },
  { rule: "empty cell", code: "", reads: [], writes: [] },
  { rule: "comment-only cell", code: "# nothing here\n", reads: [], writes: [] },
  // Assignment targets
  { rule: "tuple unpacking", code: "a, b = pair", reads: ["pair"], writes: ["a", "b"] },
  { rule: "parenthesised and nested targets", code: "(a, (b, c)) = nested", reads: ["nested"], writes: ["a", "b", "c"] },
  { rule: "list target with starred name", code: "[first, *rest] = items", reads: ["items"], writes: ["first", "rest"] },
  { rule: "chained assignment", code: "a = b = make()", reads: ["make"], writes: ["a", "b"] },
  { rule: "subscript assignment reads the base and index only", code: "d[k] = v", reads: ["d", "k", "v"] },
  { rule: "attribute assignment reads the base only", code: "o.a.b = v", reads: ["o", "v"] },
  { rule: "augmented subscript assignment reads the base", code: "counts[key] += 1", reads: ["counts", "key"] },
  { rule: "annotated assignment defines x and reads T", code: "x: T = v", reads: ["T", "v"], writes: ["x"] },
  { rule: "bare annotation defines the name", code: "limit: int", writes: ["limit"] },
  { rule: "attribute loads read only the base", code: "y = np.array(values).mean()", reads: ["np", "values"], writes: ["y"] },
  { rule: "f-string replacements are reads", code: 'msg = f"{name!r:>{width}} {n + 1}"', reads: ["n", "name", "width"], writes: ["msg"] },
  { rule: "conditional expression", code: "z = a if cond else b", reads: ["a", "b", "cond"], writes: ["z"] },
  { rule: "slices", code: "part = seq[lo:hi:step]", reads: ["hi", "lo", "seq", "step"], writes: ["part"] },
  { rule: "keyword argument names are not reads", code: "plot(data, color=shade, **opts)", reads: ["data", "opts", "plot", "shade"] },
  { rule: "starred call arguments are reads", code: "f(*args)", reads: ["args", "f"] },
  // Control flow and binding statements
  { rule: "for target is written, iterable read", code: "for i, row in enumerate(rows):\n    last = row", reads: ["rows"], writes: ["i", "last", "row"] },
  { rule: "for ... else", code: "for v in vs:\n    pass\nelse:\n    done = flag", reads: ["flag", "vs"], writes: ["done", "v"] },
  { rule: "with ... as writes the alias", code: "with open(path) as fh:\n    text = fh.read()", reads: ["path"], writes: ["fh", "text"] },
  { rule: "with several items", code: "with lock, opener(p) as h, ctx() as g:\n    pass", reads: ["ctx", "lock", "opener", "p"], writes: ["g", "h"] },
  { rule: "if / elif / while bodies", code: lines("if a:", "    r = 1", "elif b:", "    r = 2", "while c:", "    c = step()"), reads: ["a", "b", "c", "step"], writes: ["c", "r"] },
  { rule: "walrus defines its target", code: "if (n := len(items)) > 3:\n    print(n)", reads: ["items"], writes: ["n"] },
  { rule: "walrus in a comprehension binds in the cell", code: "vals = [y := f(v) for v in vs]\nlast = y", reads: ["f", "vs"], writes: ["last", "vals", "y"] },
  { rule: "walrus in a call argument", code: "show(total := a + b)", reads: ["a", "b", "show"], writes: ["total"] },
  { rule: "assert and raise read their names", code: "assert ok, message\nraise Err(msg) from cause", reads: ["Err", "cause", "message", "msg", "ok"] },
  // def / class
  { rule: "def defines its name", code: "def f(a):\n    return a", writes: ["f"] },
  { rule: "class defines its name", code: "class Model:\n    pass", writes: ["Model"] },
  { rule: "async def, await, async for and async with", code: lines("async def run(q):", "    async with sem:", "        async for m in q:", "            await handle(m)"), reads: ["handle", "sem"], writes: ["run"] },
  { rule: "function parameters and locals are not reads", code: lines("def f(a, *args, b=1, **kw):", "    c = a + b", "    return c, args, kw"), writes: ["f"] },
  { rule: "free names of a function body are reads", code: "def f():\n    return scale * base", reads: ["base", "scale"], writes: ["f"] },
  { rule: "function body names defined later at top level are not reads", code: "def f():\n    return g\ng = 1", writes: ["f", "g"] },
  { rule: "recursive function", code: "def fact(n):\n    return 1 if n == 0 else n * fact(n - 1)", writes: ["fact"] },
  { rule: "a local assigned anywhere in the function is not a read", code: "def f():\n    print(t)\n    t = 1", writes: ["f"] },
  { rule: "defaults are read where they appear", code: "def f(a=default_a, *, b=other):\n    return a", reads: ["default_a", "other"], writes: ["f"] },
  { rule: "annotations are read where they appear", code: "def f(a: In) -> Out:\n    return a", reads: ["In", "Out"], writes: ["f"] },
  { rule: "decorators are read", code: "@cache\n@app.route(path)\ndef view():\n    pass", reads: ["app", "cache", "path"], writes: ["view"] },
  { rule: "base classes and keywords are read", code: "class Net(Base, metaclass=Meta):\n    pass", reads: ["Base", "Meta"], writes: ["Net"] },
  { rule: "decorated class", code: "@dataclass\nclass P:\n    x: Number = zero", reads: ["Number", "dataclass", "zero"], writes: ["P"] },
  { rule: "class body has its own scope", code: "class A:\n    size = 3\n    area = size * size", writes: ["A"] },
  { rule: "class attributes are not visible in methods", code: lines("class A:", "    y = 1", "    def m(self):", "        return y"), reads: ["y"], writes: ["A"] },
  { rule: "methods may use the class name", code: lines("class Node:", "    def copy(self):", "        return Node()"), writes: ["Node"] },
  { rule: "nested functions see their enclosing function", code: lines("def outer(a):", "    def inner():", "        return a + b", "    return inner"), reads: ["b"], writes: ["outer"] },
  { rule: "nonlocal refers to the enclosing function", code: lines("def outer():", "    n = 0", "    def bump():", "        nonlocal n", "        n += 1", "    return bump"), writes: ["outer"] },
  { rule: "lambda parameters are not reads, free names are", code: "f = lambda a, b=dflt: a + b + c", reads: ["c", "dflt"], writes: ["f"] },
  { rule: "walrus inside a function does not define a cell name", code: "def f():\n    return (m := 3)", writes: ["f"] },
  { rule: "generic function type parameters are not reads", code: "def first[T](xs: list[T]) -> T:\n    return xs[0]", writes: ["first"] },
  // Comprehensions
  { rule: "comprehension variables are not names of the cell", code: "squares = [i * i for i in range(n)]", reads: ["n"], writes: ["squares"] },
  { rule: "comprehension free names are reads", code: "hits = [x for x in xs if x > threshold]", reads: ["threshold", "xs"], writes: ["hits"] },
  { rule: "first iterable is evaluated outside the comprehension", code: "out = [x for x in x]", reads: ["x"], writes: ["out"] },
  { rule: "nested comprehension clauses", code: "flat = [c for row in grid for c in row if c]", reads: ["grid"], writes: ["flat"] },
  { rule: "dict, set and generator comprehensions", code: "d = {k: v for k, v in pairs}\ns = {w for w in words}\ng = sum(z for z in zs)\nm = max((q for q in qs), key=k)", reads: ["k", "pairs", "qs", "words", "zs"], writes: ["d", "g", "m", "s"] },
  { rule: "comprehension names defined later in the cell are not reads", code: "later = [x for _ in r]\nx = 1", reads: ["r"], writes: ["later", "x"] },
  // global
  { rule: "global with an assignment defines the name", code: lines("def setup():", "    global config", "    config = load()"), reads: ["load"], writes: ["config", "setup"] },
  { rule: "global without an assignment reads the name", code: lines("def show():", "    global config", "    return config"), reads: ["config"], writes: ["show"] },
  { rule: "global at top level changes nothing", code: "global q\nq = 1", writes: ["q"] },
  // Exceptions
  { rule: "except E as e does not define e", code: "try:\n    run()\nexcept ValueError as e:\n    print(e)", reads: ["run"] },
  { rule: "except handler assignments are writes", code: "try:\n    v = parse(s)\nexcept Bad:\n    v = None\nfinally:\n    close()", reads: ["Bad", "close", "parse", "s"], writes: ["v"] },
  { rule: "the handler name is unbound after the handler", code: "try:\n    pass\nexcept E as err:\n    pass\nlog(err)", reads: ["E", "err", "log"] },
  // del
  { rule: "del of another cell's name reads it", code: "del frame", reads: ["frame"] },
  { rule: "del of a name defined earlier in the cell is not a read", code: "tmp = 1\ndel tmp", writes: ["tmp"] },
  { rule: "del of a subscript reads the base", code: "del cache[key]", reads: ["cache", "key"] },
  // Imports
  { rule: "import a.b.c defines a", code: "import os.path.join", writes: ["os"] },
  { rule: "import as defines the alias", code: "import numpy as np, pandas", writes: ["np", "pandas"] },
  { rule: "from import as defines the alias", code: "from m import b as c, d", writes: ["c", "d"] },
  { rule: "parenthesised relative import", code: "from .pkg import (alpha,\n    beta as b)", writes: ["alpha", "b"] },
  { rule: "import * is an error", code: "from math import *", error: "import *" },
  { rule: "__future__ imports are directives, not names", code: "from __future__ import annotations", writes: [] },
  // match
  {
    rule: "match captures are writes, value patterns and class names are reads",
    code: lines("match cmd:", "    case Point(x=px, y=0) if px > lim:", "        pass", "    case [first, *others]:", "        pass", "    case {'k': val, **extra}:", "        pass", "    case Color.RED | None as picked:", "        pass"),
    reads: ["Color", "Point", "cmd", "lim"],
    writes: ["extra", "first", "others", "picked", "px", "val"],
  },
  // Private names, dunders, builtins
  { rule: "single-underscore names are private to the cell", code: "_tmp = load()\nresult = _tmp + _other", reads: ["load"], writes: ["result"] },
  { rule: "the bare underscore is private", code: "for _ in range(3):\n    pass", reads: [], writes: [] },
  { rule: "dunders are ordinary names", code: "__version__ = release", reads: ["release"], writes: ["__version__"] },
  { rule: "builtins are not reads", code: "n = len(sorted(set(map(str, range(10)))))\nprint(n, isinstance(n, int))", writes: ["n"] },
  { rule: "rebinding a builtin writes it", code: "input = source", reads: ["source"], writes: ["input"] },
  // Type aliases
  { rule: "type V = ... defines V", code: "type Vector = list[Scalar]", reads: ["Scalar"], writes: ["Vector"] },
  { rule: "generic type alias parameters are not reads", code: "type Pair[K] = tuple[K, K]", writes: ["Pair"] },
  // Valid Python that @lezer/python 1.1.19 rejected (issue 13, defect 9)
  { rule: "float with a trailing dot", code: "w = 2.", writes: ["w"] },
  { rule: "trailing-dot floats in a list", code: "x = [1.5, -2., 1.]", writes: ["x"] },
  { rule: "trailing-dot float in arithmetic", code: "y = 10 - 1. / (z + 0.1)", reads: ["z"], writes: ["y"] },
  { rule: "trailing-dot float with exponent or imaginary part", code: "c = 1.e5 + 2.j + 3.E-2 + 1_000.", writes: ["c"] },
  { rule: "decorator with a subscript", code: "@buttons[0].clicked.connect\ndef on_click(event):\n    pass", reads: ["buttons"], writes: ["on_click"] },
  { rule: "parenthesised lambda decorator", code: "@(lambda f: f)\ndef g():\n    pass", writes: ["g"] },
  { rule: "decorator calling a subscript", code: "@registry[kind].register(name=label)\nclass Plugin:\n    pass", reads: ["kind", "label", "registry"], writes: ["Plugin"] },
  { rule: "walrus decorator", code: "@(memo := cache)\ndef h():\n    pass", reads: ["cache"], writes: ["h", "memo"] },
  { rule: "with ... as a tuple", code: "with pair() as (a, b):\n    total = a + b", reads: ["pair"], writes: ["a", "b", "total"] },
  { rule: "with ... as an attribute or a subscript", code: "with opener() as state.handle, lock as slots[i]:\n    pass", reads: ["i", "lock", "opener", "slots", "state"] },
  { rule: "parenthesised with items", code: "with (open(src) as f,\n      open(dst) as g,):\n    g.write(f.read())", reads: ["dst", "src"], writes: ["f", "g"] },
  { rule: "parenthesised context manager", code: "with (lock):\n    pass", reads: ["lock"] },
  { rule: "bare yield", code: "def gen():\n    x = yield\n    yield\n    return (yield)", writes: ["gen"] },
  { rule: "positional-only lambda parameters", code: "f = lambda a, /, b, : a + b + c", reads: ["c"], writes: ["f"] },
  { rule: "starred iterables", code: "for v in *xs, *ys:\n    pass", reads: ["xs", "ys"], writes: ["v"] },
  { rule: "starred subscript", code: "z = arr[*idx, 0]", reads: ["arr", "idx"], writes: ["z"] },
  { rule: "starred comprehension target", code: "heads = [h for h, *_ in rows]", reads: ["rows"], writes: ["heads"] },
  { rule: "walrus in a set display", code: "s = {y := 1, y + 1}", writes: ["s", "y"] },
  { rule: "print is a name in Python 3", code: "print = log\nprint, other = pair\nprint >> sink", reads: ["log", "pair", "sink"], writes: ["other", "print"] },
  { rule: "comments inside a tuple target", code: "(a,  # first\n b,  # second\n) = pair", reads: ["pair"], writes: ["a", "b"] },
  { rule: "f-string format spec starting with =", code: 'label = f"{width:=^10}"', reads: ["width"], writes: ["label"] },
  { rule: "raw f-string with an escaped brace", code: 'pattern = rf"\\{{{name}"', reads: ["name"], writes: ["pattern"] },
  {
    rule: "match: empty class patterns, dotted mapping keys, tuple subject",
    code: lines("match a, b:", "    case ast.Name(), ():", "        pass", "    case {Color.RED: hit, **rest}, {}:", "        pass", '    case "x" "y", [*others] if (n := len(others)):', "        pass"),
    reads: ["Color", "a", "ast", "b"],
    writes: ["hit", "n", "others", "rest"],
  },
  // Operator chains have no node of their own in the vendored grammar: their operands are siblings
  { rule: "a whole first iterable is evaluated outside the comprehension", code: "r = [b for b in a + b]", reads: ["a", "b"], writes: ["r"] },
  { rule: "a whole default is evaluated outside the function", code: "def f(p=b + c, q=e * g):\n    return p", reads: ["b", "c", "e", "g"], writes: ["f"] },
  { rule: "a whole lambda default is read", code: "f = lambda p=b + c, *, q=d: p", reads: ["b", "c", "d"], writes: ["f"] },
  // Found by comparing reads with CPython's symtable on the standard library and site-packages
  { rule: "methods' implicit __class__ is not a read", code: "class A:\n    def m(self):\n        return __class__", writes: ["A"] },
  { rule: "identifiers are NFKC-normalised, as CPython does", code: "\uff57\uff49\uff44\uff54\uff48 = 1\nprint(width)", writes: ["width"] },
  { rule: "a parenthesised annotation without a value binds nothing", code: "def f():\n    (g): int\n    return g", reads: ["g"], writes: ["f"] },
  { rule: "a parenthesised annotated attribute reads its base", code: "(o.a): int\n(b): int = 1", reads: ["o"], writes: ["b"] },
  // IPython magics and shell escapes (issue 13, defect 5)
  { rule: "line magic is ignored", code: "%matplotlib inline\nimport matplotlib.pyplot as plt", writes: ["plt"] },
  { rule: "shell escape is ignored", code: "!pip list\n!!ls -la", reads: [], writes: [] },
  { rule: "x = !cmd defines x", code: "files = !ls {folder}", writes: ["files"] },
  { rule: "x = %magic defines x", code: "result = %sx ls\ntimes = %timeit -o f(x)", writes: ["result", "times"] },
  { rule: "indented magic in a block", code: "for i in items:\n    %time step(i)\n    !echo done", reads: ["items", "step"], writes: ["i"] },
  { rule: "%time runs its statement in the namespace", code: "%time model = fit(data)", reads: ["data", "fit"], writes: ["model"] },
  { rule: "%timeit reads its statement's names and defines none", code: "%timeit -n 10 -r 3 y = f(x)", reads: ["f", "x"] },
  { rule: "% and != inside expressions are not magics", code: "r = a % b\nok = a != b", reads: ["a", "b"], writes: ["ok", "r"] },
  { rule: "a line continuing brackets is not a magic", code: "r = (a\n     % b)\ns = [c,\n!d]", error: "line 4" },
  { rule: "a line continuing a backslash is not a magic", code: "r = a \\\n    % b", reads: ["a", "b"], writes: ["r"] },
  { rule: "a % line inside a triple-quoted string is text", code: 'doc = """\n%not a magic\n"""', writes: ["doc"] },
  { rule: "%%time cell is the Python below it", code: "%%time\ntotal = sum(values)", reads: ["values"], writes: ["total"] },
  { rule: "%%capture binds its output name", code: "%%capture out\nfit(data)", reads: ["data", "fit"], writes: ["out"] },
  { rule: "%%timeit names stay in its function", code: "%%timeit\ny = f(x)\nz = y + 1", reads: ["f", "x"] },
  { rule: "%%sql cell is SQL", code: "%%sql\nSELECT * FROM sales WHERE region = {region}", reads: ["region", "sales"] },
  { rule: "%%sql with a connection and a << variable", code: "%%sql duckdb:// totals <<\nCREATE TABLE daily AS SELECT * FROM sales", reads: ["sales"], writes: ["daily", "totals"] },
  { rule: "%%bash cell is opaque", code: "%%bash\nfor f in *.csv; do echo $f; done", reads: [], writes: [] },
  { rule: "%%bash --out binds its output name", code: "%%bash --out log --err errors\nmake", writes: ["errors", "log"] },
  { rule: "%%html, %%javascript and %%writefile are opaque", code: "%%writefile model.py\nimport numpy\nx = (", reads: [], writes: [] },
  { rule: "help lines are ignored", code: "df.describe?\n?np\nn = len(df)", reads: ["df"], writes: ["n"] },
  { rule: "blank lines before a cell magic", code: "\n  \n%%time\nx = 1", writes: ["x"] },
  { rule: "a syntax error below a magic keeps its line number", code: "%matplotlib inline\n!ls\nx = = 1", error: "line 3" },
  // Syntax errors
  { rule: "unbalanced parenthesis", code: "x = (1", error: "SyntaxError" },
  { rule: "Python 2 print statement", code: "print x", error: "SyntaxError" },
  { rule: "assignment to a call", code: "f() = 1", error: "SyntaxError" },
  { rule: "assignment to a literal", code: "1 = x", error: "SyntaxError" },
  { rule: "syntax error on a later line keeps no names", code: "a = 1\nb = = 2", error: "line 2" },
  { rule: "bad indentation", code: "def f():\nreturn 1", error: "SyntaxError" },
];

describe("analyzeCell(python)", () => {
  it("covers at least 60 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)("$rule", ({ code, reads, writes, error }) => {
    const analysis = analyzeCell("python", code);
    if (error !== undefined) {
      expect(analysis.error).toContain(error);
      expect(analysis.reads).toEqual([]);
      expect(analysis.writes).toEqual([]);
      return;
    }
    expect(analysis.error).toBeUndefined();
    expect({ reads: analysis.reads, writes: analysis.writes }).toEqual({ reads: reads ?? [], writes: writes ?? [] });
  });

  it("returns sorted, unique names", () => {
    const analysis = analyzeCell("python", "b = a\nc = a\na2 = b + b");
    expect(analysis.reads).toEqual(["a"]);
    expect(analysis.writes).toEqual(["a2", "b", "c"]);
  });

  it("ships the builtins list as a constant", () => {
    for (const name of ["print", "len", "range", "Exception", "__name__"]) expect(PYTHON_BUILTINS.has(name)).toBe(true);
  });
});
