/** The operational checks: alarms, the metrics they watch, the data stores, the task roles' policies, created names (see `terraform.testkit.ts`). */
import { blocks, byType, one, reference, render, type TerraformModule } from "./terraform.testkit.js";
import { SERVICES, containerOf } from "./terraform-services.testkit.js";

/** The runbook's alarms, each wired to the SNS topic variable. */
export function alarms(module: TerraformModule): string[] {
  const problems: string[] = [];
  const all = byType(module, "aws_cloudwatch_metric_alarm");
  const named = (metric: string) => all.filter(([, body]) => body["metric_name"] === metric);
  for (const service of Object.values(SERVICES)) {
    const cpu = named("CPUUtilization").find(([, body]) => one(body["dimensions"])["ServiceName"] === `\${${service}.name}`);
    if (!cpu) problems.push(`no CPU alarm on ${service}`);
    else if (cpu[1]["threshold"] !== 80 || cpu[1]["evaluation_periods"] !== 2 || cpu[1]["comparison_operator"] !== "GreaterThanThreshold") problems.push(`${cpu[0]} is not "CPU > 80 % for 2 periods"`);
  }
  const errors = named("HTTPCode_Target_5XX_Count")[0];
  if (!errors) problems.push("no ALB target 5xx alarm");
  else {
    const window = Number(errors[1]["period"]) * Number(errors[1]["evaluation_periods"]);
    if (errors[1]["threshold"] !== 5 || errors[1]["statistic"] !== "Sum" || window !== 300 || errors[1]["comparison_operator"] !== "GreaterThanThreshold") problems.push(`${errors[0]} is not "more than 5 in 5 minutes"`);
  }
  if (named("UnHealthyHostCount").length === 0) problems.push("no unhealthy targets alarm");
  if (!all.some(([, body]) => /age/i.test(String(body["metric_name"])))) problems.push("no job queue age alarm");
  const topic = "var.alarm_sns_topic_arn";
  // The topic inside the list of actions: `[var.x]` itself, or a local that is (or holds) `[var.x]`.
  const notifies = (actions: unknown): boolean =>
    (Array.isArray(actions) && actions.includes(`\${${topic}}`)) ||
    (typeof actions === "string" && (actions.includes(`[${topic}]`) || (/^\$\{local\.\w+\}$/.test(actions) && notifies(module.locals[actions.slice(8, -1)]))));
  for (const [address, body] of all) if (!notifies(body["alarm_actions"])) problems.push(`${address} does not notify ${topic}`);
  if (!module.variables.has("alarm_sns_topic_arn")) problems.push("variable alarm_sns_topic_arn is missing");
  return problems;
}

/** What the workers emit (the code's exported constants): the metric names and the one dimension's name. */
export interface EmittedMetrics {
  readonly pendingJobs: string;
  readonly oldestPendingJobAgeSeconds: string;
  readonly dimension: string;
}

/**
 * The metrics the Terraform reads are the ones the workers write: the worker container's
 * METRICS_NAMESPACE and METRICS_APPLICATION are the namespace and the dimension value that the
 * queue scaling policy and the queue-age alarm select, with the dimension's name and the metric
 * names the code emits. A mismatch is a policy that never scales and an alarm that never fires.
 */
export function publishedMetrics(module: TerraformModule, emitted: EmittedMetrics): string[] {
  const problems: string[] = [];
  const worker = containerOf(module, SERVICES.worker);
  const namespace = render(module, worker?.environment.get("METRICS_NAMESPACE"));
  const application = render(module, worker?.environment.get("METRICS_APPLICATION"));
  if (!namespace) problems.push("the worker container has no METRICS_NAMESPACE");
  if (!application) problems.push("the worker container has no METRICS_APPLICATION");
  const dimensionsOf = (pairs: [string, unknown][]) => pairs.map(([name, value]) => `${name}=${render(module, value) ?? String(value)}`).sort().join(",");
  const wanted = `${emitted.dimension}=${application}`;

  const ours: { where: string; name: string; dimensions: string }[] = [];
  for (const [address, body] of byType(module, "aws_appautoscaling_policy")) {
    const custom = one(one(body["target_tracking_scaling_policy_configuration"])["customized_metric_specification"]);
    for (const query of blocks(custom["metrics"])) {
      const metric = one(one(query["metric_stat"])["metric"]);
      if (Object.keys(metric).length === 0 || render(module, metric["namespace"]) !== namespace) continue;
      ours.push({ where: address, name: String(metric["metric_name"]), dimensions: dimensionsOf(blocks(metric["dimensions"]).map((d) => [String(d["name"]), d["value"]])) });
    }
  }
  for (const [address, body] of byType(module, "aws_cloudwatch_metric_alarm")) {
    if (render(module, body["namespace"]) !== namespace) continue;
    ours.push({ where: address, name: String(body["metric_name"]), dimensions: dimensionsOf(Object.entries(one(body["dimensions"]))) });
  }
  const scaling = ours.filter(({ where }) => where.startsWith("aws_appautoscaling_policy."));
  const alarming = ours.filter(({ where }) => where.startsWith("aws_cloudwatch_metric_alarm."));
  if (!scaling.some(({ name }) => name === emitted.pendingJobs)) problems.push(`no scaling policy reads ${emitted.pendingJobs} in namespace ${namespace}`);
  if (!alarming.some(({ name }) => name === emitted.oldestPendingJobAgeSeconds)) problems.push(`no alarm reads ${emitted.oldestPendingJobAgeSeconds} in namespace ${namespace}`);
  const names = new Set([emitted.pendingJobs, emitted.oldestPendingJobAgeSeconds]);
  for (const { where, name, dimensions } of ours) {
    if (!names.has(name)) problems.push(`${where} reads ${name}, which the workers do not emit`);
    if (dimensions !== wanted) problems.push(`${where} selects ${name} by ${dimensions || "no dimension"}, the workers emit ${wanted}`);
  }
  return problems;
}

/** DynamoDB: on demand, TTL, point-in-time recovery. S3: private, encrypted, versioned, public access blocked. */
export function dataStores(module: TerraformModule): string[] {
  const problems: string[] = [];
  const [table] = byType(module, "aws_dynamodb_table");
  if (!table) problems.push("no DynamoDB table");
  else {
    if (table[1]["billing_mode"] !== "PAY_PER_REQUEST") problems.push(`${table[0]} is not on demand (PAY_PER_REQUEST)`);
    if (one(table[1]["ttl"])["enabled"] !== true || !one(table[1]["ttl"])["attribute_name"]) problems.push(`${table[0]} has no TTL`);
    if (one(table[1]["point_in_time_recovery"])["enabled"] !== true) problems.push(`${table[0]} has no point-in-time recovery`);
  }
  const [bucket] = byType(module, "aws_s3_bucket");
  if (!bucket) return [...problems, "no S3 bucket"];
  const of = (type: string) => byType(module, type).find(([, body]) => body["bucket"] === `\${${bucket[0]}.id}`)?.[1];
  const block = of("aws_s3_bucket_public_access_block");
  for (const flag of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) if (block?.[flag] !== true) problems.push(`${bucket[0]}: ${flag} is not true`);
  const encryption = one(one(one(of("aws_s3_bucket_server_side_encryption_configuration")?.["rule"])["apply_server_side_encryption_by_default"]));
  if (!["AES256", "aws:kms"].includes(String(encryption["sse_algorithm"]))) problems.push(`${bucket[0]} is not encrypted by default`);
  if (one(of("aws_s3_bucket_versioning")?.["versioning_configuration"])["status"] !== "Enabled") problems.push(`${bucket[0]} is not versioned`);
  if (one(of("aws_s3_bucket_ownership_controls")?.["rule"])["object_ownership"] !== "BucketOwnerEnforced") problems.push(`${bucket[0]}: ACLs are not disabled (BucketOwnerEnforced)`);
  if ("acl" in bucket[1] || byType(module, "aws_s3_bucket_acl").length > 0) problems.push(`${bucket[0]} sets an ACL`);
  return problems;
}

/**
 * Least privilege: each task role's policy (an aws_iam_role_policy whose document is a declared
 * aws_iam_policy_document) names only the table (and its indexes) and the bucket (and its
 * objects), nothing else: the queue metrics go out as EMF log lines, so no role publishes metrics
 * (cloudwatch:PutMetricData) either. No managed policy is attached to a task role; no action is a wildcard.
 */
export function taskRolePolicies(module: TerraformModule): string[] {
  const problems: string[] = [];
  const table = byType(module, "aws_dynamodb_table")[0]?.[0];
  const bucket = byType(module, "aws_s3_bucket")[0]?.[0];
  const allowed = new Set([`\${${table}.arn}`, `\${${table}.arn}/index/*`, `\${${bucket}.arn}`, `\${${bucket}.arn}/*`]);
  for (const service of Object.values(SERVICES)) {
    const view = containerOf(module, service);
    const role = reference(module.resources.get(view?.taskDefinition ?? "")?.["task_role_arn"])?.address;
    if (!role) continue; // services() reports it
    const attached = [...module.resources].filter(([address, body]) => /^aws_iam_role_policy(_attachment)?\./.test(address) && (body["role"] === `\${${role}.id}` || body["role"] === `\${${role}.name}`));
    if (attached.length === 0) problems.push(`${role} has no policy`);
    for (const [address, body] of attached) {
      if (address.startsWith("aws_iam_role_policy_attachment.")) {
        problems.push(`${address} attaches a managed policy to task role ${role}`);
        continue;
      }
      const document = reference(body["policy"]);
      if (!document?.address.startsWith("data.aws_iam_policy_document.") || document.attribute !== "json") {
        problems.push(`${address}: policy is not a declared aws_iam_policy_document's json`);
        continue;
      }
      const statements = blocks(module.data.get(document.address.slice(5))?.["statement"]);
      if (statements.length === 0) problems.push(`${document.address} is not declared or has no statement`);
      let table_ = false;
      let bucket_ = false;
      for (const statement of statements) {
        const sid = `${document.address} ${String(statement["sid"] ?? "")}`;
        const actions = (statement["actions"] ?? []) as string[];
        const resources = (statement["resources"] ?? []) as string[];
        if (statement["effect"] === "Deny") continue;
        if (actions.some((action) => action.includes("*"))) problems.push(`${sid}: wildcard action`);
        const publishing = actions.filter((action) => action.startsWith("cloudwatch:"));
        if (publishing.length > 0) problems.push(`${sid}: ${publishing.join(", ")}: the workers' metrics are EMF log lines, no role publishes to CloudWatch`);
        for (const resource of resources) if (!allowed.has(resource)) problems.push(`${sid}: names ${resource}, which is not the table or the bucket`);
        if (resources.some((resource) => resource.includes(`${table}.`))) table_ = true;
        if (resources.some((resource) => resource.includes(`${bucket}.`))) bucket_ = true;
      }
      if (!table_ || !bucket_) problems.push(`${document.address} does not reach both the table and the bucket`);
    }
  }
  return problems;
}

/** The names the Terraform creates, with the variables' defaults, each with the resource types that bear it. */
export function createdNames(module: TerraformModule): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  const attributes = ["name", "bucket", "alarm_name", "family"];
  for (const [address, body] of module.resources) {
    for (const attribute of attributes) {
      const rendered = render(module, body[attribute]);
      if (rendered === undefined) continue;
      const types = names.get(rendered) ?? new Set<string>();
      types.add(address.split(".")[0]!);
      names.set(rendered, types);
    }
  }
  return names;
}
