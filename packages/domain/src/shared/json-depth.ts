/**
 * How deep the arrays and objects of a JSON text nest, counted without parsing it: one pass
 * over the characters, skipping string contents, stopping as soon as `limit` is passed.
 *
 * Why before parsing: V8 parses any depth, but everything after (validation, serialisation,
 * recursive walks) recurses, and a document 20,000 levels deep overflows the stack there.
 * Malformed text is not this function's concern: it answers a depth and leaves the verdict
 * on syntax to `JSON.parse`.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) depth--;
  }
  return false;
}

/** The depth a JSON body may reach when nothing else is configured. */
export const DEFAULT_MAX_JSON_DEPTH = 1_000;
