/**
 * Test support for `idiom.test.ts`: two checks of the house idiom (issue 8) on TypeScript syntax
 * trees, so a comment, a string or a look-alike name never counts. The trees come from swc (the
 * parser dependency-cruiser already uses); the compiler installed here (TypeScript 7) has no
 * in-process parser API.
 *
 * - `effectRunSites`: where an effect is run (`Effect.runSync`, `runPromise`, `runFork`,
 *   `runPromiseExit`, `runSyncExit`, `runCallback`), called or passed as a function, through the
 *   `Effect` namespace (any local name) or a named import from `effect/Effect`.
 * - `castJsonParses`: where the result of `JSON.parse` (an `any`) is given a type without a
 *   schema: `JSON.parse(s) as T`, `<T>JSON.parse(s)`, `const x: T = JSON.parse(s)`, also through
 *   parentheses, `await`, `!` and `as unknown as T`. `as unknown` is the honest type and passes;
 *   so does a clone, `JSON.parse(JSON.stringify(v)) as T`, which reads no document.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseSync } from "@swc/core";

export interface Site {
  /** Path relative to the scanned root, with `/`. */
  readonly file: string;
  readonly line: number;
  /** What was found, e.g. `Effect.runPromise` or `JSON.parse(…) as Job`. */
  readonly what: string;
}

const runMethods = new Set(["runSync", "runPromise", "runFork", "runPromiseExit", "runSyncExit", "runCallback"]);

type AstNode = { readonly type: string; readonly span?: { readonly start: number }; readonly [key: string]: unknown };

function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** Every node of the tree, parents before children. */
function* walk(value: unknown): Generator<AstNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walk(item);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (isNode(value)) yield value;
  for (const [key, child] of Object.entries(value)) if (key !== "span" && typeof child === "object") yield* walk(child);
}

interface Parsed {
  readonly body: readonly AstNode[];
  /** 1-based line of a node (swc spans are UTF-8 byte offsets from a process-wide base). */
  readonly lineOf: (node: AstNode) => number;
}

function parse(source: string, file: string): Parsed {
  // swc numbers spans from a counter that keeps growing across parses: a leading `;` (an empty
  // statement at offset 0) pins the base. A shebang line is blanked, offsets kept.
  const text = ";" + source.replace(/^#!.*/, (line) => " ".repeat(line.length));
  const module = parseSync(text, { syntax: "typescript", tsx: file.endsWith(".tsx"), decorators: true, target: "es2022" });
  const bytes = Buffer.from(text, "utf8");
  const base = module.span.start;
  const lineOf = (node: AstNode) => {
    const end = (node.span?.start ?? base) - base;
    let line = 1;
    for (let i = 0; i < end && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
    return line;
  };
  return { body: module.body as unknown as AstNode[], lineOf };
}

const identifier = (node: unknown): string | undefined => (isNode(node) && node.type === "Identifier" ? (node["value"] as string) : undefined);

/** `Effect.run*` sites of one source file. */
export function effectRunSites(source: string, file = "snippet.ts"): Site[] {
  const { body, lineOf } = parse(source, file);
  const namespaces = new Set(["Effect"]);
  const bareRuns = new Map<string, string>();
  for (const statement of body) {
    if (statement.type !== "ImportDeclaration") continue;
    const from = (statement["source"] as { value: string }).value;
    for (const specifier of statement["specifiers"] as AstNode[]) {
      const local = identifier(specifier["local"])!;
      const imported = identifier(specifier["imported"]) ?? local;
      if (from === "effect" && specifier.type === "ImportSpecifier" && imported === "Effect") namespaces.add(local);
      if (from === "effect/Effect" && specifier.type === "ImportNamespaceSpecifier") namespaces.add(local);
      if (from === "effect/Effect" && specifier.type === "ImportSpecifier" && runMethods.has(imported)) bareRuns.set(local, imported);
    }
  }
  const sites: Site[] = [];
  for (const node of walk(body)) {
    if (node.type === "MemberExpression") {
      const object = identifier(node["object"]);
      const property = identifier(node["property"]);
      if (object && property && namespaces.has(object) && runMethods.has(property)) sites.push({ file, line: lineOf(node), what: `Effect.${property}` });
    } else if (node.type === "CallExpression") {
      const callee = identifier(node["callee"]);
      if (callee && bareRuns.has(callee)) sites.push({ file, line: lineOf(node), what: `Effect.${bareRuns.get(callee)}` });
    }
  }
  return sites;
}

function isJsonCall(node: unknown, method: "parse" | "stringify"): node is AstNode {
  if (!isNode(node) || node.type !== "CallExpression" || !isNode(node["callee"])) return false;
  const callee = node["callee"];
  return callee.type === "MemberExpression" && identifier(callee["object"]) === "JSON" && identifier(callee["property"]) === method;
}

/** The expression under parentheses, `await`, `!`, `satisfies` and inner `as` casts. */
function unwrap(node: unknown): unknown {
  let current = node;
  for (;;) {
    if (!isNode(current)) return current;
    if (current.type === "AwaitExpression") current = current["argument"];
    else if (["ParenthesisExpression", "TsNonNullExpression", "TsAsExpression", "TsSatisfiesExpression", "TsTypeAssertion"].includes(current.type)) current = current["expression"];
    else return current;
  }
}

/** A `JSON.parse` that reads a document: not the clone idiom `JSON.parse(JSON.stringify(v))`. */
function documentParse(node: unknown): AstNode | undefined {
  const call = unwrap(node);
  if (!isJsonCall(call, "parse")) return undefined;
  const first = (call["arguments"] as { expression: unknown }[])[0]?.expression;
  return isJsonCall(unwrap(first), "stringify") ? undefined : call;
}

function typeText(type: unknown): string {
  if (!isNode(type)) return "?";
  if (type.type === "TsKeywordType") return type["kind"] as string;
  if (type.type === "TsTypeReference") {
    const name = type["typeName"];
    const text = identifier(name) ?? (isNode(name) && name.type === "TsQualifiedName" ? `${identifier(name["left"]) ?? "…"}.${identifier(name["right"]) ?? "…"}` : "…");
    return isNode(type["typeParams"]) ? `${text}<…>` : text;
  }
  return type.type.replace(/^Ts|Type$/g, "").toLowerCase() || "…";
}

const isUnknown = (type: unknown) => isNode(type) && type.type === "TsKeywordType" && type["kind"] === "unknown";

/** `JSON.parse` results given a type by a cast or an annotation, in one source file. */
export function castJsonParses(source: string, file = "snippet.ts"): Site[] {
  const { body, lineOf } = parse(source, file);
  const sites: Site[] = [];
  for (const node of walk(body)) {
    if (node.type === "TsAsExpression" || node.type === "TsTypeAssertion") {
      const type = node["typeAnnotation"];
      if (isUnknown(type) || !documentParse(node["expression"])) continue;
      sites.push({ file, line: lineOf(node), what: node.type === "TsAsExpression" ? `JSON.parse(…) as ${typeText(type)}` : `<${typeText(type)}>JSON.parse(…)` });
    } else if (node.type === "VariableDeclarator") {
      const id = node["id"] as AstNode;
      const annotation = isNode(id["typeAnnotation"]) ? id["typeAnnotation"]["typeAnnotation"] : undefined;
      if (!annotation || isUnknown(annotation) || !documentParse(node["init"])) continue;
      sites.push({ file, line: lineOf(node), what: `: ${typeText(annotation)} = JSON.parse(…)` });
    }
  }
  return sites;
}

/** Source files (`.ts`, not tests or test kits) under `dirs`, relative to `root`. */
export function sourceFiles(root: string, dirs: readonly string[], skip: (file: string) => boolean = () => false): string[] {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "dist") visit(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.d\.ts$|\.test\.tsx?$|\.testkit\.tsx?$/.test(entry.name)) {
        const file = relative(root, path).split("\\").join("/");
        if (!skip(file)) files.push(file);
      }
    }
  };
  for (const dir of dirs) visit(join(root, dir));
  return files.sort();
}

export function scan(root: string, files: readonly string[], check: (source: string, file: string) => Site[]): Site[] {
  return files.flatMap((file) => check(readFileSync(join(root, file), "utf8"), file));
}

export const formatSites = (sites: readonly Site[]) => sites.map((site) => `  ${site.file}:${site.line}  ${site.what}`).join("\n");
