/**
 * Test support for S3 locations: s3rver (S3's API in process, objects in a temporary directory)
 * on 127.0.0.1 and a free port, S3 clients that count the commands they send, and a TCP proxy in
 * front of it that cuts or stalls each connection after a number of response bytes.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { makeS3Client } from "./s3-location.js";
import { tempDir } from "./vision.testkit.js";

/**
 * s3rver runs in a child node process: tsx (the benchmarks' loader) breaks one of its
 * dependencies when loaded in process, and the server then shares no event loop with the client
 * it serves. The child counts what it answers, reports it when asked over IPC, and exits when
 * its parent disconnects (also when the parent dies).
 */
const SERVER = `
const [s3rver, directory, buckets] = process.argv.slice(1);
const S3rver = require(s3rver);
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: JSON.parse(buckets).map((name) => ({ name })) });
const requests = {};
const connections = [];
server.run().then(({ port }) => {
  server.httpServer.on("connection", (socket) => connections.push(socket));
  server.httpServer.on("request", (request) => (requests[request.method] = (requests[request.method] || 0) + 1));
  process.send({ port });
});
process.on("message", () => process.send({ requests, bytesSent: connections.reduce((sum, socket) => sum + socket.bytesWritten, 0) }));
process.on("disconnect", () => process.exit(0));
`;

export interface S3rverHandle {
  readonly endpoint: string;
  readonly port: number;
  /** A client for `endpoint` (or another, e.g. a proxy's) counting commands by name (`GetObjectCommand`). */
  client(endpoint?: string): Promise<CountingClient>;
  put(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  /** What the server answered so far, whoever asked (the SDK, ffmpeg reading a URL): requests by method, bytes written to its sockets (headers included). */
  traffic(): Promise<{ readonly requests: Readonly<Record<string, number>>; readonly bytesSent: number }>;
  /** Destroys the clients made here and stops the server. */
  close(): Promise<void>;
}

export interface CountingClient {
  readonly s3: S3Client;
  count(command: string): number;
}

export async function startS3rver(buckets: readonly string[]): Promise<S3rverHandle> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  // s3rver encrypts continuation tokens with a cipher OpenSSL 3 keeps in its legacy provider: without it a truncated listing is a 500.
  const child = spawn(process.execPath, ["--openssl-legacy-provider", "-e", SERVER, createRequire(import.meta.url).resolve("s3rver"), tempDir("s3rver"), JSON.stringify(buckets)], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const reply = <T>() =>
    new Promise<T>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`s3rver exited (${code})`));
      child.once("exit", exited);
      child.once("message", (message) => (child.off("exit", exited), resolve(message as T)));
    });
  const { port } = await reply<{ port: number }>();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = async (at = endpoint): Promise<CountingClient> => {
    // s3rver accepts any key pair; the SDK's default chain would look for real ones.
    const s3 = await makeS3Client({ S3_ENDPOINT: at, AWS_REGION: "us-east-1" }, { credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    const counts = new Map<string, number>();
    s3.middlewareStack.add((next, context) => (args) => (counts.set(context.commandName ?? "?", (counts.get(context.commandName ?? "?") ?? 0) + 1), next(args)), { step: "initialize" });
    clients.push(s3);
    return { s3, count: (command) => counts.get(command) ?? 0 };
  };
  const uploader = await client();
  return {
    endpoint,
    port,
    client,
    traffic: () => {
      const answer = reply<{ requests: Record<string, number>; bytesSent: number }>();
      child.send("traffic");
      return answer;
    },
    put: async (bucket, key, body) => void (await uploader.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    close: async () => {
      for (const s3 of clients) s3.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await exited;
    },
  };
}

/**
 * A TCP proxy to `port` on 127.0.0.1 that passes each connection's first `bytes` bytes of response
 * through, then either cuts the connection (`cut`: a network failure mid-download) or keeps it
 * open and silent (`stall`: a download that is under way for as long as the test wants).
 */
export async function faultyProxy(port: number, options: { bytes: number; then: "cut" | "stall" }): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(port, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream);
    let passed = 0;
    upstream.on("data", (chunk: Buffer) => {
      const room = options.bytes - passed;
      if (room <= 0) return;
      passed += chunk.length;
      client.write(room >= chunk.length ? chunk : chunk.subarray(0, room));
      if (passed < options.bytes) return;
      if (options.then === "cut") {
        upstream.destroy();
        client.end();
      } else upstream.pause();
    });
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
