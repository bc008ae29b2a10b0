/**
 * Reads infra/terraform without a terraform binary: every `.tf` file parsed by @cdktf/hcl2json
 * (HashiCorp's HCL parser compiled to WebAssembly) into one module, and the checks of issue 12 §8
 * as functions that return the problems they find (empty: fine): the module-wide ones here, the
 * services' in `terraform-services.testkit.ts`, the operational ones (alarms, metrics, data
 * stores, roles, names) in `terraform-operations.testkit.ts`. The tests run them on the real
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

export type Body = Record<string, unknown>;

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

export const one = (value: unknown): Body => (Array.isArray(value) ? (value[0] as Body) : (value as Body)) ?? {};

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

export const blocks = (value: unknown): Body[] => (Array.isArray(value) ? (value as Body[]) : value ? [value as Body] : []);
export const byType = (module: TerraformModule, type: string) => [...module.resources].filter(([address]) => address.startsWith(`${type}.`));

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
