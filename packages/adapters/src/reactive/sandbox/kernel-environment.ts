/**
 * The environment a kernel starts with: an allowlist, never the host's whole environment.
 * The host holds cloud credentials, tokens and LLM keys that cell code (an uploaded notebook's
 * included, since charts are made by running it) must not read. What is let through by default is
 * what an interpreter needs to find itself, its packages and a locale; HOME is the notebook's own
 * working directory, set by the sandbox, not the host's.
 *
 * A name shaped like a secret (AWS_*, *KEY*, *SECRET*, *TOKEN*, *PASSWORD*, …) never passes,
 * whatever the allowlist says: an operator's `KERNEL_ENV_ALLOW=*` must not undo the point of it.
 */

/** `KERNEL_ENV_ALLOW`'s default; a trailing `*` matches a prefix. */
export const DEFAULT_ENV_ALLOW: readonly string[] = [
  "PATH",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TZ",
  "PYTHONPATH",
  "PYTHONHOME",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "PYENV_ROOT",
  "PYENV_VERSION",
  "LD_LIBRARY_PATH",
];

const SECRET_SHAPED = /(^AWS_|KEY|SECRET|TOKEN|PASSW|CREDENTIAL|^AUTH|_AUTH|COOKIE|SESSION|^DATABASE_URL$|_DSN$|^PG)/i;

export function secretShaped(name: string): boolean {
  return SECRET_SHAPED.test(name);
}

function allowed(name: string, allow: readonly string[]): boolean {
  return allow.some((pattern) => (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
}

/**
 * The host's variables the allowlist lets through, then the operator's `extra` pairs; secret-shaped
 * names are dropped from both (the config refuses them in `extra` already, with a message).
 */
export function kernelEnvironment(
  host: NodeJS.ProcessEnv = process.env,
  allow: readonly string[] = DEFAULT_ENV_ALLOW,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) {
    if (value !== undefined && allowed(name, allow) && !secretShaped(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) if (!secretShaped(name)) env[name] = value;
  return env;
}
