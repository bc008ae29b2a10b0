
/**
 * The tracking viewer (`/viewer?task=ID`): one self-contained page, no external scripts, styles or
 * fonts, so it works on a machine without internet and its CSP can forbid everything else.
 * Live, it draws what the task's WebSocket sends (pictures from `frame_image_base64`); paused or
 * seeking, it reads stored results (`/results?from=&to=`) and pictures from the frames route.
 * Boxes are in each camera's decoded frame pixels, pictures may be smaller (TRACKING_JPEG_MAX_WIDTH):
 * the page asks `/cameras` once for the frame sizes and scales each camera's boxes to its picture.
 * It exposes what it drew as `data-*` counters on <body> (and on each canvas its scale and last box),
 * so a browser test can check the drawing without reading pixels it cannot predict.
 */
const style = `
body{font:14px system-ui,sans-serif;margin:0;background:#111;color:#ddd}
header{display:flex;gap:12px;align-items:center;padding:8px 12px;background:#222}
#seek{flex:1}
main{display:flex;flex-wrap:wrap;gap:8px;padding:8px}
#cameras{display:flex;flex-wrap:wrap;gap:8px}
figure{margin:0}figcaption{font-size:12px;color:#aaa}
canvas{background:#000;display:block}
`;

// Plain browser JavaScript (ES2020), kept in a string: the page is served as it is, never bundled.
const script = `
"use strict";
const task = new URLSearchParams(location.search).get("task") || "";
const api = "/api/v1/processing-tasks/" + encodeURIComponent(task);
const frameWidth = Number(document.body.dataset.frameWidth) || 0;
let frameSizes = null;                // promise of camera -> {width, height}, asked once at the first drawing
const updates = new Map();            // global_frame_index -> tracking_update without pictures
const live = new Map();               // camera -> latest picture (data URL) and its frame index
const canvases = new Map();           // camera -> canvas
const counters = { frames: 0, boxes: 0, trajectoryPoints: 0 };
let playing = true, current = -1, last = -1, finished = false, replay = null;
const $ = (id) => document.getElementById(id);
const seek = $("seek"), play = $("play"), statusText = $("status"), frameText = $("frame");
const colour = (id) => id === undefined ? "#bbbbbb" : "hsl(" + ((id * 137.508) % 360).toFixed(1) + ",90%,55%)";
const show = () => { for (const [k, v] of Object.entries(counters)) document.body.dataset[k] = String(v); };

function canvasFor(camera) {
  let canvas = canvases.get(camera);
  if (!canvas) {
    const figure = document.createElement("figure");
    canvas = document.createElement("canvas");
    canvas.width = 320; canvas.height = 180; canvas.dataset.camera = camera;
    const caption = document.createElement("figcaption");
    caption.textContent = camera;
    figure.append(canvas, caption);
    $("cameras").append(figure);
    canvases.set(camera, canvas);
  }
  return canvas;
}

function loadImage(src) {
  return new Promise((resolve) => { const img = new Image(); img.onload = () => resolve(img); img.onerror = () => resolve(null); img.src = src; });
}

// Asked at the first drawing, not at load: a task records the sizes before its first tracking_update.
function cameraSizes() {
  if (!frameSizes) frameSizes = fetch(api + "/cameras").then((r) => (r.ok ? r.json() : { cameras: {} })).then((body) => body.cameras, () => ({}));
  return frameSizes;
}

async function drawCamera(camera, payload, index, src) {
  const canvas = canvasFor(camera);
  const [img, sizes] = await Promise.all([src ? loadImage(src) : null, cameraSizes()]);
  if (index !== current) return;     // a later frame was drawn meanwhile
  const ctx = canvas.getContext("2d");
  if (img) {
    if (canvas.width !== img.naturalWidth) { canvas.width = img.naturalWidth; canvas.height = img.naturalHeight; }
    ctx.drawImage(img, 0, 0);
    counters.frames++;
  } else { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height); }
  // Boxes are in the camera's frame pixels; the picture may have been scaled down for clients. A task
  // that recorded no sizes (run before they were kept) falls back to TRACKING_WIDTH, right when
  // pictures were not scaled further.
  const size = sizes[camera];
  const scale = size ? canvas.width / size.width : frameWidth > 0 ? canvas.width / frameWidth : 1;
  canvas.dataset.scale = String(scale);
  canvas.dataset.index = String(index);
  canvas.dataset.box = "";
  ctx.lineWidth = 2; ctx.font = "bold 12px sans-serif";
  for (const t of payload.tracks) {
    const [x1, y1, x2, y2] = t.bbox_xyxy.map((v) => v * scale);
    ctx.strokeStyle = ctx.fillStyle = colour(t.global_id);
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const label = t.global_id !== undefined ? "G" + t.global_id : "t" + t.track_id;
    ctx.fillRect(x1, Math.max(0, y1 - 15), ctx.measureText(label).width + 6, 15);
    ctx.fillStyle = "#000"; ctx.fillText(label, x1 + 3, Math.max(12, y1 - 3));
    canvas.dataset.box = [x1, y1, x2, y2].map((v) => v.toFixed(2)).join(",");
    counters.boxes++;
  }
}

function drawMap(upTo) {
  const canvas = $("map"), ctx = canvas.getContext("2d");
  const paths = new Map();
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [index, u] of [...updates].sort((a, b) => a[0] - b[0])) {
    if (index > upTo) break;
    // Cameras that see the same person project it to slightly different places: one point a frame, their mean.
    const seen = new Map();
    for (const cam of Object.values(u.cameras)) for (const t of cam.tracks) {
      if (t.global_id === undefined || !t.map_coords) continue;
      const sum = seen.get(t.global_id) || [0, 0, 0];
      seen.set(t.global_id, [sum[0] + t.map_coords[0], sum[1] + t.map_coords[1], sum[2] + 1]);
    }
    for (const [id, [sx, sy, n]] of seen) {
      const x = sx / n, y = sy / n;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      if (!paths.has(id)) paths.set(id, []);
      paths.get(id).push([index, x, y]);
    }
  }
  ctx.fillStyle = "#1b1b1b"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (paths.size === 0) return;
  const pad = 20, span = Math.max(maxX - minX, maxY - minY, 1e-6);
  const k = Math.min(canvas.width, canvas.height) - 2 * pad;
  const px = (x, y) => [pad + ((x - minX) / span) * k, pad + ((y - minY) / span) * k];
  counters.trajectoryPoints = 0;
  ctx.lineWidth = 2;
  for (const [id, points] of paths) {
    ctx.strokeStyle = ctx.fillStyle = colour(id);
    ctx.beginPath();
    points.forEach(([, x, y], i) => { const [a, b] = px(x, y); i === 0 ? ctx.moveTo(a, b) : ctx.lineTo(a, b); });
    ctx.stroke();
    const [, x, y] = points[points.length - 1], [a, b] = px(x, y);
    ctx.beginPath(); ctx.arc(a, b, 5, 0, 2 * Math.PI); ctx.fill();
    ctx.fillText("G" + id, a + 7, b - 7);
    counters.trajectoryPoints += points.length;
  }
}

async function showFrame(index, fromSocket) {
  const u = updates.get(index);
  if (!u) return;
  current = index;
  seek.value = String(index);
  frameText.textContent = "frame " + index + " / " + last;
  const draws = Object.entries(u.cameras).map(([camera, payload]) => {
    // A live frame is not stored yet (results are written a few frames at a time): without its
    // picture from the socket, the boxes are drawn on the last picture the socket sent.
    const picture = live.get(camera);
    const src = fromSocket ? picture && picture.src : api + "/frames/" + encodeURIComponent(camera) + "/" + index + ".jpg";
    return drawCamera(camera, payload, index, src);
  });
  drawMap(index);
  await Promise.all(draws);
  show();
}

async function fetchResults(from, to) {
  let next = from;
  while (next < to) {
    const response = await fetch(api + "/results?from=" + next + "&to=" + to);
    if (!response.ok) return;
    const body = await response.json();
    for (const u of body.results) { updates.set(u.global_frame_index, u); last = Math.max(last, u.global_frame_index); }
    if (body.results.length === 0) return;
    next = body.next;
  }
  seek.max = String(Math.max(0, last));
}

function stopReplay() { if (replay) { clearTimeout(replay); replay = null; } }

// Stored results played back at ~10 frames/s, each frame shown once its pictures have loaded.
async function replayFrom(index) {
  stopReplay();
  if (!playing || index > last) return;
  const started = performance.now();
  await showFrame(index, false);
  if (playing) replay = setTimeout(() => replayFrom(index + 1), Math.max(0, 100 - (performance.now() - started)));
}

play.addEventListener("click", async () => {
  playing = !playing;
  play.textContent = playing ? "Pause" : "Play";
  if (playing && finished) replayFrom(current >= last ? 0 : current + 1);
  if (!playing) { stopReplay(); await fetchResults(0, last + 1); }
});
seek.addEventListener("input", async () => {
  playing = false; play.textContent = "Play"; stopReplay();
  const index = Number(seek.value);
  if (!updates.has(index)) await fetchResults(index, index + 1);
  await showFrame(index, false);
});

function connect() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/tracking/" + encodeURIComponent(task));
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "status_update") {
      const p = event.payload;
      statusText.textContent = p.status + " · " + Math.round(p.progress * 100) + "% · " + p.current_step;
      if (["COMPLETED", "FAILED", "CANCELLED"].includes(p.status)) finished = true;
    } else if (event.type === "tracking_update") {
      const u = event.payload, cameras = {};
      for (const [camera, c] of Object.entries(u.cameras)) {
        if (c.frame_image_base64) live.set(camera, { index: u.global_frame_index, src: "data:image/jpeg;base64," + c.frame_image_base64 });
        cameras[camera] = { image_source: c.image_source, tracks: c.tracks };
      }
      updates.set(u.global_frame_index, { ...u, cameras });
      last = Math.max(last, u.global_frame_index);
      seek.max = String(last);
      if (playing) showFrame(u.global_frame_index, true);
    }
  };
  socket.onclose = async () => {
    finished = true;
    // Whatever the socket did not deliver (a task that finished before the page opened) is stored.
    await fetchResults(last + 1, Number.MAX_SAFE_INTEGER);
    if (current < 0 && last >= 0) { if (playing) replayFrom(0); else showFrame(0, false); }
  };
}

if (!task) statusText.textContent = "No task: open /viewer?task=<task_id>";
else connect();
`;

/** `frameWidth`: the width the task scaled frames to (TRACKING_WIDTH), so boxes fit scaled-down pictures; 0 when frames keep their size. */
export function viewerHtml(frameWidth: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parallax tracking viewer</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<style>${style}</style></head>
<body data-frame-width="${Math.trunc(frameWidth)}" data-frames="0" data-boxes="0" data-trajectory-points="0">
<header><strong>Tracking viewer</strong><button id="play" type="button">Pause</button>
<input id="seek" type="range" min="0" max="0" value="0" aria-label="frame"><span id="frame">frame –</span><span id="status">connecting…</span></header>
<main><div id="cameras"></div>
<figure><canvas id="map" width="360" height="360"></canvas><figcaption>map: trajectories by global id</figcaption></figure></main>
<script>${script}</script>
</body></html>`;
}
