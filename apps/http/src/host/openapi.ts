import { OpenAPIRegistry, OpenApiGeneratorV3, extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

export { OpenAPIRegistry };

export function openApiDocument(registry: OpenAPIRegistry): unknown {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: "3.0.3",
    info: { title: "Parallax", version: "0.1.0", description: "Spatial and vision backends: notebooks, reactive notebooks, jobs, tracking." },
  });
}

/** Koa's `/a/:b` becomes OpenAPI's `/a/{b}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}
