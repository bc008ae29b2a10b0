// docs/operations.md (issue 12 §9): every name its commands act on (cluster, services, task
// definition families, log group, repository, table, bucket, alarms) is one infra/terraform
// creates with its default variables, and every Terraform output, variable and address it names
// exists. The doc's shell variables are expanded as a shell would.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_PLACEHOLDER, OLD_DEFAULTS, loadTerraform, render, type TerraformModule } from "./terraform.testkit.js";
import { createdNames } from "./terraform-operations.testkit.js";

const doc = readFileSync(join(process.cwd(), "docs/operations.md"), "utf8");

/** Flags whose value is a name the Terraform creates, and the resource type that bears it. */
const NAME_FLAGS: Record<string, string> = {
  "--cluster": "aws_ecs_cluster",
  "--service": "aws_ecs_service",
  "--service-name": "aws_ecs_service",
  "--log-group-name": "aws_cloudwatch_log_group",
  "--table-name": "aws_dynamodb_table",
  "--source-table-name": "aws_dynamodb_table",
  "--repository-name": "aws_ecr_repository",
  "--family-prefix": "aws_ecs_task_definition",
  "--task-definition": "aws_ecs_task_definition",
  "--bucket": "aws_s3_bucket",
  "--alarm-name": "aws_cloudwatch_metric_alarm",
};
/** Flags taking several names. */
const PLURAL_FLAGS: Record<string, string> = {
  "--services": "aws_ecs_service",
  "--alarm-names": "aws_cloudwatch_metric_alarm",
  "--repository-names": "aws_ecr_repository",
};

/** The doc's shell lines: fenced `sh` blocks, continuations joined, trailing comments dropped. */
export function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((match) => match[1]!.replace(/\\\n\s*/g, " ").split("\n"))
    .map((line) => line.replace(/\s+#\s.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

const tokens = (line: string) => (line.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((token) => token.replace(/["']/g, ""));

/** Expands `$NAME`/`${NAME}` with the doc's own assignments; undefined if one is not fixed by the doc. */
function expander(lines: string[]): (value: string) => string | undefined {
  const variables = new Map<string, string | undefined>();
  const expand = (value: string): string | undefined => {
    let unknown = false;
    const result = value.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_, name: string) => {
      const known = variables.get(name);
      if (known === undefined) unknown = true;
      return known ?? "";
    });
    return unknown ? undefined : result;
  };
  for (const line of lines) {
    const assignment = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.+)$/.exec(line);
    if (!assignment) continue;
    const [, name, raw] = assignment as unknown as [string, string, string];
    const value = raw.replace(/^["']|["']$/g, "");
    // The account id is the one command substitution a name depends on (the bucket's).
    if (name === "ACCOUNT" && value.startsWith("$(aws sts get-caller-identity")) variables.set(name, ACCOUNT_PLACEHOLDER);
    else variables.set(name, value.includes("$(") ? undefined : expand(value));
  }
  return expand;
}

export function operationsDocProblems(markdown: string, module: TerraformModule): string[] {
  const problems: string[] = [];
  const lines = shellLines(markdown);
  const expand = expander(lines);
  const names = createdNames(module);
  // A table name the doc hands to Terraform (`-var dynamodb_table_name=…`) becomes one it creates.
  for (const line of lines) {
    for (const match of line.matchAll(/-var\s+["']?dynamodb_table_name=["']?([^\s"']+)/g)) {
      const name = expand(match[1]!);
      if (name) names.set(name, new Set([...(names.get(name) ?? []), "aws_dynamodb_table"]));
    }
  }
  const checkName = (line: string, flag: string, type: string, raw: string, value = expand(raw)) => {
    if (value === undefined) problems.push(`${flag} ${raw}: uses a variable the doc does not set (${line})`);
    else if (!names.get(value)?.has(type)) problems.push(`${flag} ${raw}: ${value} is not the name of an ${type} the Terraform creates`);
  };

  for (const line of lines) {
    const words = tokens(line);
    for (let index = 0; index < words.length; index++) {
      const word = words[index]!;
      const single = NAME_FLAGS[word];
      if (single && words[index + 1] !== undefined) {
        const raw = words[index + 1]!;
        checkName(line, word, single, raw, word === "--task-definition" ? expand(raw)?.replace(/:\d+$/, "") : expand(raw));
      }
      const plural = PLURAL_FLAGS[word];
      if (plural) for (let next = index + 1; next < words.length && !words[next]!.startsWith("-"); next++) checkName(line, word, plural, words[next]!);
      if (word === "--resource-id") {
        const [kind, cluster, service] = (words[index + 1] ?? "").split("/");
        if (kind !== "service" || !cluster || !service) problems.push(`--resource-id ${words[index + 1]}: not service/<cluster>/<service>`);
        else {
          checkName(line, word, "aws_ecs_cluster", cluster);
          checkName(line, word, "aws_ecs_service", service);
        }
      }
      if (word === "--copy-source") checkName(line, word, "aws_s3_bucket", (words[index + 1] ?? "").split("/")[0]!);
      if (word === "--alarm-name-prefix") {
        const prefix = expand(words[index + 1] ?? "");
        if (!prefix || ![...names.keys()].some((name) => name.startsWith(prefix) && names.get(name)?.has("aws_cloudwatch_metric_alarm"))) problems.push(`--alarm-name-prefix ${words[index + 1]}: no name starts with it`);
      }
      if (word === "logs" && words[index + 1] === "tail") checkName(line, "logs tail", "aws_cloudwatch_log_group", words[index + 2] ?? "");
    }
    // Each terraform invocation, also inside `$(…)` and quotes.
    for (const invocation of line.matchAll(/(\$\()?(?<![\w/-])terraform\s+/g)) {
      const after = line.slice(invocation.index + invocation[0].length);
      const rest = tokens(invocation[1] ? after.slice(0, after.indexOf(")")) : after).filter((word) => !word.startsWith("-chdir="));
      for (let index = 0; index < rest.length; index++) {
        const word = rest[index]!;
        if (word === "-var") {
          const variable = rest[index + 1]?.split("=")[0] ?? "";
          if (!module.variables.has(variable)) problems.push(`terraform -var ${variable}: no such variable`);
          index++;
        } else if (word.startsWith("-target=")) {
          if (!module.resources.has(word.slice(8))) problems.push(`terraform ${word}: no such resource`);
        }
      }
      const args = rest.filter((word, index) => !word.startsWith("-") && rest[index - 1] !== "-var");
      if (args[0] === "output" && !module.outputs.has(args[1] ?? "")) problems.push(`terraform output ${args[1]}: no such output`);
      if (args[0] === "state" && args[1] === "rm" && !module.resources.has(args[2] ?? "")) problems.push(`terraform state rm ${args[2]}: no such resource`);
      if (args[0] === "import" && !module.resources.has(args[1] ?? "")) problems.push(`terraform import ${args[1]}: no such resource`);
    }
  }

  // Names written in the prose and tables (`$APP-host-cpu-high`, `/ecs/$APP`, …), defaults filled in.
  for (const match of markdown.matchAll(/`((?:\/ecs\/)?\$APP(?:-[$\w-]+)?)`/g)) {
    const value = expand(match[1]!);
    if (value === undefined || !names.has(value)) problems.push(`\`${match[1]}\` in the text is not a name the Terraform creates`);
  }
  return problems;
}

let module: TerraformModule;
beforeAll(async () => {
  module = await loadTerraform();
});

describe("docs/operations.md", () => {
  it("starts from the Terraform's defaults", () => {
    const lines = shellLines(doc);
    expect(lines).toContain(`APP=${OLD_DEFAULTS.app_name}`);
    expect(lines).toContain(`ENV=${OLD_DEFAULTS.environment}`);
    expect(lines).toContain(`export AWS_REGION=${OLD_DEFAULTS.aws_region}`);
    expect(render(module, module.resources.get("aws_ecs_cluster.main")?.["name"])).toBe("notebook-processor-cluster");
  });

  it("covers deploy, scale, roll back, logs, credentials, point-in-time recovery and draining workers", () => {
    const headings = [...doc.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    for (const heading of ["Deploy", "Scale", "Roll back", "Read logs", "Rotate credentials", "Recover the table from a point-in-time backup", "Drain workers"]) {
      expect(headings).toContain(heading);
    }
  });

  it("every command acts on names, outputs, variables and addresses the Terraform has", () => {
    expect(operationsDocProblems(doc, module)).toEqual([]);
    const lines = shellLines(doc);
    expect(lines.filter((line) => /--cluster "\$CLUSTER"/.test(line)).length).toBeGreaterThan(5);
    expect(lines.some((line) => line.includes('logs tail "$LOG_GROUP"'))).toBe(true);
    expect(lines.some((line) => line.includes('--source-table-name "$TABLE"'))).toBe(true);
  });

  it("fails on a name, output or variable the Terraform does not have", () => {
    expect(operationsDocProblems(doc.replace("CLUSTER=$APP-cluster", "CLUSTER=$APP-ecs"), module)).toContain("--cluster $CLUSTER: notebook-processor-ecs is not the name of an aws_ecs_cluster the Terraform creates");
    expect(operationsDocProblems(doc.replace("LOG_GROUP=/ecs/$APP", "LOG_GROUP=/aws/ecs/$APP"), module)).toContain("logs tail $LOG_GROUP: /aws/ecs/notebook-processor is not the name of an aws_cloudwatch_log_group the Terraform creates");
    expect(operationsDocProblems(doc.replace('--source-table-name "$TABLE"', '--source-table-name "$APP"'), module)).toEqual(["--source-table-name $APP: notebook-processor is not the name of an aws_dynamodb_table the Terraform creates"]);
    expect(operationsDocProblems(doc.replace("output -raw alb_hostname)", "output -raw alb_dns)"), module)).toContain("terraform output alb_dns: no such output");
    expect(operationsDocProblems(doc.replace("-var host_max_count=8", "-var host_maximum=8"), module)).toEqual(["terraform -var host_maximum: no such variable"]);
    expect(operationsDocProblems(doc.replace("`$APP-alb-target-5xx`", "`$APP-alb-5xx`"), module)).toEqual(["`$APP-alb-5xx` in the text is not a name the Terraform creates"]);
  });
});
