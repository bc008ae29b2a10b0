"""Example pipeline step: checks the model's buildings against the corrected tiles and writes
a verification GeoJSON; GET /api/status shows its `metadata.stats` as `verification_stats`."""
import argparse, glob, json, os, re

HIGH_CONFIDENCE = 0.8

parser = argparse.ArgumentParser()
parser.add_argument("--models", required=True)
parser.add_argument("--corrected", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
model = json.load(open(os.path.join(args.models, "model.json")))
labels_path = os.path.join(args.corrected, "labels.json")
labels = json.load(open(labels_path)) if os.path.exists(labels_path) else {}
corrected = {
    int(match.group(1)): labels.get(match.group(1), True)
    for match in (re.search(r"osm_(\d+)\.png$", path) for path in glob.glob(os.path.join(args.corrected, "osm_*.png")))
    if match
}
# Stand-in predictions: one building per training tile; a corrected building is what its annotation says.
features = []
for osm_id in sorted(set(range(1, int(model.get("tiles", 0)) + 1)) | set(corrected)):
    if osm_id in corrected:
        existed, confidence = corrected[osm_id], 1.0
    else:
        existed, confidence = osm_id % 3 != 0, 0.5 + (osm_id * 37 % 50) / 100
    properties = {"osm_id": osm_id, "existed": existed, "confidence": round(confidence, 2)}
    features.append({"type": "Feature", "geometry": None, "properties": properties})

stats = {"total_buildings": len(features)}
for existed in (True, False):
    for high in (True, False):
        key = f"{'existed' if existed else 'not_existed'}_{'high' if high else 'low'}_conf"
        stats[key] = sum(1 for f in features if f["properties"]["existed"] == existed and (f["properties"]["confidence"] >= HIGH_CONFIDENCE) == high)
stats["needs_verification"] = stats["existed_low_conf"] + stats["not_existed_low_conf"]
os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
json.dump({"type": "FeatureCollection", "features": features, "metadata": {"stats": stats}}, open(args.out, "w"))
print(f"verification: {json.dumps(stats)}", flush=True)
