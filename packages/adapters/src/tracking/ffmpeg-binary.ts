import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import * as Effect from "effect/Effect";

/**
 * Which ffmpeg to run: the system's (on PATH) first, since distributions keep it patched and it
 * decodes more formats; else the static build that @ffmpeg-installer ships inside its npm package,
 * so a fresh machine decodes video with nothing installed by hand. Absent both, the answer is the
 * bare name, and starting it fails with the reason.
 */
export function findOnPath(program: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here, or not executable: try the next directory.
    }
  }
  return undefined;
}

export const locateFfmpeg: Effect.Effect<string> = Effect.suspend(() => {
  const system = findOnPath("ffmpeg");
  if (system !== undefined) return Effect.succeed(system);
  return Effect.tryPromise(() => import("@ffmpeg-installer/ffmpeg")).pipe(
    Effect.map((installer) => installer.default.path),
    Effect.orElseSucceed(() => "ffmpeg"),
  );
});
