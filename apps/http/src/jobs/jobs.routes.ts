import * as Effect from "effect/Effect";
import type { Context } from "koa";
import { z } from "zod";
import { prioritySchema, toJobView, type Job } from "@parallax/domain/jobs";
import { clientJobView, jobView, statusReport } from "@parallax/application/jobs";
import { viewerOf } from "../host/auth/authentication.middleware.js";
import { runUseCase } from "../host/errors.js";
import type { RouteRegistrar } from "../host/route.js";
import type { JobsRouteDeps } from "./jobs.host.js";

const tags = ["jobs"];
const idParams = z.object({ id: z.string().min(1) });
const anyQuery = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const annotation = z.object({ osm_id: z.number().int(), existed: z.boolean(), notes: z.string().nullable().optional() }).loose();
const annotationsBody = z.object({ annotations: z.array(annotation) });
/**
 * The annotation UI posts `{source, count}` or `{source}` to the start routes; the old server
 * took its parameters from the query only, so the body is read (it must be JSON, if any) and
 * ignored: `count` does not set `tiles`.
 */
const startBody = z.record(z.string(), z.unknown()).optional();
const statusFilter = z.enum(["pending", "running", "completed", "failed", "cancelled"]);

/** Query strings may repeat a key; a pipeline param takes the last value. */
function singleValues(query: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([key, value]) => [key, Array.isArray(value) ? value.at(-1)! : value]));
}

/**
 * §C's routes plus the generic jobs API. §C's (`/api/status`, the start routes, annotations,
 * `GET /api/jobs/{id}`) read a job with its follow-ups and never say `cancelled`; the generic
 * ones (`/api/jobs` list and submit, cancel, retry, logs, pipelines) show each job as it is.
 */
export function registerJobRoutes(routes: RouteRegistrar, { service, catalog, workspace, annotations, clock }: JobsRouteDeps): void {
  const view = (job: Job) => runUseCase(jobView(service, job));

  const submitted = async (ctx: Context, name: string, params: Record<string, unknown>) => {
    const job = await runUseCase(service.submit(name, params, { owner: viewerOf(ctx).userId }));
    return { job_id: job.id, name: job.pipeline, status: job.status, message: catalog.get(name)?.message ?? `Job ${name} queued` };
  };

  routes.add({ method: "get", path: "/api/health", summary: "Liveness of the jobs API", tags, handler: () => ({ status: "ok" }) });

  routes.add({
    method: "get",
    path: "/api/status",
    summary: "Status probes, the running job and the ten most recent jobs",
    tags,
    handler: ({ ctx }) => runUseCase(statusReport(service, catalog, workspace, viewerOf(ctx))),
  });

  for (const [path, pipeline, summary] of [
    ["/api/generate-training", "generate-training", "Queue training data generation (?tiles=N)"],
    ["/api/train", "train", "Queue model training (?config=PATH)"],
    ["/api/verify", "verify", "Queue verification"],
  ] as const) {
    routes.add({ method: "post", path, summary, tags, query: anyQuery, body: startBody, handler: ({ query, ctx }) => submitted(ctx, pipeline, singleValues(query)) });
  }

  routes.add({
    method: "post",
    path: "/api/apply-annotations",
    summary: "Save annotations, then queue apply-annotations; it and the verify it queues end once on /api/logs",
    tags,
    body: annotationsBody,
    handler: async ({ body, ctx }) => {
      await runUseCase(annotations.save(body.annotations, clock.now()));
      return submitted(ctx, "apply-annotations", {});
    },
  });

  routes.add({ method: "get", path: "/api/annotations", summary: "Saved annotations", tags, handler: () => runUseCase(annotations.load()) });

  routes.add({
    method: "post",
    path: "/api/annotations",
    summary: "Save annotations",
    tags,
    body: annotationsBody,
    handler: async ({ body }) => {
      await runUseCase(annotations.save(body.annotations, clock.now()));
      return { message: `Saved ${body.annotations.length} annotations` };
    },
  });

  routes.add({
    method: "get",
    path: "/api/pipelines",
    summary: "Configured pipelines",
    tags,
    handler: () =>
      catalog.file.pipelines.map((pipeline) => ({
        name: pipeline.name,
        description: pipeline.description ?? null,
        command: pipeline.command,
        params: pipeline.params,
        exclusive: pipeline.exclusive,
        then: pipeline.then,
      })),
  });

  routes.add({
    method: "post",
    path: "/api/jobs",
    summary: "Submit a job of a pipeline",
    tags,
    successStatus: 201,
    body: z.object({ pipeline: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}), priority: prioritySchema.optional() }),
    handler: async ({ body, ctx }) => {
      const job = await runUseCase(service.submit(body.pipeline, body.params, { owner: viewerOf(ctx).userId, ...(body.priority === undefined ? {} : { priority: body.priority }) }));
      return view(job);
    },
  });

  routes.add({
    method: "get",
    path: "/api/jobs",
    summary: "List jobs, newest first",
    tags,
    query: z.object({ status: statusFilter.optional(), pipeline: z.string().optional(), limit: z.coerce.number().int().min(1).max(10_000).default(100) }),
    handler: async ({ query, ctx }) => {
      const jobs = await runUseCase(service.list({ ...(query.status ? { status: query.status } : {}), ...(query.pipeline ? { pipeline: query.pipeline } : {}), limit: query.limit }, viewerOf(ctx)));
      return jobs.map((job) => toJobView(job));
    },
  });

  routes.add({
    method: "get",
    path: "/api/jobs/:id",
    summary: "One job with its follow-ups, as old clients poll it: `cancelled` reads `failed`",
    tags,
    params: idParams,
    handler: ({ params, ctx }) => {
      return runUseCase(Effect.flatMap(service.get(params.id, viewerOf(ctx)), (job) => clientJobView(service, job)));
    },
  });

  for (const action of ["cancel", "retry"] as const) {
    routes.add({
      method: "post",
      path: `/api/jobs/:id/${action}`,
      summary: action === "cancel" ? "Cancel a pending or running job" : "Queue a failed or cancelled job again",
      tags,
      params: idParams,
      handler: async ({ params, ctx }) => view(await runUseCase(service[action](params.id, viewerOf(ctx)))),
    });
  }

  routes.add({
    method: "get",
    path: "/api/jobs/:id/logs",
    summary: "A page of a job's log from an offset",
    tags,
    params: idParams,
    query: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10_000).default(1000) }),
    handler: async ({ params, query, ctx }) => {
      const viewer = viewerOf(ctx);
      const result = await runUseCase(
        Effect.all({ job: service.get(params.id, viewer), page: service.logs(params.id, query.offset, query.limit, viewer) }),
      );
      return { job_id: params.id, status: result.job.status, lines: result.page.lines, next_offset: result.page.nextOffset };
    },
  });
}
