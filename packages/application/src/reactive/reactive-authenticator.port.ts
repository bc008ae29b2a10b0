import { Authenticator } from "../shared/authenticator.port.js";

/**
 * Checks the WebSocket `authenticate` token (§B). The same port as every other route's
 * `Authenticator` (one binding serves both); the name stays for the reactive host's callers.
 */
export type ReactiveAuthenticator = Authenticator;
export const ReactiveAuthenticator = Authenticator;
