import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = {
  [K in keyof O]: O[K] extends { type: "boolean" } ? boolean | undefined
    : O[K] extends { multiple: true } ? string[] | undefined
    : O[K] extends { default: string } ? string : string | undefined;
};

/**
 * Parses a command's flags strictly. Bad flags print the error and usage (exit 2); `--help`
 * prints the usage (exit 0). Either way the command returns `exit` instead of running.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string): { values: Values<O> } | { exit: number } {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean" } }, strict: true }) as { values: Record<string, unknown> });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return { exit: 2 };
  }
  if (values["help"]) {
    process.stdout.write(usage);
    return { exit: 0 };
  }
  return { values: values as Values<O> };
}
