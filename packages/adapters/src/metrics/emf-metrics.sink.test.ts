import { Effect, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createJob } from "@parallax/domain/jobs";
import { QUEUE_METRICS, QueueMetrics } from "@parallax/application/jobs";
import { advance, withTestClock } from "@parallax/application/testing";
import { createContainer, loadConfig } from "../composition/index.js";
import { MemoryJobStore } from "../jobs/memory-job.store.js";
import { EMF_APPLICATION_DIMENSION, EmfMetricsSink } from "./emf-metrics.sink.js";

/**
 * The Embedded Metric Format specification's shape, strict: `_aws` with a millisecond
 * Timestamp and one metric directive (namespace, dimension sets, metric names and units), and
 * every dimension and metric named there present at the top level with its value.
 */
const unit = z.enum(["Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"]);
const emfLine = z
  .object({
    _aws: z.strictObject({
      Timestamp: z.number().int().nonnegative(),
      CloudWatchMetrics: z
        .array(
          z.strictObject({
            Namespace: z.string().min(1).max(1024),
            Dimensions: z.array(z.array(z.string().min(1)).max(30)),
            Metrics: z.array(z.strictObject({ Name: z.string().min(1).max(1024), Unit: unit })).min(1).max(100),
          }),
        )
        .length(1),
    }),
  })
  .catchall(z.union([z.string(), z.number()]))
  .superRefine((line, context) => {
    for (const directive of line._aws.CloudWatchMetrics) {
      for (const name of directive.Dimensions.flat()) if (typeof line[name] !== "string") context.addIssue({ code: "custom", message: `dimension ${name} has no string value` });
      for (const { Name } of directive.Metrics) if (typeof line[Name] !== "number") context.addIssue({ code: "custom", message: `metric ${Name} has no number value` });
    }
  });

const settings = { namespace: "Parallax", application: "notebook-processor" };

describe("EmfMetricsSink", () => {
  it("writes the queue metrics as one EMF line, now and then every interval (TestClock)", () =>
    Effect.runPromise(
      withTestClock((clock) =>
        Effect.gen(function* () {
          const lines: string[] = [];
          const store = new MemoryJobStore();
          const metrics = new QueueMetrics({ store, clock, sink: new EmfMetricsSink(settings, (line) => lines.push(line)) }, { intervalMs: 60_000 });
          const start = clock.now().getTime();
          const running = yield* Effect.forkChild(metrics.run);
          yield* advance(0);
          expect(lines).toHaveLength(1);
          yield* store.insert(createJob({ id: "waiting", pipeline: "p", command: ["true"] }, start + 1_000));
          yield* store.insert(createJob({ id: "newer", pipeline: "p", command: ["true"] }, start + 30_000));
          yield* store.insert(createJob({ id: "backing-off", pipeline: "p", command: ["true"], runAt: start + 3_600_000 }, start));
          yield* advance(59_999);
          expect(lines).toHaveLength(1);
          yield* advance(1);
          expect(lines).toHaveLength(2);
          yield* Fiber.interrupt(running);

          expect(lines.every((line) => line.endsWith("}\n") && line.indexOf("\n") === line.length - 1)).toBe(true);
          const [first, second] = lines.map((line) => emfLine.parse(JSON.parse(line)));
          expect(second).toEqual({
            _aws: {
              Timestamp: start + 60_000,
              CloudWatchMetrics: [
                {
                  Namespace: "Parallax",
                  Dimensions: [[EMF_APPLICATION_DIMENSION]],
                  Metrics: [
                    { Name: QUEUE_METRICS.pendingJobs, Unit: "Count" },
                    { Name: QUEUE_METRICS.oldestPendingJobAgeSeconds, Unit: "Seconds" },
                  ],
                },
              ],
            },
            Application: "notebook-processor",
            PendingJobs: 2,
            OldestPendingJobAgeSeconds: 59,
          });
          expect(first).toMatchObject({ _aws: { Timestamp: start }, PendingJobs: 0, OldestPendingJobAgeSeconds: 0 });
        }),
      ),
    ));

  it("the schema refuses what CloudWatch would not extract", () => {
    const good = { _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "N", Dimensions: [["Application"]], Metrics: [{ Name: "PendingJobs", Unit: "Count" }] }] }, Application: "a", PendingJobs: 1 };
    expect(emfLine.safeParse(good).success).toBe(true);
    expect(emfLine.safeParse({ ...good, PendingJobs: undefined }).success).toBe(false);
    expect(emfLine.safeParse({ ...good, Application: undefined }).success).toBe(false);
    expect(emfLine.safeParse({ ...good, _aws: { ...good._aws, Timestamp: "now" } }).success).toBe(false);
  });

  it("is wired only for a worker given METRICS_NAMESPACE", () => {
    const base = { STORAGE: "memory", LOG_LEVEL: "silent" };
    expect(() => createContainer(loadConfig(base)).get(QueueMetrics)).toThrow(/METRICS_NAMESPACE/);
    expect(createContainer(loadConfig({ ...base, METRICS_NAMESPACE: "Parallax", METRICS_INTERVAL_S: "30" })).get(QueueMetrics)).toBeInstanceOf(QueueMetrics);
  });
});
