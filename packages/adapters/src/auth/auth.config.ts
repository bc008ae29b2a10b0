import { z } from "zod";

/** `a,b,c` from the environment, or already a list when a test or library passes overrides. */
const commaList = <T extends z.ZodType>(item: T, min = 0) =>
  z.preprocess(
    (value) => (typeof value === "string" ? value.split(",").map((part) => part.trim()).filter((part) => part !== "") : value),
    z.array(item).min(min),
  );

/**
 * Signature algorithms a JWKS can publish keys for. Symmetric ones (HS*) are never accepted:
 * a JWKS holds public keys, and an HS256 token "signed" with a public key is the classic forgery.
 */
export const JWT_ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/**
 * One API key as configured: `<sha256 hex of the key>:<user id>[:<role>+<role>…]`. Only the
 * hash is in the configuration, so a leaked environment does not leak a usable key.
 */
const parsedApiKey = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), userId: z.string().min(1), roles: z.array(z.string().min(1)) });
const apiKeyEntry = z.union([
  z
    .string()
    .regex(/^[0-9a-fA-F]{64}:[^:+\s]+(:[^:+\s]+(\+[^:+\s]+)*)?$/, "must be <sha256 hex>:<user id>[:<role>+<role>…]")
    .transform((entry) => {
      const [hash, userId, roles] = entry.split(":") as [string, string, string | undefined];
      return { sha256: hash.toLowerCase(), userId, roles: roles ? roles.split("+") : [] };
    }),
  // Already parsed: a library or test passing overrides.
  parsedApiKey,
]);
export type ApiKeyEntry = z.infer<typeof apiKeyEntry>;

/** How requests and sockets prove who they are (issue 10). */
export const authConfigShape = {
  /** `none`: local development, every caller is the user `local`; `jwt`: tokens verified against JWKS_URL; `apikey`: keys from API_KEYS. */
  AUTH: z.enum(["none", "jwt", "apikey"]).default("none"),
  /** Where the signing keys are published (Clerk: `https://<instance>/.well-known/jwks.json`). Required with AUTH=jwt. */
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The `iss` every token must carry. Required with AUTH=jwt. */
  JWT_ISSUER: z.string().min(1).optional(),
  /** When set, a token's `aud` must name one of these. */
  JWT_AUDIENCE: commaList(z.string().min(1)).optional(),
  /** When set, a token's `azp` (Clerk: the origin the session was made for) must be one of these. */
  JWT_AUTHORIZED_PARTIES: commaList(z.string().min(1)).optional(),
  /** Accepted signature algorithms; never a symmetric one. */
  JWT_ALGORITHMS: commaList(z.enum(JWT_ASYMMETRIC_ALGORITHMS), 1).default(["RS256", "ES256"]),
  /** Leeway for `exp` and `nbf` against clocks that drift apart. */
  JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),
  /** The claim holding a user's roles (a string or a list of strings); absent means no roles. */
  JWT_ROLES_CLAIM: z.string().min(1).default("roles"),
  /** A token naming a key the cached JWKS lacks refetches it, at most once per this interval. */
  JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** The fetched JWKS is used for this long before it is fetched again. */
  JWKS_CACHE_MAX_AGE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
  /** Keys AUTH=apikey accepts (`Authorization: Bearer <key>` or `X-API-Key: <key>`), comma-separated `<sha256 hex>:<user id>[:<role>+<role>…]`. */
  API_KEYS: commaList(apiKeyEntry).default([]),
  /** Users with this role see every user's notebooks, jobs and tasks. */
  ADMIN_ROLE: z.string().min(1).default("admin"),
  /** Paths answered without a credential (probes and scrapes); everything else needs one unless AUTH=none. */
  AUTH_PUBLIC_PATHS: commaList(z.string().startsWith("/")).default(["/health", "/ready", "/metrics", "/api/health"]),
} satisfies Record<string, z.ZodType>;

export type AuthConfig = z.infer<z.ZodObject<typeof authConfigShape>>;

/** What one AUTH mode needs besides itself; the composed schema reports each as its variable's error. */
export function authConfigIssues(config: AuthConfig): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  if (config.AUTH === "jwt") {
    if (!config.JWKS_URL) issues.push({ path: "JWKS_URL", message: "required with AUTH=jwt (the URL of the JSON Web Key Set)" });
    if (!config.JWT_ISSUER) issues.push({ path: "JWT_ISSUER", message: "required with AUTH=jwt (the `iss` tokens must carry)" });
  }
  if (config.AUTH === "apikey" && config.API_KEYS.length === 0) issues.push({ path: "API_KEYS", message: "required with AUTH=apikey (at least one <sha256 hex>:<user id>)" });
  return issues;
}
