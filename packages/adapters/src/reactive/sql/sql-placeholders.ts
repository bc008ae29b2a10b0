export interface BoundSql {
  /** The statement with each `{name}` replaced by a positional parameter `$n`. */
  text: string;
  /** Parameter names by position (`$1` is `names[0]`); a repeated name reuses its position. */
  names: string[];
}

const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

/**
 * Turns `{name}` placeholders into query parameters, so values are bound by the database
 * and never pasted into the SQL text. Quoted strings, quoted identifiers and comments are
 * left alone (`'{x}'` is a literal).
 */
export function bindPlaceholders(sql: string): BoundSql {
  const names: string[] = [];
  let text = "";
  let i = 0;
  while (i < sql.length) {
    const char = sql[i]!;
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, i, char);
      text += sql.slice(i, end);
      i = end;
    } else if (char === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (char === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      text += sql.slice(i, stop);
      i = stop;
    } else if (char === "{") {
      const match = PLACEHOLDER.exec(sql.slice(i, i + 256));
      if (!match) {
        text += char;
        i++;
        continue;
      }
      const name = match[1]!;
      let position = names.indexOf(name);
      if (position < 0) position = names.push(name) - 1;
      text += `$${position + 1}`;
      i += match[0].length;
    } else {
      text += char;
      i++;
    }
  }
  return { text, names };
}

/** Index just past the closing quote; a doubled quote is an escaped one. */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
