import type { Context, Middleware } from "koa";
import type { Authenticator, Principal } from "@parallax/application";
import { AuthenticationUnavailable, Unauthorized, type Viewer } from "@parallax/domain";
import { runUseCase } from "../errors.js";
import { requestCredential } from "./credentials.js";

/** Paths answered without a credential: exact, a trailing slash forgiven. */
export class PublicPaths {
  private readonly paths: ReadonlySet<string>;

  constructor(paths: readonly string[]) {
    this.paths = new Set(paths.map(withoutTrailingSlash));
  }

  includes(path: string): boolean {
    return this.paths.has(withoutTrailingSlash(path));
  }
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/**
 * Verifies a credential; the failure is the typed `Unauthorized` the error table maps to 401, or
 * `AuthenticationUnavailable` (503 with `Retry-After`) when the credential could not be judged.
 */
export function verify(authenticator: Authenticator, credential: string): Promise<Principal> {
  return runUseCase(authenticator.authenticate(credential));
}

/**
 * Every request but the public paths and CORS preflights (which carry no credentials by the
 * browser's rule) must present a credential the authenticator accepts; its principal is put in
 * `ctx.state.principal` (and as a `Viewer`, admin when it holds `adminRole`, in
 * `ctx.state.viewer`). A refusal is a 401 in the path's API error shape (the error mapping runs
 * outside this), with `WWW-Authenticate: Bearer`. A credential that could not be judged (the
 * identity provider's keys are out of reach) is a 503 with `Retry-After` and no challenge: the
 * client should retry the same token, not ask its user to sign in again.
 */
export function authentication(authenticator: Authenticator, publicPaths: PublicPaths, adminRole: string): Middleware {
  return async (ctx, next) => {
    if (ctx.method === "OPTIONS" || publicPaths.includes(ctx.path)) return next();
    try {
      const principal = await verify(authenticator, requestCredential(ctx.req.headers));
      ctx.state["principal"] = principal;
      ctx.state["viewer"] = viewerFor(principal, adminRole);
    } catch (error) {
      if (!(error instanceof AuthenticationUnavailable)) ctx.set("WWW-Authenticate", "Bearer");
      throw error;
    }
    return next();
  };
}

/** Who a principal is to the ownership rules. */
export function viewerFor(principal: Principal, adminRole: string): Viewer {
  return { userId: principal.userId, admin: principal.roles.includes(adminRole) };
}

/** The viewer the authentication middleware put in the context (routes behind it always have one). */
export function viewerOf(ctx: Context): Viewer {
  const viewer = ctx.state["viewer"] as Viewer | undefined;
  if (!viewer) throw new Unauthorized({ message: "Not authenticated" });
  return viewer;
}

/** The principal the authentication middleware put in the context (routes behind it always have one). */
export function principalOf(ctx: Context): Principal {
  const principal = ctx.state["principal"] as Principal | undefined;
  if (!principal) throw new Unauthorized({ message: "Not authenticated" });
  return principal;
}
