import type { RawOptions } from "../raw-http.testkit.js";

export interface DeclaredRoute {
  method: string;
  path: string;
}

export interface MalformedRequest {
  /** What was sent, short enough for a failure message. */
  label: string;
  bytes: Buffer;
  options: RawOptions;
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/**
 * Path parameter values no client of the contracts would send. None of them names anything
 * the suite stored beforehand, so no request built from them may change stored data.
 */
const badSegments = [
  "%zz",
  "%",
  "%E0%A4%A",
  "%C0%AF",
  "%FF%FE",
  "%C3%28",
  "%ED%A0%80",
  "a%3Bb",
  "%00",
  "a%00b",
  "..",
  "%2e%2e",
  "..%2F..%2Fetc%2Fpasswd",
  "%2F",
  "a%2Fb",
  "%5C..%5C",
  "donn%C3%A9es",
  "%E2%80%AEevil",
  "%F0%9F%98%80",
  "%20",
  "%09tab",
  "%0Anewline",
  "%7B%22a%22%3A1%7D",
  "-1",
  "1e309",
  "NaN",
  "0x10",
  "99999999999999999999999",
  "%u0041",
  "CON",
  ".",
  "~",
  "*",
  "'%3B--",
  "%3Cscript%3E",
  "x.IPYNB",
  "x.IpYnB",
  "%2e%2e.IPYNB",
];

function badSegment(random: Random): string {
  const roll = random();
  // 256 is one past the longest file name most file systems allow.
  if (roll < 0.1) return "x".repeat(pick(random, [256, 3_000]));
  if (roll < 0.15) return `${pick(random, badSegments)}${pick(random, badSegments)}`;
  return pick(random, badSegments);
}

/** The route's path with every parameter replaced by a malformed value; parameterless paths get junk appended now and then. */
export function malformedPath(random: Random, path: string): string {
  const filled = path.replace(/:[A-Za-z0-9_]+/g, () => badSegment(random));
  if (filled !== path || random() < 0.6) return filled;
  return pick(random, [`${path}/`, `${path}//`, `${path}/%zz`, `${path}/..`, `${path}%00`, `/${path}`, `${path}/${"y".repeat(3_000)}`]);
}

const badQueries = [
  "",
  "?",
  "?&&&",
  "?%zz=%zz",
  "?a=%",
  "?tiles=",
  "?tiles=-1",
  "?tiles=1e999",
  "?tiles=abc",
  "?limit=0",
  "?limit=99999999999999999999",
  "?offset=-5",
  "?status=bogus",
  "?a[b][c]=1",
  "?__proto__[x]=1",
  "?constructor=1",
  "?tiles=1&tiles=2&tiles=%zz",
  "?config=..%2F..%2Fetc%2Fpasswd",
  "?frames=%00",
  `?x=${"y".repeat(4_000)}`,
];

/** JSON bodies no route accepts: each field has a type no schema allows, or the whole is not an object. */
const wrongJson = [
  "[]",
  '"text"',
  "42",
  "null",
  "true",
  "{}",
  '{"annotations":"x","pipeline":5,"x":"1","type":"cobol","code":5,"name":7,"connection_string":5,"messages":3}',
  '{"annotations":[{"osm_id":"one","existed":"yes"}]}',
  '{"pipeline":"","params":[]}',
  '{"x":1e999,"y":"NaN","z":null,"pitch":{},"yaw":[],"roll":true}',
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  `{"code":${"9".repeat(400)}}`,
];

const brokenJson = ['{"a":', "{", "[1,2", "{'a':1}", "nul", '{"a":1}}', "\u0000", '"\\uZZZZ"', "\xff\xfe{", "{\"a\":\"\n\"}"];

const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

interface Body {
  type?: string;
  bytes: Buffer;
  note: string;
}

/** A multipart body that is broken in one of the ways clients and proxies break them. */
function brokenMultipart(random: Random): Body {
  const boundary = "XB";
  const part = (name: string, filename: string, content: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/json\r\n\r\n${content}`;
  const field = pick(random, ["file", "notebook", "other"]);
  const variants: Array<[string, string]> = [
    ["cut inside a file part", part(field, "a.ipynb", '{"nbformat": 4')],
    ["no closing boundary", `${part(field, "a.ipynb", '{"nbformat": 4}')}\r\n`],
    ["not a notebook", `${part(field, "a.ipynb", '{"nbformat": 4}')}\r\n--${boundary}--\r\n`],
    ["not JSON", `${part(field, "a.ipynb", "not json at all")}\r\n--${boundary}--\r\n`],
    ["too deep", `${part(field, "a.ipynb", deepJson(20_000))}\r\n--${boundary}--\r\n`],
    ["wrong extension", `${part(field, "a.txt", "{}")}\r\n--${boundary}--\r\n`],
    ["empty file name", `${part(field, "", "{}")}\r\n--${boundary}--\r\n`],
    ["no Content-Disposition", `--${boundary}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`],
    ["only a boundary", `--${boundary}--\r\n`],
    ["wrong boundary", `--OTHER\r\n\r\n--OTHER--\r\n`],
    ["many empty fields", `${`--${boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\n\r\n`.repeat(500)}--${boundary}--\r\n`],
  ];
  const [note, text] = pick(random, variants);
  const type = pick(random, [`multipart/form-data; boundary=${boundary}`, "multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=XB"]);
  return { type, bytes: Buffer.from(text, "latin1"), note: `multipart ${note} (${type})` };
}

function malformedBody(random: Random): Body {
  const roll = random();
  if (roll < 0.2) return { type: "application/json", bytes: Buffer.from(pick(random, brokenJson), "latin1"), note: "broken JSON" };
  if (roll < 0.35) return { type: pick(random, ["application/json", "application/vnd.api+json", undefined]) as string, bytes: Buffer.from(pick(random, wrongJson)), note: "JSON no route accepts" };
  if (roll < 0.45) return { type: "application/json", bytes: Buffer.from(deepJson(pick(random, [1_001, 20_000]))), note: "over-deep JSON" };
  if (roll < 0.55)
    // The cross-site form post: a body some route would accept, in a type a browser sends without preflight.
    return { type: pick(random, ["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"]), bytes: Buffer.from('{"annotations":[]}'), note: "JSON as a form type" };
  if (roll < 0.65)
    return {
      type: pick(random, ["application/xml", "*/*", ";;;", "application/json; charset=utf-16", `x/${"y".repeat(1_000)}`, "application/json; boundary=%zz"]),
      bytes: Buffer.from("<a>1</a>"),
      note: "wrong content type",
    };
  if (roll < 0.9) return brokenMultipart(random);
  return { type: "application/octet-stream", bytes: Buffer.from(Array.from({ length: 512 }, () => Math.floor(random() * 256))), note: "random bytes" };
}

const requestHead = (method: string, target: string, headers: string[]) => `${method} ${target} HTTP/1.1\r\n${headers.map((header) => `${header}\r\n`).join("")}\r\n`;

/**
 * One malformed request for `route`: a bad path, query, body, header set, method or framing,
 * chosen by `random`. `host` is the Host header value (127.0.0.1:port).
 */
export function malformedRequest(random: Random, route: DeclaredRoute, host: string): MalformedRequest {
  const target = `${malformedPath(random, route.path)}${random() < 0.4 ? pick(random, badQueries) : ""}`;
  const base = [`Host: ${host}`, "Connection: close"];
  const send = (method: string, headers: string[], body?: Body, options: RawOptions = {}, note = body?.note ?? "no body", after: string[] = []): MalformedRequest => {
    const bytes = body?.bytes ?? Buffer.alloc(0);
    const framing = [...(body?.type ? [`Content-Type: ${body.type}`] : []), `Content-Length: ${bytes.length}`];
    return {
      label: `${method} ${target.slice(0, 120)} — ${note}`,
      // Odd headers come after the body's own: node keeps the first of repeated ones, so a
      // repeated Content-Type cannot turn a refused body into an accepted one.
      bytes: Buffer.concat([Buffer.from(requestHead(method, target, [...headers, ...framing, ...after]), "latin1"), bytes]),
      options,
    };
  };
  const roll = random();
  if (roll < 0.55) return send(route.method, base, random() < 0.85 ? malformedBody(random) : undefined);
  if (roll < 0.62) return send(pick(random, ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]), base, malformedBody(random), {}, "another method");
  if (roll < 0.67) {
    const preflight = [`Origin: ${pick(random, ["http://localhost:3000", "http://evil.example", "null", "%zz", "http://localhost:3000.evil.example"])}`, "Access-Control-Request-Method: POST"];
    return send("OPTIONS", [...base, ...preflight], undefined, {}, "preflight");
  }
  if (roll < 0.72) {
    const junk = pick(random, [
      `X-Junk: ${"j".repeat(20_000)}`,
      Array.from({ length: 300 }, (_, i) => `X-Many-${i}: ${i}`).join("\r\n"),
      `X-Request-Id: ${"r".repeat(5_000)}`,
      "X-Request-Id: \x01\x7f\xff",
      "X-Forwarded-For: %zz, ::1, 999.999.999.999",
      `Origin: ${"o".repeat(3_000)}`,
      "Authorization: Bearer %zz.%zz.%zz",
      "Content-Type: application/json\r\nContent-Type: text/plain",
    ]);
    return send(route.method, base, malformedBody(random), {}, `odd headers: ${junk.slice(0, 40)}`, [junk]);
  }
  if (roll < 0.8) {
    // Framing the HTTP parser itself must refuse.
    const method = route.method;
    const framings = [
      `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
      `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`,
      `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1, 2\r\n\r\nab`,
      `${method} ${target} HTTP/1.0\r\n\r\n`,
      `${method} http://elsewhere.example${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      `FOO ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      `${method.toLowerCase()} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      `${method} ${target} HTTP/9.9\r\nHost: ${host}\r\n\r\n`,
      `${method} ${target}\r\n\r\n`,
      `${method} /notebooks/donn\u00e9es HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      `${method} ${target}\u0000 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nX-Ctl: a\u0000b\u0007\r\n\r\n`,
      `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nBad Header Name: x\r\n\r\n`,
      `\r\n\r\n\r\n`,
    ];
    return { label: `${method} ${target.slice(0, 120)} — broken framing`, bytes: Buffer.from(pick(random, framings), "latin1"), options: {} };
  }
  if (roll < 0.85) {
    // A body that is cut off: the client goes away (reset) or stops sending (the body-idle timeout ends it).
    const body = malformedBody(random);
    const head = requestHead(route.method, target, [...base, ...(body.type ? [`Content-Type: ${body.type}`] : []), `Content-Length: ${body.bytes.length + 1_000_000}`]);
    const stall = random() < 0.3;
    return {
      label: `${route.method} ${target.slice(0, 120)} — ${body.note}, body cut off (${stall ? "client stalls" : "client resets"})`,
      bytes: Buffer.concat([Buffer.from(head, "latin1"), body.bytes]),
      options: stall ? { end: false } : { reset: true },
    };
  }
  return malformedUpgrade(random, target, host);
}

/** An upgrade request that is not a valid WebSocket handshake, or not allowed, on any path. */
export function malformedUpgrade(random: Random, target: string, host: string): MalformedRequest {
  const key = pick(random, ["dGhlIHNhbXBsZSBub25jZQ==", "", "short", "%zz"]);
  const headers = [
    `Host: ${host}`,
    "Connection: Upgrade",
    `Upgrade: ${pick(random, ["websocket", "h2c", "foo", "WebSocket", ""])}`,
    `Sec-WebSocket-Version: ${pick(random, ["13", "8", "zz"])}`,
    ...(key ? [`Sec-WebSocket-Key: ${key}`] : []),
    ...(random() < 0.3 ? [`Origin: ${pick(random, ["http://evil.example", "null", "%zz", `http://${host}`])}`] : []),
  ];
  const reset = random() < 0.15;
  return {
    label: `upgrade ${target.slice(0, 120)} — ${headers.slice(2).join("; ").slice(0, 160)}${reset ? " (reset)" : ""}`,
    bytes: Buffer.from(requestHead("GET", target, headers), "latin1"),
    options: reset ? { reset: true } : { end: false },
  };
}
