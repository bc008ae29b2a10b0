import { pino, type Logger } from "pino";

export type { Logger };
export const Log = Symbol.for("parallax.Logger");

export function createLogger(level: string, name = "parallax"): Logger {
  return pino({ name, level });
}
