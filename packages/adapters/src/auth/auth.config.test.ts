import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../composition/config.js";

const HASH = "a".repeat(64);

describe("authentication configuration", () => {
  it("defaults to AUTH=none, RS256 and ES256, the probes public, admin as the admin role", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ AUTH: "none", JWT_ALGORITHMS: ["RS256", "ES256"], ADMIN_ROLE: "admin", JWT_CLOCK_TOLERANCE_S: 5 });
    expect(config.AUTH_PUBLIC_PATHS).toEqual(["/health", "/ready", "/metrics", "/api/health"]);
  });

  it("AUTH=jwt needs JWKS_URL and JWT_ISSUER, each named", () => {
    expect(() => loadConfig({ AUTH: "jwt" })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH: "jwt" })).toThrow(/JWKS_URL[\s\S]*JWT_ISSUER|JWT_ISSUER[\s\S]*JWKS_URL/);
    const config = loadConfig({ AUTH: "jwt", JWKS_URL: "https://clerk.example.com/.well-known/jwks.json", JWT_ISSUER: "https://clerk.example.com", JWT_AUTHORIZED_PARTIES: "https://app.example.com, http://localhost:5173" });
    expect(config.JWT_AUTHORIZED_PARTIES).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it.each(["HS256", "none", "RS256,HS512"])("refuses the algorithm list %s (symmetric or unsecured)", (algorithms) => {
    expect(() => loadConfig({ JWT_ALGORITHMS: algorithms })).toThrow(/JWT_ALGORITHMS/);
  });

  it("reads API keys as <sha256>:<user>[:<role>+<role>] and needs one with AUTH=apikey", () => {
    expect(() => loadConfig({ AUTH: "apikey" })).toThrow(/API_KEYS/);
    const config = loadConfig({ AUTH: "apikey", API_KEYS: `${HASH}:ci-bot,${"B".repeat(64)}:alice:admin+ops` });
    expect(config.API_KEYS).toEqual([
      { sha256: HASH, userId: "ci-bot", roles: [] },
      { sha256: "b".repeat(64), userId: "alice", roles: ["admin", "ops"] },
    ]);
    expect(() => loadConfig({ API_KEYS: "plain-text-key:alice" })).toThrow(/API_KEYS/);
  });
});
