import type { CellLanguage } from "@parallax/domain/reactive";
import type { Kernel } from "./kernel.port.js";
import type { NotebookCells } from "./notebook-cells.js";

/**
 * Which cells' definitions are in the kernel: each cell that succeeded, with the kernel
 * generation it succeeded in (a generation change means the kernel lost its state), and the run
 * plans that follow from it. Knows nothing of events or storage.
 */
export class KernelRecord {
  /** Cells whose definitions are in the kernel → the kernel generation they last succeeded in. */
  private readonly ranIn = new Map<string, number>();
  /** The kernel generation last seen per language: a change means its state was lost. */
  private readonly seen = new Map<CellLanguage, number>();

  constructor(
    private readonly cells: NotebookCells,
    private readonly kernel: Pick<Kernel, "generation">,
  ) {}

  succeeded(id: string, language: CellLanguage): void {
    this.ranIn.set(id, this.kernel.generation(language));
  }

  /** The cell's definitions are no longer (or not yet) what its code makes: it must run again. */
  forget(id: string): void {
    this.ranIn.delete(id);
  }

  /** Whether the cell's definitions are in the kernel as its current code made them. */
  has(id: string): boolean {
    const cell = this.cells.get(id);
    return cell !== undefined && this.ranIn.get(id) === this.kernel.generation(cell.type);
  }

  /** `roots` and their dependents plus the ancestors missing from the kernel, in topological order. */
  plan(roots: readonly string[]): string[] {
    return this.cells.graph.planLoading(roots, (id) => this.has(id));
  }

  /** The cells showing `success` whose state the language's kernel lost since it was last looked at. */
  lost(language: CellLanguage): string[] {
    const generation = this.kernel.generation(language);
    const before = this.seen.get(language);
    this.seen.set(language, generation);
    if (before === undefined || before === generation) return [];
    return [...this.cells.all()]
      .filter((cell) => cell.type === language && cell.status === "success" && !this.has(cell.id))
      .map((cell) => cell.id);
  }
}
