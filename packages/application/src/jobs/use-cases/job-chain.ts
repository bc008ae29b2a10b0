import * as Effect from "effect/Effect";
import type { StorageFailure } from "@parallax/domain";
import { MAX_CHAIN_JOBS, followUpIds, isTerminal, toClientJobView, type Job, type JobView } from "@parallax/domain/jobs";
import type { PipelineJobs } from "./pipeline-jobs.js";

/** A chain (domain `chain.ts`), the job it starts from first. */
export type Chain = readonly [Job, ...Job[]];

const find = (service: PipelineJobs, id: string) =>
  service.get(id).pipe(
    Effect.map((job): Job | undefined => job),
    Effect.catchTag("NotFound", () => Effect.succeed(undefined)),
  );

/** The chain that starts at `job`, breadth first; just `[job]` when it is longer than MAX_CHAIN_JOBS. */
export function loadChain(service: PipelineJobs, job: Job): Effect.Effect<Chain, StorageFailure> {
  return Effect.gen(function* () {
    const chain: [Job, ...Job[]] = [job];
    for (let index = 0; index < chain.length; index++) {
      for (const id of followUpIds(chain[index]!)) {
        const next = yield* find(service, id);
        if (next === undefined) continue;
        if (chain.length >= MAX_CHAIN_JOBS) return [job];
        chain.push(next);
      }
    }
    return chain;
  });
}

/** The job a client submitted, at the top of the chain `job` is in (`job` itself past MAX_CHAIN_JOBS). */
export function chainRoot(service: PipelineJobs, job: Job): Effect.Effect<Job, StorageFailure> {
  return Effect.gen(function* () {
    let current = job;
    for (let depth = 0; current.triggeredBy; depth++) {
      if (depth >= MAX_CHAIN_JOBS) return job;
      const parent = yield* find(service, current.triggeredBy);
      if (parent === undefined) return current;
      current = parent;
    }
    return current;
  });
}

/** §C's view of a loaded chain: its state, and the last `output[]` lines of all its jobs. */
export function chainView(service: PipelineJobs, chain: Chain): Effect.Effect<JobView, StorageFailure> {
  return Effect.forEach(chain, (job) => service.outputTail(job.id)).pipe(
    Effect.map((outputs) => toClientJobView(chain, outputs.flat().slice(-service.outputLines))),
  );
}

/** §C's view of a job: `GET /api/jobs/{id}` and `/api/status` read a job with its follow-ups. */
export function clientJobView(service: PipelineJobs, job: Job): Effect.Effect<JobView, StorageFailure> {
  return loadChain(service, job).pipe(Effect.flatMap((chain) => chainView(service, chain)));
}

/** How many chain ends are remembered to announce each once; older ones cannot end again but by a retry. */
const REMEMBERED_ENDS = 1_000;

/**
 * Turns the ends of jobs into the ends of chains, for §C's `/api/logs`: the annotation UI
 * waits for one `complete` per job it started. A job's end that leaves its chain open says
 * nothing (the still open jobs are handed to `watch`, so their ends are seen even when
 * another process runs them); the end that closes it gives the chain, once, however many
 * of its jobs end together. A retried job reopens its chain, which then ends again.
 */
export class ChainEnds {
  private readonly announced = new Set<string>();

  constructor(
    private readonly service: PipelineJobs,
    private readonly watch: (jobId: string) => void,
  ) {}

  ended(job: Job): Effect.Effect<Chain | undefined, StorageFailure> {
    const self = this;
    return Effect.gen(function* () {
      const root = yield* chainRoot(self.service, job);
      const chain = yield* loadChain(self.service, root);
      const open = chain.filter((member) => !isTerminal(member.status));
      if (open.length > 0) {
        for (const member of open) self.watch(member.id);
        return undefined;
      }
      // Versions change with every write, so a retried and again ended chain is a new end.
      const key = chain.map((member) => `${member.id}@${member.version}`).join(" ");
      if (self.announced.has(key)) return undefined;
      self.announced.add(key);
      if (self.announced.size > REMEMBERED_ENDS) self.announced.delete(self.announced.values().next().value!);
      return chain;
    });
  }
}
