import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import type { Clock } from "@parallax/application";
import { ChainEnds, type AnnotationStore, type JobFeed, type PipelineJobs, type JobWorker, type PipelineCatalog, type Workspace } from "@parallax/application/jobs";
import type { HostModule } from "../host/host-module.js";
import { selfContainedPageCsp } from "../host/security-headers.middleware.js";
import { dashboardHtml } from "./dashboard.page.js";
import { registerJobRoutes } from "./jobs.routes.js";
import { registerJobSockets } from "./jobs.sockets.js";

const dashboardCsp = selfContainedPageCsp(dashboardHtml);

/** What the jobs routes, sockets and background work of one host are given, resolved from its container. */
export interface JobsHostDeps {
  readonly service: PipelineJobs;
  readonly feed: JobFeed;
  readonly catalog: PipelineCatalog;
  readonly workspace: Workspace;
  readonly annotations: AnnotationStore;
  readonly clock: Clock;
  /** This host's worker; started only with WORKER=embedded. */
  readonly worker: JobWorker;
}

/** What routes and sockets use: the resolved use cases and this host's chain-end tracker. */
export interface JobsRouteDeps extends Omit<JobsHostDeps, "worker"> {
  readonly chainEnds: ChainEnds;
}

/** The HTTP and WebSocket face of the jobs capability, and the embedded worker (WORKER=embedded). */
export const jobsHost = (deps: JobsHostDeps): HostModule => ({
  name: "jobs",
  register({ config, logger, routes, router, websockets }) {
    const { worker, ...useCases } = deps;
    const jobs: JobsRouteDeps = { ...useCases, chainEnds: new ChainEnds(deps.service, (jobId) => deps.feed.follow(jobId)) };
    registerJobRoutes(routes, jobs);
    registerJobSockets(websockets, jobs, config.WS_MAX_BUFFERED_BYTES, config.ADMIN_ROLE);
    router.get("/jobs", (ctx) => {
      ctx.type = "text/html; charset=utf-8";
      ctx.set("Content-Security-Policy", dashboardCsp);
      ctx.set("Cache-Control", "no-store");
      ctx.body = dashboardHtml;
    });
    // Each host owns its feed and worker (a process may run several hosts, as tests do).
    let feed: Fiber.Fiber<never> | undefined;
    const embedded = config.WORKER === "embedded";
    return {
      async start() {
        if (feed) return;
        feed = Effect.runFork(deps.feed.run);
        if (!embedded) return;
        worker.start();
        logger.child({ capability: "jobs" }).info({ worker: worker.id, concurrency: worker.settings.concurrency }, "embedded job worker started");
      },
      async stop() {
        if (!feed) return;
        if (embedded) await worker.stop(config.WORKER_DRAIN_MS);
        await Effect.runPromise(Fiber.interrupt(feed));
        feed = undefined;
      },
    };
  },
});
