import { CURRENT_MINOR, type Notebook } from "./nbformat.types.js";

/**
 * Brings a valid v4 notebook to 4.5, the minor Parallax stores: cells without an id get one
 * from `newId` (nbformat generates them the same way when upgrading). A future minor is kept.
 */
export function upgradeToCurrentMinor(notebook: Notebook, newId: () => string): Notebook {
  if (notebook.nbformat_minor >= CURRENT_MINOR && notebook.cells.every((cell) => typeof cell.id === "string")) return notebook;
  const taken = new Set(notebook.cells.map((cell) => cell.id).filter((id): id is string => typeof id === "string"));
  const cells = notebook.cells.map((cell) => {
    if (typeof cell.id === "string") return cell;
    let id = newId();
    while (taken.has(id)) id = newId();
    taken.add(id);
    return { id, ...cell };
  });
  return { ...notebook, nbformat_minor: Math.max(notebook.nbformat_minor, CURRENT_MINOR), cells };
}

/** nbformat's id style: 8 hex characters from a random source the caller controls. */
export function shortCellId(random: () => number): string {
  let id = "";
  for (let i = 0; i < 8; i++) id += Math.floor(random() * 16).toString(16);
  return id;
}
