import { registerErrorStatus } from "../host/errors.js";
import type { HostContext, HostModule } from "../host/host-module.js";
import { dashboardHtml } from "./dashboard.page.js";
import { registerJobRoutes } from "./jobs.routes.js";
import { JobsRuntime } from "./jobs.runtime.js";
import { registerJobSockets } from "./jobs.sockets.js";

registerErrorStatus("PreconditionFailed", 400);
registerErrorStatus("IllegalTransition", 409);

/**
 * The module object is shared by every host in a process (tests start several), so each
 * registration gets its own runtime; start/stop act on the runtimes not yet started/stopped.
 */
const runtimes: JobsRuntime[] = [];

/** The HTTP and WebSocket face of the jobs capability, and the embedded worker (WORKER=embedded). */
export const jobsHost: HostModule = {
  name: "jobs",
  register({ container, config, logger, routes, router, websockets }: HostContext) {
    const runtime = new JobsRuntime(container, config, logger);
    runtimes.push(runtime);
    registerJobRoutes(routes, () => runtime);
    registerJobSockets(websockets, () => runtime);
    router.get("/jobs", (ctx) => {
      ctx.type = "text/html; charset=utf-8";
      ctx.set("Cache-Control", "no-store");
      ctx.body = dashboardHtml;
    });
  },
  async start() {
    for (const runtime of runtimes) if (!runtime.isStarted) runtime.start();
  },
  async stop() {
    const stopping = runtimes.splice(0, runtimes.length);
    await Promise.all(stopping.map((runtime) => runtime.stop()));
  },
};
