import type { Notebook } from "@parallax/domain/notebook";

/** A ~300 KB notebook whose every byte depends on k, so a torn or mixed file cannot pass as a version. */
export function versionedNotebook(k: number): Notebook {
  const filler = `# version ${k} `.repeat(400);
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { version: k },
    cells: Array.from({ length: 50 }, (_, i) => ({
      id: `cell-${i}`,
      cell_type: "code" as const,
      metadata: {},
      source: `v${i} = ${k}\n${filler}`,
      execution_count: null,
      outputs: [],
    })),
  };
}
