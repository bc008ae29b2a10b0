import { Effect, Stream } from "effect";
import { LEASE_TOKEN_ENV, type ProcessRunner, type ProcessSpec } from "@parallax/application/jobs";

/** What a scripted process does: writes `lines`, then exits with `exitCode` after `exitAfterMs` of effect time (never, when absent). */
export interface Script {
  readonly lines?: readonly string[];
  readonly exitAfterMs?: number;
  readonly exitCode?: number;
}

export interface ScriptedRunner extends ProcessRunner {
  /** Lease tokens of the processes started, in order. */
  readonly started: string[];
  /** Lease tokens of the processes whose scope closed (exited or stopped). */
  readonly ended: string[];
  /** Lease tokens `stopOrphans` was asked about. */
  readonly orphanSweeps: string[];
}

/**
 * A `ProcessRunner` without processes, for timing tests on `TestClock`: each run follows the
 * script its spec's command names (argv[0]); its sleeps are effect's, so the clock drives them.
 */
export function scriptedRunner(scripts: Readonly<Record<string, Script>>, orphans = 0): ScriptedRunner {
  const started: string[] = [];
  const ended: string[] = [];
  const orphanSweeps: string[] = [];
  return {
    started,
    ended,
    orphanSweeps,
    run: (spec: ProcessSpec) =>
      Effect.gen(function* () {
        const token = spec.env[LEASE_TOKEN_ENV] ?? "";
        const script = scripts[spec.command[0] ?? ""] ?? {};
        started.push(token);
        yield* Effect.addFinalizer(() => Effect.sync(() => ended.push(token)));
        const lived = script.exitAfterMs === undefined ? Effect.never : Effect.sleep(script.exitAfterMs);
        const lines = Stream.fromIterable((script.lines ?? []).map((message) => ({ stream: "stdout" as const, message })));
        return { lines: Stream.concat(lines, Stream.drain(Stream.fromEffect(lived))), exit: Effect.succeed({ exitCode: script.exitCode ?? 0, signal: null }) };
      }),
    stopOrphans: (token) => Effect.sync(() => (orphanSweeps.push(token), orphans)),
  };
}
