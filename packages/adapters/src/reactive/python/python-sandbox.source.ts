/**
 * The first lines of the Python driver: the kernel puts its limits on itself (hard rlimits, so
 * cell code can lower them but never raise them back, unless the kernel runs as root) before any
 * other module is imported and any cell runs. Limits come as JSON in argv[4] (`{cpu, as, nofile,
 * nproc, processes}`, from kernel-sandbox.ts; `processes` is the kernel's own share of `nproc`);
 * no argument, no limits.
 *
 * Also here: the note that tells a cell's author which limit stopped it, the rule that a
 * process a cell forked never speaks the protocol as if it were the kernel, and the end of a fork
 * bomb: at the process limit its processes would go on forking into every slot that frees, so the
 * kernel stops every other process of its group (stopped first, since a stopped process cannot fork).
 *
 * The kernel also lowers its own priority (nice 10): a busy cell yields the CPU to the host.
 */
export const PYTHON_SANDBOX = String.raw`
import errno as _errno, json as _json, os as _os, resource as _resource, sys as _sys

_KERNEL_PID = _os.getpid()
_LIMITS = _json.loads(_sys.argv[4]) if len(_sys.argv) > 4 and _sys.argv[4] else {}


def _apply_limits(limits):
    # SIGXCPU at the soft CPU limit ends the kernel; the hard one (a second later) kills a kernel that ignores it.
    wanted = (
        (_resource.RLIMIT_CPU, limits.get("cpu"), 1),
        (_resource.RLIMIT_AS, limits.get("as"), 0),
        (_resource.RLIMIT_NOFILE, limits.get("nofile"), 0),
        (_resource.RLIMIT_NPROC, limits.get("nproc"), 0),
    )
    for which, value, slack in wanted:
        if value is None:
            continue
        _soft, hard = _resource.getrlimit(which)
        ceiling = int(value) + slack if hard == _resource.RLIM_INFINITY else min(int(value) + slack, hard)
        _resource.setrlimit(which, (min(int(value), ceiling), ceiling))


_apply_limits(_LIMITS)
if _LIMITS:
    _os.nice(10)


def _group_members(group, spared, states):
    """Processes of the kernel's process group other than those spared, in one of the given states (from /proc)."""
    found = []
    for entry in _os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in spared:
            continue
        try:
            with open("/proc/" + entry + "/stat", "rb") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[2]) == group and fields[0] in states:
            found.append(int(entry))
    return found


def _stop_forks():
    """Stops and kills every other process of the kernel's group (the wrapper leading it, if any, is spared)."""
    import signal as _signal
    group = _os.getpgid(0)
    spared = {_os.getpid(), _os.getppid()}
    for signal_number, states in ((_signal.SIGSTOP, (b"R", b"S", b"D")), (_signal.SIGKILL, (b"R", b"S", b"D", b"T", b"t"))):
        for _sweep in range(200):
            members = _group_members(group, spared, states)
            if not members:
                break
            for pid in members:
                try:
                    _os.kill(pid, signal_number)
                except OSError:
                    pass
    # Zombies count against the process limit until reaped.
    while True:
        try:
            if _os.waitpid(-1, _os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break


def _group_at_limit():
    """Whether the kernel's group holds as many other live processes as the kernel may start."""
    if "processes" not in _LIMITS:
        return False
    spared = {_os.getpid(), _os.getppid()}
    return len(_group_members(_os.getpgid(0), spared, (b"R", b"S", b"D"))) >= _LIMITS["processes"]


def _limit_reached(error):
    """Which of the kernel's limits a failure comes from, in words, or None; at the process limit, its forks are stopped."""
    if isinstance(error, MemoryError) and "as" in _LIMITS:
        return "the kernel's memory limit (%d MB, KERNEL_MEMORY_MB) was reached" % (_LIMITS["as"] // (1024 * 1024))
    if isinstance(error, OSError) and error.errno == _errno.EAGAIN and "nproc" in _LIMITS and not isinstance(error, InterruptedError):
        if _os.getuid() != 0 and _resource.getrlimit(_resource.RLIMIT_NPROC)[0] != _resource.RLIM_INFINITY:
            _stop_forks()
            return "no more processes could start: the kernel's process limit (KERNEL_MAX_PROCESSES) was reached; the processes the cell started were stopped"
    # A cell stopped by its time limit (or interrupted) may have left a bomb forking in the background.
    if isinstance(error, KeyboardInterrupt) and _group_at_limit():
        _stop_forks()
        return "the cell's processes had reached the kernel's process limit (KERNEL_MAX_PROCESSES) and were stopped"
    if isinstance(error, OSError) and error.errno == _errno.EMFILE and "nofile" in _LIMITS:
        return "the kernel's open-file limit (%d, KERNEL_MAX_OPEN_FILES) was reached" % _LIMITS["nofile"]
    return None


def _with_limit_note(failure, error):
    note = _limit_reached(error)
    if note is None:
        return failure
    evalue = failure["evalue"] + " (" + note + ")" if failure["evalue"] else note
    return dict(failure, evalue=evalue, traceback=failure["traceback"] + ["[" + note + "]"])


def _leave_if_forked(status=0):
    """A process a cell forked that returns into the driver ends here, silently: only the kernel answers the host."""
    if _os.getpid() != _KERNEL_PID:
        _os._exit(status)
`;
