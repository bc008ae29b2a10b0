/**
 * The worker thread of a notebook's JavaScript kernel (`new Worker(source, { eval: true })`):
 * one `node:vm` context per notebook, console captured into the cell's stream, the vm's own
 * timeout for runaway synchronous code. Embedded as a string so `src` and `dist` both ship it.
 */
export const JAVASCRIPT_WORKER = String.raw`
const { parentPort } = require("node:worker_threads");
const vm = require("node:vm");
const util = require("node:util");

const stream = (name) => (...args) => {
  parentPort.postMessage({ type: "stream", name, text: util.format(...args) + "\n" });
};
const sandboxConsole = {
  log: stream("stdout"), info: stream("stdout"), debug: stream("stdout"), trace: stream("stdout"),
  warn: stream("stderr"), error: stream("stderr"),
  table: (data) => stream("stdout")(util.inspect(data, { depth: 4 })),
  dir: (data) => stream("stdout")(util.inspect(data, { depth: 4 })),
};
// The context gets the language's own globals plus a console, timers and the web basics.
const context = vm.createContext({
  console: sandboxConsole,
  setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, structuredClone,
  TextEncoder, TextDecoder, URL, URLSearchParams, atob, btoa, fetch,
});

// Deleting from the sandbox object alone would leave the context's own global binding behind.
function forget(names) {
  for (const name of names || []) vm.runInContext("delete globalThis[" + JSON.stringify(name) + "]", context);
}

function isTable(value) {
  return value && typeof value === "object" && value.type === "table" && Array.isArray(value.columns) && Array.isArray(value.rows);
}

// The kernel turns this into the execute_result's mime bundle.
function describe(value) {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? value : util.inspect(value, { depth: 4 });
  return isTable(value) ? { text, table: JSON.parse(JSON.stringify(value)) } : { text };
}

function jsonable(value) {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : JSON.parse(text);
  } catch {
    return String(value);
  }
}

function failure(error, timeoutMs) {
  const timedOut = error && (error.code === "ERR_SCRIPT_EXECUTION_TIMEOUT" || error.name === "TimeoutError");
  if (timedOut) return { error: "TimeoutError: cell execution timed out after " + timeoutMs / 1000 + " s" };
  const message = error && error.name ? error.name + ": " + error.message : "Error: " + String(error);
  // The stack without the frames of this worker and of node:vm, which say nothing about the cell.
  const own = /^\s+at .*(node:|\[worker eval\])/;
  const traceback = error && error.stack ? String(error.stack).split("\n").filter((line) => !own.test(line)) : undefined;
  return { error: message, traceback };
}

function deadline(promise, timeoutMs) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error("timed out");
      error.name = "TimeoutError";
      reject(error);
    }, timeoutMs);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

// One request at a time, in order, even while an async cell is awaiting.
let queue = Promise.resolve();
parentPort.on("message", (request) => {
  queue = queue.then(() => handle(request));
});

async function handle(request) {
  if (request.op === "run") {
    forget(request.delete);
    const started = Date.now();
    try {
      let value = vm.runInContext(request.code, context, { filename: "cell-" + request.id + ".js", timeout: request.timeoutMs });
      if (request.isAsync) value = await deadline(value, Math.max(1, request.timeoutMs - (Date.now() - started)));
      parentPort.postMessage({ type: "done", status: "success", value: request.hasResult ? describe(value) : undefined });
    } catch (error) {
      parentPort.postMessage({ type: "done", status: "error", ...failure(error, request.timeoutMs) });
    }
  } else if (request.op === "forget") {
    forget(request.names);
  } else if (request.op === "get") {
    const values = {};
    const missing = [];
    for (const name of request.names) {
      const key = JSON.stringify(name);
      if (vm.runInContext(key + " in globalThis", context)) values[name] = jsonable(vm.runInContext("globalThis[" + key + "]", context));
      else missing.push(name);
    }
    parentPort.postMessage({ type: "values", values, missing });
  }
}
`;
