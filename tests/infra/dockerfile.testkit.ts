/**
 * The Dockerfile read by dockerfile-ast (no Docker engine here) and checked against issue 12 §7:
 * a build stage that compiles, a final stage with production dependencies only, ffmpeg and python3,
 * a non-root user, a health check on /health, SIGTERM, and commands that exist in package.json.
 * `dockerfileProblems` returns what is wrong (empty: fine), so tests can also show it failing.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { DockerfileParser, type Copy, type Instruction } from "dockerfile-ast";

const ROOT = process.cwd();

export interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

const text = (instruction: Instruction) => (instruction.getArgumentsContent() ?? "").replace(/\s+/g, " ").trim();

/** The stages in order, each FROM's image with the ARGs before the first FROM filled in. */
export function stages(dockerfile: string): Stage[] {
  const parsed = DockerfileParser.parse(dockerfile);
  const args = new Map(parsed.getInitialARGs().map((arg) => [arg.getProperty()?.getName() ?? "", arg.getProperty()?.getValue() ?? ""]));
  const result: Stage[] = [];
  for (const instruction of parsed.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const from = parsed.getFROMs().find((candidate) => candidate.getRange().start.line === instruction.getRange().start.line)!;
      const image = (from.getImage() ?? "").replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? "");
      result.push({ name: from.getBuildStage(), image, instructions: [] });
    } else result.at(-1)?.instructions.push(instruction);
  }
  return result;
}

/** The exec-form argv of CMD/ENTRYPOINT/HEALTHCHECK CMD, or the shell string in an array of one. */
export function argv(instruction: Instruction | undefined): string[] {
  const content = (instruction?.getArgumentsContent() ?? "").replace(/\\\n/g, " ").trim();
  const exec = content.replace(/^CMD\s+/, "");
  try {
    const parsed: unknown = JSON.parse(exec);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // shell form
  }
  return [exec];
}

/** `node apps/x/dist/main.js` of an npm script such as "tsc -b && node apps/http/dist/main.js". */
export function nodeCommandOf(script: string | undefined): string[] | undefined {
  const last = script?.split("&&").at(-1)?.trim();
  return last?.startsWith("node ") ? last.split(/\s+/) : undefined;
}

/** A compiled entry point (`apps/http/dist/main.js`) exists as a source its workspace's tsconfig compiles there. */
export function sourceOf(distFile: string): string | undefined {
  const match = /^(.+)\/dist\/(.+)\.js$/.exec(distFile);
  if (!match) return undefined;
  const [, workspace, rest] = match as unknown as [string, string, string];
  const tsconfig = readFileSync(join(ROOT, workspace, "tsconfig.json"), "utf8");
  if (!/"outDir":\s*"dist"/.test(tsconfig) || !/"rootDir":\s*"src"/.test(tsconfig)) return undefined;
  const source = join(workspace, "src", `${rest}.ts`);
  return existsSync(join(ROOT, source)) ? source : undefined;
}

export interface PackageJson {
  scripts?: Record<string, string>;
  workspaces?: string[];
  dependencies?: Record<string, string>;
}

export function dockerfileProblems(dockerfile: string, pkg: PackageJson): string[] {
  const problems: string[] = [];
  const all = stages(dockerfile);
  if (all.length < 2) return [`expected a multi-stage build, found ${all.length} stage(s)`];
  for (const stage of all) {
    if (!/^node:20[\w.-]*-slim$/.test(stage.image)) problems.push(`stage ${stage.name ?? "?"} is FROM ${stage.image}, not a Node 20 slim image`);
  }
  const final = all.at(-1)!;
  const build = all.slice(0, -1).find((stage) => stage.instructions.some((instruction) => instruction.getKeyword() === "RUN" && /npm run build\b/.test(text(instruction))));
  if (!build) problems.push("no build stage runs `npm run build`");
  else {
    if (!build.name) problems.push("the build stage has no name (FROM … AS build)");
    const installs = build.instructions.filter((instruction) => instruction.getKeyword() === "RUN" && /\bnpm ci\b/.test(text(instruction)));
    if (installs.length === 0 || installs.some((instruction) => /--omit=dev|--production/.test(text(instruction)))) problems.push("the build stage does not install dev dependencies (`npm ci`) to compile");
  }
  if (!pkg.scripts?.["build"]) problems.push("package.json has no build script");

  const keyword = (name: string) => final.instructions.filter((instruction) => instruction.getKeyword() === name);
  const runs = keyword("RUN").map(text);
  if (!runs.some((run) => /\bnpm ci\b[^&;]*--omit=dev/.test(run))) problems.push("the final stage does not run `npm ci --omit=dev`");
  if (runs.some((run) => /npm run build|\btsc\b|\btsx\b/.test(run))) problems.push("the final stage compiles TypeScript; it should copy dist/ from the build stage");
  const aptInstall = runs.find((run) => /apt-get install/.test(run)) ?? "";
  for (const tool of ["ffmpeg", "python3"]) if (!new RegExp(`\\b${tool}\\b`).test(aptInstall)) problems.push(`the final stage does not install ${tool}`);

  // Every workspace's dist comes from the build stage.
  const copied = keyword("COPY")
    .filter((instruction) => (instruction as Copy).getFromFlag?.()?.getValue() === build?.name)
    .map(text);
  for (const workspace of pkg.workspaces ?? []) {
    if (!copied.some((copy) => copy.endsWith(`${workspace}/dist`) || copy.endsWith(`${workspace}/dist/`))) problems.push(`the final stage does not copy ${workspace}/dist from the build stage`);
  }

  const users = keyword("USER").map(text);
  const user = users.at(-1);
  if (!user) problems.push("the final stage runs as root (no USER)");
  else if (/^(root|0)(:|$)/.test(user)) problems.push(`the final stage runs as ${user}`);
  const cmd = keyword("CMD").at(-1);
  const lastUser = keyword("USER").at(-1);
  if (cmd && lastUser && cmd.getRange().start.line < lastUser.getRange().start.line) problems.push("USER comes after CMD");

  const health = keyword("HEALTHCHECK").at(-1);
  if (!health) problems.push("no HEALTHCHECK");
  else if (!argv(health).join(" ").includes("/health")) problems.push("the HEALTHCHECK does not ask /health");
  if (keyword("STOPSIGNAL").map(text).at(-1) !== "SIGTERM") problems.push("STOPSIGNAL is not SIGTERM");

  const command = argv(cmd);
  const start = nodeCommandOf(pkg.scripts?.["start"]);
  if (!cmd) problems.push("no CMD");
  else if (JSON.stringify(command) !== JSON.stringify(start)) problems.push(`CMD ${command.join(" ")} is not the start script's ${start?.join(" ") ?? "(none)"}`);
  else if (!sourceOf(command[1] ?? "")) problems.push(`CMD runs ${command[1]}, which no workspace compiles`);
  return problems;
}

/**
 * Every package a workspace's runtime code imports (not tests, not test kits, not `import type`)
 * is in that workspace's `dependencies`: what `npm ci --omit=dev` installs is enough to run.
 */
export function runtimeImportProblems(workspaces: string[], root = ROOT): string[] {
  const problems: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return /\.ts$/.test(name) && !/\.(test|testkit)\.ts$|\.d\.ts$/.test(name) ? [path] : [];
    });
  for (const workspace of workspaces) {
    const manifest = JSON.parse(readFileSync(join(root, workspace, "package.json"), "utf8")) as PackageJson;
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    for (const file of walk(join(root, workspace, "src"))) {
      const source = readFileSync(file, "utf8");
      const specifiers = [
        ...[...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+["']([^"']+)["']/gm)].map((match) => match[1]!),
        ...[...source.matchAll(/^\s*import\s+["']([^"']+)["']/gm)].map((match) => match[1]!),
        ...[...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]!),
        ...[...source.matchAll(/\.resolve\(\s*["']([^"'./][^"']*)["']\s*\)/g)].map((match) => match[1]!).filter((name) => !/^[A-Z]/.test(name)),
      ];
      for (const specifier of specifiers) {
        if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
        const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
        if (!declared.has(name)) problems.push(`${file.slice(root.length + 1)} imports ${name}, which is not in ${workspace}'s dependencies`);
      }
    }
  }
  return [...new Set(problems)];
}
