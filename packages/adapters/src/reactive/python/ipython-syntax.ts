/**
 * IPython magics (`%matplotlib inline`) and shell escapes (`!pip install x`) are not Python. A
 * notebook run outside IPython skips them rather than failing the cell; a `pass` keeps the line
 * (and an indented block that holds only magics) valid and the line numbers of tracebacks right.
 */
export function stripMagics(code: string): string {
  return code
    .split("\n")
    .map((line) => line.replace(/^(\s*)([%!].*)$/, "$1pass  # $2"))
    .join("\n");
}
