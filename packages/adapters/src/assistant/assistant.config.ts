import { z } from "zod";

/**
 * Environment variables of the notebook assistant (§B chat), composed into the one config schema
 * in `composition/`. Without `LLM_PROVIDER` there is no assistant and chat answers 503.
 */
export const assistantConfigShape = {
  /** `anthropic` (the Messages API) or `openai` (OpenAI-compatible chat completions: OpenAI, vLLM, Ollama, …). */
  LLM_PROVIDER: z.enum(["anthropic", "openai"]).optional(),
  /** The provider's model name, e.g. `claude-sonnet-4-5` or `gpt-4o`. */
  LLM_MODEL: z.string().min(1).optional(),
  /** The provider's key; only the assistant's adapter reads it (kernels never get the host's environment). */
  LLM_API_KEY: z.string().min(1).optional(),
  /** Another endpoint of the same API (a proxy, a local server): `https://api.anthropic.com`, `https://api.openai.com/v1` by default. */
  LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Most tokens one model reply may have (Anthropic requires a bound). */
  LLM_MAX_TOKENS: z.coerce.number().int().positive().max(1_000_000).default(4096),
} satisfies Record<string, z.ZodType>;

export type AssistantConfig = z.infer<z.ZodObject<typeof assistantConfigShape>>;

/**
 * The variables a configured provider still lacks (a model always; a key for Anthropic, while a
 * local OpenAI-compatible server may need none).
 */
export function missingAssistantSettings(config: AssistantConfig): string[] {
  if (config.LLM_PROVIDER === undefined) return [];
  const missing: string[] = [];
  if (config.LLM_MODEL === undefined) missing.push("LLM_MODEL");
  if (config.LLM_PROVIDER === "anthropic" && config.LLM_API_KEY === undefined) missing.push("LLM_API_KEY");
  return missing;
}
