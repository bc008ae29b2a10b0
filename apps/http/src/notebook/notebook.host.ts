import type { Context } from "koa";
import { z } from "zod";
import type { SpatialNotebooks } from "@parallax/application/notebook";
import { spatialPlacementBody, spatialPlacementSchema, type SpatialPlacement } from "@parallax/domain/notebook";
import { bodyLimits, readJsonBody, type BodyLimits } from "../host/body.js";
import { viewerOf } from "../host/auth/authentication.middleware.js";
import { runUseCase } from "../host/errors.js";
import type { HostModule } from "../host/host-module.js";
import { readMultipart } from "../host/multipart.js";

const nameParams = z.object({ name: z.string() });
/** `/convert`: the chart keys (comma-separated) this upload made by running the notebook. */
export const GENERATED_CHARTS_HEADER = "X-Parallax-Generated-Charts";

/** A placement body, refused (400) with the Flask server's text for its first problem. */
async function placementOf(ctx: Context, limits: BodyLimits): Promise<SpatialPlacement> {
  const parsed = spatialPlacementBody.safeParse(await readJsonBody(ctx, limits, 400));
  if (!parsed.success) return ctx.throw(400, parsed.error.issues[0]?.message ?? "Invalid spatial data");
  return parsed.data;
}

/**
 * The stored document goes out as stored: no parse, no re-serialisation. Its version is a strong
 * ETag (it changes with every write), so a client that sends it back in `If-None-Match` gets a
 * 304 with no body; `no-cache` has clients ask every time rather than keep a copy that a PUT
 * has made stale.
 */
function sendStored(ctx: Context, file: { bytes: Uint8Array; version: string }, type: string): void {
  const etag = `"${file.version}"`;
  ctx.status = 200;
  ctx.type = type;
  ctx.set("ETag", etag);
  ctx.set("Cache-Control", "no-cache");
  if (noneMatch(ctx.get("If-None-Match"), etag)) {
    ctx.status = 304;
    return;
  }
  ctx.body = Buffer.isBuffer(file.bytes) ? file.bytes : Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
}

/**
 * Whether `If-None-Match` names this ETag (RFC 9110 §13.1.2: weak comparison, `*` for any).
 * Not Koa's `ctx.fresh`, which ignores the header when the request also says `Cache-Control:
 * no-cache`, as every `fetch` does when it sends a validator itself.
 */
function noneMatch(header: string, etag: string): boolean {
  if (header === "") return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === etag);
}

/** CONTRACTS.md §A: the spatial-notebook API of the visionOS client, at the root. */
export const notebookHost = (notebooks: SpatialNotebooks): HostModule => ({
  name: "notebook",
  register({ config, routes, health }) {
    const limits = bodyLimits(config);

    routes.add({
      method: "get",
      path: "/health",
      summary: "Liveness",
      tags: ["spatial notebooks"],
      // Other capabilities' readiness fields join §A's (the tracking host's flags of §D).
      response: z.looseObject({ status: z.literal("healthy"), service: z.literal("notebook-processor") }),
      handler: () => ({ ...health.report(), status: "healthy", service: "notebook-processor" }),
    });

    routes.add({
      method: "get",
      path: "/notebooks",
      summary: "Names of the stored notebooks",
      tags: ["spatial notebooks"],
      response: z.array(z.string()),
      handler: ({ ctx }) => runUseCase(notebooks.list(viewerOf(ctx))),
    });

    routes.add({
      method: "get",
      path: "/notebooks/:name",
      summary: "A stored notebook (nbformat JSON)",
      tags: ["spatial notebooks"],
      params: nameParams,
      handler: async ({ params, ctx }) => {
        const file = await runUseCase(notebooks.read(params.name, viewerOf(ctx)));
        sendStored(ctx, file, "application/json");
        return undefined;
      },
    });

    routes.add({
      method: "get",
      path: "/notebooks/:name/download",
      summary: "A stored notebook as a file attachment",
      tags: ["spatial notebooks"],
      params: nameParams,
      handler: async ({ params, ctx }) => {
        const file = await runUseCase(notebooks.read(params.name, viewerOf(ctx)));
        ctx.attachment(file.name);
        sendStored(ctx, file, "application/x-ipynb+json");
        return undefined;
      },
    });

    routes.add({
      method: "post",
      path: "/convert/:name",
      summary:
        "Upload a notebook (multipart field `file`); stores it and returns its charts by cell, made by running its matplotlib cells where none are stored (`X-Parallax-Generated-Charts` names those)",
      tags: ["spatial notebooks"],
      params: nameParams,
      handler: async ({ params, ctx }) => {
        const form = await readMultipart(ctx, limits.bytes);
        const file = form.files.find((upload) => upload.field === "file");
        if (!file) return ctx.throw(400, "No file provided");
        const { charts, generated } = await runUseCase(notebooks.convert(params.name, { filename: file.filename, bytes: file.data }, viewerOf(ctx)));
        // The body must stay the chart map alone (the visionOS app decodes it as a dictionary of
        // arrays), so which charts came from execution travels in a header.
        if (generated.length > 0) ctx.set(GENERATED_CHARTS_HEADER, generated.join(","));
        return Object.keys(charts).length > 0 ? charts : { message: "No charts found in notebook" };
      },
    });

    routes.add({
      method: "post",
      path: "/process_notebook",
      summary: "Validate a notebook (multipart field `notebook`) and extract its outputs and charts",
      tags: ["spatial notebooks"],
      handler: async ({ ctx }) => {
        const form = await readMultipart(ctx, limits.bytes);
        const file = form.files.find((upload) => upload.field === "notebook");
        if (!file) return ctx.throw(400, "No file provided");
        if (file.filename.trim() === "") ctx.throw(400, "No file selected");
        return runUseCase(notebooks.process(file.data));
      },
    });

    routes.add({
      method: "put",
      path: "/notebooks/:name/cells/spatial",
      summary: "Place every cell at one spatial position",
      tags: ["spatial notebooks"],
      params: nameParams,
      handler: async ({ params, ctx }) => {
        const { placement, totalCells } = await runUseCase(notebooks.placeAllCells(params.name, await placementOf(ctx, limits), viewerOf(ctx)));
        return { message: `Spatial data updated for all ${totalCells} cells`, spatial_data: placement, total_cells: totalCells };
      },
    });

    routes.add({
      method: "put",
      path: "/notebooks/:name/cells/:index/spatial",
      summary: "Place one cell in 3-D space",
      tags: ["spatial notebooks"],
      params: z.object({ name: z.string(), index: z.string() }),
      body: undefined,
      response: z.object({ message: z.string(), spatial_data: spatialPlacementSchema }),
      handler: async ({ params, ctx }) => {
        const placement = await placementOf(ctx, limits);
        // Flask's <int:index> matched only non-negative integers; anything else names no cell.
        const index = /^\d+$/.test(params.index) ? Number(params.index) : -1;
        await runUseCase(notebooks.placeCell(params.name, index, placement, viewerOf(ctx)));
        return { message: `Spatial data updated for cell ${index}`, spatial_data: placement };
      },
    });
  },
});
