import type { Container } from "inversify";
import { Clock } from "@parallax/application";
import { AnnotationStore, JobFeed, PipelineJobs, JobWorker, PipelineCatalog, Workspace } from "@parallax/application/jobs";
import { SpatialNotebooks } from "@parallax/application/notebook";
import { NotebookAssistant, ReactiveAuthenticator, ReactiveNotebooks } from "@parallax/application/reactive";
import { TaskEventLog, TaskQueue, TrackingTasksDeps } from "@parallax/application/tracking";
import type { HostModule } from "./host-module.js";
import { notebookHost } from "../notebook/notebook.host.js";
import { reactiveHost } from "../reactive/reactive.host.js";
import { jobsHost, type JobsHostDeps } from "../jobs/jobs.host.js";
import { trackingHost } from "../tracking/tracking.host.js";

/**
 * Every capability's host module, in registration order, each given the use cases it serves:
 * this is where the host resolves them from the container, once, so route code never looks
 * one up.
 */
export function allHostModules(container: Container): HostModule[] {
  const queueing = () => ({ queue: container.get<TaskQueue>(TaskQueue), log: container.get<TaskEventLog>(TaskEventLog) });
  return [
    notebookHost(container.get(SpatialNotebooks)),
    reactiveHost({
      notebooks: container.get(ReactiveNotebooks),
      authenticator: container.get<ReactiveAuthenticator>(ReactiveAuthenticator),
      // Bound only when LLM_PROVIDER names a language model.
      assistant: container.isBound(NotebookAssistant) ? container.get(NotebookAssistant) : undefined,
    }),
    jobsHost(jobsHostDeps(container)),
    trackingHost(container.get<TrackingTasksDeps>(TrackingTasksDeps), queueing),
  ];
}

function jobsHostDeps(container: Container): JobsHostDeps {
  return {
    service: container.get(PipelineJobs),
    feed: container.get(JobFeed),
    catalog: container.get(PipelineCatalog),
    workspace: container.get<Workspace>(Workspace),
    annotations: container.get<AnnotationStore>(AnnotationStore),
    clock: container.get<Clock>(Clock),
    worker: container.get(JobWorker),
  };
}
