import * as Stream from "effect/Stream";

/**
 * The `data` of each Server-Sent Event in a byte stream, as the SSE spec dispatches them: the
 * `data:` lines of one event (one optional space after the colon dropped) joined by newlines,
 * dispatched at the blank line that ends it. `event:`, `id:`, `retry:` and comment lines are
 * skipped: both providers repeat the event's name inside its JSON. An event the stream ends in
 * the middle of is dispatched too; the provider's own end marker says whether it was complete.
 */
export function sseData<E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<string, E, R> {
  return bytes.pipe(
    Stream.decodeText,
    Stream.splitLines,
    Stream.mapAccum(
      (): string[] => [],
      (lines, line) => {
        if (line === "") return lines.length === 0 ? [lines, []] : [[], [lines.join("\n")]];
        if (line === "data" || line.startsWith("data:")) {
          const value = line.slice(5);
          return [[...lines, value.startsWith(" ") ? value.slice(1) : value], []];
        }
        return [lines, []];
      },
      { onHalt: (lines) => (lines.length === 0 ? [] : [lines.join("\n")]) },
    ),
  );
}
