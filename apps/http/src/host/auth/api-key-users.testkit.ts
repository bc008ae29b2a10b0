import { createHash } from "node:crypto";
import type { Config } from "@parallax/adapters";

/** The API keys of the ownership tests' three users: two ordinary ones and an administrator. */
export const USER_KEYS = { a: "key-of-user-a", b: "key-of-user-b", admin: "key-of-admin" } as const;
export type TestUser = keyof typeof USER_KEYS;

const sha256 = (key: string) => createHash("sha256").update(key).digest("hex");

/** AUTH=apikey with users `user_a`, `user_b` and `user_admin` (holding `adminRole`). */
export function apiKeyUsers(adminRole = "admin"): Pick<Config, "AUTH" | "API_KEYS"> {
  return {
    AUTH: "apikey",
    API_KEYS: [
      { sha256: sha256(USER_KEYS.a), userId: "user_a", roles: [] },
      { sha256: sha256(USER_KEYS.b), userId: "user_b", roles: [] },
      { sha256: sha256(USER_KEYS.admin), userId: "user_admin", roles: [adminRole] },
    ],
  };
}

/** One request as `user` (its API key), a JSON body sent and the answer's JSON read back. */
export async function requestAs(baseUrl: string, user: TestUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "x-api-key": USER_KEYS[user], ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
