"""Example pipeline step: compares the model with the corrected tiles and writes stats."""
import argparse, glob, json, os

parser = argparse.ArgumentParser()
parser.add_argument("--models", required=True)
parser.add_argument("--corrected", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
model = json.load(open(os.path.join(args.models, "model.json")))
corrected = len(glob.glob(os.path.join(args.corrected, "*.png")))
stats = {"checked_tiles": model.get("tiles", 0), "corrected_tiles": corrected, "agreement": 0.9}
os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
json.dump(stats, open(args.out, "w"))
print(f"verification: {json.dumps(stats)}", flush=True)
