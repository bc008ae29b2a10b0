import type { ProcessExit } from "../../ports/process-runner.port.js";

/** How a run ended, as far as the worker running it can tell. */
export type RunOutcome =
  | { readonly kind: "exited"; readonly exit: ProcessExit }
  | { readonly kind: "timeout" }
  | { readonly kind: "spawn_failed"; readonly message: string }
  | { readonly kind: "cancelled" }
  | { readonly kind: "lease_lost"; readonly reason: string };

export function exitReason(exit: ProcessExit): string {
  return exit.exitCode === null ? `Process killed by signal ${exit.signal ?? "unknown"}` : `Process exited with code ${exit.exitCode}`;
}
