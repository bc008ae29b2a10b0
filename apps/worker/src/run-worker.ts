import { Log, createContainer, type Config, type Logger } from "@parallax/adapters";
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import { StoreReadiness } from "@parallax/application";
import { JobWorker, QueueMetrics } from "@parallax/application/jobs";

export interface RunWorkerOptions {
  /** Replace the logger `LOG_LEVEL` makes. */
  readonly logger?: Logger;
}

/**
 * The headless worker: this process's `JobWorker` and logger, resolved once from a container
 * built for `config`, once the configured stores answer, claiming and running jobs from the shared store until `stopWhen`
 * settles (with the reason, e.g. a signal's name). Then it stops claiming, lets running jobs
 * finish for WORKER_DRAIN_MS and releases the rest to the queue. With METRICS_NAMESPACE set it
 * also publishes the queue's metrics (EMF lines on stdout) every METRICS_INTERVAL_S while it runs.
 */
export async function runWorker(config: Config, stopWhen: Promise<string>, options: RunWorkerOptions = {}): Promise<void> {
  const container = createContainer(config, options.logger ? { logger: options.logger } : {});
  const logger = container.get<Logger>(Log).child({ capability: "jobs" });
  const worker = container.get(JobWorker);
  // The stores answer first (STORAGE=aws: the table ACTIVE, the bucket reachable; CREATE_TABLES makes them).
  const readiness = container.get<StoreReadiness>(StoreReadiness);
  let stopping: string | undefined;
  void stopWhen.then((reason) => (stopping = reason));
  for (;;) {
    const ready = await Effect.runPromise(Effect.result(readiness.check));
    if (ready._tag === "Success") break;
    logger.warn({ detail: ready.failure.message }, "waiting for the stores to answer");
    await Promise.race([stopWhen, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    if (stopping !== undefined) return;
  }
  worker.start();
  const metrics = config.METRICS_NAMESPACE ? Effect.runFork(container.get(QueueMetrics).run) : undefined;
  logger.info({ worker: worker.id, concurrency: worker.settings.concurrency, dataDir: config.DATA_DIR, metrics: config.METRICS_NAMESPACE ?? null }, "worker ready");
  const reason = await stopWhen;
  logger.info({ signal: reason, running: worker.runningJobs.length }, "stopping: no new claims; finishing or releasing running jobs");
  if (metrics) await Effect.runPromise(Fiber.interrupt(metrics));
  await worker.stop(config.WORKER_DRAIN_MS);
  logger.info("worker stopped");
}
