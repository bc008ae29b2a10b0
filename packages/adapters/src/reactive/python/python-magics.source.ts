/**
 * The part of the Python driver (python-driver.source.ts) that runs IPython magics. The host
 * rewrites a magic line into a call of one of these `_parallax_magic_*` helpers at the same line
 * (`executableCell` in the domain), so nothing here finds magics: it only runs them. Prepended to
 * the driver, so the driver's `_emit`, `_bundle`, `_Mangler`, `CHUNK` and streams are found when
 * these functions run.
 *
 * Commands (`!cmd`, `%pip`, `%%bash`) run in the kernel's cwd with its environment (the host's
 * allowlist) and stay in the kernel's process group, so whatever ends the kernel ends them; their
 * output goes line by line through the cell's stdout and stderr, and so through its stream cap.
 * An interrupted command is ended with everything it started, found by parentage.
 */
export const PYTHON_MAGICS = String.raw`
import ast, codecs, gc, importlib.util, io, itertools, math, os, re, shlex, signal, subprocess, sys, threading, time


class UsageError(Exception):
    """A magic this kernel does not run, or one used wrongly: IPython's name for it, which users know."""


# The running cell's filename and private-name prefix (None when names are shared), set by _run:
# a magic's own code is compiled as part of its cell.
_magic_cell = {"filename": "<cell>", "prefix": None}
# While %%capture holds the displays, the list they go to.
_captured_outputs = None


def _parallax_magic_unsupported(name):
    raise UsageError("magic not supported: %" + name)


def _magic_name(name):
    prefix = _magic_cell["prefix"]
    return prefix + name if prefix is not None and _is_private(name) else name


def _magic_tree(source, line, mode="exec"):
    """A magic's code parsed as if it stood at its line of the cell (so tracebacks and syntax
    errors name the user's line), its private names renamed as the rest of the cell's are."""
    tree = ast.parse("\n" * (line - 1) + source, _magic_cell["filename"], mode)
    if _magic_cell["prefix"] is not None:
        tree = ast.fix_missing_locations(_Mangler(_magic_cell["prefix"]).visit(tree))
    return tree


def _magic_code(source, line):
    """The compiled statements and, apart, the last expression (whose value the magic returns)."""
    tree = _magic_tree(source, line)
    last = ast.Expression(tree.body.pop().value) if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    filename = _magic_cell["filename"]
    return compile(tree, filename, "exec"), compile(last, filename, "eval") if last is not None else None


def _format_time(seconds, precision=3):
    """IPython's rendering of a duration: 1.23 ms, 4.56 µs, 1min 3s."""
    if seconds >= 60:
        parts, left = [], seconds
        for suffix, length in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
            value = int(left // length)
            if value > 0:
                left %= length
                parts.append("%d%s" % (value, suffix))
            if left < 1:
                break
        return " ".join(parts)
    order = min(-int(math.floor(math.log10(seconds)) // 3), 3) if seconds > 0 else 3
    return "%.*g %s" % (precision, seconds * 1000 ** order, ("s", "ms", "\xb5s", "ns")[order])


def _magic_clock():
    # getrusage counts CPU time in microseconds where os.times() counts clock ticks (10 ms).
    try:
        import resource
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime, usage.ru_stime, time.perf_counter()
    except ImportError:
        times = os.times()
        return times.user, times.system, time.perf_counter()


def _parallax_magic_time(source, line, cell=False):
    """%time and %%time: runs source where the magic stands (its assignments land there), then
    prints IPython's timing lines; the value of a last expression is returned, so it is shown."""
    frame = sys._getframe(1)
    body, tail = _magic_code(source, line)
    start = _magic_clock()
    exec(body, frame.f_globals, frame.f_locals)
    value = eval(tail, frame.f_globals, frame.f_locals) if tail is not None else None
    user, system, wall = (end - begin for begin, end in zip(start, _magic_clock()))
    print("CPU times: user %s, sys: %s, total: %s" % (_format_time(user), _format_time(system), _format_time(user + system)))
    print("Wall time: %s" % _format_time(wall))
    return None if cell and _last_value_hidden(source) else value


_TIMEIT_OPTION = re.compile(r"-([nrp])\s*(\d+)(?:\s+|$)|-([tcqo]+)(?:\s+|$)")
# The statement runs in a function of its own (its names stay local, as in IPython), setup first.
_TIMEIT_TEMPLATE = """
def _parallax_timeit_inner(_parallax_it, _parallax_timer):
    pass
    _parallax_t0 = _parallax_timer()
    for _parallax_i in _parallax_it:
        pass
    return _parallax_timer() - _parallax_t0
"""


class _TimeitResult:
    """What %timeit -o returns, with IPython's TimeitResult attributes."""

    def __init__(self, loops, all_runs, precision):
        self.loops, self.repeat, self.all_runs, self._precision = loops, len(all_runs), all_runs, precision
        self.timings = [run / loops for run in all_runs]
        self.best, self.worst = min(self.timings), max(self.timings)
        self.average = math.fsum(self.timings) / self.repeat
        self.stdev = math.sqrt(math.fsum((t - self.average) ** 2 for t in self.timings) / self.repeat)

    def __str__(self):
        return "%s \xb1 %s per loop (mean \xb1 std. dev. of %d run%s, %d loop%s each)" % (
            _format_time(self.average, self._precision), _format_time(self.stdev, self._precision),
            self.repeat, "" if self.repeat == 1 else "s", self.loops, "" if self.loops == 1 else "s")

    def __repr__(self):
        return "<TimeitResult : " + str(self) + ">"


def _parallax_magic_timeit(args, line, body=None, body_line=None):
    """%timeit stmt and %%timeit [setup] with the statement as body; IPython's options -n -r -p -q -o."""
    frame = sys._getframe(1)
    numbers, flags, rest = {"n": 0, "r": 7, "p": 3}, "", args.strip()
    match = _TIMEIT_OPTION.match(rest)
    while match:
        if match.group(1):
            numbers[match.group(1)] = int(match.group(2))
        else:
            flags += match.group(3)
        rest = rest[match.end():]
        match = _TIMEIT_OPTION.match(rest)
    setup, stmt, stmt_line = ("", rest, line) if body is None else (rest, body, body_line)
    template = ast.parse(_TIMEIT_TEMPLATE)
    inner = template.body[0]
    inner.body[-2].body = _magic_tree(stmt, stmt_line).body or [ast.Pass()]
    inner.body[0:1] = _magic_tree(setup, line).body or [ast.Pass()]
    ast.fix_missing_locations(template)
    namespace = frame.f_globals if frame.f_locals is frame.f_globals else {**frame.f_globals, **frame.f_locals}
    scope = {}
    exec(compile(template, _magic_cell["filename"], "exec"), namespace, scope)
    timed = scope["_parallax_timeit_inner"]

    def run(number):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return timed(itertools.repeat(None, number), time.perf_counter)
        finally:
            if enabled:
                gc.enable()

    loops = numbers["n"]
    if loops <= 0:
        # IPython's choice: the first power of ten whose loops take 0.2 s.
        for power in range(10):
            loops = 10 ** power
            if run(loops) >= 0.2:
                break
    result = _TimeitResult(loops, [run(loops) for _ in range(max(1, numbers["r"]))], numbers["p"])
    if "q" not in flags:
        print(result)
    return result if "o" in flags else None


class _CapturedOutput:
    """One display %%capture held; shown again, it shows what it was."""

    def __init__(self, output):
        self.data, self.metadata = output["data"], output["metadata"]

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.data, self.metadata

    def __repr__(self):
        return str(self.data.get("text/plain", "<captured output>"))


class _CapturedIO:
    """What %%capture binds (IPython's CapturedIO): the text written and the displays shown."""

    def __init__(self, stdout, stderr, outputs):
        self.stdout, self.stderr, self._outputs = stdout, stderr, outputs

    def __str__(self):
        return self.stdout

    @property
    def outputs(self):
        return [_CapturedOutput(output) for output in self._outputs]

    def show(self):
        sys.stdout.write(self.stdout)
        sys.stderr.write(self.stderr)
        for output in self._outputs:
            _emit(output)

    __call__ = show


def _parallax_magic_capture(args, source, line):
    """%%capture [--no-stdout] [--no-stderr] [--no-display] [name]: runs the body with what it
    writes and shows (its figures and last value too) held, and binds them to name, as IPython does."""
    global _captured_outputs
    frame = sys._getframe(1)
    words = args.split()
    unknown = [word for word in words if word.startswith("-") and word not in ("--no-stdout", "--no-stderr", "--no-display")]
    if unknown:
        raise UsageError("%%capture: option not supported: " + unknown[0])
    names = [word for word in words if not word.startswith("-")]
    saved = sys.stdout, sys.stderr, _captured_outputs
    out, err, outputs = io.StringIO(), io.StringIO(), []
    if "--no-stdout" not in words:
        sys.stdout = out
    if "--no-stderr" not in words:
        sys.stderr = err
    if "--no-display" not in words:
        _captured_outputs = outputs
    try:
        body, tail = _magic_code(source, line)
        exec(body, frame.f_globals)
        value = eval(tail, frame.f_globals) if tail is not None else None
        if value is not None and not _last_value_hidden(source):
            _emit({"output_type": "execute_result", "execution_count": None, "data": _bundle(value), "metadata": {}})
        _show_figures((value,))
    finally:
        sys.stdout, sys.stderr, _captured_outputs = saved
        if names:
            frame.f_globals[_magic_name(names[0])] = _CapturedIO(out.getvalue(), err.getvalue(), outputs)


_EXPANSION = re.compile(r"\$\$|\$([A-Za-z_]\w*)|\{([^{}]+)\}")


def _magic_expand(text, frame):
    """IPython's expansion of a command line: {expression} and $name take their value from where
    the magic stands, $$ is $; what does not evaluate is left as written ($HOME goes to the shell)."""

    def value(match):
        if match.group(0) == "$$":
            return "$"
        try:
            if match.group(1) is not None:
                name = _magic_name(match.group(1))
                return str(frame.f_locals[name] if name in frame.f_locals else frame.f_globals[name])
            code = compile(_magic_tree(match.group(2).strip(), 1, "eval"), _magic_cell["filename"], "eval")
            return str(eval(code, frame.f_globals, frame.f_locals))
        except Exception:
            return match.group(0)

    return _EXPANSION.sub(value, text)


def _magic_descendants(root):
    parents = {}
    if os.path.isdir("/proc"):
        for entry in os.listdir("/proc"):
            try:
                with open("/proc/" + entry + "/stat", "rb") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    else:
        listing = subprocess.run(["ps", "-A", "-o", "pid=", "-o", "ppid="], capture_output=True, text=True).stdout
        parents = {int(pid): int(ppid) for pid, ppid in (line.split() for line in listing.splitlines() if line.strip())}
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        found.append(pid)
        frontier.extend(child for child, parent in parents.items() if parent == pid)
    return found


def _magic_pump(pipe, target):
    """Copies a command's output as it comes: a line (or a chunk of a longer one) at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    for chunk in iter(lambda: pipe.readline(CHUNK), b""):
        text = decoder.decode(chunk)
        target.append(text) if isinstance(target, list) else target.write(text)
    pipe.close()


def _magic_process(command, shell=False, merge=False, out=None, err=None):
    """Runs a command, its stdout and stderr streamed as the cell's own (or kept in the lists out
    and err; merge sends stderr where stdout goes). Returns its exit status."""
    process = subprocess.Popen(command, shell=shell, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT if merge else subprocess.PIPE)
    pipes = [(process.stdout, sys.stdout if out is None else out)]
    if not merge:
        pipes.append((process.stderr, sys.stderr if err is None else err))
    pumps = [threading.Thread(target=_magic_pump, args=pipe, daemon=True) for pipe in pipes]
    for pump in pumps:
        pump.start()
    try:
        process.wait()
        for pump in pumps:
            pump.join()
    except BaseException:
        # Interrupted (the cell's time limit, a user's stop): the command and all it started end now.
        for pid in _magic_descendants(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        process.wait()
        for pump in pumps:
            pump.join(1)
        raise
    return process.returncode


def _parallax_magic_shell(command, capture):
    """!cmd streams the command's output; x = !cmd and !!cmd return its lines (stderr included), as IPython's SList."""
    command = _magic_expand(command, sys._getframe(1))
    if not capture:
        _magic_process(command, shell=True)
        return None
    lines = []
    _magic_process(command, shell=True, merge=True, out=lines)
    return "".join(lines).splitlines()


def _parallax_magic_pip(args):
    if importlib.util.find_spec("pip") is None:
        raise UsageError("%pip: pip is not installed for " + sys.executable + " (Debian: apt install python3-pip; elsewhere: python3 -m ensurepip)")
    words = shlex.split(_magic_expand(args, sys._getframe(1)))
    _magic_process([sys.executable, "-m", "pip"] + words)
    if words[:1] in (["install"], ["uninstall"]):
        print("Note: you may need to restart the kernel to use updated packages.")


def _parallax_magic_script(shell, args, body):
    """%%bash and %%sh: the body as a script, its output streamed, or bound to the names of --out and --err."""
    frame = sys._getframe(1)
    words, targets = shlex.split(_magic_expand(args, frame)), {}
    while words:
        option, _, value = words.pop(0).partition("=")
        if option not in ("--out", "--err") or not (value or words):
            raise UsageError("%%" + shell + ": option not supported: " + option)
        targets[option[2:]] = value or words.pop(0)
    kept = {key: [] for key in targets}
    status = _magic_process([shell, "-c", body], out=kept.get("out"), err=kept.get("err"))
    for key, name in targets.items():
        frame.f_globals[_magic_name(name)] = "".join(kept[key])
    if status != 0:
        raise subprocess.CalledProcessError(status, "%%" + shell)


_DISPLAY_CLASSES = {"text/html": "HTML", "application/javascript": "Javascript", "text/markdown": "Markdown", "text/latex": "Latex", "image/svg+xml": "SVG"}


def _parallax_magic_display(mime, body):
    """%%html, %%javascript, %%markdown, %%latex, %%svg: the body shown as that type."""
    plain = "<IPython.core.display.%s object>" % _DISPLAY_CLASSES.get(mime, "DisplayObject")
    _emit({"output_type": "display_data", "data": {mime: body, "text/plain": plain}, "metadata": {}})


def _parallax_magic_writefile(args, body):
    """%%writefile [-a] path: the body written to path (relative to the kernel's cwd)."""
    words = shlex.split(_magic_expand(args, sys._getframe(1)))
    append = any(word in ("-a", "--append") for word in words)
    paths = [word for word in words if word not in ("-a", "--append")]
    if len(paths) != 1:
        raise UsageError("%%writefile takes one file name: %%writefile [-a] path")
    path = os.path.expanduser(paths[0])
    exists = os.path.exists(path)
    print(("Appending to %s" if append and exists else "Overwriting %s" if exists else "Writing %s") % paths[0])
    with open(path, "a" if append else "w", encoding="utf-8") as file:
        file.write(body if body.endswith("\n") else body + "\n")
`;
