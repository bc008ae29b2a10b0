import type { Clock } from "@parallax/application";

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
