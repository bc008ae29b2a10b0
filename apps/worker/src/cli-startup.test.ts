import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lazyPackageModules, recordLoadedModules } from "../../../tests/support/loaded-modules.testkit.js";

/** Issue 11, start-up: `parallax --help` is a quick shell tool, loading no command's module. */
describe("parallax --help", () => {
  it("prints the commands having loaded the CLI alone, no command and no heavy package", async () => {
    const recording = await recordLoadedModules();
    const cli = join(process.cwd(), "apps/worker/src/cli.ts");
    const run = spawnSync(process.execPath, [...recording.nodeArgs, "--conditions=source", "--import", "tsx", cli, "--help"], {
      env: { ...process.env, ...recording.env },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("usage: parallax <command>");
    const loaded = await recording.loaded();
    expect(loaded.some((url) => url.endsWith("/apps/worker/src/cli.ts"))).toBe(true);
    expect(loaded.filter((url) => url.includes("/apps/worker/src/commands/") && !url.endsWith("/commands/usages.ts"))).toEqual([]);
    expect(loaded.filter((url) => url.includes("/packages/"))).toEqual([]);
    expect(lazyPackageModules(loaded)).toEqual([]);
  }, 60_000);

  // The commands that run the composition root (~0.5 s of CPU) load it only once their flags are read.
  it.each(["worker", "migrate-jobs", "backfill-job-owners", "track", "track-task", "detect"])("`parallax %s --help` loads none of Parallax's packages", async (command) => {
    const recording = await recordLoadedModules();
    const cli = join(process.cwd(), "apps/worker/src/cli.ts");
    const run = spawnSync(process.execPath, [...recording.nodeArgs, "--conditions=source", "--import", "tsx", cli, command, "--help"], {
      env: { ...process.env, ...recording.env },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`usage: parallax ${command}`);
    const loaded = await recording.loaded();
    expect(loaded.filter((url) => url.includes("/packages/"))).toEqual([]);
    expect(lazyPackageModules(loaded)).toEqual([]);
  }, 60_000);
});
