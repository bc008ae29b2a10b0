/**
 * A cell with IPython magics turned into what a kernel runs: plain Python calling the helpers the
 * Python driver defines (`_parallax_magic_*`, adapters' python-magics.source.ts), one line for one
 * line so that a traceback or a syntax error names the user's own line; or, for a `%%sql` cell,
 * its SQL body for the notebook's SQL kernel. The magics are the ones `python-magics.ts` finds for
 * the analysis: one detection. Pure text: nothing here runs anything, and no magic is judged
 * here beyond picking its helper (the helpers check their own arguments when they run).
 */
import { keepCr, mayHaveMagics, splitCellMagic, translateLineMagics, withoutCr, type Magic } from "./python-magics.js";

export interface ExecutableCell {
  readonly language: "python" | "sql";
  readonly source: string;
}

/** Cell magics that show their body as one mime type, as IPython's display magics do. */
const DISPLAYS: Readonly<Record<string, string>> = {
  html: "text/html",
  javascript: "application/javascript",
  js: "application/javascript",
  markdown: "text/markdown",
  latex: "text/latex",
  svg: "image/svg+xml",
};

/**
 * What runs for `code`. `sql: false` where no SQL kernel is at hand (a notebook run outside the
 * reactive kernel): a `%%sql` cell then fails as an unsupported magic instead of running as Python.
 */
export function executableCell(code: string, options: { readonly sql: boolean } = { sql: true }): ExecutableCell {
  if (!mayHaveMagics(code)) return { language: "python", source: code };
  const split = splitCellMagic(code);
  if (!split) return { language: "python", source: translateLineMagics(code.split("\n"), 0, [], lineMagicPython).join("\n") };

  const { name, args, body, bodyOffset } = split;
  if (name === "sql" && options.sql && args === "") return { language: "sql", source: [...split.before, keepCr(split.headerLine, ""), ...body].join("\n") };
  // The body moves into one string argument of the header line's call; its own lines stay, blank.
  const call = (python: string): ExecutableCell => ({
    language: "python",
    source: [...split.before, keepCr(split.headerLine, python), ...body.map((line) => keepCr(line, ""))].join("\n"),
  });
  const text = literal(body.map(withoutCr).join("\n"));
  const python = () => literal(translateLineMagics(body, bodyOffset, [], lineMagicPython).map(withoutCr).join("\n"));
  const firstBodyLine = bodyOffset + 1;
  switch (name) {
    case "time":
      return call(`_parallax_magic_time(${python()}, ${firstBodyLine}, True)`);
    case "timeit":
      return call(`_parallax_magic_timeit(${literal(args)}, ${split.header.line}, ${python()}, ${firstBodyLine})`);
    case "capture":
      return call(`_parallax_magic_capture(${literal(args)}, ${python()}, ${firstBodyLine})`);
    case "bash":
    case "sh":
      return call(`_parallax_magic_script(${literal(name)}, ${literal(args)}, ${text})`);
    case "writefile":
      return call(`_parallax_magic_writefile(${literal(args)}, ${text})`);
  }
  const mime = DISPLAYS[name];
  if (mime !== undefined) return call(`_parallax_magic_display(${literal(mime)}, ${text})`);
  return call(`_parallax_magic_unsupported(${literal(`%${name}${name === "sql" && args ? ` ${args}` : ""}`)})`);
}

/** The Python one line magic or shell escape runs as, at the line's place. */
function lineMagicPython(magic: Magic): string {
  const assign = magic.target === undefined ? "" : `${magic.target} = `;
  const args = literal(magic.args);
  if (magic.kind === "shell") {
    // `x = !cmd` and `!!cmd` give the output's lines, as IPython's SList; `!cmd` shows it as it comes.
    const capture = magic.name === "!!" || magic.target !== undefined;
    return `${assign}_parallax_magic_shell(${args}, ${capture ? "True" : "False"})`;
  }
  switch (magic.name) {
    case "matplotlib":
      // Figures are always rendered inline (Agg), whichever backend the notebook asks for.
      return magic.target === undefined ? "pass" : `${magic.target} = None`;
    case "time":
      return `${assign}_parallax_magic_time(${args}, ${magic.line})`;
    case "timeit":
      return `${assign}_parallax_magic_timeit(${args}, ${magic.line})`;
    case "pip":
      return `${assign}_parallax_magic_pip(${args})`;
    case "sx":
    case "system":
      return `${assign}_parallax_magic_shell(${args}, True)`;
    default:
      return `${assign}_parallax_magic_unsupported(${literal(magic.name)})`;
  }
}

/** A Python string literal of `text` on one line (JSON's escapes are all Python escapes too). */
function literal(text: string): string {
  return JSON.stringify(text);
}
