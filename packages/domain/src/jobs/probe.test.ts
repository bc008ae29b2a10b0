import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonProbeValue, probeSchema, type JsonProbe } from "./probe.js";

const probe = (spec: Record<string, unknown>) => probeSchema.parse({ type: "json", path: "f.json", ...spec }) as JsonProbe;

const geojson = {
  type: "FeatureCollection",
  features: [{ properties: { osm_id: 1 } }],
  metadata: { stats: { total_buildings: 3, existed_high_conf: 1, existed_low_conf: 1, not_existed_high_conf: 1, not_existed_low_conf: 0 } },
};

describe("json status probes", () => {
  it("read a dotted field, array items by index", () => {
    expect(jsonProbeValue(probe({ field: "metadata.stats" }), geojson)).toEqual(geojson.metadata.stats);
    expect(jsonProbeValue(probe({ field: "features.0.properties.osm_id" }), geojson)).toBe(1);
    expect(jsonProbeValue(probe({ field: "features", length: true }), geojson)).toBe(1);
  });

  it("answer the default for a missing file or field, and for a value of another type than expected", () => {
    const iou = probe({ field: "iou", expect: "number", default: null });
    expect(jsonProbeValue(iou, { iou: 0.72 })).toBe(0.72);
    expect(jsonProbeValue(iou, { iou: "0.72" })).toBeNull();
    expect(jsonProbeValue(iou, undefined)).toBeNull();
    expect(jsonProbeValue(probe({ field: "metadata.stats", expect: "object" }), { metadata: { stats: [1, 2] } })).toBeNull();
    expect(jsonProbeValue(probe({ field: "annotations", length: true }), {})).toBe(0);
  });

  it("never read inherited properties", () => {
    expect(jsonProbeValue(probe({ field: "constructor" }), {})).toBeNull();
    expect(jsonProbeValue(probe({ field: "stats.__proto__" }), { stats: {} })).toBeNull();
  });

  it("refuse malformed fields and unknown expectations with readable messages", () => {
    const bad = probeSchema.safeParse({ type: "json", path: "f.json", field: "metadata..stats", expect: "float" });
    expect(bad.success).toBe(false);
    const message = z.prettifyError(bad.error!);
    expect(message).toContain("a field is keys separated by '.'");
    expect(message).toContain("expect");
  });
});
