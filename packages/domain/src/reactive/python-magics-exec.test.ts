import { describe, expect, it } from "vitest";
import { executableCell } from "./python-magics-exec.js";

const lines = (...source: string[]): string => source.join("\n");
const python = (code: string) => executableCell(code).source;

describe("executableCell", () => {
  it("leaves a cell without magics as it is", () => {
    const code = "r = a % b if a != b else 0\nprint('%d!' % r)";
    expect(executableCell(code)).toEqual({ language: "python", source: code });
  });

  it("turns each line magic and shell escape into its helper's call, at its line and indentation", () => {
    const code = lines("%matplotlib inline", "files = !ls \\", "  -la", "for f in files:", "    !echo {f}", "%time x = f(1)", "t = %timeit -o f(2)", "%pip install -q pandas", "!!date", "%load_ext autoreload");
    expect(python(code)).toBe(
      lines(
        "pass",
        'files = _parallax_magic_shell("ls -la", True)',
        "",
        "for f in files:",
        '    _parallax_magic_shell("echo {f}", False)',
        '_parallax_magic_time("x = f(1)", 6)',
        't = _parallax_magic_timeit("-o f(2)", 7)',
        '_parallax_magic_pip("install -q pandas")',
        '_parallax_magic_shell("date", True)',
        '_parallax_magic_unsupported("load_ext")',
      ),
    );
  });

  it("keeps the cell's line count and carriage returns, whatever the magic", () => {
    const cells = [
      "%%bash\r\necho 1\r\necho 2\r\n",
      "a = 1\r\n%time b = a\r\n!ls \\\r\n  -la\r\n",
      "%%capture --no-stderr out\n%matplotlib\nx = 1",
      "\n%%time\nx = 1\ny = (\n",
      "%%timeit -n 1 setup()\nf()\n",
      "%%writefile f.py\nprint(1)\n",
      "%%html\n<b>\n</b>",
      "%%perl\nprint 1;",
      "%%sql\nSELECT 1\n",
    ];
    for (const code of cells) {
      const { source } = executableCell(code);
      expect(source.split("\n").length, code).toBe(code.split("\n").length);
      expect(source.split("\r").length, code).toBe(code.split("\r").length);
    }
  });

  it("puts a cell magic's body in one string argument of the header line's call, its line magics run too", () => {
    expect(python(lines("%%time", "x = 1", "!echo hi"))).toBe(lines('_parallax_magic_time("x = 1\\n_parallax_magic_shell(\\"echo hi\\", False)", 2, True)', "", ""));
    expect(python(lines("%%timeit -n 2 a = 1", "a + 1"))).toBe(lines('_parallax_magic_timeit("-n 2 a = 1", 1, "a + 1", 2)', ""));
    expect(python(lines("", "%%capture out", "print('x')"))).toBe(lines("", `_parallax_magic_capture("out", "print('x')", 3)`, ""));
    expect(python(lines("%%bash --out o", 'echo "$HOME"'))).toBe(lines('_parallax_magic_script("bash", "--out o", "echo \\"$HOME\\"")', ""));
    expect(python(lines("%%writefile -a f.txt", "%not a magic here"))).toBe(lines('_parallax_magic_writefile("-a f.txt", "%not a magic here")', ""));
    expect(python(lines("%%html", "<b>hi</b>"))).toBe(lines('_parallax_magic_display("text/html", "<b>hi</b>")', ""));
  });

  it("runs a %%sql cell's body as SQL where a SQL kernel is at hand, and fails it as unsupported where none is", () => {
    expect(executableCell(lines("%%sql", "SELECT {x} AS v"))).toEqual({ language: "sql", source: lines("", "SELECT {x} AS v") });
    expect(executableCell(lines("%%sql", "SELECT 1"), { sql: false })).toEqual({ language: "python", source: lines('_parallax_magic_unsupported("%sql")', "") });
    expect(python(lines("%%sql df <<", "SELECT 1"))).toBe(lines('_parallax_magic_unsupported("%sql df <<")', ""));
  });

  it("fails any other magic by name, a cell magic with its %%", () => {
    expect(python(lines("%%perl", "print 1;"))).toBe(lines('_parallax_magic_unsupported("%perl")', ""));
    expect(python("x = 1\n%%time")).toBe('x = 1\n_parallax_magic_unsupported("%time")');
    expect(python("np.mean?")).toBe('_parallax_magic_unsupported("pinfo")');
  });
});
