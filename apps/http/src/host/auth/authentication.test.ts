import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { errorShapeForPath } from "../errors.js";
import { declaredRoutes } from "../fuzz/declared-routes.testkit.js";
import type { DeclaredRoutes, Host } from "../host.js";
import { startTestHost } from "../test-host.testkit.js";
import { WebSocketRecorder } from "../websocket-recorder.testkit.js";
import { TestIssuer } from "./jwt-issuer.testkit.js";

/**
 * Issue 10's acceptance for AUTH=jwt: against a JWKS this test serves, every route the router
 * declares and every WebSocket refuses each kind of bad token and accepts a good one. The routes
 * come from the router (`declaredRoutes`), so a route added later is covered without an edit here.
 */
const PUBLIC = new Set(["/health", "/ready", "/metrics", "/api/health"]);
const concrete = (path: string) => path.replace(/:(\w+)/g, "sample");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let issuer: TestIssuer;
let host: Host;
let routes: DeclaredRoutes;
/** Each credential a host must refuse, by name, as request headers. */
let refused: Array<[string, Record<string, string>]>;
let accepted: Array<[string, Record<string, string>]>;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  host = await startTestHost({ STORAGE: "memory", WORKER: "off", ...issuer.hostConfig() });
  routes = await declaredRoutes();
  refused = [
    ["missing", {}],
    ["not a JWT", bearer("not-a-token")],
    ["expired", bearer(await issuer.token({ expiresInS: -3600 }))],
    ["not yet valid", bearer(await issuer.token({ notBeforeS: 3600 }))],
    ["wrong issuer", bearer(await issuer.token({ issuer: "https://evil.test" }))],
    ["wrong audience", bearer(await issuer.token({ audience: "another-api" }))],
    ["wrong azp", bearer(await issuer.token({ azp: "https://evil.test" }))],
    ["unknown kid", bearer(await issuer.unknownKidToken())],
    ["alg none", bearer(issuer.algNoneToken())],
    ["HS256 signed with the RSA public key", bearer(await issuer.hs256WithPublicKeyToken())],
    ["without exp", bearer(await issuer.token({ claims: { exp: undefined } }))],
    ["without sub", bearer(await issuer.token({ claims: { sub: undefined } }))],
    ["expired, as the __session cookie", { cookie: `__session=${await issuer.token({ expiresInS: -3600 })}` }],
  ];
  accepted = [
    ["RS256 Bearer", bearer(await issuer.token())],
    ["ES256 Bearer", bearer(await issuer.es256Token())],
    ["Clerk's __session cookie", { cookie: `theme=dark; __session=${await issuer.token()}` }],
  ];
});

afterAll(async () => {
  await host?.close();
  await issuer?.close();
});

async function request(method: string, path: string, headers: Record<string, string>) {
  const response = await fetch(`${host.url()}${path}`, { method, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: response.status, body, authenticate: response.headers.get("www-authenticate") };
}

/**
 * What became of a socket: `refused` when it was closed with 1008 "Authentication failed" before
 * its handler said anything; `handled` when its handler spoke or closed it for its own reasons
 * (an unknown job, a malformed task id); otherwise what happened.
 */
function socketOutcome(path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${host.url().replace("http", "ws")}${path}`, { headers });
    socket.once("message", () => {
      resolve("handled");
      socket.terminate();
    });
    socket.once("close", (code, reason) => resolve(code === 1008 && reason.toString() === "Authentication failed" ? "refused" : "handled"));
    socket.once("unexpected-response", (_request, response) => {
      resolve(`HTTP ${response.statusCode}`);
      socket.terminate();
    });
    socket.once("error", reject);
  });
}

describe("AUTH=jwt on every declared route", () => {
  it("the host under test declares the same routes as every host (the list is the router's)", () => {
    expect(host.routes()).toEqual(routes);
    expect(routes.http.length).toBeGreaterThan(40);
  });

  it("refuses each bad credential on every non-public route with 401 in the route's error shape", async () => {
    const failures: string[] = [];
    for (const route of routes.http.filter((route) => !PUBLIC.has(route.path))) {
      const path = concrete(route.path);
      for (const [name, headers] of refused) {
        const answer = await request(route.method, path, headers);
        const shape = errorShapeForPath(path);
        const shaped = typeof answer.body === "object" && answer.body !== null && typeof (answer.body as Record<string, unknown>)[shape] === "string";
        if (answer.status !== 401 || !shaped || answer.authenticate !== "Bearer") failures.push(`${route.method} ${path} with ${name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("accepts a valid token (RS256 or ES256, Bearer or Clerk's __session cookie) on every route", async () => {
    const failures: string[] = [];
    for (const route of routes.http) {
      for (const [name, headers] of accepted) {
        const answer = await request(route.method, concrete(route.path), headers);
        if (answer.status === 401 || answer.status === 403) failures.push(`${route.method} ${route.path} with ${name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers the public paths without a credential", async () => {
    for (const path of PUBLIC) expect((await request("GET", path, {})).status, path).toBe(200);
  });

  it("the user is the token's sub", async () => {
    const answer = await request("GET", "/api/v1/notebooks/", bearer(await issuer.token({ sub: "user_sub_check" })));
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toContain("demo-user_sub_check");
  });

  it("tokens naming unknown keys refetch the JWKS at most once per cooldown, not once per token", async () => {
    const before = issuer.fetches;
    for (let i = 0; i < 20; i++) expect((await request("GET", "/api/jobs", bearer(await issuer.unknownKidToken()))).status).toBe(401);
    expect(issuer.fetches - before).toBeLessThanOrEqual(1);
  });
});

describe("AUTH=jwt on every declared WebSocket", () => {
  const upgradeAuthenticated = () => routes.websocket.filter((path) => path !== "/api/v1/ws/notebooks/:id");

  it("closes every socket without a valid credential (in a header or the token query parameter) with 1008 before its handler runs", async () => {
    expect(upgradeAuthenticated().length).toBeGreaterThanOrEqual(3);
    const failures: string[] = [];
    for (const route of upgradeAuthenticated()) {
      const path = concrete(route);
      for (const [name, headers] of refused) {
        const outcome = await socketOutcome(path, headers);
        if (outcome !== "refused") failures.push(`${path} with ${name} (header): ${outcome}`);
        const token = headers["authorization"]?.replace("Bearer ", "");
        if (token) {
          const viaQuery = await socketOutcome(`${path}?token=${encodeURIComponent(token)}`);
          if (viaQuery !== "refused") failures.push(`${path} with ${name} (query): ${viaQuery}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("opens every socket for a valid token in the Authorization header or the token query parameter", async () => {
    const token = await issuer.token();
    for (const route of upgradeAuthenticated()) {
      expect(await socketOutcome(concrete(route), bearer(token)), route).toBe("handled");
      expect(await socketOutcome(`${concrete(route)}?token=${token}`), route).toBe("handled");
    }
  });

  it("§B: each bad token in the first `authenticate` message gets `error` and close 1008", async () => {
    for (const [name, headers] of refused) {
      const client = await WebSocketRecorder.open(`${host.url().replace("http", "ws")}/api/v1/ws/notebooks/demo`);
      client.send({ type: "authenticate", token: headers["authorization"]?.replace("Bearer ", "") ?? "" });
      const error = await client.waitFor((message) => message["type"] === "error");
      expect(error["message"], name).toBe("Authentication failed");
      expect((await client.closed).code, name).toBe(1008);
    }
  });

  it("§B: a valid token is `authenticated` as its sub; refresh_auth for another user is closed with 1008", async () => {
    const client = await WebSocketRecorder.open(`${host.url().replace("http", "ws")}/api/v1/ws/notebooks/demo`);
    client.send({ type: "authenticate", token: await issuer.token({ sub: "user_ws" }) });
    expect(await client.waitFor((message) => message["type"] === "authenticated")).toEqual({ type: "authenticated", user_id: "user_ws" });
    client.send({ type: "refresh_auth", token: await issuer.token({ sub: "user_ws" }) });
    await client.waitFor((message) => message["type"] === "auth_refreshed");
    client.send({ type: "refresh_auth", token: await issuer.token({ sub: "someone_else" }) });
    expect((await client.closed).code).toBe(1008);
  });

  it("§B: a socket whose token expires without refresh is closed with 1008; one refreshed in time stays open", async () => {
    const url = `${host.url().replace("http", "ws")}/api/v1/ws/notebooks/demo`;
    const refreshed = await WebSocketRecorder.open(url);
    const lapsed = await WebSocketRecorder.open(url);
    // Two seconds (exp is in whole seconds): at least one for the refresh to arrive first.
    refreshed.send({ type: "authenticate", token: await issuer.token({ sub: "user_exp", expiresInS: 2 }) });
    lapsed.send({ type: "authenticate", token: await issuer.token({ sub: "user_exp", expiresInS: 2 }) });
    await refreshed.waitFor((message) => message["type"] === "authenticated");
    await lapsed.waitFor((message) => message["type"] === "authenticated");
    refreshed.send({ type: "refresh_auth", token: await issuer.token({ sub: "user_exp", expiresInS: 600 }) });
    await refreshed.waitFor((message) => message["type"] === "auth_refreshed");
    // The lapsed socket's close marks the moment the first token expired; the refreshed one outlives it.
    expect((await lapsed.closed).code).toBe(1008);
    expect(lapsed.messages.at(-1)).toEqual({ type: "error", message: "Token expired" });
    expect(refreshed.socket.readyState).toBe(WebSocket.OPEN);
    await refreshed.close();
  });
});

/** A port on 127.0.0.1 that was free a moment ago and that nothing listens on now. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An identity provider in trouble: its JWKS URL answers `status` with `body`. */
async function brokenJwks(status: number, body: string, contentType: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.statusCode = status;
    response.setHeader("Content-Type", contentType);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` };
}

async function answerFrom(baseUrl: string, path: string, headers: Record<string, string>) {
  const response = await fetch(`${baseUrl}${path}`, { headers });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), authenticate: response.headers.get("www-authenticate"), body: (await response.text()) as string };
}

/** The HTTP answer to a WebSocket upgrade that was not accepted (`undefined` if it was). */
function upgradeAnswer(url: string, headers: Record<string, string>): Promise<{ status: number; retryAfter: string | undefined; body: string } | undefined> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => {
      resolve(undefined);
      socket.terminate();
    });
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] as string | undefined, body }));
      response.on("error", reject);
    });
    socket.once("error", reject);
  });
}

/**
 * The identity provider out of reach is the server's trouble: a well-formed token is answered
 * 503 with `Retry-After` (a 401 would make the client drop a token that may be good), while a
 * token that is bad whatever the keys stays a 401.
 */
describe("AUTH=jwt when the key set cannot be fetched", () => {
  const troubles: Array<[string, () => Promise<{ url: string; close: () => Promise<void> }>]> = [
    ["nothing listens on the JWKS port", async () => ({ url: `http://127.0.0.1:${await deadPort()}/.well-known/jwks.json`, close: async () => {} })],
    ["the JWKS answers 500", async () => close(await brokenJwks(500, JSON.stringify({ error: "down" }), "application/json"))],
    ["the JWKS answers 200 with HTML", async () => close(await brokenJwks(200, "<html>maintenance</html>", "text/html"))],
    ["the JWKS answers JSON that is no key set", async () => close(await brokenJwks(200, JSON.stringify({ keys: "none" }), "application/json"))],
  ];
  function close({ server, url }: { server: Server; url: string }) {
    return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it.each(troubles)("%s: a request with a well-formed token is answered 503 with Retry-After and the route's JSON error", async (_name, trouble) => {
    const jwks = await trouble();
    const down = await startTestHost({ STORAGE: "memory", WORKER: "off", ...issuer.hostConfig(), JWKS_URL: jwks.url });
    try {
      const token = await issuer.token();
      for (const [path, shape] of [["/api/v1/notebooks/", "detail"], ["/api/jobs", "detail"], ["/notebooks", "error"]] as const) {
        const answer = await answerFrom(down.url(), path, bearer(token));
        expect(answer.status, path).toBe(503);
        expect(answer.retryAfter, path).toBe("5");
        expect(answer.authenticate, path).toBeNull();
        expect(JSON.parse(answer.body), path).toEqual({ [shape]: "Authentication is temporarily unavailable" });
        expect(errorShapeForPath(path)).toBe(shape);
      }
      // A token that no key set could save is still the client's fault.
      const garbage = await answerFrom(down.url(), "/api/jobs", bearer("not-a-token"));
      expect(garbage.status).toBe(401);
      expect(garbage.retryAfter).toBeNull();
    } finally {
      await down.close();
      await jwks.close();
    }
  });

  it("a WebSocket upgrade with a well-formed token is answered 503 with Retry-After, not closed with 1008; §B's authenticate message is closed with 1013", async () => {
    const down = await startTestHost({ STORAGE: "memory", WORKER: "off", ...issuer.hostConfig(), JWKS_URL: `http://127.0.0.1:${await deadPort()}/.well-known/jwks.json` });
    try {
      const token = await issuer.token();
      const sockets = down.routes().websocket.filter((path) => path !== "/api/v1/ws/notebooks/:id");
      expect(sockets.length).toBeGreaterThanOrEqual(3);
      for (const route of sockets) {
        const path = concrete(route);
        for (const [how, url, headers] of [
          ["header", `${down.url().replace("http", "ws")}${path}`, bearer(token)],
          ["query", `${down.url().replace("http", "ws")}${path}?token=${token}`, {}],
        ] as const) {
          const answer = await upgradeAnswer(url, headers);
          expect(answer?.status, `${path} (${how})`).toBe(503);
          expect(answer?.retryAfter, `${path} (${how})`).toBe("5");
          expect(JSON.parse(answer?.body ?? "null"), `${path} (${how})`).toEqual({ [errorShapeForPath(path)]: "Authentication is temporarily unavailable" });
        }
      }
      const client = await WebSocketRecorder.open(`${down.url().replace("http", "ws")}/api/v1/ws/notebooks/demo`);
      client.send({ type: "authenticate", token });
      expect(await client.waitFor((message) => message["type"] === "error")).toEqual({ type: "error", message: "Authentication unavailable, try again later" });
      expect((await client.closed).code).toBe(1013);
    } finally {
      await down.close();
    }
  });

  it("a failed fetch of the key set is remembered for the Retry-After: the requests that follow are 503 at once, without fetching again", async () => {
    let fetches = 0;
    const server = createServer((_request, response) => {
      fetches++;
      response.statusCode = 500;
      response.end("down");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const down = await startTestHost({ STORAGE: "memory", WORKER: "off", ...issuer.hostConfig(), JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` });
    try {
      const token = await issuer.token();
      for (let i = 0; i < 4; i++) {
        const answer = await answerFrom(down.url(), "/api/jobs", bearer(token));
        expect([answer.status, answer.retryAfter]).toEqual([503, "5"]);
      }
      expect(fetches).toBe(1);
    } finally {
      await down.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("with the key set reachable, an expired or forged token is still 401 with WWW-Authenticate and no Retry-After", async () => {
    for (const [name, token] of [
      ["expired", await issuer.token({ expiresInS: -3600 })],
      ["unknown kid", await issuer.unknownKidToken()],
      ["HS256 signed with the RSA public key", await issuer.hs256WithPublicKeyToken()],
      ["alg none", issuer.algNoneToken()],
    ] as const) {
      const answer = await answerFrom(host.url(), "/api/jobs", bearer(token));
      expect(answer.status, name).toBe(401);
      expect(answer.retryAfter, name).toBeNull();
      expect(answer.authenticate, name).toBe("Bearer");
      expect(JSON.parse(answer.body), name).toEqual({ detail: "Invalid or expired token" });
    }
  });
});
