import { describe, expect, it } from "vitest";
import { Result } from "effect";
import { z } from "zod";
import { pipelinesFileSchema, resolveParams, substituteCommand } from "./pipeline.js";

const file = pipelinesFileSchema.parse({
  pipelines: [
    { name: "train", command: ["python3", "ml/train.py", "--config", "{config}"], params: { config: { type: "string", default: "ml/config.yaml" } }, exclusive: true, then: ["verify"] },
    { name: "generate", command: ["gen", "--tiles={tiles}"], params: { tiles: { type: "integer", min: 1, max: 100 } } },
    { name: "verify", command: ["verify"] },
  ],
});

describe("pipelines file", () => {
  it("applies defaults", () => {
    expect(file.pipelines[0]).toMatchObject({ cwd: ".", max_attempts: 1, timeout_s: null, exclusive: true, requires: [] });
  });

  it("rejects unknown placeholders, follow-ups and duplicates with readable messages", () => {
    const bad = pipelinesFileSchema.safeParse({
      pipelines: [
        { name: "a", command: ["x", "{nope}"], then: ["ghost"] },
        { name: "a", command: ["y"] },
      ],
    });
    expect(bad.success).toBe(false);
    const message = z.prettifyError(bad.error!);
    expect(message).toContain("unknown parameter {nope}");
    expect(message).toContain("unknown pipeline 'ghost'");
    expect(message).toContain("duplicate pipeline 'a'");
    const loud = pipelinesFileSchema.safeParse({ pipelines: [{ name: "a", command: ["x"], priority: 2 ** 53 - 1 }] });
    expect(loud.success || z.prettifyError(loud.error)).toContain("priority is at most 100");
  });

  it("types params and substitutes them argument by argument, never through a shell", () => {
    const train = file.pipelines[0]!;
    const generate = file.pipelines[1]!;
    expect(resolveParams(train, {})).toEqual(Result.succeed({ config: "ml/config.yaml" }));
    expect(resolveParams(generate, { tiles: "12" })).toEqual(Result.succeed({ tiles: 12 }));
    expect(resolveParams(generate, { tiles: "1.5" })).toMatchObject({ failure: expect.stringContaining("integer") });
    expect(resolveParams(generate, { tiles: "500" })).toMatchObject({ failure: expect.stringContaining("≤ 100") });
    expect(resolveParams(generate, {})).toMatchObject({ failure: expect.stringContaining("Missing parameter 'tiles'") });
    expect(resolveParams(generate, { tiles: "" })).toEqual(Result.fail("Parameter 'tiles': expected a number, got ''"));
    expect(resolveParams(generate, { tiles: "3", other: "x" })).toMatchObject({ failure: expect.stringContaining("Unknown parameter 'other'") });
    const hostile = "a.yaml; rm -rf / $(whoami)";
    expect(substituteCommand(train.command, { config: hostile })).toEqual(["python3", "ml/train.py", "--config", hostile]);
    expect(substituteCommand(generate.command, { tiles: 7 })).toEqual(["gen", "--tiles=7"]);
    expect(substituteCommand(["python3", "-c", "print(f'{{x}}', {n})"], { n: 2 })).toEqual(["python3", "-c", "print(f'{x}', 2)"]);
  });
});
