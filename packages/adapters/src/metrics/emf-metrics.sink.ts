import * as Effect from "effect/Effect";
import type { Metric, MetricsSink } from "@parallax/application";

/** The one dimension every metric carries; infra/terraform's scaling policy and alarm select on it. */
export const EMF_APPLICATION_DIMENSION = "Application";

export interface EmfSettings {
  /** CloudWatch namespace (METRICS_NAMESPACE). */
  readonly namespace: string;
  /** The Application dimension's value (METRICS_APPLICATION). */
  readonly application: string;
}

/**
 * One CloudWatch Embedded Metric Format document: the `_aws` metadata names the namespace,
 * the dimension set and each metric's unit; the dimension's and the metrics' values sit at the
 * top level, where CloudWatch looks them up by name.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function emfDocument(settings: EmfSettings, metrics: readonly Metric[], at: Date): Record<string, unknown> {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: settings.namespace,
          Dimensions: [[EMF_APPLICATION_DIMENSION]],
          Metrics: metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    [EMF_APPLICATION_DIMENSION]: settings.application,
  };
  for (const metric of metrics) document[metric.name] = metric.value;
  return document;
}

/**
 * Metrics as EMF lines on stdout: the container's awslogs driver ships them to the log group
 * and CloudWatch extracts the metrics, so the workers need no SDK call and no
 * cloudwatch:PutMetricData permission. A line is written whole in one call (the logger's lines
 * share stdout; a document split across two writes would not parse).
 */
export class EmfMetricsSink implements MetricsSink {
  constructor(
    private readonly settings: EmfSettings,
    private readonly write: (line: string) => void = (line) => void process.stdout.write(line),
  ) {}

  publish(metrics: readonly Metric[], at: Date): Effect.Effect<void> {
    if (metrics.length === 0) return Effect.void;
    return Effect.sync(() => this.write(`${JSON.stringify(emfDocument(this.settings, metrics, at))}\n`));
  }
}
