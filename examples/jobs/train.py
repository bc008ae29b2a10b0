"""Example pipeline step: "trains" for a few epochs and writes a model and its metrics."""
import argparse, glob, json, os, sys, time


def read_config(path):
    """Flat `key: value` YAML, the part of a real training config this stand-in needs."""
    config = {}
    for number, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, colon, value = line.partition(":")
        if not colon:
            sys.exit(f"{path}:{number}: expected 'key: value', got {line!r}")
        config[key.strip()] = value.strip()
    return config


parser = argparse.ArgumentParser()
parser.add_argument("--config", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
config = read_config(args.config) if os.path.exists(args.config) else {}
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
metrics = {"loss": round(loss, 4), "accuracy": round(1 - loss / 2, 4), "iou": round(0.9 - loss / 2, 4)}
json.dump(metrics, open(os.path.join(args.out, "metrics.json"), "w"))
print(f"model saved: {json.dumps(metrics)}", flush=True)
