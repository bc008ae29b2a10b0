/**
 * The authentication container module: binds the `Authenticator` port to the adapter AUTH
 * selects (`none`, `jwt` with jose, `apikey` with Node crypto). Reading a credential from a
 * request or a socket is not here: that is the host's (apps/http/src/host/auth).
 */
import { ContainerModule } from "inversify";
import { Authenticator } from "@parallax/application";
import type { Logger } from "../shared/logger.js";
import { ApiKeyAuthenticator } from "./api-key.authenticator.js";
import type { AuthConfig } from "./auth.config.js";
import { JwtAuthenticator } from "./jwt.authenticator.js";
import { NoAuthAuthenticator } from "./no-auth.authenticator.js";

export function createAuthenticator(config: AuthConfig, logger: Logger): Authenticator {
  switch (config.AUTH) {
    case "none":
      return new NoAuthAuthenticator();
    case "apikey":
      return new ApiKeyAuthenticator(config.API_KEYS);
    case "jwt":
      // loadConfig refuses AUTH=jwt without these two; a library caller building its own config gets this line.
      if (!config.JWKS_URL || !config.JWT_ISSUER) throw new Error("AUTH=jwt needs JWKS_URL and JWT_ISSUER");
      return new JwtAuthenticator({
        jwksUrl: config.JWKS_URL,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        authorizedParties: config.JWT_AUTHORIZED_PARTIES,
        algorithms: config.JWT_ALGORITHMS,
        clockToleranceS: config.JWT_CLOCK_TOLERANCE_S,
        rolesClaim: config.JWT_ROLES_CLAIM,
        cooldownMs: config.JWKS_COOLDOWN_MS,
        cacheMaxAgeMs: config.JWKS_CACHE_MAX_AGE_MS,
        logger,
      });
  }
}

export function authModule(config: AuthConfig, logger: Logger): ContainerModule {
  return new ContainerModule((options) => {
    options.bind<Authenticator>(Authenticator).toConstantValue(createAuthenticator(config, logger));
  });
}
