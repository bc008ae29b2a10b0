/**
 * The worker thread of a notebook's JavaScript kernel (`new Worker(source, { eval: true })`):
 * one `node:vm` context per notebook, console captured into the cell's stream, the vm's own
 * timeout for runaway synchronous code. Embedded as a string so `src` and `dist` both ship it.
 */
export const JAVASCRIPT_WORKER = String.raw`
const { parentPort } = require("node:worker_threads");
const vm = require("node:vm");
const util = require("node:util");

const stream = (name) => (...args) => parentPort.postMessage({ type: "stream", name, text: util.format(...args) + "\n" });
const sandboxConsole = {
  log: stream("stdout"), info: stream("stdout"), debug: stream("stdout"), trace: stream("stdout"),
  warn: stream("stderr"), error: stream("stderr"),
  table: (data) => stream("stdout")(util.inspect(data, { depth: 4 })),
  dir: (data) => stream("stdout")(util.inspect(data, { depth: 4 })),
};
const context = vm.createContext({ console: sandboxConsole });

function isTable(value) {
  return value && typeof value === "object" && value.type === "table" && Array.isArray(value.columns) && Array.isArray(value.rows);
}

function format(value) {
  if (value === undefined) return [];
  if (isTable(value)) return [{ mime_type: "application/json", data: JSON.parse(JSON.stringify(value)), metadata: {} }];
  const text = typeof value === "string" ? value : util.inspect(value, { depth: 4 });
  return [{ mime_type: "text/plain", data: text, metadata: {} }];
}

function jsonable(value) {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : JSON.parse(text);
  } catch {
    return String(value);
  }
}

parentPort.on("message", (request) => {
  if (request.op === "run") {
    for (const name of request.delete || []) delete context[name];
    try {
      const value = vm.runInContext(request.code, context, { filename: "cell-" + request.id + ".js", timeout: request.timeoutMs });
      parentPort.postMessage({ type: "done", status: "success", outputs: request.hasResult ? format(value) : [] });
    } catch (error) {
      const timedOut = error && error.code === "ERR_SCRIPT_EXECUTION_TIMEOUT";
      const message = timedOut
        ? "TimeoutError: cell execution timed out after " + request.timeoutMs / 1000 + " s"
        : error && error.name ? error.name + ": " + error.message : "Error: " + String(error);
      if (!timedOut && error && error.stack) parentPort.postMessage({ type: "stream", name: "stderr", text: String(error.stack) + "\n" });
      parentPort.postMessage({ type: "done", status: "error", outputs: [], error: message });
    }
  } else if (request.op === "forget") {
    for (const name of request.names) delete context[name];
  } else if (request.op === "get") {
    const values = {};
    const missing = [];
    for (const name of request.names) {
      if (Object.prototype.hasOwnProperty.call(context, name)) values[name] = jsonable(context[name]);
      else missing.push(name);
    }
    parentPort.postMessage({ type: "values", values, missing });
  }
});
`;
