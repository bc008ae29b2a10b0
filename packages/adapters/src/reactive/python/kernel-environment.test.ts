import { describe, expect, it } from "vitest";
import { kernelEnvironment } from "./kernel-environment.js";

describe("kernelEnvironment", () => {
  it("lets through what an interpreter needs and nothing else", () => {
    const env = kernelEnvironment({ PATH: "/bin", HOME: "/home/u", LC_ALL: "C.UTF-8", PYTHONPATH: "/lib", AWS_SECRET_ACCESS_KEY: "s", GITHUB_TOKEN: "t", LLM_API_KEY: "k", DATABASE_URL: "postgres://u:p@h/db" });
    expect(env).toEqual({ PATH: "/bin", HOME: "/home/u", LC_ALL: "C.UTF-8", PYTHONPATH: "/lib" });
  });
});
