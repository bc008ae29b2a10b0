import { describe, expect, it } from "vitest";
import { parseMagics } from "./python-magics.js";

const lines = (...source: string[]): string => source.join("\n");

describe("parseMagics", () => {
  it("leaves a cell without magics as it is", () => {
    const code = "r = a % b if a != b else 0";
    expect(parseMagics(code)).toEqual({ language: "python", source: code, defines: [], magics: [] });
  });

  it("lists the line magics and shell escapes of a cell, where IPython finds them", () => {
    const cell = parseMagics(
      lines("%matplotlib inline", "import numpy as np", "!pip install -q pandas", "files = !ls data \\", "    | head", "for f in files:", "    %time load(f)", "%%time"),
    );
    expect(cell.magics).toEqual([
      { kind: "line", line: 1, name: "matplotlib", args: "inline" },
      { kind: "shell", line: 3, name: "!", args: "pip install -q pandas" },
      { kind: "shell", line: 4, name: "!", args: "ls data | head", target: "files" },
      { kind: "line", line: 7, name: "time", args: "load(f)" },
      { kind: "line", line: 8, name: "%time", args: "" },
    ]);
    expect(cell.source).toBe(lines("pass", "import numpy as np", "pass", "files = None", "", "for f in files:", "    load(f)", "pass"));
  });

  it("reads a cell magic on the first non-blank line and only there", () => {
    const cell = parseMagics(lines("", "%%sql df <<", "SELECT * FROM t", "%not_a_magic"));
    expect(cell).toEqual({
      language: "sql",
      source: lines("", "", "SELECT * FROM t", "%not_a_magic"),
      defines: ["df"],
      magics: [{ kind: "cell", line: 2, name: "sql", args: "df <<" }],
    });
  });

  it("puts a %%timeit body in a function of its own and ignores its setup", () => {
    expect(parseMagics(lines("%%timeit -n 5 setup()", "y = f(x)", "!echo")).source).toBe(lines("def _timeit():", " y = f(x)", " pass"));
    expect(parseMagics("%%timeit\n\n").source).toBe("pass\n\n");
  });

  it("drops %timeit's options", () => {
    expect(parseMagics("%timeit -n100 -r 3 -qo f(x)").source).toBe("def _timeit(): f(x)");
    expect(parseMagics("%timeit -o").source).toBe("pass");
  });

  it("keeps the cell's line count and carriage returns", () => {
    const cells = [
      "%%bash\r\necho 1\r\necho 2\r\n",
      "a = 1\r\n%time b = a\r\n!ls \\\r\n  -la\r\n",
      "%%capture --no-stderr out\n%matplotlib\nx = 1",
      "%%writefile f.py\n%%time\n",
    ];
    for (const code of cells) {
      const { source } = parseMagics(code);
      expect(source.split("\n").length).toBe(code.split("\n").length);
      expect(source.split("\r").length).toBe(code.split("\r").length);
    }
  });

  it("finds no magic in a continued expression or a string", () => {
    for (const code of ["x = (a\n% b)", "x = [a,\n !b]", "x = a \\\n% b", 'x = """\n%time\n"""', "x = 'a\\\n%b'", "x = 1  # (\n%time f()"]) {
      const expected = code.endsWith("%time f()") ? 1 : 0;
      expect(parseMagics(code).magics.length, code).toBe(expected);
    }
  });

  it("takes the assignment target from the first plain `=`", () => {
    expect(parseMagics('d["k=v"], e = !cmd').magics[0]?.target).toBe('d["k=v"], e');
    expect(parseMagics("x == !y").magics).toEqual([]);
    expect(parseMagics("x += %y").magics).toEqual([]);
    expect(parseMagics("x = % y").magics).toEqual([{ kind: "line", line: 1, name: "", args: "y", target: "x" }]);
  });

  it("reads IPython's help syntax as %pinfo", () => {
    expect(parseMagics("np.mean?\n??np\nx = 1  # why?\n  x ?").magics).toEqual([
      { kind: "line", line: 1, name: "pinfo", args: "np.mean" },
      { kind: "line", line: 2, name: "pinfo2", args: "np" },
    ]);
  });

  it("reads the names a cell magic's options bind", () => {
    expect(parseMagics("%%capture --no-stdout captured\nf()").defines).toEqual(["captured"]);
    expect(parseMagics("%%script python3 --out out --err=err --proc proc\nprint(1)").defines).toEqual(["out", "err", "proc"]);
    expect(parseMagics("%%html --out x\n<b>").defines).toEqual([]);
    expect(parseMagics("%%sql postgresql://u@h/db\nSELECT 1").defines).toEqual([]);
  });
});
