/**
 * The comparison partner of the notebook-serving benchmark (`notebooks.bench.ts`): a plain
 * `node:http` server, nothing else, that answers `GET /notebooks/<name>` and
 * `GET /notebooks/<name>/download` (CONTRACTS.md §A) with one notebook's bytes, read once at
 * start and kept in memory, and the same content headers the host sends. No framework, no
 * middleware, no store: the fastest a Node process on this machine serves those bytes.
 *
 * `node --import tsx bench/plain-notebook-server.ts FILE PORT`; prints `listening` when ready.
 * Not a benchmark itself (no `.bench.ts`), and not part of any product.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { basename } from "node:path";

const [file, port] = process.argv.slice(2);
if (!file || !port) throw new Error("usage: plain-notebook-server.ts FILE PORT");
const name = basename(file);
const bytes = readFileSync(file);
const paths = { document: `/notebooks/${encodeURIComponent(name)}`, download: `/notebooks/${encodeURIComponent(name)}/download` };

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === paths.document) {
    response.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": bytes.length });
    response.end(bytes);
  } else if (request.method === "GET" && request.url === paths.download) {
    response.writeHead(200, { "Content-Type": "application/x-ipynb+json", "Content-Length": bytes.length, "Content-Disposition": `attachment; filename="${name}"` });
    response.end(bytes);
  } else {
    response.writeHead(404, { "Content-Type": "application/json; charset=utf-8" });
    response.end('{"error":"Endpoint not found"}');
  }
});
server.keepAliveTimeout = 5_000;
server.listen(Number(port), "127.0.0.1", () => process.stdout.write("listening\n"));
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
