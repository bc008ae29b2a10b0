/**
 * A stand-in for a port that implements only what a test gives it. Any other member a use
 * case touches fails the test at once, naming the port and the member — a fake that quietly
 * returns `undefined` would let a use case depend on behaviour the test never stated.
 */
export function strictFake<T extends object>(port: string, implemented: Partial<T> = {}): T {
  return new Proxy(implemented as T, {
    get(target, member, receiver) {
      if (member in target) return Reflect.get(target, member, receiver);
      // Promise resolution and inspection probe these; answering "absent" keeps a fake awaitable-safe.
      if (member === "then" || typeof member === "symbol") return undefined;
      throw new Error(`strictFake(${port}): the test did not implement ${String(member)}`);
    },
  });
}
