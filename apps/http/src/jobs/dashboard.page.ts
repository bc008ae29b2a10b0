/**
 * The `/jobs` dashboard: one self-contained page (no build step, no external assets) that
 * lists jobs, follows a job's log live over WebSocket, and cancels, retries and submits.
 */
export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parallax jobs</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; padding: 16px; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px; min-width: 0; overflow-x: auto; }
  td.error { white-space: normal; max-width: 220px; color: #991b1b; }
  td.actions { display: flex; gap: 4px; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
  tr.selected { background: #eef4ff; }
  .status { font-weight: 600; padding: 1px 6px; border-radius: 8px; }
  .status.pending { background: #f1f3f5; } .status.running { background: #dbeafe; color: #1e40af; }
  .status.completed { background: #dcfce7; color: #166534; } .status.failed { background: #fee2e2; color: #991b1b; }
  .status.cancelled { background: #fef3c7; color: #92400e; }
  pre#log { background: #0f172a; color: #e2e8f0; padding: 8px; height: 60vh; overflow: auto; margin: 0; font-size: 12px; white-space: pre-wrap; }
  .stderr { color: #fca5a5; } .system { color: #93c5fd; }
  form { display: flex; gap: 8px; margin-bottom: 12px; flex-wrap: wrap; }
  #error { color: #b91c1c; min-height: 1.2em; }
  button { cursor: pointer; }
</style>
</head>
<body>
<header><h1>Parallax jobs</h1><span id="live">connecting…</span></header>
<main>
  <section>
    <form id="submit">
      <select id="pipeline" aria-label="pipeline"></select>
      <input id="params" aria-label="params" placeholder='params as JSON, e.g. {"tiles": 10}' size="30">
      <button type="submit">Submit</button>
    </form>
    <div id="error" role="alert"></div>
    <table>
      <thead><tr><th>job</th><th>pipeline</th><th>status</th><th>attempt</th><th>created</th><th>error</th><th></th></tr></thead>
      <tbody id="jobs"></tbody>
    </table>
  </section>
  <section>
    <div><strong id="log-title">Select a job to follow its log</strong></div>
    <pre id="log"></pre>
  </section>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  let selected = null, logSocket = null, refreshTimer = null;

  const showError = (message) => { $("error").textContent = message || ""; };
  const api = async (method, path, body) => {
    const response = await fetch(path, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || data.error || response.statusText);
    return data;
  };
  const cell = (text, className) => { const td = document.createElement("td"); td.textContent = text == null ? "" : String(text); if (className) td.className = className; return td; };
  const button = (label, className, onClick) => { const b = document.createElement("button"); b.textContent = label; b.className = className; b.onclick = onClick; return b; };

  async function refresh() {
    try {
      const jobs = await api("GET", "/api/jobs?limit=50");
      const body = $("jobs");
      body.replaceChildren(...jobs.map((job) => {
        const row = document.createElement("tr");
        row.dataset.jobId = job.job_id;
        if (job.job_id === selected) row.className = "selected";
        const status = cell(job.status, "status " + job.status);
        status.dataset.status = job.status;
        // Follow-up ids extend their parent's ("<parent>.then0"): keep the suffix visible.
        const shortId = job.job_id.slice(0, 8) + (job.job_id.includes(".") ? job.job_id.slice(job.job_id.indexOf(".")) : "");
        const idCell = cell(shortId);
        idCell.title = job.job_id;
        row.append(idCell, cell(job.name), status, cell(job.attempt + "/" + job.max_attempts),
          cell(new Date(job.created_at).toLocaleTimeString()), cell(job.error, "error"));
        const actions = document.createElement("td");
        actions.className = "actions";
        actions.append(button("Logs", "logs", () => follow(job.job_id)));
        if (job.status === "pending" || job.status === "running") actions.append(button("Cancel", "cancel", () => act(job.job_id, "cancel")));
        if (job.status === "failed" || job.status === "cancelled") actions.append(button("Retry", "retry", () => act(job.job_id, "retry")));
        row.append(actions);
        return row;
      }));
    } catch (error) { showError(error.message); }
  }
  const refreshSoon = () => { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, 50); };

  async function act(id, action) {
    try { showError(""); await api("POST", "/api/jobs/" + encodeURIComponent(id) + "/" + action); refresh(); }
    catch (error) { showError(error.message); }
  }

  function follow(id) {
    selected = id;
    if (logSocket) logSocket.close();
    $("log").textContent = "";
    $("log-title").textContent = "Job " + id;
    let next = 0;
    const connect = () => {
      const socket = new WebSocket(wsBase + "/api/jobs/" + encodeURIComponent(id) + "/logs?offset=" + next);
      logSocket = socket;
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "log") {
          next = message.offset + 1;
          const line = document.createElement("div");
          line.className = message.stream;
          line.textContent = message.message;
          $("log").append(line);
          $("log").scrollTop = $("log").scrollHeight;
        } else if (message.type !== "connected") refreshSoon();
      };
      socket.onclose = (event) => { if (logSocket === socket && event.code !== 1000 && event.code !== 4404) setTimeout(connect, 1000); };
    };
    connect();
    refresh();
  }

  function live() {
    const socket = new WebSocket(wsBase + "/api/logs");
    socket.onopen = () => { $("live").textContent = "live"; };
    socket.onmessage = (event) => { const type = JSON.parse(event.data).type; if (type !== "log") refreshSoon(); };
    socket.onclose = () => { $("live").textContent = "reconnecting…"; setTimeout(live, 1000); };
  }

  $("submit").onsubmit = async (event) => {
    event.preventDefault();
    try {
      showError("");
      const text = $("params").value.trim();
      const job = await api("POST", "/api/jobs", { pipeline: $("pipeline").value, params: text ? JSON.parse(text) : {} });
      follow(job.job_id);
    } catch (error) { showError(error.message); }
  };

  api("GET", "/api/pipelines").then((pipelines) => {
    $("pipeline").replaceChildren(...pipelines.map((p) => { const o = document.createElement("option"); o.value = o.textContent = p.name; return o; }));
  }).catch((error) => showError(error.message));
  refresh();
  setInterval(refresh, 2000);
  live();
})();
</script>
</body>
</html>
`;
