import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { castJsonParses, effectRunSites, formatSites, scan, sourceFiles } from "./idiom.testkit.js";

/**
 * Two guards of the house idiom (issue 8, acceptance): effects are run once, at the edge, and a
 * stored document is parsed with a schema, never cast. Each check is first tested on snippets.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `Effect.run*` sites allowed in packages/*\/src outside tests, test kits and the Promise facade
 * (`application/src/shared/promise-facade.ts`, whose one job is to run a program as a Promise).
 * Apps are the edge and are not counted. Issue 8 took the library packages from 8 such sites
 * (the job worker, the jobs module, the coalescing writer, the notebook session, a test fixture)
 * to none: a new one goes through the facade, or raises this with its reason beside the site.
 */
const MAX_EFFECT_RUN_SITES = 0;

const effectRunScope = () =>
  sourceFiles(root, ["packages"], (file) =>
    !/^packages\/[^/]+\/src\//.test(file) ||
    file === "packages/application/src/shared/promise-facade.ts" ||
    // the application test kit (@parallax/application/testing) is test code, left out of dist as test kits are
    file.startsWith("packages/application/src/testing/"),
  );

describe("effectRunSites", () => {
  it("finds calls and references of Effect.run* and nothing in comments, strings or look-alikes", () => {
    const source = [
      'import { Effect } from "effect";',
      "// Effect.runSync(in a comment)",
      'const s = "Effect.runPromise(in a string)";',
      "const t = `Effect.runFork(${s})`;",
      "Effect.runSync(Effect.succeed(1)); // × multi-byte text before the next line",
      "await Effect.runPromise(program).then(() => Effect.runPromiseExit(other));",
      "pipe(program, Effect.runFork);",
      "Effect.map(program, (x) => x); other.runPromise(x); Effect.runSyncish(x);",
      "Effect.runCallback(program);",
    ].join("\n");
    expect(effectRunSites(source).map((site) => [site.line, site.what])).toEqual([
      [5, "Effect.runSync"],
      [6, "Effect.runPromise"],
      [6, "Effect.runPromiseExit"],
      [7, "Effect.runFork"],
      [9, "Effect.runCallback"],
    ]);
  });

  it("follows the Effect module under another name and named imports of its run functions", () => {
    const source = [
      'import { Effect as E } from "effect";',
      'import * as Fx from "effect/Effect";',
      'import { runSyncExit, runPromise as go } from "effect/Effect";',
      "E.runSync(a); Fx.runFork(b); runSyncExit(c); go(d); runPromise(e);",
    ].join("\n");
    expect(effectRunSites(source).map((site) => site.what)).toEqual(["Effect.runSync", "Effect.runFork", "Effect.runSyncExit", "Effect.runPromise"]);
  });

  it("counts lines the same however many files were parsed before", () => {
    const source = "#!/usr/bin/env node\n/* a — b */\n\nEffect.runSync(x);\n";
    expect(effectRunSites(source)).toEqual(effectRunSites(source));
    expect(effectRunSites(source, "a.ts")).toEqual([{ file: "a.ts", line: 4, what: "Effect.runSync" }]);
  });
});

describe("castJsonParses", () => {
  const lines = (source: string) => castJsonParses(source).map((site) => [site.line, site.what]);

  it("finds a JSON.parse result given a type by `as`, `<T>` or an annotation, also through await, parentheses and `as unknown as`", () => {
    const source = [
      "const a = JSON.parse(text) as Job;",
      "const b = (JSON.parse(await readFile(path, 'utf8')) as Job);",
      "const c = (await JSON.parse(text)) as Claim;",
      "const d = JSON.parse(text) as unknown as Job;",
      "const e = <Job>JSON.parse(text);",
      "const f: Job = JSON.parse(text);",
      "const [g, h]: [string, number] = JSON.parse(text);",
      "const i = JSON.parse(text)! as Partial<Doc>;",
      "const j = JSON.parse(text) as Api.Job;",
    ].join("\n");
    expect(lines(source)).toEqual([
      [1, "JSON.parse(…) as Job"],
      [2, "JSON.parse(…) as Job"],
      [3, "JSON.parse(…) as Claim"],
      [4, "JSON.parse(…) as Job"],
      [5, "<Job>JSON.parse(…)"],
      [6, ": Job = JSON.parse(…)"],
      [7, ": tuple = JSON.parse(…)"],
      [8, "JSON.parse(…) as Partial<…>"],
      [9, "JSON.parse(…) as Api.Job"],
    ]);
  });

  it("passes schema parsing, `as unknown`, the clone idiom, other parse methods, comments and strings", () => {
    const source = [
      "const a = JobSchema.parse(JSON.parse(text));",
      "const b = JSON.parse(text) as unknown;",
      "const c: unknown = JSON.parse(text);",
      "const d = JSON.parse(JSON.stringify(value)) as JsonValue;",
      "const e = schema.parse(text) as Job;",
      "// const f = JSON.parse(text) as Job;",
      'const g = "JSON.parse(text) as Job";',
      "const h = JSON.parse(text);",
      "const i = (row as Row).doc;",
    ].join("\n");
    expect(lines(source)).toEqual([]);
  });
});

describe("the idiom holds in the repository", () => {
  it(`runs effects at the edge: at most ${MAX_EFFECT_RUN_SITES} Effect.run* sites in packages/*/src outside tests, test kits and the Promise facade`, () => {
    const sites = scan(root, effectRunScope(), effectRunSites);
    expect(sites.length, `${sites.length} Effect.run* sites (limit ${MAX_EFFECT_RUN_SITES}); return the effect and run it in an app or through runAsPromise:\n${formatSites(sites)}`).toBeLessThanOrEqual(MAX_EFFECT_RUN_SITES);
  });

  it("parses documents with a schema: no JSON.parse result is cast to a type in packages/*/src or apps/*/src outside tests and test kits", () => {
    const files = sourceFiles(root, ["packages", "apps"], (file) => !/^(packages|apps)\/[^/]+\/src\//.test(file) || file.startsWith("packages/application/src/testing/"));
    const sites = scan(root, files, castJsonParses);
    expect(sites.length, `${sites.length} JSON.parse results cast to a type; parse them with a zod schema where they are read (a document that does not parse is a StorageFailure naming it):\n${formatSites(sites)}`).toBe(0);
  });
});
