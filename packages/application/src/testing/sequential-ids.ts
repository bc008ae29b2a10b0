import type { IdGenerator } from "../shared/id-generator.port.js";

/** Ids `<prefix>-1`, `<prefix>-2`, … in the order they are asked for, so a test can name them in advance. */
export function sequentialIds(prefix = "id"): IdGenerator {
  let count = 0;
  return { next: () => `${prefix}-${++count}` };
}
