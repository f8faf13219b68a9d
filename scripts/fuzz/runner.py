# Runs metatrain once under a wall-clock timeout and an address-space limit, and classifies the exit:
# ok, a clean error, a TRAP (Swift's fatalError/precondition/try!, a stack overflow), a timeout, an
# out-of-memory exit, or a non-zero exit with nothing on stderr.

import os
import re
import resource
import signal
import subprocess
import time

# Swift's fatalError, precondition and `try!` stop the process with SIGILL or SIGTRAP (ud2 / brk); a stack
# overflow is SIGSEGV; abort() is SIGABRT.
TRAP_SIGNALS = {signal.SIGILL, signal.SIGTRAP, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGFPE}
# Crash text of an allocation that failed (the Swift runtime, malloc, C++). Not metatrain's own "needs N GB"
# errors: those are clean errors with an ordinary non-zero exit.
OOM_TEXT = re.compile(r"failed to allocate|Could not allocate memory|allocation failed|std::bad_alloc|"
                      r"Cannot allocate memory|out of memory", re.I)

# `replay` prints its verdict ("9 passed, 1 failed") on stdout and exits 1: a result, not a silent error.
VERDICT = re.compile(r"^\d+ passed, [1-9]\d* failed$", re.M)

OUTCOMES = ["ok", "error", "trap", "timeout", "oom", "silent"]
OUTCOME_TITLES = {"ok": "ok", "error": "clean error", "trap": "TRAP", "timeout": "timeout", "oom": "out of memory",
                  "silent": "error, no message"}

STDERR_KEEP = 64 * 1024


class Result:
    def __init__(self, outcome, returncode, seconds, stderr, timed_out=False):
        self.outcome = outcome
        self.returncode = returncode
        self.seconds = seconds
        self.stderr = stderr
        self.timed_out = timed_out

    @property
    def signal_name(self):
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None


def _limits(memory_bytes, file_bytes):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    return apply


def _tail(path):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        n = f.tell()
        f.seek(max(0, n - STDERR_KEEP))
        head = b""
        if n > STDERR_KEEP:  # keep the start too: the crash message comes first
            f.seek(0)
            head = f.read(4096) + b"\n[...]\n"
            f.seek(n - STDERR_KEEP + 4096)
        return (head + f.read()).decode("utf-8", "replace")


def _kill(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def run(binary, args, cwd, env, timeout, memory_bytes, file_bytes=512 << 20):
    out_path = os.path.join(cwd, ".stdout")
    err_path = os.path.join(cwd, ".stderr")
    start = time.monotonic()
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([binary] + args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             preexec_fn=_limits(memory_bytes, file_bytes), start_new_session=True)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        except BaseException:  # Ctrl-C: take the run (its own session) down too
            _kill(p)
            raise
        if timed_out:
            _kill(p)
    seconds = time.monotonic() - start
    stderr = _tail(err_path)
    rc = p.returncode
    if timed_out:
        outcome = "timeout"
    elif rc == 0:
        outcome = "ok"
    elif rc < 0:
        sig = -rc
        if sig in (signal.SIGKILL, signal.SIGXFSZ) or OOM_TEXT.search(stderr):
            outcome = "oom"  # the kernel's OOM killer, the file-size limit, or an allocation that failed
        else:
            outcome = "trap"
    elif OOM_TEXT.search(stderr) and "Fatal error" in stderr:
        outcome = "oom"
    elif stderr.strip() or VERDICT.search(_tail(out_path)):
        outcome = "error"
    else:
        outcome = "silent"
    return Result(outcome, rc, seconds, stderr, timed_out)


# --- deduplication ------------------------------------------------------------------------------------

FATAL = re.compile(r"^(?:(\S+\.swift):(\d+): )?(Fatal error|Precondition failed|Assertion failed|fatal error)(?::? ?)(.*)$", re.M)
FRAME = re.compile(r"0x[0-9a-f]{8,} (.+?)(?: \+ \d+)? in metatrain at (\S+)")


def _normalize(message):
    """The crash message without its variable parts: numbers, and what a `try!` error says after its type."""
    where, sep, text = message.partition(" error: ") if " error: " in message else ("", "", message)
    head, raised, rest = text.partition(" raised an error: ")
    if raised:
        text = head + raised + re.split(r"[:(.]", rest, 1)[0]
    return (where + sep + re.sub(r"\d+", "N", text))[:160]


RUNTIME_FAILURE = re.compile(r"(Swift runtime failure: [^*\n]+?)(?: \*\*\*| in metatrain|$)", re.M)
FRAME_NUMBER = re.compile(r"^\s*(\d+) ", re.M)


def top_frames(stderr, count=2):
    """The innermost frames in metatrain's own code: function and FILE:LINE."""
    frames = []
    for fn, loc in FRAME.findall(stderr):
        if "<compiler-generated>" in loc or fn.startswith(("protocol witness", "reabstraction thunk", "Swift runtime failure")):
            continue
        parts = loc.split(":")
        frames.append(f"{fn} ({os.path.basename(parts[0])}{':' + parts[1] if len(parts) > 1 else ''})")
        if len(frames) == count:
            break
    return frames


def stack_depth(stderr):
    numbers = [int(n) for n in FRAME_NUMBER.findall(stderr)]
    return max(numbers) + 1 if numbers else 0


def crash_message(stderr):
    """The first line of Swift's crash message; a release build's bare precondition says only its kind."""
    m = FATAL.search(stderr)
    if not m:
        m = RUNTIME_FAILURE.search(stderr)
        if m:
            return m.group(1).strip()
        # No message: a segfault deep in a recursion is a stack overflow.
        depth = stack_depth(stderr)
        frames = top_frames(stderr, count=64)
        repeated = max((frames.count(f) for f in frames), default=0)
        return f"stack overflow ({depth} frames)" if depth >= 256 or repeated >= 8 else None
    where = f"{m.group(1)}:{m.group(2)}: " if m.group(1) else ""
    return f"{where}{m.group(3)}: {m.group(4)}".strip()


def dedup_key(result, target, args):
    """What makes two failures the same: the crash message and the innermost frames for a trap, else the
    target, command and how it failed."""
    command = " ".join(a for a in args[:2] if not a.startswith("-") and "." not in a)
    if result.outcome == "trap":
        msg = crash_message(result.stderr)
        frames = top_frames(result.stderr)
        if msg and msg.startswith("stack overflow"):
            # The same recursion overflows at a different depth each time: key it by where it recurses.
            counts = {}
            for f in top_frames(result.stderr, count=10 ** 6):
                counts[f] = counts.get(f, 0) + 1
            return f"{result.signal_name} stack overflow | " + max(counts, key=counts.get, default="?")
        if msg or frames:
            return " | ".join(([_normalize(msg)] if msg else [result.signal_name or "?"]) + frames)
        return f"{result.signal_name} | {target} | {command}"
    if result.outcome == "oom":
        return f"{result.signal_name or 'exit'} | {target} | {command}"
    if result.outcome == "timeout":
        return f"{target} | {command}"
    return f"rc {result.returncode} | {target} | {command}"
