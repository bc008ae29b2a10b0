/**
 * The notebook assistant's container module: the `LanguageModel` that `LLM_PROVIDER` names and
 * the `NotebookAssistant` use case on it. Without `LLM_PROVIDER` it binds nothing and the host
 * answers chat with 503. Not the routes (apps/http/src/reactive).
 */
import { ContainerModule } from "inversify";
import { LanguageModel, NotebookAssistant, ReactiveNotebooks } from "@parallax/application/reactive";
import { AnthropicLanguageModel } from "./anthropic.language-model.js";
import type { AssistantConfig } from "./assistant.config.js";
import { OpenAiCompatibleLanguageModel } from "./openai.language-model.js";

/** The configured provider's adapter, or undefined when none is configured. */
export function languageModelFor(config: AssistantConfig): LanguageModel | undefined {
  const { LLM_PROVIDER, LLM_MODEL, LLM_API_KEY, LLM_BASE_URL, LLM_MAX_TOKENS } = config;
  if (LLM_PROVIDER === undefined || LLM_MODEL === undefined) return undefined;
  const baseUrl = LLM_BASE_URL === undefined ? {} : { baseUrl: LLM_BASE_URL };
  if (LLM_PROVIDER === "anthropic") {
    return LLM_API_KEY === undefined ? undefined : new AnthropicLanguageModel({ model: LLM_MODEL, apiKey: LLM_API_KEY, maxTokens: LLM_MAX_TOKENS, ...baseUrl });
  }
  return new OpenAiCompatibleLanguageModel({ model: LLM_MODEL, ...(LLM_API_KEY === undefined ? {} : { apiKey: LLM_API_KEY }), ...baseUrl });
}

export function assistantModule(config: AssistantConfig): ContainerModule {
  return new ContainerModule((options) => {
    const model = languageModelFor(config);
    if (model === undefined) return;
    options.bind<LanguageModel>(LanguageModel).toConstantValue(model);
    options
      .bind(NotebookAssistant)
      .toResolvedValue((notebooks: ReactiveNotebooks, languageModel: LanguageModel) => new NotebookAssistant(notebooks, languageModel), [ReactiveNotebooks, LanguageModel]);
  });
}
