import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("host configuration", () => {
  it("has bounded defaults", () => {
    const config = loadConfig({});
    expect(config.ALLOWED_ORIGINS).toEqual(["http://localhost:3000", "http://localhost:5173"]);
    expect(config.TRUST_PROXY).toBe(false);
    expect(config).toMatchObject({ REQUEST_TIMEOUT_MS: 120_000, BODY_IDLE_TIMEOUT_MS: 15_000, MAX_CONNECTIONS_PER_IP: 256, WS_MAX_MESSAGE_BYTES: 1_048_576, MAX_JSON_DEPTH: 1_000 });
  });

  it("reads origins as a comma list and TRUST_PROXY as a boolean word", () => {
    const config = loadConfig({ ALLOWED_ORIGINS: "https://app.example.com, http://localhost:8080/", TRUST_PROXY: "true" });
    expect(config.ALLOWED_ORIGINS).toEqual(["https://app.example.com", "http://localhost:8080"]);
    expect(config.TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: "0" }).TRUST_PROXY).toBe(false);
  });

  it.each(["*", "https://app.example.com/editor", "localhost:3000"])("refuses %s as an allowed origin, naming the variable", (origin) => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: origin })).toThrow(ConfigError);
    expect(() => loadConfig({ ALLOWED_ORIGINS: origin })).toThrow(/ALLOWED_ORIGINS/);
  });
});

describe("STORAGE=aws", () => {
  it("needs the table and the bucket named, whichever store asks for aws", () => {
    expect(() => loadConfig({ STORAGE: "aws" })).toThrow(/DYNAMODB_TABLE[\s\S]*S3_BUCKET/);
    expect(() => loadConfig({ JOBS_STORE: "aws", S3_BUCKET: "b" })).toThrow(/STORAGE=aws needs DYNAMODB_TABLE/);
    const config = loadConfig({ STORAGE: "aws", DYNAMODB_TABLE: "t", S3_BUCKET: "b", DYNAMODB_ENDPOINT: "http://127.0.0.1:8000", CREATE_TABLES: "true" });
    expect(config).toMatchObject({ STORAGE: "aws", DYNAMODB_TABLE: "t", S3_BUCKET: "b", CREATE_TABLES: true, S3_ENDPOINT: "" });
    expect(() => loadConfig({ DYNAMODB_ENDPOINT: "localhost:8000" })).toThrow(/DYNAMODB_ENDPOINT/);
  });
});
