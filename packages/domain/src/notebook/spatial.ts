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
}, { error: "Spatial data must be a JSON object" });
export type SpatialPlacement = z.infer<typeof spatialPlacementSchema>;

const noSpatialData = (body: unknown) =>
  body === undefined || body === null || (typeof body === "object" && !Array.isArray(body) && Object.keys(body).length === 0);

/**
 * A client's placement body (§A PUT …/spatial) as it arrives, absent included: the first issue's
 * message is the Flask server's text (`No spatial data provided`, `Field 'x' must be a number`).
 */
export const spatialPlacementBody = z
  .unknown()
  .refine((body) => !noSpatialData(body), { error: "No spatial data provided", abort: true })
  .pipe(spatialPlacementSchema);

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
