"""Example pipeline step: "trains" for a few epochs and writes a model and its metrics."""
import argparse, glob, json, os, time

parser = argparse.ArgumentParser()
parser.add_argument("--config", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
config = json.load(open(args.config)) if os.path.exists(args.config) else {}
epochs = int(config.get("epochs", 5))
tiles = len(glob.glob(os.path.join(args.data, "*.png")))
print(f"training on {tiles} tiles for {epochs} epochs (config {args.config})", flush=True)
loss = 1.0
for epoch in range(1, epochs + 1):
    loss *= 0.6
    print(f"epoch {epoch}/{epochs} loss={loss:.4f}", flush=True)
    time.sleep(0.2)
os.makedirs(args.out, exist_ok=True)
json.dump({"tiles": tiles, "epochs": epochs}, open(os.path.join(args.out, "model.json"), "w"))
json.dump({"loss": round(loss, 4), "accuracy": round(1 - loss / 2, 4)}, open(os.path.join(args.out, "metrics.json"), "w"))
print("model saved", flush=True)
