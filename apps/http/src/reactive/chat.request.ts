import { z } from "zod";

/**
 * The body of §B's chat (`POST /api/chat/{id}`, `/api/v1/chat/chat/{id}`), parsed as leniently
 * as the React editor needs: its history may start with an assistant turn (the greeting), hold
 * consecutive assistant turns (a turn cut by an error, then a retry) and empty content (a turn
 * that was only tool calls). Only what no assistant could read is refused (422): no `messages`
 * list, a role other than `user`/`assistant`, content that is not text.
 */
export const chatMessage = z.object({
  role: z.enum(["user", "assistant"]),
  content: z
    .string()
    .max(1_000_000)
    .nullish()
    .transform((content) => content ?? ""),
});
export const chatRequest = z.object({ messages: z.array(chatMessage).max(1_000) });

export type ChatMessage = z.infer<typeof chatMessage>;

/** What a host without the assistant answers, naming what enables it. */
export const CHAT_UNAVAILABLE =
  "Chat is not available: no language model is configured on this server. Set LLM_PROVIDER, LLM_MODEL and LLM_API_KEY to enable the assistant.";
