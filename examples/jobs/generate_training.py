"""Example pipeline step: writes N placeholder training tiles (tiny valid PNGs)."""
import argparse, base64, os, time

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

parser = argparse.ArgumentParser()
parser.add_argument("--tiles", type=int, required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
for index in range(args.tiles):
    with open(os.path.join(args.out, f"tile_{index:05d}.png"), "wb") as handle:
        handle.write(PNG)
    if index % max(1, args.tiles // 10) == 0:
        print(f"generated {index + 1}/{args.tiles} tiles", flush=True)
        time.sleep(0.05)
print(f"done: {args.tiles} tiles in {args.out}", flush=True)
