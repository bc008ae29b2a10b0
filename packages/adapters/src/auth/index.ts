/**
 * `@parallax/adapters/auth`: the `Authenticator` adapters (no auth, JWT against a JWKS with
 * jose, hashed API keys), their configuration and container module. Not where a credential is
 * read from a request (apps/http/src/host/auth) nor who may see what (the use cases).
 */
export * from "./auth.config.js";
export * from "./auth.module.js";
export * from "./no-auth.authenticator.js";
export * from "./api-key.authenticator.js";
export * from "./jwt.authenticator.js";
