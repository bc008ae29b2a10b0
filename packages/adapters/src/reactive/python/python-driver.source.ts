/**
 * The driver the persistent `python3` kernel runs (`python3 -u -c DRIVER`). Embedded as a
 * string so it ships inside both `src` and `dist` with nothing to resolve on disk.
 *
 * Protocol: one JSON object per line. Requests arrive on stdin (`run`, `forget`, `get`),
 * which the driver also keeps for itself (a cell's `input()` reads an empty stdin);
 * replies and live stream chunks leave on the process's original stdout, which the driver
 * keeps for itself: fd 1 is pointed at stderr so that stray C-level writes cannot corrupt
 * the protocol. SIGINT interrupts a running cell only, never the protocol loop.
 *
 * A run sends, in the order they happen, `stream` chunks and nbformat `output`s (a display, the
 * last value as `execute_result`, the `error` with its traceback), then `done`. Figures are
 * shown as Jupyter's inline backend shows them: `plt.show()` and the end of the cell render every
 * open pyplot figure as image/png and close it.
 */
import { PYTHON_OUTPUTS } from "./python-outputs.source.js";

export const PYTHON_DRIVER = PYTHON_OUTPUTS + String.raw`
import ast, io, json, os, signal, sys

_protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
_requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
sys.stdin = open(os.devnull, "r")
_executing = False
_namespace = {"__name__": "__main__", "__builtins__": __builtins__}
ROW_LIMIT = 1000


def _send(message):
    _protocol.write(json.dumps(message, default=str) + "\n")
    _protocol.flush()


class _Stream(io.TextIOBase):
    """Line-buffered, like a terminal: whole lines go out as they are written, a partial
    line on flush() or when the cell ends."""

    def __init__(self, name):
        self.name = name
        self.pending = ""

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.pending += text
        cut = self.pending.rfind("\n")
        if cut >= 0:
            ready, self.pending = self.pending[: cut + 1], self.pending[cut + 1 :]
            _send({"type": "stream", "name": self.name, "text": ready})
        return len(text)

    def flush(self):
        if self.pending:
            ready, self.pending = self.pending, ""
            _send({"type": "stream", "name": self.name, "text": ready})


def _on_sigint(signum, frame):
    if _executing:
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


def _is_private(name):
    return name.startswith("_") and not name.startswith("__")


class _Mangler(ast.NodeTransformer):
    """Names with one leading underscore are private to their cell (as in marimo): each cell
    gets its own copy, so cells never see each other's. Renaming is consistent within the
    cell, so its own scoping rules are kept."""

    def __init__(self, prefix):
        self.prefix = prefix
        # Names a class body defines are attributes (self._x, _repr_html_): never renamed there.
        self.protected = set()

    def rename(self, name):
        return self.prefix + name if name and _is_private(name) and name not in self.protected else name

    def visit_Name(self, node):
        node.id = self.rename(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.rename(node.arg)
        return self.generic_visit(node)

    def _scoped(self, node, protected):
        saved = self.protected
        self.protected = protected
        try:
            return self.generic_visit(node)
        finally:
            self.protected = saved

    def visit_FunctionDef(self, node):
        node.name = self.rename(node.name)
        return self._scoped(node, set())

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = lambda self, node: self._scoped(node, set())

    def visit_ClassDef(self, node):
        node.name = self.rename(node.name)
        own = set()
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(statement.name)
            for target in getattr(statement, "targets", []) + [getattr(statement, "target", None)]:
                if isinstance(target, ast.Name):
                    own.add(target.id)
        return self._scoped(node, own)

    def visit_alias(self, node):
        bound = node.asname or (node.name.split(".")[0] if node.name != "*" else None)
        if bound and _is_private(bound):
            if node.asname is None and "." in node.name:
                return node
            node.asname = self.rename(bound)
        return node

    def visit_Global(self, node):
        node.names = [self.rename(name) for name in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node):
        node.name = self.rename(node.name)
        return self.generic_visit(node)

    def visit_MatchAs(self, node):
        node.name = self.rename(node.name)
        return self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node):
        node.rest = self.rename(node.rest)
        return self.generic_visit(node)


def _private_prefix(cell_id):
    return "_cell_" + "".join(c if c.isalnum() else "_" for c in str(cell_id)) + "_"


def _forget(names):
    for name in names:
        _namespace.pop(name, None)


def _run(request):
    global _executing
    filename = "<cell " + str(request.get("id", "?")) + ">"
    prefix = _private_prefix(request.get("id", "?"))
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
        _executing = False
        failure = _error_output(error, filename, prefix)
        _emit(failure)
        _show_figures()
        _flush_streams()
        message = failure["ename"] + (": " + failure["evalue"] if failure["evalue"] else "")
        _send({"type": "done", "status": "error", "error": message})
        return
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
        json.dumps(value)
        return value
    except Exception:
        return str(value)


def _get(request):
    values = {}
    missing = []
    for name in request.get("names", []):
        if name in _namespace:
            values[name] = _jsonable(_namespace[name])
        else:
            missing.append(name)
    _send({"type": "values", "values": values, "missing": missing})


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
        _executing = False
        _flush_streams()
        _send({"type": "done", "status": "error", "error": "KeyboardInterrupt"})
`;
