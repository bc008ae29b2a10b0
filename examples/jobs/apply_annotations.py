"""Example pipeline step: turns saved annotations into corrected tiles and their labels."""
import argparse, json, os

parser = argparse.ArgumentParser()
parser.add_argument("--annotations", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
annotations = json.load(open(args.annotations)).get("annotations", []) if os.path.exists(args.annotations) else []
os.makedirs(args.out, exist_ok=True)
labels_path = os.path.join(args.out, "labels.json")
labels = json.load(open(labels_path)) if os.path.exists(labels_path) else {}
for annotation in annotations:
    with open(os.path.join(args.out, f"osm_{annotation['osm_id']}.png"), "wb") as handle:
        handle.write(b"")
    labels[str(annotation["osm_id"])] = bool(annotation["existed"])
    print(f"applied {annotation['osm_id']} existed={annotation['existed']}", flush=True)
json.dump(labels, open(labels_path, "w"))
print(f"applied {len(annotations)} annotations", flush=True)
