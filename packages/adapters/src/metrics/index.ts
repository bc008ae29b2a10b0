/** `@parallax/adapters/metrics`: the application's `MetricsSink` as CloudWatch Embedded Metric Format on stdout. */
export * from "./emf-metrics.sink.js";
