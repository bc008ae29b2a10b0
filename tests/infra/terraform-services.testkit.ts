/** The checks of the ECS services, their containers, the load balancer, the cluster and autoscaling (see `terraform.testkit.ts`). */
import { blocks, byType, one, reference, resolve, type Body, type TerraformModule } from "./terraform.testkit.js";

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
