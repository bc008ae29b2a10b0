import { LOCAL_USER_ID } from "../shared/owner.js";
import type { JsonObject, Notebook } from "./nbformat.types.js";

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Who a stored notebook belongs to: `metadata.parallax.owner`, whichever API (§A or §B) stored
 * it. `undefined` for one stored before owners were kept, or by another tool (the local user's).
 */
export function notebookOwner(metadata: Readonly<JsonObject>): string | undefined {
  const parallax = metadata["parallax"];
  const owner = isObject(parallax) ? parallax["owner"] : undefined;
  return typeof owner === "string" && owner !== "" ? owner : undefined;
}

/**
 * The document with its owner recorded beside Parallax's other notebook metadata. The local
 * user is what no owner means, so it is not written: with AUTH=none documents stay as they were.
 */
export function withOwner(document: Notebook, owner: string): Notebook {
  if (owner === LOCAL_USER_ID) return document;
  const parallax = document.metadata["parallax"];
  return { ...document, metadata: { ...document.metadata, parallax: { ...(isObject(parallax) ? parallax : {}), owner } } };
}
