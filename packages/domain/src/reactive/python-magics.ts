/**
 * IPython magics and shell escapes in a Python cell, found where IPython's input transformers find
 * them, and the cell rewritten into source the Python or SQL analysis can read. Pure: the kernel
 * side reuses `parseMagics` to learn what to run; nothing here runs anything.
 *
 * - `%%name` on the first non-blank line makes a cell magic. `%%sql` makes the body SQL;
 *   `%%time`, `%%capture`, `%%prun` and `%%debug` run the body as Python in the notebook's
 *   namespace; `%%timeit` runs it inside a function of its own, so its names stay local; any other
 *   (`%%bash`, `%%html`, `%%writefile f`) is opaque: no names, no error.
 * - At the start of a logical line, `%name args` is a line magic and `!cmd` (or `!!cmd`) a shell
 *   escape; `target = %name args` and `target = !cmd` assign their result to `target`; `?obj` and
 *   `obj?` (`??` too) ask for help, which IPython runs as `%pinfo obj` (`%pinfo2`). `%time stmt`
 *   runs stmt in the namespace, so it is analysed as stmt, and `%timeit stmt` as a function body;
 *   any other magic line reads and writes nothing.
 *
 * The rewritten source has the cell's lines in place (a magic line becomes `pass`, its assignment
 * `target = None`), so error line numbers stay right.
 */
import { LogicalLineScanner } from "./python-lines.js";

export interface Magic {
  readonly kind: "cell" | "line" | "shell";
  /** 1-based line of the `%%`, `%` or `!`. */
  readonly line: number;
  /** The magic's name without `%` (`%%sql` → `sql`); `!` or `!!` for a shell escape. */
  readonly name: string;
  /** What follows the name: the magic's arguments or the shell command, continuation lines joined. */
  readonly args: string;
  /** The target text of `x = %magic` or `x = !cmd` (`x`, `a, b`, `self.out`). */
  readonly target?: string;
}

export interface MagicCell {
  /** How the (rewritten) cell is analysed; `opaque` has no names. */
  readonly language: "python" | "sql" | "opaque";
  /** The cell rewritten for that analysis, line for line. */
  readonly source: string;
  /** Names a cell magic binds by its options: `%%sql df <<`, `%%capture out`, `%%bash --out log`. */
  readonly defines: readonly string[];
  readonly magics: readonly Magic[];
}

/** IPython's help-end form (`np.mean?`, `x[0]??`), which IPython only sees with no space before the `?`. */
const HELP_END = /^(%{0,2}(?!\d)[\w*]+(?:\.(?!\d)[\w*]+|\[-?\d+\])*)(\?\??)[ \t]*$/;
const CELL_MAGIC = /^[ \t]*%%([A-Za-z_][\w.]*)?[ \t]*(.*)$/;
const PYTHON_BODY = new Set(["time", "capture", "prun", "debug"]);
const SCRIPTS = new Set(["script", "bash", "sh", "perl", "ruby", "python", "python2", "python3", "pypy"]);
const TIMEIT_OPTION = /^-(?:[tcqo]+|[nrp][ \t]*\S+)[ \t]+/;
const IDENTIFIER = /^[A-Za-z_]\w*$/;

export function parseMagics(code: string): MagicCell {
  if (!mayHaveMagics(code)) return { language: "python", source: code, defines: [], magics: [] };
  const magics: Magic[] = [];
  const split = splitCellMagic(code);
  if (!split) return { language: "python", source: translateLineMagics(code.split("\n"), 0, magics, analysisPython).join("\n"), defines: [], magics };

  const { header, name, args, body, bodyOffset } = split;
  magics.push(header);
  const source = (headerLine: string, bodyLines: readonly string[]): string => [...split.before, keepCr(split.headerLine, headerLine), ...bodyLines].join("\n");
  if (name === "sql") return { language: "sql", source: source("", body), defines: match(args, /(?:^|\s)([A-Za-z_]\w*)[ \t]*<</), magics };
  if (name === "timeit") {
    const translated = translateLineMagics(body, bodyOffset, magics, analysisPython);
    if (translated.every((line) => line.trim() === "")) return { language: "python", source: source("pass", translated), defines: [], magics };
    return { language: "python", source: source("def _timeit():", translated.map((line) => ` ${line}`)), defines: [], magics };
  }
  if (PYTHON_BODY.has(name)) {
    const defines = name === "capture" ? args.split(/\s+/).filter((word) => IDENTIFIER.test(word)).slice(0, 1) : [];
    return { language: "python", source: source("pass", translateLineMagics(body, bodyOffset, magics, analysisPython)), defines, magics };
  }
  const defines = SCRIPTS.has(name) ? [...args.matchAll(/--(?:out|err|proc)[ \t=]+([A-Za-z_]\w*)/g)].map((m) => m[1]!) : [];
  return { language: "opaque", source: source("", body.map((line) => keepCr(line, ""))), defines, magics };
}

/** A cell whose first non-blank line is `%%name args`, cut into its parts. */
export interface CellMagicSplit {
  readonly header: Magic;
  readonly name: string;
  readonly args: string;
  /** The blank lines before the header, and the header line as written. */
  readonly before: readonly string[];
  readonly headerLine: string;
  /** The lines after the header, as written (a `\r` kept), and how many cell lines precede them. */
  readonly body: readonly string[];
  readonly bodyOffset: number;
}

/** The cell magic of a cell, where IPython finds one (its first non-blank line), or undefined. */
export function splitCellMagic(code: string): CellMagicSplit | undefined {
  if (!mayHaveMagics(code)) return undefined;
  const lines = code.split("\n");
  const first = lines.findIndex((line) => line.trim() !== "");
  const header = first < 0 ? null : CELL_MAGIC.exec(withoutCr(lines[first]!));
  if (!header) return undefined;
  const name = header[1] ?? "";
  const args = header[2]!.trim();
  return {
    header: { kind: "cell", line: first + 1, name, args },
    name,
    args,
    before: lines.slice(0, first),
    headerLine: lines[first]!,
    body: lines.slice(first + 1),
    bodyOffset: first + 1,
  };
}

/**
 * A quick no for most cells: no line starts with `%`, `!` or `?`, no `=` is followed by `%` or `!`,
 * no line ends with `?`. (A regular expression over the whole cell costs several times more.)
 */
export function mayHaveMagics(code: string): boolean {
  for (let start = 0; start >= 0 && start < code.length; ) {
    let i = start;
    while (code[i] === " " || code[i] === "\t") i++;
    if (code[i] === "%" || code[i] === "!" || code[i] === "?") return true;
    start = code.indexOf("\n", i);
    if (start >= 0) start++;
  }
  for (let i = code.indexOf("="); i >= 0; i = code.indexOf("=", i + 1)) {
    let j = i + 1;
    while (code[j] === " " || code[j] === "\t") j++;
    if (code[j] === "%" || code[j] === "!") return true;
  }
  for (let i = code.indexOf("?"); i >= 0; i = code.indexOf("?", i + 1)) {
    const next = code[i + 1];
    if (next === undefined || next === "\n" || next === "\r") return true;
  }
  return false;
}

function match(text: string, pattern: RegExp): string[] {
  const found = pattern.exec(text);
  return found ? [found[1]!] : [];
}

export function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** `replacement` with the `\r` of the `original` line it stands for. */
export function keepCr(original: string, replacement: string): string {
  return original.endsWith("\r") ? `${replacement}\r` : replacement;
}

/**
 * Replaces each magic line of Python `lines` (the cell's lines from `offset`) with what `rewrite`
 * makes of it, at the line's indentation; the lines a backslash joined to it become blank, and
 * each line keeps its `\r`. Every magic found is appended to `magics`.
 */
export function translateLineMagics(lines: readonly string[], offset: number, magics: Magic[], rewrite: (magic: Magic) => string): string[] {
  const out: string[] = [];
  const scanner = new LogicalLineScanner();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const found = scanner.atStart ? lineMagic(withoutCr(line), offset + i + 1) : undefined;
    if (!found) {
      scanner.scan(line);
      out.push(line);
      continue;
    }
    // As in IPython, a magic ends with its line unless a backslash continues it.
    let { args } = found.magic;
    const first = i;
    while (args.endsWith("\\") && i + 1 < lines.length) args = `${args.slice(0, -1)}${withoutCr(lines[++i]!).trim()}`;
    const magic = { ...found.magic, args: args.trim() };
    magics.push(magic);
    out.push(keepCr(line, `${found.indent}${rewrite(magic)}`));
    for (let j = first + 1; j <= i; j++) out.push(keepCr(lines[j]!, ""));
  }
  return out;
}

function lineMagic(line: string, lineNumber: number): { indent: string; magic: Magic } | undefined {
  const indent = /^[ \t]*/.exec(line)![0];
  const text = line.slice(indent.length);
  if (text.startsWith("%") || text.startsWith("!") || text.startsWith("?")) return { indent, magic: escaped(text, lineNumber) };
  const help = HELP_END.exec(text);
  if (help) return { indent, magic: { kind: "line", line: lineNumber, name: help[2] === "??" ? "pinfo2" : "pinfo", args: help[1]! } };
  const assignment = splitAssignment(text);
  if (!assignment || !/^(?:!(?!=)|%)/.test(assignment.value)) return undefined;
  return { indent, magic: { ...escaped(assignment.value, lineNumber), target: assignment.target } };
}

/** The magic or shell escape that `text` (from its `%`, `!` or `?`) is. */
function escaped(text: string, line: number): Magic {
  const shell = /^(!!?)(.*)$/.exec(text);
  if (shell) return { kind: "shell", line, name: shell[1]!, args: shell[2]! };
  const help = /^(\?\??)(.*)$/.exec(text);
  if (help) return { kind: "line", line, name: help[1] === "??" ? "pinfo2" : "pinfo", args: help[2]!.trim() };
  const [, sigil, word = "", args = ""] = /^(%%?)([A-Za-z_][\w.]*)?[ \t]*(.*)$/.exec(text)!;
  return { kind: "line", line, name: sigil === "%%" ? `%${word}` : word, args };
}

/** `target = value` split at the first `=` outside brackets and strings, as IPython finds it; `==`, `<=`, `+=` are not it. */
function splitAssignment(line: string): { target: string; value: string } | undefined {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "#") return undefined;
    if (ch === '"' || ch === "'") {
      const close = line.indexOf(ch, i + 1);
      if (close < 0) return undefined;
      i = close;
    } else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "=" && depth === 0) {
      if (line[i + 1] === "=") i++;
      else if (!"=<>!:+-*/%&|^@".includes(line[i - 1] ?? "")) {
        const target = line.slice(0, i).trim();
        return target ? { target, value: line.slice(i + 1).trimStart() } : undefined;
      }
    }
  }
  return undefined;
}

/** The Python a magic line stands for in the analysis. */
function analysisPython(magic: Magic): string {
  if (magic.target !== undefined) return `${magic.target} = None`;
  if (magic.kind === "line" && magic.name === "time" && magic.args) return magic.args;
  if (magic.kind === "line" && magic.name === "timeit") {
    let statement = `${magic.args} `;
    for (let option = TIMEIT_OPTION.exec(statement); option; option = TIMEIT_OPTION.exec(statement)) statement = statement.slice(option[0].length);
    if (statement.trim()) return `def _timeit(): ${statement.trim()}`;
  }
  return "pass";
}
