import type { IncomingHttpHeaders } from "node:http";

/** Clerk keeps the session JWT of a browser in this cookie (same-site pages send it on every request). */
const SESSION_COOKIE = "__session";

function bearer(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "")?.[1];
}

function cookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const part of (headers.cookie ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim() || undefined;
  }
  return undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/**
 * The credential a request carries, first found of: `Authorization: Bearer`, `X-API-Key`, the
 * `__session` cookie. `""` when there is none (the authenticator decides what that means).
 */
export function requestCredential(headers: IncomingHttpHeaders): string {
  return bearer(headers) ?? firstHeader(headers["x-api-key"]) ?? cookie(headers, SESSION_COOKIE) ?? "";
}

/**
 * The credential of a WebSocket upgrade: as for a request, or the `token` query parameter,
 * since a browser's WebSocket cannot set headers.
 */
export function upgradeCredential(headers: IncomingHttpHeaders, url: string): string {
  const fromHeaders = requestCredential(headers);
  if (fromHeaders !== "") return fromHeaders;
  try {
    return new URL(url, "http://localhost").searchParams.get("token") ?? "";
  } catch {
    return "";
  }
}
