/** Opaque unique ids (UUID v4 in production, a counter in tests). */
export interface IdGenerator {
  next(): string;
}
export const IdGenerator = Symbol.for("parallax.IdGenerator");
