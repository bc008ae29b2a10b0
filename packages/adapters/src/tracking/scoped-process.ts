import { spawn, type ChildProcess } from "node:child_process";
import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import type * as Scope from "effect/Scope";

/**
 * A child process whose life is a scope's (in its own process group): closing the scope (the stream ended, was interrupted or
 * failed) closes our end of its pipes, sends SIGTERM, then SIGKILL after the grace period, and
 * completes only once the process has exited. Output is pulled: nothing is read from stdout
 * until the consumer asks, so the pipe's own buffer is all that is ever held.
 */
export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ScopedProcess {
  readonly pid: number;
  readonly stdout: Stream.Stream<Uint8Array, Error>;
  readonly stderr: Stream.Stream<Uint8Array, Error>;
  /** Completes when the process has exited and its pipes are closed. */
  readonly closed: Effect.Effect<ProcessExit>;
}

export function spawnScoped(command: string, args: readonly string[], killGraceMs: number): Effect.Effect<ScopedProcess, Error, Scope.Scope> {
  return Effect.acquireRelease(start(command, args), (process) => stop(process.child, process.exited, killGraceMs)).pipe(
    Effect.map(({ child, closed }) => ({
      pid: child.pid!,
      stdout: Stream.fromAsyncIterable<Uint8Array, Error>(child.stdout!, toError),
      stderr: Stream.fromAsyncIterable<Uint8Array, Error>(child.stderr!, toError),
      closed: Deferred.await(closed),
    })),
  );
}

interface Started {
  readonly child: ChildProcess;
  readonly exited: Deferred.Deferred<ProcessExit>;
  readonly closed: Deferred.Deferred<ProcessExit>;
}

function start(command: string, args: readonly string[]): Effect.Effect<Started, Error> {
  return Effect.callback<Started, Error>((resume) => {
    const exited = Deferred.makeUnsafe<ProcessExit>();
    const closed = Deferred.makeUnsafe<ProcessExit>();
    // Its own process group: only the scope stops it. A signal to our group (a job worker stopping
    // a `track-task` process, Ctrl-C in a terminal) would otherwise kill ffmpeg at the same time as
    // it reaches us, and the task would fail on a killed decoder instead of recording its cancel.
    // Should this process die without closing the scope, ffmpeg's next write to the pipe fails and it exits.
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], shell: false, detached: true });
    child.once("exit", (exitCode, signal) => Deferred.doneUnsafe(exited, Effect.succeed({ exitCode, signal })));
    child.once("close", (exitCode, signal) => Deferred.doneUnsafe(closed, Effect.succeed({ exitCode, signal })));
    let spawned = false;
    child.once("spawn", () => {
      spawned = true;
      resume(Effect.succeed({ child, exited, closed }));
    });
    // Before 'spawn' an error means it never started; later ones (a failed kill) change nothing,
    // but a listener must stay or Node would throw them.
    child.on("error", (error) => {
      if (!spawned) resume(Effect.fail(error));
    });
  });
}

function stop(child: ChildProcess, exited: Deferred.Deferred<ProcessExit>, killGraceMs: number): Effect.Effect<void> {
  return Effect.gen(function* () {
    // Unread output would otherwise keep ffmpeg blocked in write() and deaf to SIGTERM.
    child.stdout?.destroy();
    child.stderr?.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const graceful = yield* Deferred.await(exited).pipe(Effect.timeoutOption(Duration.millis(killGraceMs)));
    if (graceful._tag === "None") {
      child.kill("SIGKILL");
      yield* Deferred.await(exited);
    }
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
