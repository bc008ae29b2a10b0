// infra/terraform read with @cdktf/hcl2json (no terraform binary here): the resources, variables
// and outputs of issue 12 §8 exist and reference each other. Each rule is also broken on an edited
// copy of the files, to show that its check fails.
import { beforeAll, describe, expect, it } from "vitest";
import { tableDefinition } from "@parallax/adapters/aws";
import { EMF_APPLICATION_DIMENSION } from "@parallax/adapters/metrics";
import { QUEUE_METRICS } from "@parallax/application/jobs";
import { danglingReferences, parseTerraform, readTerraformFiles, render, resolve, variablesAndOutputs, versionPins, type TerraformModule } from "./terraform.testkit.js";
import { autoscaling, clusterRegistryAndLogs, containerOf, loadBalancer, services } from "./terraform-services.testkit.js";
import { alarms, createdNames, dataStores, publishedMetrics, taskRolePolicies } from "./terraform-operations.testkit.js";

const files = readTerraformFiles();
let module: TerraformModule;
beforeAll(async () => {
  module = await parseTerraform(files);
});

/** The module parsed from the files with one file's text edited; the edit must apply. */
async function edited(file: string, from: string | RegExp, to: string): Promise<TerraformModule> {
  const text = files[file]!;
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`edit did not apply to ${file}: ${String(from)}`);
  return parseTerraform({ ...files, [file]: changed });
}

/** The table's attribute definitions as `tableDefinition` spells them. */
function tableAttributes(parsed: TerraformModule): { AttributeName: string; AttributeType: string }[] {
  const table = parsed.resources.get("aws_dynamodb_table.main")!;
  return (table["attribute"] as { name: string; type: string }[]).map(({ name, type }) => ({ AttributeName: name, AttributeType: type }));
}

/** The table's global secondary indexes as `tableDefinition` spells them. */
function tableIndexes(parsed: TerraformModule) {
  const table = parsed.resources.get("aws_dynamodb_table.main")!;
  return (table["global_secondary_index"] as Record<string, string & string[]>[]).map((index) => ({
    IndexName: index["name"],
    KeySchema: [
      { AttributeName: index["hash_key"], KeyType: "HASH" },
      ...(index["range_key"] ? [{ AttributeName: index["range_key"], KeyType: "RANGE" }] : []),
    ],
    Projection: { ProjectionType: index["projection_type"], ...(index["non_key_attributes"] ? { NonKeyAttributes: index["non_key_attributes"] } : {}) },
  }));
}

describe("infra/terraform", () => {
  it("parses: every .tf file is valid HCL", () => {
    expect(Object.keys(files).length).toBeGreaterThan(5);
    expect(module.resources.size).toBeGreaterThan(30);
  });

  it("references only what it declares (resources, data, variables, locals)", async () => {
    expect(danglingReferences(module)).toEqual([]);
    const typo = await edited("ecs.tf", "task_role_arn            = aws_iam_role.host.arn", "task_role_arn            = aws_iam_role.hots.arn");
    expect(danglingReferences(typo)).toEqual(["aws_ecs_task_definition.host: aws_iam_role.hots is not declared"]);
  });

  it("pins Terraform and the AWS provider (~> 5.x)", async () => {
    expect(versionPins(module)).toEqual([]);
    expect(versionPins(await edited("versions.tf", /version = "~> 5\.\d+"/, 'version = ">= 4.0"'))).toEqual([expect.stringContaining("not pinned to ~> 5.x")]);
  });

  it("keeps the old variables with their defaults and the old outputs", async () => {
    expect(variablesAndOutputs(module)).toEqual([]);
    expect(variablesAndOutputs(await edited("variables.tf", "default     = 512", "default     = 256"))).toEqual(["variable fargate_cpu defaults to 256, not 512"]);
    expect(variablesAndOutputs(await edited("outputs.tf", "aws_lb.main.dns_name", "aws_lb.main.arn"))).toEqual([expect.stringContaining("output alb_hostname is aws_lb.main.arn")]);
  });

  describe("services", () => {
    it("run on Fargate with a circuit breaker that rolls back, their own task role, the log group, and the table and bucket in their environment", () => {
      expect(services(module)).toEqual([]);
    });

    it("host: the target group's container and port are the task's; workers: no load balancer", () => {
      const host = containerOf(module, "aws_ecs_service.host")!;
      const worker = containerOf(module, "aws_ecs_service.worker")!;
      expect(host.container["name"]).toBe("host");
      expect(host.environment.get("WORKER")).toBe("off");
      expect(host.environment.get("TRUST_PROXY")).toBe("true");
      expect(worker.container["command"]).toEqual(["node", "apps/worker/dist/main.js"]);
      expect(host.container["command"]).toEqual(["node", "apps/http/dist/main.js"]);
      expect(resolve(module, "${var.app_port}")).toBe(8000);
    });

    it("fail the check without the circuit breaker, with rollback off, with a shared role, or without the table's name", async () => {
      const noBreaker = await edited("ecs.tf", /deployment_circuit_breaker \{\n\s*enable\s*= true\n\s*rollback = true\n\s*\}/, "");
      expect(services(noBreaker)).toEqual(["aws_ecs_service.host: deployment circuit breaker is not enabled with rollback"]);
      const noRollback = await edited("ecs.tf", /rollback = true/g, "rollback = false");
      expect(services(noRollback)).toHaveLength(2);
      const sharedRole = await edited("ecs.tf", "task_role_arn            = aws_iam_role.worker.arn", "task_role_arn            = aws_iam_role.host.arn");
      expect(services(sharedRole)).toEqual([expect.stringContaining("shares task role aws_iam_role.host")]);
      const noTable = await edited("ecs.tf", /\{ name = "DYNAMODB_TABLE", value = aws_dynamodb_table\.main\.name \},\n/, "");
      expect(services(noTable)).toEqual(["aws_ecs_service.host: DYNAMODB_TABLE is undefined, not ${aws_dynamodb_table.main.name}"]);
      const otherLogGroup = await edited("ecs.tf", 'name              = "/ecs/${var.app_name}"', 'name              = "/ecs/parallax"');
      expect(services(otherLogGroup)).toHaveLength(2);
    });
  });

  it("load balancer: idle timeout of at least 300 s, health check on /health", async () => {
    expect(loadBalancer(module)).toEqual([]);
    expect(resolve(module, "${var.alb_idle_timeout}")).toBeGreaterThanOrEqual(300);
    const short = await edited("variables.tf", /(variable "alb_idle_timeout" \{[^}]*default\s*=\s*)300/, "$160");
    expect(loadBalancer(short)).toEqual(["aws_lb.main: idle_timeout is 60, WebSockets and SSE need at least 300"]);
    expect(loadBalancer(await edited("alb.tf", 'path                = "/health"', 'path                = "/"'))).toEqual(["aws_lb_target_group.host: health check path is /, not /health"]);
  });

  it("cluster with Container Insights, ECR scanning on push with a lifecycle policy, log group /ecs/<app_name> with retention", async () => {
    expect(clusterRegistryAndLogs(module)).toEqual([]);
    expect(clusterRegistryAndLogs(await edited("ecr.tf", "scan_on_push = true", "scan_on_push = false"))).toEqual(["the ECR repository does not scan on push"]);
  });

  it("autoscaling: host 1-4 on average CPU, workers scaled, scheduled scale-down off by default", async () => {
    expect(autoscaling(module)).toEqual([]);
    expect(autoscaling(await edited("variables.tf", /(variable "host_max_count" \{[^}]*default\s*=\s*)4/, "$18"))).toEqual(["the host scales between 1 and 8, not 1 and 4"]);
    expect(autoscaling(await edited("variables.tf", /(variable "scheduled_scaling_enabled" \{[^}]*default\s*=\s*)false/, "$1true"))).toHaveLength(4);
  });

  it("alarms: CPU > 80 % for 2 periods per service, target 5xx > 5 in 5 minutes, unhealthy targets, queue age, all to the SNS topic variable", async () => {
    expect(alarms(module)).toEqual([]);
    expect(alarms(await edited("alarms.tf", "threshold           = 5\n", "threshold           = 50\n"))).toEqual([expect.stringContaining("more than 5 in 5 minutes")]);
    expect(alarms(await edited("locals.tf", "[var.alarm_sns_topic_arn]", "[]"))).toHaveLength(5);
  });

  it("DynamoDB on demand with TTL and point-in-time recovery; S3 private, encrypted, versioned, public access blocked", async () => {
    expect(dataStores(module)).toEqual([]);
    expect(dataStores(await edited("data.tf", /point_in_time_recovery \{\n\s*enabled = true/, "point_in_time_recovery {\n    enabled = false"))).toEqual([
      "aws_dynamodb_table.main has no point-in-time recovery",
    ]);
    expect(dataStores(await edited("data.tf", 'status = "Enabled"\n  }\n}', 'status = "Suspended"\n  }\n}'))).toEqual(["aws_s3_bucket.data is not versioned"]);
  });

  it("the table has the keys, attributes and indexes the DynamoDB stores create, index by index", async () => {
    const expected = tableDefinition("any");
    const table = module.resources.get("aws_dynamodb_table.main")!;
    expect(table["hash_key"]).toBe(expected.KeySchema?.find((key) => key.KeyType === "HASH")?.AttributeName);
    expect(tableAttributes(module)).toEqual(expect.arrayContaining(expected.AttributeDefinitions ?? []));
    expect(tableAttributes(module)).toHaveLength(expected.AttributeDefinitions?.length ?? 0);
    expect(tableIndexes(module).map((index) => index.IndexName)).toEqual(expected.GlobalSecondaryIndexes?.map((index) => index.IndexName));
    for (const index of expected.GlobalSecondaryIndexes ?? []) expect(tableIndexes(module).find((declared) => declared.IndexName === index.IndexName), index.IndexName).toEqual(index);

    const withoutOwnerIndex = await edited("data.tf", /\n  # Added to an existing table[^]*?global_secondary_index \{\n    name               = "owner_listing"[^}]*\}\n/, "");
    expect(tableIndexes(withoutOwnerIndex).map((index) => index.IndexName)).toEqual(["queue", "listing"]);
    const otherProjection = await edited("data.tf", 'non_key_attributes = ["version", "doc"]', 'non_key_attributes = ["version"]');
    expect(tableIndexes(otherProjection).find((index) => index.IndexName === "owner_listing")).not.toEqual(expected.GlobalSecondaryIndexes?.find((index) => index.IndexName === "owner_listing"));
    const noAttribute = await edited("data.tf", /\n  attribute \{\n    name = "owner_list_key"\n    type = "S"\n  \}\n/, "");
    expect(tableAttributes(noAttribute)).toHaveLength((expected.AttributeDefinitions?.length ?? 0) - 1);
  });

  it("task roles: least privilege, only the table (and its indexes) and the bucket (and its objects)", async () => {
    expect(taskRolePolicies(module)).toEqual([]);
    const wide = await edited("iam.tf", 'resources = ["${aws_s3_bucket.data.arn}/*"]', 'resources = ["arn:aws:s3:::*"]');
    expect(taskRolePolicies(wide)).toEqual([
      "data.aws_iam_policy_document.host TheBucketsObjects: names arn:aws:s3:::*, which is not the table or the bucket",
    ]);
    const wildcard = await edited("iam.tf", '"dynamodb:BatchGetItem",', '"dynamodb:*",');
    expect(taskRolePolicies(wildcard)).toEqual(["data.aws_iam_policy_document.host TheTable: wildcard action"]);
    const putMetricData = await edited("iam.tf", '"dynamodb:BatchGetItem",', '"cloudwatch:PutMetricData", "dynamodb:BatchGetItem",');
    expect(taskRolePolicies(putMetricData)).toEqual(["data.aws_iam_policy_document.host TheTable: cloudwatch:PutMetricData: the workers' metrics are EMF log lines, no role publishes to CloudWatch"]);
    expect(files["iam.tf"]).not.toMatch(/"cloudwatch:/);
  });

  it("scales and alarms on the metrics the workers emit: their names, namespace and dimension", async () => {
    const emitted = { ...QUEUE_METRICS, dimension: EMF_APPLICATION_DIMENSION };
    expect(publishedMetrics(module, emitted)).toEqual([]);
    expect(resolve(module, "${local.metrics_namespace}")).toBe("Parallax");
    const renamed = await edited("autoscaling.tf", 'metric_name = "PendingJobs"', 'metric_name = "QueueDepth"');
    expect(publishedMetrics(renamed, emitted)).toEqual(["no scaling policy reads PendingJobs in namespace Parallax", "aws_appautoscaling_policy.worker_queue reads QueueDepth, which the workers do not emit"]);
    const otherDimension = await edited("alarms.tf", "Application = var.app_name", "Service = var.app_name");
    expect(publishedMetrics(otherDimension, emitted)).toEqual(["aws_cloudwatch_metric_alarm.job_queue_age selects OldestPendingJobAgeSeconds by Service=notebook-processor, the workers emit Application=notebook-processor"]);
    const otherNamespace = await edited("alarms.tf", "namespace           = local.metrics_namespace", 'namespace           = "Custom/Parallax"');
    expect(publishedMetrics(otherNamespace, emitted)).toEqual(["no alarm reads OldestPendingJobAgeSeconds in namespace Parallax"]);
    const noEnvironment = await edited("ecs.tf", /\{ name = "METRICS_NAMESPACE", value = local\.metrics_namespace \},\n/, "");
    expect(publishedMetrics(noEnvironment, emitted)).toEqual(expect.arrayContaining(["the worker container has no METRICS_NAMESPACE"]));
  });

  it("names everything after app_name (and environment for the data), as the old deployment did", () => {
    const names = createdNames(module);
    for (const name of ["notebook-processor-cluster", "notebook-processor-host", "notebook-processor-worker", "/ecs/notebook-processor", "notebook-processor", "notebook-processor-production", "notebook-processor-production-ACCOUNT_ID"]) {
      expect(names.has(name), name).toBe(true);
    }
    expect(render(module, "${local.table_name}")).toBe("notebook-processor-production");
  });
});
