import { parseCommandArgs } from "./command-args.js";

const usage = `usage: parallax backfill-job-owners

Adds the owner_listing index's key (owner_list_key = jobs#<owner>) to every job item of the
DynamoDB table (DYNAMODB_TABLE, DYNAMODB_ENDPOINT, AWS_REGION) written before the index existed,
one conditional update per item, then records completion in the table: from then on a user's
job listing reads only their jobs. Until then listings by owner use the old filter and hide no
job. Run it once every host and worker runs this version; running it again is harmless.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {}, usage);
  if ("exit" in parsed) return parsed.exit;
  // Loaded after the flags are read, so `--help` answers at once.
  const [Effect, { ConfigError, loadConfig }, { AwsClients }, { DynamoJobStore }] = await Promise.all([
    import("effect/Effect"),
    import("@parallax/adapters"),
    import("@parallax/adapters/aws"),
    import("@parallax/adapters/jobs"),
  ]);
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (config.DYNAMODB_TABLE === "") {
    process.stderr.write("DYNAMODB_TABLE must name the table whose jobs to backfill\n");
    return 2;
  }
  const clients = new AwsClients(config);
  try {
    const done = await Effect.runPromise(new DynamoJobStore(clients.dynamo, clients.table).backfillOwnerListing(Date.now()));
    process.stdout.write(`backfilled ${done.updated} of ${done.jobs} jobs in ${clients.table}; listings by owner now read the owner_listing index\n`);
    return 0;
  } catch (error) {
    // Nothing is recorded unless every item got its key: running it again is the remedy.
    process.stderr.write(`backfill-job-owners: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await clients.destroy();
  }
}
