import type { Container } from "inversify";
import { SpatialNotebooks } from "@parallax/application/notebook";
import { TaskEventLog, TaskQueue, TrackingTasksDeps } from "@parallax/application/tracking";
import type { HostModule } from "./host-module.js";
import { notebookHost } from "../notebook/notebook.host.js";
import { reactiveHost } from "../reactive/reactive.host.js";
import { jobsHost } from "../jobs/jobs.host.js";
import { trackingHost } from "../tracking/tracking.host.js";

/**
 * Every capability's host module, in registration order, each given the use cases it serves:
 * this is where the host resolves them from the container, once, so route code never looks
 * one up. (reactive and jobs still read `HostContext.container` until they take theirs here.)
 */
export function allHostModules(container: Container): HostModule[] {
  const queueing = () => ({ queue: container.get<TaskQueue>(TaskQueue), log: container.get<TaskEventLog>(TaskEventLog) });
  return [notebookHost(container.get(SpatialNotebooks)), reactiveHost, jobsHost, trackingHost(container.get<TrackingTasksDeps>(TrackingTasksDeps), queueing)];
}
