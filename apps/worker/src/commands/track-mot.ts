export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("parallax track-mot: not available yet\n");
  return 1;
}
