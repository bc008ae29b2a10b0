export interface BoundSql {
  /** The statement with each `{name}` replaced by a positional parameter `$n`. */
  text: string;
  /** Parameter names by position (`$1` is `names[0]`); a repeated name reuses its position. */
  names: string[];
}

const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

interface Segment {
  /** `code` may hold placeholders and statement separators; quoted text and comments never do. */
  kind: "code" | "quoted" | "comment";
  text: string;
}

/** Splits SQL into code, quoted strings/identifiers (a doubled quote escapes) and comments. */
function segments(sql: string): Segment[] {
  const result: Segment[] = [];
  let code = "";
  let i = 0;
  const take = (kind: Segment["kind"], end: number) => {
    if (code) result.push({ kind: "code", text: code });
    code = "";
    result.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const char = sql[i]!;
    if (char === "'" || char === '"') take("quoted", closingQuote(sql, i, char));
    else if (char === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      take("comment", end < 0 ? sql.length : end);
    } else if (char === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      take("comment", end < 0 ? sql.length : end + 2);
    } else {
      code += char;
      i++;
    }
  }
  if (code) result.push({ kind: "code", text: code });
  return result;
}

/**
 * Turns `{name}` placeholders into query parameters, so values are bound by the database
 * and never pasted into the SQL text. Quoted strings, quoted identifiers and comments are
 * left alone (`'{x}'` is a literal).
 */
export function bindPlaceholders(sql: string): BoundSql {
  const names: string[] = [];
  let text = "";
  for (const segment of segments(sql)) {
    if (segment.kind !== "code") {
      text += segment.text;
      continue;
    }
    let i = 0;
    while (i < segment.text.length) {
      const match = segment.text[i] === "{" ? PLACEHOLDER.exec(segment.text.slice(i, i + 256)) : null;
      if (!match) {
        text += segment.text[i];
        i++;
        continue;
      }
      const name = match[1]!;
      let position = names.indexOf(name);
      if (position < 0) position = names.push(name) - 1;
      text += `$${position + 1}`;
      i += match[0].length;
    }
  }
  return { text, names };
}

/** The cell's statements, split at `;` outside quotes and comments; empty ones are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  for (const segment of segments(sql)) {
    if (segment.kind !== "code") {
      current += segment.text;
      continue;
    }
    const parts = segment.text.split(";");
    current += parts[0];
    for (const part of parts.slice(1)) {
      statements.push(current);
      current = part;
    }
  }
  statements.push(current);
  return statements.filter((statement) => segments(statement).some((s) => s.kind === "quoted" || (s.kind === "code" && s.text.trim() !== "")));
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
