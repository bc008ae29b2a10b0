import * as Effect from "effect/Effect";
import { heartbeat, type Job } from "@parallax/domain/jobs";
import type { Clock } from "../../../shared/clock.port.js";
import type { JobStore } from "../../ports/job-store.port.js";
import { modifyJob } from "../../modify-job.js";
import type { Wakeup } from "../../wakeup.js";
import type { RunLease } from "./run-lease.js";
import type { RunOutcome } from "./run-outcome.js";

export interface WatchSettings {
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  /** How often a running job re-reads the store for a cancel request from another process. */
  readonly cancelPollMs: number;
}

/** What one look at the stored job decided: go on, or the run ends this way. */
type Look = RunOutcome | "go on";

/**
 * Watches a running job in the store until its run must end: a cancel request (from any
 * process), or the lease gone (someone else holds it, or a heartbeat was refused). Renews
 * the lease every `heartbeatMs`, each time under a fresh token (`RunLease`). Looks every `min(cancelPollMs, heartbeatMs)`, or at once
 * when `poke` is notified (a cancel requested in this process). A failed read or
 * heartbeat is logged and tried again at the next look.
 */
export function watchRun(deps: { store: JobStore; clock: Clock }, settings: WatchSettings, job: Job, lease: RunLease, poke: Wakeup): Effect.Effect<RunOutcome> {
  const now = () => deps.clock.now().getTime();
  let lastBeat = now();

  const renewLease = Effect.suspend(() => {
    const nextToken = lease.drawNext();
    return modifyJob(deps.store, job.id, (latest) => heartbeat(latest, { token: lease.tokenFor(latest), nextToken, now: now(), leaseMs: settings.leaseMs }));
  }).pipe(
    Effect.tap((written) => Effect.sync(() => {
      lease.confirm(written);
      lastBeat = now();
    })),
    Effect.as<Look>("go on"),
    Effect.catchTag("IllegalTransition", () => Effect.succeed<Look>({ kind: "lease_lost", reason: "heartbeat refused" })),
    Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: heartbeat not written; trying again`, error), "go on" as const)),
  );

  const look: Effect.Effect<Look> = deps.store.get(job.id).pipe(
    Effect.flatMap((current): Effect.Effect<Look> => {
      if (!lease.holds(current)) {
        return Effect.succeed({ kind: "lease_lost", reason: `job is ${current.status}, lease held by ${current.lease?.owner ?? "nobody"}` });
      }
      if (current.cancelRequested) return Effect.succeed({ kind: "cancelled" });
      return now() - lastBeat >= settings.heartbeatMs ? renewLease : Effect.succeed("go on");
    }),
    Effect.catch((error) => Effect.as(Effect.logWarning(`job ${job.id}: not re-read for cancel and lease checks; trying again`, error), "go on" as const)),
  );

  const interval = Math.min(settings.cancelPollMs, settings.heartbeatMs);
  const watch: Effect.Effect<RunOutcome> = Effect.andThen(poke.wait(interval), look).pipe(
    Effect.flatMap((seen) => (seen === "go on" ? watch : Effect.succeed(seen))),
  );
  return Effect.suspend(() => {
    lastBeat = now();
    return watch;
  });
}
