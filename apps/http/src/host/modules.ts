import type { HostModule } from "./host-module.js";
import { notebookHost } from "../notebook/notebook.host.js";
import { reactiveHost } from "../reactive/reactive.host.js";
import { jobsHost } from "../jobs/jobs.host.js";
import { trackingHost } from "../tracking/tracking.host.js";

/** Every capability's host module, in registration order. */
export function allHostModules(): HostModule[] {
  return [notebookHost, reactiveHost, jobsHost, trackingHost];
}
