import { executableCell } from "@parallax/domain/reactive";

/**
 * The Python a notebook cell runs as outside the reactive kernel (the /convert executor and the
 * re-executor): its IPython magics as the driver's helpers, as in the reactive kernel, so that
 * `%matplotlib inline` or `!ls` run there too. With no SQL kernel at hand, a `%%sql` cell fails as
 * an unsupported magic.
 */
export function pythonSource(code: string): string {
  return executableCell(code, { sql: false }).source;
}
