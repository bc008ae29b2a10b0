import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, type CryptoKey } from "jose";

export const TEST_ISSUER = "https://issuer.parallax.test";
export const TEST_AUDIENCE = "parallax-api";
export const TEST_AZP = "http://localhost:5173";

const base64url = (value: string | Uint8Array) => Buffer.from(value).toString("base64url");

export interface TokenOptions {
  sub?: string;
  claims?: JWTPayload;
  /** Seconds from now; negative for an expired token. */
  expiresInS?: number;
  /** Seconds from now the token becomes valid. */
  notBeforeS?: number;
  issuer?: string;
  audience?: string;
  azp?: string;
}

/**
 * Test support: an identity provider in this process. It serves a JWKS (an RS256 and an ES256
 * key, like Clerk's `/.well-known/jwks.json`) on 127.0.0.1, counts how often it is fetched, and
 * signs tokens: valid ones, and each kind a host must refuse.
 */
export class TestIssuer {
  fetches = 0;
  private constructor(
    private readonly server: Server,
    private readonly rsa: { privateKey: CryptoKey; kid: string; publicPem: string },
    private readonly ec: { privateKey: CryptoKey; kid: string },
    /** A key the JWKS does not publish. */
    private readonly stranger: { privateKey: CryptoKey; kid: string },
  ) {}

  static async start(): Promise<TestIssuer> {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const ec = await generateKeyPair("ES256", { extractable: true });
    const stranger = await generateKeyPair("RS256", { extractable: true });
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
    ];
    let issuer: TestIssuer | undefined;
    const server = createServer((request, response) => {
      if (issuer) issuer.fetches++;
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    issuer = new TestIssuer(
      server,
      { privateKey: rsa.privateKey, kid: "rsa-1", publicPem: await exportSPKI(rsa.publicKey) },
      { privateKey: ec.privateKey, kid: "ec-1" },
      { privateKey: stranger.privateKey, kid: "not-in-the-jwks" },
    );
    return issuer;
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  /** What a host needs to trust this issuer (AUTH=jwt with an audience and an azp allowlist). */
  hostConfig() {
    return {
      AUTH: "jwt" as const,
      JWKS_URL: this.jwksUrl,
      JWT_ISSUER: TEST_ISSUER,
      JWT_AUDIENCE: [TEST_AUDIENCE],
      JWT_AUTHORIZED_PARTIES: [TEST_AZP],
      JWT_CLOCK_TOLERANCE_S: 5,
    };
  }

  private claims(options: TokenOptions): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: options.issuer ?? TEST_ISSUER,
      aud: options.audience ?? TEST_AUDIENCE,
      azp: options.azp ?? TEST_AZP,
      sub: options.sub ?? "user_a",
      iat: now,
      exp: now + (options.expiresInS ?? 600),
      ...(options.notBeforeS !== undefined ? { nbf: now + options.notBeforeS } : {}),
      ...options.claims,
    };
  }

  private sign(key: { privateKey: CryptoKey; kid: string }, alg: string, options: TokenOptions): Promise<string> {
    return new SignJWT(this.claims(options)).setProtectedHeader({ alg, kid: key.kid, typ: "JWT" }).sign(key.privateKey);
  }

  /** RS256, as Clerk signs. */
  token(options: TokenOptions = {}): Promise<string> {
    return this.sign(this.rsa, "RS256", options);
  }

  es256Token(options: TokenOptions = {}): Promise<string> {
    return this.sign(this.ec, "ES256", options);
  }

  /** Well-formed and signed, by a key whose `kid` the JWKS does not list. */
  unknownKidToken(options: TokenOptions = {}): Promise<string> {
    return this.sign(this.stranger, "RS256", options);
  }

  /** An unsecured JWT (`alg: none`, no signature). */
  algNoneToken(options: TokenOptions = {}): string {
    return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(this.claims(options)))}.`;
  }

  /** The key-confusion forgery: HS256 with the RSA public key (PEM, as published) as the HMAC secret. */
  async hs256WithPublicKeyToken(options: TokenOptions = {}): Promise<string> {
    return new SignJWT(this.claims(options)).setProtectedHeader({ alg: "HS256", kid: this.rsa.kid, typ: "JWT" }).sign(new TextEncoder().encode(this.rsa.publicPem));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
