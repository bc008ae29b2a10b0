/**
 * The driver the persistent `python3` kernel runs (`python3 -u -c DRIVER MAX_OUTPUT MAX_STREAM
 * MAX_LINE`). Embedded as a string so it ships inside both `src` and `dist` with nothing to
 * resolve on disk.
 *
 * Protocol: one JSON object per line. Requests arrive on stdin (`run`, `forget`, `get`),
 * which the driver also keeps for itself (a cell's `input()` reads an empty stdin);
 * replies and live stream chunks leave on the process's original stdout, which the driver
 * keeps for itself: fd 1 is pointed at stderr so that stray C-level writes cannot corrupt
 * the protocol. SIGINT interrupts a running cell only, never the protocol loop, and never a
 * half-written line.
 *
 * A run sends, in the order they happen, `stream` chunks and nbformat `output`s (a display, the
 * last value as `execute_result`, the `error` with its traceback), then `done`. Figures are
 * shown as Jupyter's inline backend shows them: `plt.show()` and the end of the cell render every
 * open pyplot figure as image/png and close it. Magics arrive rewritten as calls of the helpers in
 * python-magics.source.ts.
 *
 * Sizes are capped here, before anything is serialised for the host: each value of an output
 * at MAX_OUTPUT bytes (text/plain and an error keep their head and a note, a richer value over
 * it is dropped and its note becomes the output's text/plain), a cell's stdout and stderr at
 * MAX_STREAM characters together, a protocol line at MAX_LINE bytes (the host drops longer
 * lines unread, so a message that would be longer is shrunk to a note). The host caps again:
 * this driver runs cell code, so it is not trusted to.
 *
 * A process a cell forks and that comes back into the driver exits there (`_leave_if_forked`):
 * it shares the protocol's pipes, and only the kernel may answer on them.
 *
 * The kernel leads its own process group; when the host closes stdin or dies (even by SIGKILL),
 * the driver ends the whole group, so processes a cell forked go too.
 */
import { PYTHON_MAGICS } from "./python-magics.source.js";
import { PYTHON_MANGLER } from "./python-mangler.source.js";
import { PYTHON_OUTPUTS } from "./python-outputs.source.js";
import { PYTHON_SANDBOX } from "./python-sandbox.source.js";

export const PYTHON_DRIVER = PYTHON_SANDBOX + PYTHON_OUTPUTS + PYTHON_MAGICS + String.raw`
import ast, io, json, os, signal, sys, threading, time

MAX_OUTPUT, MAX_STREAM, MAX_LINE = (int(limit) for limit in sys.argv[1:4])
CHUNK = 65536
ROW_LIMIT = 1000

_protocol = os.fdopen(os.dup(1), "wb")
_requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
sys.stdin = open(os.devnull, "r")
_executing = False
_namespace = {"__name__": "__main__", "__builtins__": __builtins__}
# The helpers magic lines are rewritten to call (python-magics.source.ts) are found where cells run.
_namespace.update((name, value) for name, value in list(globals().items()) if name.startswith("_parallax_magic_"))
# Cells may print from threads: a line is written whole, by one thread at a time.
_lock = threading.RLock()
# What is left of the running cell's stream budget.
_room = MAX_STREAM
_writing = False
_deferred_interrupt = False


def _human(size):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            value = round(size / scale, 1)
            return ("%d" % value if value == int(value) else "%.1f" % value) + " " + unit
    return "%d bytes" % size


def _note(size, limit=MAX_OUTPUT):
    return "[output truncated: %s > %s limit]" % (_human(size), _human(limit))


def _size(data):
    if isinstance(data, str):
        return len(data) if data.isascii() else len(data.encode("utf-8", "replace"))
    return len(_encode(data))


def _cut(text):
    """At most MAX_OUTPUT bytes of text, the note included, cut between characters."""
    size = _size(text)
    if size <= MAX_OUTPUT:
        return text
    note = "\n" + _note(size)
    room = max(0, MAX_OUTPUT - len(note))
    return text[:room].encode("utf-8", "replace")[:room].decode("utf-8", "ignore") + note


def _finite(value):
    """JSON has no NaN or Infinity (the host would reject the whole line): they become null."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _encode(message):
    try:
        text = json.dumps(message, default=str, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(message), default=str, ensure_ascii=False)
    return text.encode("utf-8", "replace")


def _shrunk(message, size):
    """What is left of a message longer than a protocol line may be."""
    note = _note(size, MAX_LINE)
    kind = message.get("type")
    if kind == "output":
        output = message["output"]
        if output.get("output_type") == "error":
            return {"type": "output", "output": {"output_type": "error", "ename": output["ename"][:CHUNK], "evalue": note, "traceback": [note]}}
        shrunk = {"output_type": output.get("output_type", "display_data"), "data": {"text/plain": note}, "metadata": {}}
        if shrunk["output_type"] == "execute_result":
            shrunk["execution_count"] = None
        return {"type": "output", "output": shrunk}
    if kind == "done":
        shrunk = {"type": "done", "status": message["status"]}
        if message.get("error"):
            shrunk["error"] = message["error"][:CHUNK]
        return shrunk
    if kind == "values":
        return {"type": "values", "values": {}, "missing": message["missing"], "too_large": list(message["values"])}
    return {"type": "stream", "name": message.get("name", "stderr"), "text": note + "\n"}


def _send(message):
    global _writing, _deferred_interrupt
    line = _encode(message)
    if len(line) > MAX_LINE:
        line = _encode(_shrunk(message, len(line)))
    main = threading.current_thread() is threading.main_thread()
    with _lock:
        _writing = main
        try:
            _protocol.write(line)
            _protocol.write(b"\n")
            _protocol.flush()
        finally:
            _writing = False
    if main and _deferred_interrupt and _executing:
        _deferred_interrupt = False
        raise KeyboardInterrupt()


class _Stream(io.TextIOBase):
    """Line-buffered, like a terminal: whole lines go out as they are written, a partial
    line on flush(), when the cell ends or once it is a chunk long. Past the cell's budget,
    text is dropped after one note: the host would keep no more than that either."""

    def __init__(self, name):
        self.name = name
        self.pending = ""

    def writable(self):
        return True

    def write(self, text):
        global _room
        text = str(text)
        written = len(text)
        with _lock:
            if _room < 0:
                return written
            if len(text) > _room:
                # Once noted (room -1), the rest is dropped; a budget spent exactly still gets its note.
                text = text[:_room] + "\n[output truncated at %d characters]\n" % MAX_STREAM
                _room = -1
            else:
                _room -= len(text)
            # Only the new text is searched: a long line written bit by bit stays linear.
            cut = text.rfind("\n")
            if cut >= 0:
                ready, self.pending = self.pending + text[: cut + 1], text[cut + 1 :]
                self._emit(ready)
            else:
                self.pending += text
            if len(self.pending) >= CHUNK:
                ready, self.pending = self.pending, ""
                self._emit(ready)
        return written

    def flush(self):
        with _lock:
            if self.pending:
                ready, self.pending = self.pending, ""
                self._emit(ready)

    def _emit(self, text):
        for start in range(0, len(text), CHUNK):
            _send({"type": "stream", "name": self.name, "text": text[start : start + CHUNK]})


def _on_sigint(signum, frame):
    global _deferred_interrupt
    if not _executing:
        return
    if _writing:
        _deferred_interrupt = True
        return
    raise KeyboardInterrupt()


signal.signal(signal.SIGINT, _on_sigint)
_stdout = sys.stdout = _Stream("stdout")
_stderr = sys.stderr = _Stream("stderr")


def _flush_streams():
    for stream in (_stdout, _stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _table(frame):
    total = len(frame)
    head = frame.head(ROW_LIMIT)
    rows = json.loads(head.to_json(orient="values", date_format="iso", default_handler=str))
    table = {"type": "table", "columns": [str(c) for c in frame.columns], "rows": rows}
    if total > ROW_LIMIT:
        table["truncated"] = True
        table["total_rows"] = total
    return table


def _not_shown(mime, size):
    return "[output not shown: %s %s > %s limit]" % (mime, _human(size), _human(MAX_OUTPUT))


def _limit(output):
    """An nbformat output with each value within MAX_OUTPUT, as output-limits.ts caps it on the
    host: text/plain and an error keep their head and a note; a richer value over the cap is
    dropped and its note becomes the output's text/plain, where every front end shows it."""
    if output["output_type"] == "error":
        lines = _cut("\n".join(output["traceback"])).split("\n")
        return dict(output, ename=_cut(output["ename"]), evalue=_cut(output["evalue"]), traceback=lines)
    data, dropped = {}, []
    for mime, value in output["data"].items():
        if mime == "text/plain" and isinstance(value, str):
            data[mime] = _cut(value)
            continue
        size = _size(value)
        if size <= MAX_OUTPUT:
            data[mime] = value
        else:
            dropped.append(_not_shown(mime, size))
    if dropped:
        data["text/plain"] = "\n".join(dropped)
    metadata = output.get("metadata") or {}
    return dict(output, data=data, metadata=metadata if _size(metadata) <= MAX_OUTPUT else {})


${PYTHON_MANGLER}
def _forget(names):
    for name in names:
        _namespace.pop(name, None)


def _run(request):
    global _executing, _room, _deferred_interrupt
    _room = MAX_STREAM
    _deferred_interrupt = False
    filename = "<cell " + str(request.get("id", "?")) + ">"
    prefix = _private_prefix(request.get("id", "?"))
    _magic_cell.update(filename=filename, prefix=prefix if request.get("private_names", True) else None)
    _forget(request.get("delete", []))
    shown = []
    try:
        tree = ast.parse(request["code"], filename=filename, mode="exec")
        if request.get("private_names", True):
            tree = ast.fix_missing_locations(_Mangler(prefix).visit(tree))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        body = compile(tree, filename, "exec")
        tail = compile(last, filename, "eval") if last is not None else None
        _executing = True
        try:
            exec(body, _namespace)
            value = eval(tail, _namespace) if tail is not None else None
        finally:
            _executing = False
        if value is not None and not _last_value_hidden(request["code"]):
            _emit({"output_type": "execute_result", "execution_count": None, "data": _bundle(value), "metadata": {}})
            shown.append(value)
    except BaseException as error:
        _leave_if_forked(1)
        _executing = False
        failure = _with_limit_note(_error_output(error, filename, prefix), error)
        _emit(failure)
        _show_figures()
        _flush_streams()
        message = failure["ename"] + (": " + failure["evalue"] if failure["evalue"] else "")
        _send({"type": "done", "status": "error", "error": _cut(message)})
        return
    _leave_if_forked(0)
    _show_figures(shown)
    _flush_streams()
    _send({"type": "done", "status": "success"})


def _jsonable(value):
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (list, dict, str)):
        try:
            value = item()
        except Exception:
            pass
    try:
        json.dumps(value, allow_nan=False)
        return value
    except Exception:
        return str(value)


def _get(request):
    values = {}
    missing = []
    too_large = []
    for name in request.get("names", []):
        if name not in _namespace:
            missing.append(name)
            continue
        value = _jsonable(_namespace[name])
        if _size(value) > MAX_OUTPUT:
            too_large.append(name)
        else:
            values[name] = value
    _send({"type": "values", "values": values, "missing": missing, "too_large": too_large})


def _end_group():
    # Only a group leader may take its whole group down; anything else only ends itself.
    if os.getpgid(0) == os.getpid():
        os.killpg(0, signal.SIGKILL)
    os._exit(1)


def _watch_host(host):
    while os.getppid() == host:
        time.sleep(1)
    _end_group()


threading.Thread(target=_watch_host, args=(os.getppid(),), daemon=True).start()
_send({"type": "ready", "pid": os.getpid(), "version": sys.version.split()[0]})
for _line in _requests:
    try:
        _request = json.loads(_line)
        _op = _request.get("op")
        if _op == "run":
            _run(_request)
        elif _op == "forget":
            _forget(_request.get("names", []))
        elif _op == "get":
            _get(_request)
    except KeyboardInterrupt:
        _leave_if_forked(1)
        _executing = False
        _flush_streams()
        _send({"type": "done", "status": "error", "error": "KeyboardInterrupt"})
# stdin closed: the host is gone or stopping this kernel, and nothing the kernel started may outlive it.
_end_group()
`;
