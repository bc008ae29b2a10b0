import { ConfigError } from "@parallax/adapters";
import { startHost } from "./start.js";

/** A start-up failure an operator fixes from one line, without a stack trace. */
function startFailure(error: unknown): string | undefined {
  if (error instanceof ConfigError) return error.message;
  const { code, port } = error as { code?: string; port?: number };
  if (code === "EADDRINUSE") return `Port ${port ?? process.env["PORT"]} is already in use: stop what listens there or set PORT to a free port`;
  if (code === "EACCES") return `Not allowed to listen on port ${port ?? process.env["PORT"]}: set PORT to a port above 1023`;
  return undefined;
}

try {
  const host = await startHost();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal} received: shutting down\n`);
    host.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  const message = startFailure(error);
  if (message === undefined) throw error;
  process.stderr.write(`${message}\n`);
  // Configuration errors keep their own code (2), as before; a port that cannot be had is 1.
  process.exit(error instanceof ConfigError ? 2 : 1);
}
