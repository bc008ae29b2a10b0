"""Example pipeline step: turns saved annotations into corrected tiles."""
import argparse, json, os

parser = argparse.ArgumentParser()
parser.add_argument("--annotations", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
annotations = json.load(open(args.annotations)).get("annotations", []) if os.path.exists(args.annotations) else []
os.makedirs(args.out, exist_ok=True)
for annotation in annotations:
    name = f"osm_{annotation['osm_id']}.png"
    with open(os.path.join(args.out, name), "wb") as handle:
        handle.write(b"")
    print(f"applied {annotation['osm_id']} existed={annotation['existed']}", flush=True)
print(f"applied {len(annotations)} annotations", flush=True)
