/**
 * Where Python's logical lines start, followed line by line over brackets, strings and backslash
 * continuations: enough to tell a line IPython reads as a magic (`%time f(x)`) from one that
 * continues an expression (`(a` newline `% b)`). Not a tokenizer: it never rejects anything, and
 * an f-string counts as a plain string.
 */
export class LogicalLineScanner {
  private depth = 0;
  /** The closing quote of a string still open at the end of the last line: `'`, `"`, `'''` or `"""`. */
  private quote: string | undefined;
  private continued = false;

  /** Whether the next line starts a logical line. */
  get atStart(): boolean {
    return this.depth === 0 && this.quote === undefined && !this.continued;
  }

  /** Reads one physical line, without its `\n`. */
  scan(line: string): void {
    const end = line.endsWith("\r") ? line.length - 1 : line.length;
    this.continued = false;
    let escapedNewline = false;
    let i = 0;
    while (i < end) {
      const ch = line[i]!;
      if (this.quote !== undefined) {
        // Raw strings too: a backslash keeps the next character, a quote included, in the string.
        if (ch === "\\") {
          escapedNewline = i + 1 >= end;
          i += 2;
        } else if (line.startsWith(this.quote, i)) {
          i += this.quote.length;
          this.quote = undefined;
        } else i++;
        continue;
      }
      if (ch === "#") break;
      if (ch === '"' || ch === "'") {
        this.quote = line.startsWith(ch + ch + ch, i) ? ch + ch + ch : ch;
        i += this.quote.length;
        continue;
      }
      if (ch === "(" || ch === "[" || ch === "{") this.depth++;
      else if (ch === ")" || ch === "]" || ch === "}") this.depth = Math.max(0, this.depth - 1);
      else if (ch === "\\" && i === end - 1) this.continued = true;
      i++;
    }
    // A one-quote string ends with its line unless a backslash carries it on; Python would reject
    // the rest, and forgetting it keeps one bad line from hiding every magic after it.
    if (this.quote?.length === 1 && !escapedNewline) this.quote = undefined;
  }
}
