import type { HostContext, HostModule } from "../host/host-module.js";
import { dashboardHtml } from "./dashboard.page.js";
import { registerJobRoutes } from "./jobs.routes.js";
import { JobsRuntime } from "./jobs.runtime.js";
import { registerJobSockets } from "./jobs.sockets.js";

/** The HTTP and WebSocket face of the jobs capability, and the embedded worker (WORKER=embedded). */
export const jobsHost: HostModule = {
  name: "jobs",
  register({ container, config, logger, routes, router, websockets }: HostContext) {
    const runtime = new JobsRuntime(container, config, logger);
    registerJobRoutes(routes, () => runtime);
    registerJobSockets(websockets, () => runtime, config.WS_MAX_BUFFERED_BYTES);
    router.get("/jobs", (ctx) => {
      ctx.type = "text/html; charset=utf-8";
      ctx.set("Cache-Control", "no-store");
      ctx.body = dashboardHtml;
    });
    // Each host owns its runtime (a process may run several hosts, as tests do).
    return {
      async start() {
        if (!runtime.isStarted) runtime.start();
      },
      stop: () => runtime.stop(),
    };
  },
};
