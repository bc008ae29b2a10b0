import { Effect, Fiber } from "effect";
import type { Container } from "inversify";
import type { Config, Logger } from "@parallax/adapters";
import { Clock } from "@parallax/application";
import {
  AnnotationStore,
  ChainEnds,
  JobStore,
  LogStore,
  PipelineCatalogToken,
  Workspace,
  type JobFeed,
  type JobService,
  type JobWorker,
  type PipelineCatalog,
} from "@parallax/application/jobs";
import { JobFeedToken, JobServiceToken, createJobWorker, workerSettings } from "@parallax/adapters/jobs";

/** Everything one host's jobs routes need, resolved once from its container. */
export class JobsRuntime {
  readonly service: JobService;
  readonly feed: JobFeed;
  readonly store: JobStore;
  readonly logs: LogStore;
  readonly catalog: PipelineCatalog;
  readonly workspace: Workspace;
  readonly annotations: AnnotationStore;
  readonly chainEnds: ChainEnds;
  readonly clock: Clock;
  worker: JobWorker | undefined;
  private started = false;
  private feedFiber: Fiber.Fiber<never> | undefined;

  constructor(
    private readonly container: Container,
    readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.service = container.get<JobService>(JobServiceToken);
    this.feed = container.get<JobFeed>(JobFeedToken);
    this.store = container.get<JobStore>(JobStore);
    this.logs = container.get<LogStore>(LogStore);
    this.catalog = container.get<PipelineCatalog>(PipelineCatalogToken);
    this.workspace = container.get<Workspace>(Workspace);
    this.annotations = container.get<AnnotationStore>(AnnotationStore);
    this.clock = container.get<Clock>(Clock);
    this.chainEnds = new ChainEnds(this.service, (jobId) => this.feed.follow(jobId));
  }

  get isStarted(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.feedFiber = Effect.runFork(this.feed.run);
    if (this.config.WORKER !== "embedded") return;
    const log = this.logger.child({ capability: "jobs" });
    this.worker = createJobWorker(this.container, workerSettings(this.config), {
      onActivity: (jobId) => this.feed.wake(jobId),
      onClaimed: (job) => log.info({ jobId: job.id, pipeline: job.pipeline, attempt: job.attempt }, "job started"),
      onLeaseExpired: (job) => log.warn({ jobId: job.id, history: job.history.at(-1) }, "job lease expired; recovered"),
      onError: (error) => log.error({ err: error }, "job worker error"),
    });
    this.worker.start();
    log.info({ worker: this.worker.id, concurrency: this.worker.settings.concurrency }, "embedded job worker started");
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.worker?.stop(this.config.WORKER_DRAIN_MS);
    if (this.feedFiber) await Effect.runPromise(Fiber.interrupt(this.feedFiber));
    this.feedFiber = undefined;
  }
}
