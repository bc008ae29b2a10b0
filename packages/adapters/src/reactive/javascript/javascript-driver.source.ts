/**
 * The driver of a notebook's JavaScript kernel, a Node process of its own
 * (`node --max-old-space-size=N -e JAVASCRIPT_DRIVER maxOutputBytes maxStreamChars`): one
 * `node:vm` context per notebook, console captured into the cell's stream, the vm's own timeout
 * for runaway synchronous code. Requests come as JSON lines on stdin, answers go as JSON lines
 * on stdout; the process ends when stdin does (its host is gone). Embedded as a string so `src`
 * and `dist` both ship it.
 *
 * Cell code can reach this process (`console.log.constructor.constructor("return process")()`):
 * what holds it is the process's sandbox (user, rlimits, wrapper, environment), not the vm. Its
 * `process.stdout` and `process.stderr` writes are the cell's streams, so only this driver writes
 * protocol lines (a cell writing to fd 1 itself can garble its own notebook's answers, no more:
 * the host parses and caps every line).
 *
 * Sizes are capped before a message is sent: the last value's text and a failure's message and
 * stack at maxOutputBytes (the head and a note), a table too large to send becomes a note, a
 * cell's console at maxStreamChars characters. The host caps again.
 */
export const JAVASCRIPT_DRIVER = String.raw`
const vm = require("node:vm");
const util = require("node:util");
const readline = require("node:readline");

const maxOutputBytes = Number(process.argv[1]);
const maxStreamChars = Number(process.argv[2]);

// Pipes are written synchronously on Linux: a line is out before the next statement runs.
const writeOut = process.stdout.write.bind(process.stdout);
function send(message) {
  writeOut(JSON.stringify(message) + "\n");
}
const CHUNK = 65536;
// What is left of the running cell's console budget (timers a cell left running spend the next cell's).
let room = maxStreamChars;

function human(bytes) {
  for (const [unit, scale] of [["MiB", 1048576], ["KiB", 1024]]) {
    if (bytes < scale) continue;
    const value = Math.round((bytes / scale) * 10) / 10;
    return (Number.isInteger(value) ? value : value.toFixed(1)) + " " + unit;
  }
  return bytes + " bytes";
}

function note(bytes) {
  return "[output truncated: " + human(bytes) + " > " + human(maxOutputBytes) + " limit]";
}

// At most maxOutputBytes UTF-8 bytes, the note included, cut between characters.
function cut(text) {
  if (text.length * 3 <= maxOutputBytes) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxOutputBytes) return text;
  const tail = "\n" + note(bytes);
  const keep = Math.max(0, maxOutputBytes - tail.length);
  return Buffer.from(text.slice(0, keep)).subarray(0, keep).toString("utf8").replace(/\uFFFD$/, "") + tail;
}

const stream = (name) => (...args) => {
  if (room < 0) return;
  let text = util.format(...args) + "\n";
  if (text.length > room) {
    // Once noted (room -1), the rest is dropped; a budget spent exactly still gets its note.
    text = text.slice(0, room) + "\n[output truncated at " + maxStreamChars + " characters]\n";
    room = -1;
  } else {
    room -= text.length;
  }
  for (let start = 0; start < text.length; start += CHUNK) {
    send({ type: "stream", name, text: text.slice(start, start + CHUNK) });
  }
};
// What a cell writes on process.stdout or process.stderr is its stream too, never a protocol line.
for (const [name, target] of [["stdout", process.stdout], ["stderr", process.stderr]]) {
  const print = stream(name);
  target.write = (chunk, encoding, callback) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    print(text.endsWith("\n") ? text.slice(0, -1) : text);
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") process.nextTick(done);
    return true;
  };
}
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

// The kernel turns this into the execute_result's mime bundle. A table too large to post is its note.
function describe(value) {
  if (value === undefined) return undefined;
  const text = cut(typeof value === "string" ? value : util.inspect(value, { depth: 4, maxStringLength: maxOutputBytes }));
  if (!isTable(value)) return { text };
  let json;
  try {
    json = JSON.stringify(value);
  } catch {
    // Too large for one string, or circular.
  }
  const bytes = json === undefined ? Infinity : Buffer.byteLength(json);
  if (bytes <= maxOutputBytes) return { text, table: JSON.parse(json) };
  const size = bytes === Infinity ? "over 512 MiB" : human(bytes);
  return { text: "[output not shown: application/json " + size + " > " + human(maxOutputBytes) + " limit]" };
}

// undefined: not JSON, or larger than an output may be (the host reports it as too large).
function jsonable(value) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (text === undefined) return String(value);
  return Buffer.byteLength(text) <= maxOutputBytes ? JSON.parse(text) : undefined;
}

function failure(error, timeoutMs) {
  const timedOut = error && (error.code === "ERR_SCRIPT_EXECUTION_TIMEOUT" || error.name === "TimeoutError");
  if (timedOut) return { error: "TimeoutError: cell execution timed out after " + timeoutMs / 1000 + " s" };
  const message = cut(error && error.name ? error.name + ": " + error.message : "Error: " + String(error));
  // The stack without the frames of this driver and of node:vm, which say nothing about the cell.
  const own = /^\s+at .*(node:|\[eval\])/;
  const traceback = error && error.stack ? cut(String(error.stack).split("\n").filter((line) => !own.test(line)).join("\n")).split("\n") : undefined;
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

// One request at a time, in order, even while an async cell is awaiting. No host, no kernel.
let queue = Promise.resolve();
const requests = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
requests.on("line", (line) => {
  const request = JSON.parse(line);
  queue = queue.then(() => handle(request));
});
requests.on("close", () => process.exit(0));
send({ type: "ready", pid: process.pid, version: process.version });

async function handle(request) {
  if (request.op === "run") {
    room = maxStreamChars;
    forget(request.delete);
    const started = Date.now();
    try {
      const timeout = request.straightLine ? undefined : request.timeoutMs;
      let value = vm.runInContext(request.code, context, { filename: "cell-" + request.id + ".js", timeout });
      if (request.isAsync) value = await deadline(value, Math.max(1, request.timeoutMs - (Date.now() - started)));
      send({ type: "done", status: "success", value: request.hasResult ? describe(value) : undefined });
    } catch (error) {
      send({ type: "done", status: "error", ...failure(error, request.timeoutMs) });
    }
  } else if (request.op === "forget") {
    forget(request.names);
  } else if (request.op === "get") {
    const values = {};
    const missing = [];
    for (const name of request.names) {
      const key = JSON.stringify(name);
      if (!vm.runInContext(key + " in globalThis", context)) missing.push(name);
      else {
        const value = jsonable(vm.runInContext("globalThis[" + key + "]", context));
        if (value !== undefined) values[name] = value;
      }
    }
    send({ type: "values", values, missing });
  }
}
`;
