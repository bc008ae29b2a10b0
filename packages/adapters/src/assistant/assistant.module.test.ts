import { describe, expect, it } from "vitest";
import { NotebookAssistant } from "@parallax/application/reactive";
import { ConfigError, loadConfig } from "../composition/config.js";
import { createContainer } from "../composition/root.js";
import { createLogger } from "../shared/logger.js";
import { AnthropicLanguageModel } from "./anthropic.language-model.js";
import { languageModelFor } from "./assistant.module.js";
import { OpenAiCompatibleLanguageModel } from "./openai.language-model.js";

describe("the assistant's configuration (LLM_*)", () => {
  it("binds no assistant without LLM_PROVIDER", () => {
    const container = createContainer(loadConfig({ STORAGE: "memory" }), { logger: createLogger("silent") });
    expect(container.isBound(NotebookAssistant)).toBe(false);
  });

  it("binds the provider's adapter that LLM_PROVIDER names", () => {
    const anthropic = loadConfig({ LLM_PROVIDER: "anthropic", LLM_MODEL: "claude-x", LLM_API_KEY: "k" });
    expect(languageModelFor(anthropic)).toBeInstanceOf(AnthropicLanguageModel);
    const local = loadConfig({ LLM_PROVIDER: "openai", LLM_MODEL: "llama", LLM_BASE_URL: "http://127.0.0.1:11434/v1" });
    expect(languageModelFor(local)).toBeInstanceOf(OpenAiCompatibleLanguageModel);
    const container = createContainer(loadConfig({ STORAGE: "memory", LLM_PROVIDER: "openai", LLM_MODEL: "gpt-x", LLM_API_KEY: "k" }), { logger: createLogger("silent") });
    expect(container.get(NotebookAssistant)).toBeInstanceOf(NotebookAssistant);
  });

  it("refuses a provider without what it needs, naming the variables", () => {
    expect(() => loadConfig({ LLM_PROVIDER: "anthropic" })).toThrow(ConfigError);
    expect(() => loadConfig({ LLM_PROVIDER: "anthropic" })).toThrow(/LLM_PROVIDER=anthropic also needs LLM_MODEL and LLM_API_KEY/);
    expect(() => loadConfig({ LLM_PROVIDER: "openai" })).toThrow(/needs LLM_MODEL$/);
    expect(() => loadConfig({ LLM_PROVIDER: "gemini" })).toThrow(/LLM_PROVIDER/);
    expect(() => loadConfig({ LLM_PROVIDER: "openai", LLM_MODEL: "m", LLM_BASE_URL: "file:///etc" })).toThrow(/LLM_BASE_URL/);
  });
});
