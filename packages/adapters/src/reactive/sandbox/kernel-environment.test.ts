import { describe, expect, it } from "vitest";
import { kernelEnvironment, secretShaped } from "./kernel-environment.js";

const host = {
  PATH: "/bin",
  HOME: "/home/u",
  LC_ALL: "C.UTF-8",
  PYTHONPATH: "/lib",
  AWS_SECRET_ACCESS_KEY: "s",
  AWS_ACCESS_KEY_ID: "a",
  GITHUB_TOKEN: "t",
  LLM_API_KEY: "k",
  ANTHROPIC_API_KEY: "k",
  DATABASE_URL: "postgres://u:p@h/db",
  PGPASSWORD: "p",
};

describe("kernelEnvironment", () => {
  it("lets through what an interpreter needs and nothing else (HOME is the sandbox's to set)", () => {
    expect(kernelEnvironment(host)).toEqual({ PATH: "/bin", LC_ALL: "C.UTF-8", PYTHONPATH: "/lib" });
  });

  it("never lets a secret-shaped name through, even when the allowlist would", () => {
    expect(kernelEnvironment(host, ["*"])).toEqual({ PATH: "/bin", HOME: "/home/u", LC_ALL: "C.UTF-8", PYTHONPATH: "/lib" });
    expect(kernelEnvironment(host, ["AWS_*", "GITHUB_TOKEN"], { SERVICE_TOKEN: "x", MPLBACKEND: "Agg" })).toEqual({ MPLBACKEND: "Agg" });
  });

  it("recognises the usual shapes of secrets", () => {
    for (const name of ["AWS_SESSION_TOKEN", "OPENAI_API_KEY", "LLM_API_KEY", "CLERK_SECRET", "NPM_TOKEN", "DB_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS", "DATABASE_URL", "SENTRY_DSN"]) {
      expect(secretShaped(name), name).toBe(true);
    }
    for (const name of ["PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "MPLBACKEND"]) expect(secretShaped(name), name).toBe(false);
  });
});
