/** Longest follow-up id kept readable; longer chains fall back to a hash (ids stay bounded). */
const MAX_READABLE_ID = 96;

/** 64-bit FNV-1a as hex: a stable, dependency-free digest for ids (not for security). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

/**
 * The id of the `index`-th follow-up of a parent job. It depends only on the parent and the
 * position, so queueing a follow-up again (after a worker died half-way) finds the job the
 * first attempt created instead of creating a second one: "create if absent" is idempotent.
 */
export function followUpJobId(parentId: string, index: number, pipeline: string): string {
  const readable = `${parentId}.then${index}`;
  if (readable.length <= MAX_READABLE_ID) return readable;
  return `then-${fnv1a64(`${parentId}/${index}/${pipeline}`)}-${index}`;
}
