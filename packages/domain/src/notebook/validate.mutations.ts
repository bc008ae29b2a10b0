/**
 * Seeded structural mutations of notebook JSON, for differential testing of the validator.
 * Test support only (kept beside the tests; pure, no I/O).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

const replacements: Json[] = [null, true, 0, -1, 2.5, 7, "", "text", "a,b", "line\nbreak", [], ["x"], {}, { k: "v" }, "auto", "$bad id", "x".repeat(70)];
const keyNames = ["id", "source", "metadata", "outputs", "execution_count", "cell_type", "output_type", "data", "text", "name", "tags", "jupyter", "execution", "extra_key", "attachments", "collapsed", "scrolled", "kernelspec", "title", "authors"];
const typeNames: Json[] = ["code", "markdown", "raw", "heading", "future", "execute_result", "display_data", "stream", "error", "pyout"];

function containers(root: Json): Array<{ node: Container; depth: number }> {
  const found: Array<{ node: Container; depth: number }> = [];
  const walk = (node: Json, depth: number) => {
    if (node === null || typeof node !== "object") return;
    found.push({ node, depth });
    for (const child of Array.isArray(node) ? node : Object.values(node)) walk(child, depth + 1);
  };
  walk(root, 0);
  return found;
}

export function mutateNotebook(original: Record<string, unknown>, random: () => number): { document: Record<string, unknown>; steps: string[] } {
  const document = structuredClone(original) as { [key: string]: Json };
  const steps: string[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const count = 1 + Math.floor(random() * 2);
  for (let n = 0; n < count; n++) {
    const candidates = containers(document);
    // Favour deep nodes a little: most of a notebook's rules live in cells and outputs.
    const { node } = pick(candidates.filter((c) => c.depth > 0 || random() < 0.2).length ? candidates.filter((c) => c.depth > 0 || random() < 0.2) : candidates);
    const action = random();
    if (Array.isArray(node)) {
      if (node.length > 0 && action < 0.35) {
        const i = Math.floor(random() * node.length);
        node.splice(i, 1);
        steps.push(`remove item ${i}`);
      } else if (node.length > 0 && action < 0.7) {
        const i = Math.floor(random() * node.length);
        node.push(structuredClone(node[i]!));
        steps.push(`duplicate item ${i}`);
      } else {
        node.push(structuredClone(pick(replacements)));
        steps.push("append odd item");
      }
      continue;
    }
    const keys = Object.keys(node);
    if (keys.length > 0 && action < 0.25) {
      const key = pick(keys);
      delete node[key];
      steps.push(`delete ${key}`);
    } else if (keys.length > 0 && action < 0.65) {
      const key = pick(keys);
      node[key] = key === "cell_type" || key === "output_type" ? pick(typeNames) : key === "nbformat_minor" ? pick([0, 3, 4, 5, 6, 99, -1, "5"]) : structuredClone(pick(replacements));
      steps.push(`set ${key}`);
    } else {
      const key = pick(keyNames);
      node[key] = structuredClone(pick(replacements));
      steps.push(`add ${key}`);
    }
  }
  return { document, steps };
}
