import { randomUUID } from "node:crypto";
import type { IdGenerator } from "@parallax/application";

export class RandomIdGenerator implements IdGenerator {
  next(): string {
    return randomUUID();
  }
}
