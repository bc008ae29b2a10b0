/**
 * Node's file-system failures carry their reason in `code` ("ENOENT", "EEXIST", …). Every
 * adapter asks the same two questions of them — which code, and "is it just missing?" — so
 * they are answered here once instead of by hand-written casts in each store.
 */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** True when the failure only says the file or directory does not exist. */
export function isMissingFile(error: unknown): boolean {
  return errnoCode(error) === "ENOENT";
}

/** The promise's value, or `fallback` when it failed because the path does not exist; other failures pass through. */
export async function unlessMissing<T, F>(promise: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await promise;
  } catch (error) {
    if (isMissingFile(error)) return fallback;
    throw error;
  }
}
