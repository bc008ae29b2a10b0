/** Names starting with a single underscore (`_x`, not `__x__`) belong to their cell alone. */
export function isPrivateName(name: string): boolean {
  return name.charCodeAt(0) === 95 && name.charCodeAt(1) !== 95;
}

export function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}
