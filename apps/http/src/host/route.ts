import type Router from "@koa/router";
import type { Context } from "koa";
import { z } from "zod";
import { assertJsonContentType, readJsonBody, type BodyLimits } from "./body.js";
import { errorShapeForPath } from "./errors.js";
import { type OpenAPIRegistry, toOpenApiPath } from "./openapi.js";

type Method = "get" | "post" | "put" | "delete" | "patch";

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  ctx: Context;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  /** A JSON body schema; routes that take multipart leave this out and read `ctx` themselves. */
  body?: B;
  /** What the route answers with status 200 (documentation only). */
  response?: z.ZodType;
  /** Status for invalid input: §A answers 400; the FastAPI-born §B–§D answer 422. */
  invalidStatus?: 400 | 422;
  successStatus?: number;
  /** Returns the JSON body; returning `undefined` leaves `ctx.body` as the handler set it. */
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => unknown | Promise<unknown>;
}

export interface RouteRegistrar {
  add<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
    spec: RouteSpec<P, Q, B>,
  ): void;
}

function parseOrThrow<T extends z.ZodType>(ctx: Context, schema: T, value: unknown, status: number, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  return ctx.throw(status, `Invalid ${what}: ${z.prettifyError(result.error)}`);
}

/**
 * Routes are declared once: zod schemas validate params/query/body at the edge (parse once,
 * into domain types) and the same schemas feed /openapi.json.
 */
export function createRouteRegistrar(router: Router, registry: OpenAPIRegistry, limits: BodyLimits): RouteRegistrar {
  return {
    add(spec) {
      const invalidStatus = spec.invalidStatus ?? (errorShapeForPath(spec.path) === "detail" ? 422 : 400);
      const request: Record<string, unknown> = {};
      if (spec.params instanceof z.ZodObject) request["params"] = spec.params;
      if (spec.query instanceof z.ZodObject) request["query"] = spec.query;
      if (spec.body) request["body"] = { content: { "application/json": { schema: spec.body } } };
      registry.registerPath({
        method: spec.method,
        path: toOpenApiPath(spec.path),
        summary: spec.summary,
        tags: spec.tags ?? [],
        request,
        responses: {
          [String(spec.successStatus ?? 200)]: {
            description: "Success",
            ...(spec.response ? { content: { "application/json": { schema: spec.response } } } : {}),
          },
        },
      });
      router[spec.method](spec.path, async (ctx) => {
        const params = spec.params ? parseOrThrow(ctx, spec.params, ctx.params, invalidStatus, "path parameters") : ctx.params;
        const query = spec.query ? parseOrThrow(ctx, spec.query, ctx.query, invalidStatus, "query parameters") : ctx.query;
        let body: unknown = undefined;
        if (spec.body) {
          assertJsonContentType(ctx);
          const raw = await readJsonBody(ctx, limits, invalidStatus);
          body = parseOrThrow(ctx, spec.body, raw, invalidStatus, "body");
        }
        const result = await spec.handler({ params, query, body, ctx } as never);
        if (result !== undefined) {
          ctx.status = spec.successStatus ?? 200;
          ctx.body = result;
        }
      });
    },
  };
}
