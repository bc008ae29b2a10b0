export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("parallax worker: not available yet\n");
  return 1;
}
