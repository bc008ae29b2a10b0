import { Container, ContainerModule } from "inversify";
import { Clock, IdGenerator, StoreReadiness } from "@parallax/application";
import * as Effect from "effect/Effect";
import { AwsClients } from "../aws/aws-clients.js";
import { AwsStoreReadiness } from "../aws/aws-readiness.js";
import { SystemClock } from "../shared/system-clock.js";
import { TimeOrderedIdGenerator } from "../shared/time-ordered-id-generator.js";
import { Log, createLogger, type Logger } from "../shared/logger.js";
import { usesAws, type Config } from "./config.js";
import { authModule } from "../auth/auth.module.js";
import { notebookModule } from "../notebook/notebook.module.js";
import { reactiveModule } from "../reactive/reactive.module.js";
import { jobsModule } from "../jobs/jobs.module.js";
import { trackingModule } from "../tracking/tracking.module.js";
import { trackingRunner } from "../tracking/tracking.config.js";
import { trackingTaskPipeline } from "../tracking/tracking-task.pipeline.js";
import { assistantModule } from "../assistant/assistant.module.js";

/** Each capability contributes one module that binds its ports to the adapters `config` selects. */
const capabilityModules: Array<(config: Config, aws: AwsClients) => ContainerModule> = [
  notebookModule,
  reactiveModule,
  // Queued processing tasks are jobs of a built-in pipeline (TRACKING_RUNNER=queue).
  (config, aws) => jobsModule(config, trackingRunner(config) === "queue" ? [trackingTaskPipeline(config)] : [], aws),
  trackingModule,
  // After reactive: the assistant's use case acts through ReactiveNotebooks.
  assistantModule,
];

export interface RootOptions {
  /** Replace the default logger (tests pass a silent one). */
  logger?: Logger;
  /** The AWS clients of the stores (tests pass ones with local credentials); made from `config` by default. */
  aws?: AwsClients;
}

/**
 * The one composition root shared by apps/http and apps/worker. Library users may call
 * `container.rebind(Token)` afterwards to swap any port for their own adapter.
 */
export function createContainer(config: Config, options: RootOptions = {}): Container {
  const container = new Container({ defaultScope: "Singleton" });
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  container.bind<Logger>(Log).toConstantValue(logger);
  container.bind<Clock>(Clock).toConstantValue(new SystemClock());
  container.bind<IdGenerator>(IdGenerator).toConstantValue(new TimeOrderedIdGenerator());
  container.load(authModule(config, logger));
  // One set of clients for every store on AWS; nothing is built until a store uses it.
  const aws = options.aws ?? new AwsClients(config);
  container.bind<AwsClients>(AwsClients).toConstantValue(aws);
  container
    .bind<StoreReadiness>(StoreReadiness)
    .toConstantValue(usesAws(config) ? new AwsStoreReadiness(aws, { createMissing: config.CREATE_TABLES }) : { check: Effect.void });
  for (const module of capabilityModules) container.load(module(config, aws));
  return container;
}
