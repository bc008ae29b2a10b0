/**
 * `@parallax/adapters/assistant`: the `LanguageModel` adapters of the notebook assistant (§B
 * chat), one per provider wire format, and the module that binds the one `LLM_PROVIDER` names.
 * The conversation and the tools are `NotebookAssistant` (`@parallax/application/reactive`).
 */
export * from "./assistant.config.js";
export * from "./assistant.module.js";
export * from "./anthropic.language-model.js";
export * from "./openai.language-model.js";
export { sseData } from "./sse-data.js";
