/**
 * Reads infra/terraform without a terraform binary: every `.tf` file parsed by @cdktf/hcl2json
 * (HashiCorp's HCL parser compiled to WebAssembly) into one module, and the checks of issue 12 §8
 * as functions that return the problems they find (empty: fine). The tests run them on the real
 * files and on edited copies, so each check is shown to fail when its rule is broken.
 *
 * hcl2json keeps expressions as `${...}` strings and blocks as arrays; `resolve` and `render`
 * evaluate the few expression forms the module uses for names and limits (variables' defaults,
 * locals, `x != "" ? x : y`), nothing more.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

// Loaded through require, not `import`: the package's .d.ts pulls the DOM lib (`/// <reference
// lib="dom" />`) into the whole tests program, which changes Node's Blob types for other tests.
const { parse } = createRequire(import.meta.url)("@cdktf/hcl2json") as { parse(filename: string, contents: string): Promise<Record<string, unknown>> };

export const TERRAFORM_DIR = join(process.cwd(), "infra/terraform");
/** What `data.aws_caller_identity.current.account_id` renders as; docs/operations.md's `$ACCOUNT` too. */
export const ACCOUNT_PLACEHOLDER = "ACCOUNT_ID";

type Body = Record<string, unknown>;

export interface TerraformModule {
  resources: Map<string, Body>; // "aws_ecs_service.host" → its body
  data: Map<string, Body>; // "aws_iam_policy_document.host" → its body
  variables: Map<string, Body>;
  outputs: Map<string, Body>;
  locals: Body;
  terraform: Body[];
}

export function readTerraformFiles(dir = TERRAFORM_DIR): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".tf")).sort()) files[name] = readFileSync(join(dir, name), "utf8");
  return files;
}

const one = (value: unknown): Body => (Array.isArray(value) ? (value[0] as Body) : (value as Body)) ?? {};

export async function parseTerraform(files: Record<string, string>): Promise<TerraformModule> {
  const module: TerraformModule = { resources: new Map(), data: new Map(), variables: new Map(), outputs: new Map(), locals: {}, terraform: [] };
  for (const [name, text] of Object.entries(files)) {
    const json = await parse(name, text);
    for (const [kind, target] of [
      ["resource", module.resources],
      ["data", module.data],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const [label, body] of Object.entries(byName)) {
          const key = `${type}.${label}`;
          if (target.has(key)) throw new Error(`${kind} ${key} declared twice (${name})`);
          target.set(key, one(body));
        }
      }
    }
    for (const [label, body] of Object.entries((json["variable"] ?? {}) as Record<string, unknown>)) module.variables.set(label, one(body));
    for (const [label, body] of Object.entries((json["output"] ?? {}) as Record<string, unknown>)) module.outputs.set(label, one(body));
    for (const block of (json["locals"] ?? []) as Body[]) Object.assign(module.locals, block);
    module.terraform.push(...((json["terraform"] ?? []) as Body[]));
  }
  return module;
}

export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TerraformModule> {
  return parseTerraform(readTerraformFiles(dir));
}

// ---- evaluating the small expressions names and limits use ----

/** `${var.x}` → its default, `${local.x}` → its value (resolved in turn); anything else as it is. */
export function resolve(module: TerraformModule, value: unknown, depth = 0): unknown {
  if (typeof value !== "string" || depth > 10) return value;
  const whole = /^\$\{(var|local)\.(\w+)\}$/.exec(value);
  if (whole) {
    const [, kind, name] = whole as unknown as [string, string, string];
    const next = kind === "var" ? module.variables.get(name)?.["default"] : module.locals[name];
    return resolve(module, next, depth + 1);
  }
  // `${var.x != "" ? var.x : local.y}`: the override when set, else the fallback.
  const fallback = /^\$\{var\.(\w+) != "" \? var\.\1 : ((?:var|local)\.\w+)\}$/.exec(value);
  if (fallback) {
    const [, name, other] = fallback as unknown as [string, string, string];
    const chosen = module.variables.get(name)?.["default"];
    return chosen !== "" && chosen !== undefined ? chosen : resolve(module, `\${${other}}`, depth + 1);
  }
  return value;
}

/** A name with its defaults filled in: "${var.app_name}-cluster" → "notebook-processor-cluster"; undefined if it holds anything else. */
export function render(module: TerraformModule, value: unknown, depth = 0): string | undefined {
  const resolved = resolve(module, value);
  if (typeof resolved === "number") return String(resolved);
  if (typeof resolved !== "string" || depth > 10) return undefined;
  let failed = false;
  const text = resolved.replace(/\$\{([^}]*)\}/g, (_, expression: string) => {
    if (expression === "data.aws_caller_identity.current.account_id") return ACCOUNT_PLACEHOLDER;
    const piece = `\${${expression}}`;
    const next = resolve(module, piece);
    const inner = next === piece ? undefined : render(module, next, depth + 1);
    if (inner === undefined) failed = true;
    return inner ?? "";
  });
  return failed ? undefined : text;
}

/** `"${aws_iam_role.host.arn}"` → `{ address: "aws_iam_role.host", attribute: "arn" }`. */
export function reference(value: unknown): { address: string; attribute: string } | undefined {
  const match = typeof value === "string" ? /^\$\{((?:data\.)?aws_\w+\.\w+)\.(\w+)\}$/.exec(value) : null;
  return match ? { address: match[1]!, attribute: match[2]! } : undefined;
}

const blocks = (value: unknown): Body[] => (Array.isArray(value) ? (value as Body[]) : value ? [value as Body] : []);
const byType = (module: TerraformModule, type: string) => [...module.resources].filter(([address]) => address.startsWith(`${type}.`));

// ---- the checks ----

/** Every `type.name`, `data.type.name`, `var.x` and `local.x` an expression names is declared. */
export function danglingReferences(module: TerraformModule): string[] {
  const problems: string[] = [];
  const visit = (where: string, value: unknown): void => {
    if (typeof value === "string") {
      if (!value.includes("${")) return;
      for (const match of value.matchAll(/(?<![\w.])(data\.)?(aws_\w+)\.(\w+)/g)) {
        const address = `${match[2]}.${match[3]}`;
        const declared = match[1] ? module.data.has(address) : module.resources.has(address);
        if (!declared) problems.push(`${where}: ${match[1] ?? ""}${address} is not declared`);
      }
      for (const match of value.matchAll(/(?<![\w.])var\.(\w+)/g)) if (!module.variables.has(match[1]!)) problems.push(`${where}: var.${match[1]} is not declared`);
      for (const match of value.matchAll(/(?<![\w.])local\.(\w+)/g)) if (!(match[1]! in module.locals)) problems.push(`${where}: local.${match[1]} is not declared`);
    } else if (Array.isArray(value)) value.forEach((item) => visit(where, item));
    else if (value && typeof value === "object") for (const item of Object.values(value)) visit(where, item);
  };
  for (const [address, body] of module.resources) visit(address, body);
  for (const [address, body] of module.data) visit(`data.${address}`, body);
  for (const [name, body] of module.outputs) visit(`output.${name}`, body);
  visit("locals", module.locals);
  return problems;
}

/** `terraform { required_version; required_providers { aws = hashicorp/aws ~> 5.x } }`. */
export function versionPins(module: TerraformModule): string[] {
  const problems: string[] = [];
  const settings = module.terraform[0];
  if (!settings?.["required_version"]) problems.push("terraform.required_version is not set");
  const aws = one(one(settings?.["required_providers"])["aws"]);
  if (aws["source"] !== "hashicorp/aws") problems.push(`the aws provider's source is ${String(aws["source"])}, not hashicorp/aws`);
  if (!/^~>\s*5\.\d+/.test(String(aws["version"] ?? ""))) problems.push(`the aws provider's version is ${String(aws["version"])}, not pinned to ~> 5.x`);
  return problems;
}

export const OLD_DEFAULTS = { app_name: "notebook-processor", environment: "production", aws_region: "us-east-1", app_count: 2, fargate_cpu: 512, fargate_memory: 1024 };

export function variablesAndOutputs(module: TerraformModule): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(OLD_DEFAULTS)) {
    if (!module.variables.has(name)) problems.push(`variable ${name} is missing`);
    else if (module.variables.get(name)?.["default"] !== value) problems.push(`variable ${name} defaults to ${String(module.variables.get(name)?.["default"])}, not ${value}`);
  }
  const expected: Record<string, [string, string]> = {
    alb_hostname: ["aws_lb", "dns_name"],
    ecr_repository_url: ["aws_ecr_repository", "repository_url"],
    target_group_arn: ["aws_lb_target_group", "arn"],
    vpc_id: ["aws_vpc", "id"],
  };
  for (const [name, [type, attribute]] of Object.entries(expected)) {
    const target = reference(module.outputs.get(name)?.["value"]);
    if (!target) problems.push(`output ${name} is missing or is not a resource attribute`);
    else if (!target.address.startsWith(`${type}.`) || target.attribute !== attribute || !module.resources.has(target.address))
      problems.push(`output ${name} is ${target.address}.${target.attribute}, not the ${attribute} of a declared ${type}`);
  }
  return problems;
}

export interface ContainerView {
  service: string;
  taskDefinition: string;
  container: Body;
  environment: Map<string, unknown>;
}

/** A service's task definition and its one container (the local its `jsonencode([local.x])` names). */
export function containerOf(module: TerraformModule, service: string): ContainerView | undefined {
  const target = reference(module.resources.get(service)?.["task_definition"]);
  if (!target || !target.address.startsWith("aws_ecs_task_definition.")) return undefined;
  const definitions = module.resources.get(target.address)?.["container_definitions"];
  const local = typeof definitions === "string" ? /^\$\{jsonencode\(\[local\.(\w+)\]\)\}$/.exec(definitions)?.[1] : undefined;
  const container = local ? (module.locals[local] as Body | undefined) : undefined;
  if (!container) return undefined;
  const environment = new Map(((container["environment"] ?? []) as Body[]).map((entry) => [String(entry["name"]), entry["value"]]));
  return { service, taskDefinition: target.address, container, environment };
}

export const SERVICES = { host: "aws_ecs_service.host", worker: "aws_ecs_service.worker" } as const;

/**
 * The two Fargate services: circuit breaker with rollback, their own task role, the log group,
 * the table's and bucket's names in the environment, the host (only) behind the target group.
 */
export function services(module: TerraformModule): string[] {
  const problems: string[] = [];
  const table = [...module.resources.keys()].find((address) => address.startsWith("aws_dynamodb_table."));
  const bucket = [...module.resources.keys()].find((address) => address.startsWith("aws_s3_bucket."));
  const roles = new Set<string>();
  for (const [role, address] of Object.entries(SERVICES)) {
    const service = module.resources.get(address);
    if (!service) {
      problems.push(`${address} is missing`);
      continue;
    }
    if (service["launch_type"] !== "FARGATE") problems.push(`${address} does not run on FARGATE`);
    const breaker = blocks(service["deployment_circuit_breaker"])[0];
    if (breaker?.["enable"] !== true || breaker?.["rollback"] !== true) problems.push(`${address}: deployment circuit breaker is not enabled with rollback`);
    if (!reference(service["cluster"])?.address.startsWith("aws_ecs_cluster.")) problems.push(`${address} is not in the declared cluster`);
    const view = containerOf(module, address);
    if (!view) {
      problems.push(`${address}: no task definition whose container_definitions is jsonencode([local.<container>])`);
      continue;
    }
    const definition = module.resources.get(view.taskDefinition) ?? {};
    const taskRole = reference(definition["task_role_arn"]);
    if (!taskRole?.address.startsWith("aws_iam_role.") || taskRole.attribute !== "arn") problems.push(`${view.taskDefinition}: task_role_arn is not a declared role's arn`);
    else if (roles.has(taskRole.address)) problems.push(`${view.taskDefinition}: shares task role ${taskRole.address} with the other service`);
    else {
      roles.add(taskRole.address);
      if (!module.resources.has(taskRole.address)) problems.push(`${view.taskDefinition}: ${taskRole.address} is not declared`);
    }
    if (!reference(definition["execution_role_arn"])?.address.startsWith("aws_iam_role.")) problems.push(`${view.taskDefinition}: no execution role`);
    if (!String(definition["requires_compatibilities"] ?? "").includes("FARGATE")) problems.push(`${view.taskDefinition} is not a FARGATE task definition`);
    const options = one(view.container["logConfiguration"])["options"] as Body | undefined;
    const logGroup = reference(options?.["awslogs-group"]);
    if (!logGroup?.address.startsWith("aws_cloudwatch_log_group.")) problems.push(`${address}: the container does not log to a declared log group`);
    else if (module.resources.get(logGroup.address)?.["name"] !== "/ecs/${var.app_name}") problems.push(`${logGroup.address} is not named /ecs/\${var.app_name}`);
    const wants: Record<string, string | undefined> = {
      DYNAMODB_TABLE: table && `\${${table}.name}`,
      S3_BUCKET: bucket && `\${${bucket}.bucket}`,
      AWS_REGION: "${var.aws_region}",
      STORAGE: "aws",
    };
    for (const [name, value] of Object.entries(wants)) {
      if (view.environment.get(name) !== value) problems.push(`${address}: ${name} is ${String(view.environment.get(name))}, not ${value}`);
    }
    const balancers = blocks(service["load_balancer"]);
    if (role === "worker" && balancers.length > 0) problems.push(`${address} has a load balancer; workers take no traffic`);
    if (role === "host") {
      const balancer = balancers[0];
      if (!reference(balancer?.["target_group_arn"])?.address.startsWith("aws_lb_target_group.")) problems.push(`${address} is not behind a declared target group`);
      else if (balancer?.["container_name"] !== view.container["name"]) problems.push(`${address}: load_balancer names container ${String(balancer?.["container_name"])}, the task's is ${String(view.container["name"])}`);
      const port = one(view.container["portMappings"])["containerPort"];
      if (balancer?.["container_port"] !== port) problems.push(`${address}: load_balancer port ${String(balancer?.["container_port"])} is not the container's ${String(port)}`);
      if (view.environment.get("PORT") !== `\${tostring(${String(port).replace(/^\$\{|\}$/g, "")})}`) problems.push(`${address}: PORT is not the container port`);
    }
  }
  return problems;
}

/** ALB: idle timeout ≥ 300 s; the target group checks /health; a listener forwards to it. */
export function loadBalancer(module: TerraformModule): string[] {
  const problems: string[] = [];
  const balancers = byType(module, "aws_lb");
  if (balancers.length !== 1) problems.push(`expected one aws_lb, found ${balancers.length}`);
  for (const [address, body] of balancers) {
    const idle = resolve(module, body["idle_timeout"]);
    if (typeof idle !== "number" || idle < 300) problems.push(`${address}: idle_timeout is ${String(idle)}, WebSockets and SSE need at least 300`);
  }
  for (const [address, body] of byType(module, "aws_lb_target_group")) {
    const check = blocks(body["health_check"])[0];
    if (check?.["path"] !== "/health") problems.push(`${address}: health check path is ${String(check?.["path"])}, not /health`);
    if (body["target_type"] !== "ip") problems.push(`${address}: Fargate tasks (awsvpc) need target_type ip`);
  }
  const forwards = byType(module, "aws_lb_listener").some(([, body]) => String(one(body["default_action"])["target_group_arn"] ?? "").includes("aws_lb_target_group."));
  if (!forwards) problems.push("no listener forwards to the target group");
  return problems;
}

export function clusterRegistryAndLogs(module: TerraformModule): string[] {
  const problems: string[] = [];
  const [cluster] = byType(module, "aws_ecs_cluster");
  const insights = blocks(cluster?.[1]["setting"]).find((setting) => setting["name"] === "containerInsights");
  if (insights?.["value"] !== "enabled") problems.push("the ECS cluster does not enable Container Insights");
  const [repository] = byType(module, "aws_ecr_repository");
  if (one(repository?.[1]["image_scanning_configuration"])["scan_on_push"] !== true) problems.push("the ECR repository does not scan on push");
  const lifecycle = byType(module, "aws_ecr_lifecycle_policy")[0]?.[1];
  if (!repository || lifecycle?.["repository"] !== `\${${repository[0]}.name}`) problems.push("no ECR lifecycle policy on the repository");
  const logGroups = byType(module, "aws_cloudwatch_log_group");
  if (!logGroups.some(([, body]) => body["name"] === "/ecs/${var.app_name}" && Number(resolve(module, body["retention_in_days"])) > 0))
    problems.push("no log group /ecs/${var.app_name} with a retention");
  return problems;
}

/** Host: target tracking on ECSServiceAverageCPUUtilization, 1–4 tasks; workers scaled too. */
export function autoscaling(module: TerraformModule): string[] {
  const problems: string[] = [];
  const targets = byType(module, "aws_appautoscaling_target");
  for (const [role, service] of Object.entries(SERVICES)) {
    const target = targets.find(([, body]) => String(body["resource_id"]).includes(`\${${service}.name}`));
    if (!target) {
      problems.push(`no scalable target for ${service}`);
      continue;
    }
    const policies = byType(module, "aws_appautoscaling_policy").filter(([, body]) => body["resource_id"] === `\${${target[0]}.resource_id}`);
    if (!policies.some(([, body]) => body["policy_type"] === "TargetTrackingScaling")) problems.push(`no target tracking policy on ${target[0]}`);
    if (role === "host") {
      const [min, max] = [resolve(module, target[1]["min_capacity"]), resolve(module, target[1]["max_capacity"])];
      if (min !== 1 || max !== 4) problems.push(`the host scales between ${String(min)} and ${String(max)}, not 1 and 4`);
      const onCpu = policies.some(([, body]) => one(one(body["target_tracking_scaling_policy_configuration"])["predefined_metric_specification"])["predefined_metric_type"] === "ECSServiceAverageCPUUtilization");
      if (!onCpu) problems.push("the host does not track ECSServiceAverageCPUUtilization");
    }
  }
  const scheduled = byType(module, "aws_appautoscaling_scheduled_action");
  if (scheduled.length === 0) problems.push("no scheduled scale-down");
  for (const [address, body] of scheduled) {
    const switchVariable = /^\$\{var\.(\w+) \? 1 : 0\}$/.exec(String(body["count"]))?.[1];
    if (!switchVariable || module.variables.get(switchVariable)?.["default"] !== false) problems.push(`${address} is not off by default (count on a variable defaulting to false)`);
  }
  return problems;
}

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
