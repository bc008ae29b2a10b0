/**
 * The environment a Python kernel starts with: an allowlist, never the host's whole environment.
 * The host holds cloud credentials, tokens and LLM keys that cell code (an uploaded notebook's
 * included, since charts are made by running it) must not read. What is let through is what an
 * interpreter needs to find itself, its packages, a locale and a cache directory (matplotlib
 * rebuilds its font cache, seconds per start, without a writable HOME or MPLCONFIGDIR).
 */
const ALLOWED = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "TEMP",
  "TMP",
  "PYTHONPATH",
  "PYTHONHOME",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "PYENV_ROOT",
  "PYENV_VERSION",
  "LD_LIBRARY_PATH",
  "MPLCONFIGDIR",
  "XDG_CACHE_HOME",
  "XDG_CONFIG_HOME",
]);

export function kernelEnvironment(host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) {
    if (value !== undefined && (ALLOWED.has(name) || name.startsWith("LC_"))) env[name] = value;
  }
  return env;
}
