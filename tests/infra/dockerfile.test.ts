// The Dockerfile (issue 12 §7), read with dockerfile-ast since no Docker engine is here: stages,
// user, health check, stop signal, and commands that package.json and the Terraform agree on.
// Each rule is also broken on an edited copy, to show that the check fails.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@parallax/adapters";
import { dockerfileProblems, nodeCommandOf, runtimeImportProblems, sourceOf, stages, type PackageJson } from "./dockerfile.testkit.js";
import { loadTerraform } from "./terraform.testkit.js";
import { containerOf } from "./terraform-services.testkit.js";

const root = process.cwd();
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;

function edit(from: string | RegExp, to: string): string {
  const changed = dockerfile.replace(from, to);
  if (changed === dockerfile) throw new Error(`edit did not apply: ${String(from)}`);
  return changed;
}

describe("Dockerfile", () => {
  it("builds in one stage and runs production dependencies as a non-root user in a Node 20 slim final stage with ffmpeg, python3, HEALTHCHECK /health and STOPSIGNAL SIGTERM", () => {
    expect(dockerfileProblems(dockerfile, pkg)).toEqual([]);
    expect(stages(dockerfile).map((stage) => stage.name)).toEqual(["build", "runtime"]);
  });

  it("fails the check when a rule is broken", () => {
    expect(dockerfileProblems(edit("USER node\n", ""), pkg)).toEqual(["the final stage runs as root (no USER)"]);
    expect(dockerfileProblems(edit("USER node\n", "USER root\n"), pkg)).toEqual(["the final stage runs as root"]);
    expect(dockerfileProblems(edit("npm ci --omit=dev", "npm ci"), pkg)).toEqual(["the final stage does not run `npm ci --omit=dev`"]);
    expect(dockerfileProblems(edit(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ""), pkg)).toEqual(["no HEALTHCHECK"]);
    expect(dockerfileProblems(edit("/health'", "/'"), pkg)).toEqual(["the HEALTHCHECK does not ask /health"]);
    expect(dockerfileProblems(edit("STOPSIGNAL SIGTERM", "STOPSIGNAL SIGKILL"), pkg)).toEqual(["STOPSIGNAL is not SIGTERM"]);
    expect(dockerfileProblems(edit(" ffmpeg python3 ", " python3 "), pkg)).toEqual(["the final stage does not install ffmpeg"]);
    expect(dockerfileProblems(edit("COPY --from=build /srv/parallax/apps/worker/dist apps/worker/dist\n", ""), pkg)).toEqual([
      "the final stage does not copy apps/worker/dist from the build stage",
    ]);
    expect(dockerfileProblems(edit('CMD ["node", "apps/http/dist/main.js"]', 'CMD ["npx", "tsx", "apps/http/src/main.ts"]'), pkg)).toEqual([
      "CMD npx tsx apps/http/src/main.ts is not the start script's node apps/http/dist/main.js",
    ]);
    expect(dockerfileProblems(edit(/ARG NODE_IMAGE=.*/, "ARG NODE_IMAGE=node:18-slim"), pkg)).toHaveLength(2);
    expect(dockerfileProblems(dockerfile, { ...pkg, scripts: { ...pkg.scripts, build: "" } })).toContain("package.json has no build script");
  });

  it("the commands exist: the host's CMD is `npm start`'s, the workers' command (Terraform) is `npm run worker`'s, both compiled from a source", async () => {
    const host = nodeCommandOf(pkg.scripts?.["start"]);
    const worker = nodeCommandOf(pkg.scripts?.["worker"]);
    expect(host).toEqual(["node", "apps/http/dist/main.js"]);
    expect(worker).toEqual(["node", "apps/worker/dist/main.js"]);
    expect(sourceOf(host![1]!)).toBe("apps/http/src/main.ts");
    expect(sourceOf(worker![1]!)).toBe("apps/worker/src/main.ts");
    const terraform = await loadTerraform();
    expect(containerOf(terraform, "aws_ecs_service.host")?.container["command"]).toEqual(host);
    expect(containerOf(terraform, "aws_ecs_service.worker")?.container["command"]).toEqual(worker);
  });

  it("exposes the port the host listens on by default, the one the Terraform gives it", async () => {
    const port = loadConfig({}).PORT;
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, "m"));
    expect(dockerfile).toMatch(new RegExp(`PORT=${port}\\b`));
    const terraform = await loadTerraform();
    expect(terraform.variables.get("app_port")?.["default"]).toBe(port);
  });

  it("`npm ci --omit=dev` is enough: every package the runtime code imports is in its workspace's dependencies", () => {
    expect(runtimeImportProblems(pkg.workspaces ?? [])).toEqual([]);
    expect(pkg.workspaces?.length).toBeGreaterThan(0);
    // tsx and typescript are dev tools: the image runs dist/ only.
    for (const workspace of pkg.workspaces ?? []) {
      const manifest = JSON.parse(readFileSync(join(root, workspace, "package.json"), "utf8")) as PackageJson;
      expect(Object.keys(manifest.dependencies ?? {})).not.toContain("tsx");
    }
  });

  it("the runtime import check fails on a package only the dev dependencies bring", () => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-imports-"));
    try {
      mkdirSync(join(dir, "pkg/src"), { recursive: true });
      writeFileSync(join(dir, "pkg/package.json"), JSON.stringify({ dependencies: { zod: "4.6.7" } }));
      writeFileSync(join(dir, "pkg/src/a.ts"), 'import { z } from "zod";\nimport type { Server } from "koa";\nimport "node:fs";\nconst m = await import("tsx");\n');
      writeFileSync(join(dir, "pkg/src/a.test.ts"), 'import { it } from "vitest";\n');
      expect(runtimeImportProblems(["pkg"], dir)).toEqual(["pkg/src/a.ts imports tsx, which is not in pkg's dependencies"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(".dockerignore keeps node_modules, dist, .git and local data out of the context", () => {
    const ignore = readFileSync(join(root, ".dockerignore"), "utf8").split("\n").map((line) => line.trim());
    for (const entry of ["**/node_modules", "**/dist", ".git", "/data"]) expect(ignore).toContain(entry);
  });
});
