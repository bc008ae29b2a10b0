import { z } from "zod";
import type { JsonObject, Notebook } from "./nbformat.types.js";

const axis = (field: string) =>
  z.number({
    error: (issue) =>
      typeof issue.input === "number"
        ? `Field '${field}' must be a finite number`
        : `Field '${field}' must be a number${issue.input === undefined ? " (missing)" : ""}`,
  });

/** Where a cell floats in the visionOS scene: position in metres, orientation in degrees. */
export const spatialPlacementSchema = z.object({
  x: axis("x"),
  y: axis("y"),
  z: axis("z"),
  pitch: axis("pitch"),
  yaw: axis("yaw"),
  roll: axis("roll"),
});
export type SpatialPlacement = z.infer<typeof spatialPlacementSchema>;

export type PlacementParse = { ok: true; placement: SpatialPlacement } | { ok: false; message: string };

/** Parses a client's placement body; the first bad field is named in the message. */
export function parseSpatialPlacement(body: unknown): PlacementParse {
  if (body === undefined || body === null || (typeof body === "object" && !Array.isArray(body) && Object.keys(body).length === 0)) {
    return { ok: false, message: "No spatial data provided" };
  }
  if (typeof body !== "object" || Array.isArray(body)) return { ok: false, message: "Spatial data must be a JSON object" };
  const result = spatialPlacementSchema.safeParse(body);
  if (result.success) return { ok: true, placement: result.data };
  return { ok: false, message: result.error.issues[0]?.message ?? "Invalid spatial data" };
}

/** Places cell `index`; returns undefined when there is no such cell. Other metadata is kept. */
export function placeCell(notebook: Notebook, index: number, placement: SpatialPlacement): Notebook | undefined {
  const cell = notebook.cells[index];
  if (!Number.isInteger(index) || index < 0 || !cell) return undefined;
  const cells = notebook.cells.slice();
  cells[index] = { ...cell, metadata: { ...cell.metadata, spatial: { ...placement } as JsonObject } };
  return { ...notebook, cells };
}

export function placeAllCells(notebook: Notebook, placement: SpatialPlacement): Notebook {
  return {
    ...notebook,
    cells: notebook.cells.map((cell) => ({ ...cell, metadata: { ...cell.metadata, spatial: { ...placement } as JsonObject } })),
  };
}
