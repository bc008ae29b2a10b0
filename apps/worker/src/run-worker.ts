import { Log, createContainer, type Config, type Logger } from "@parallax/adapters";
import { JobWorker } from "@parallax/application/jobs";

export interface RunWorkerOptions {
  /** Replace the logger `LOG_LEVEL` makes. */
  readonly logger?: Logger;
}

/**
 * The headless worker: this process's `JobWorker` and logger, resolved once from a container
 * built for `config`, claiming and running jobs from the shared store until `stopWhen`
 * settles (with the reason, e.g. a signal's name). Then it stops claiming, lets running jobs
 * finish for WORKER_DRAIN_MS and releases the rest to the queue.
 */
export async function runWorker(config: Config, stopWhen: Promise<string>, options: RunWorkerOptions = {}): Promise<void> {
  const container = createContainer(config, options.logger ? { logger: options.logger } : {});
  const logger = container.get<Logger>(Log).child({ capability: "jobs" });
  const worker = container.get(JobWorker);
  worker.start();
  logger.info({ worker: worker.id, concurrency: worker.settings.concurrency, dataDir: config.DATA_DIR }, "worker ready");
  const reason = await stopWhen;
  logger.info({ signal: reason, running: worker.runningJobs.length }, "stopping: no new claims; finishing or releasing running jobs");
  await worker.stop(config.WORKER_DRAIN_MS);
  logger.info("worker stopped");
}
