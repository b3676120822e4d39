"""Running untrusted student code in a separate, limited process.

``Sandbox`` prepares what every child of one grading run shares (a directory of
importable libraries: numpy, source_lib and the wire). ``Session`` is the hidden tests'
handle on one submission: it starts a child (``python -I -S``, clean environment,
scratch directory holding only the submission's files, rlimits, its own process
group), sends it requests over two pipes and decodes the answers. A child that
crashes, exceeds a limit or times out is killed with its whole process group, and the
failing call raises ``StudentError``; the next call starts a fresh child.
"""

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import source_lib
from autograder import isolation, wire
from autograder.isolation import Jail

BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); import numpy, backprop_jail, backprop_wire; "
        "backprop_wire.zygote(sys.argv)")
PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL")


class StudentError(Exception):
    """A call into student code did not return a value.

    status: "not_implemented", "error", "timeout", "memory" or "crashed".
    """

    def __init__(self, status, detail, where=(), what=""):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.where = list(where)
        self.what = what
        self.during_load = False
        self.file = ""


@dataclass(frozen=True)
class Limits:
    """Per-call wall time, address-space and output limits of a child."""

    timeout_s: float = 10.0
    memory_mb: int = 1024
    output_kb: int = 256
    processes: int = 64


class Sandbox:
    """What all children of one grading run share: a read-only library directory.

    The library directory holds symbolic links to numpy (and its bundled libraries) and
    source_lib, and a copy of the wire module, and nothing else of the grader: the child
    cannot import the grader, the hidden tests or the solutions (and, at the ``jail``
    level of autograder/isolation.py, cannot see them on disk either).
    """

    def __init__(self, limits=Limits()):
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="backprop-lab-"))
        os.chmod(self.root, 0o755)
        self.libdir = self.root / "lib"
        self.libdir.mkdir()
        numpy_dir = Path(np.__file__).resolve().parent
        shutil.copyfile(wire.__file__, self.libdir / "backprop_wire.py")
        shutil.copyfile(isolation.__file__, self.libdir / "backprop_jail.py")
        links = {"numpy": numpy_dir, "source_lib": Path(source_lib.__file__).resolve().parent}
        bundled = numpy_dir.parent / "numpy.libs"
        if bundled.is_dir():
            links["numpy.libs"] = bundled
        for name, target in links.items():
            (self.libdir / name).symlink_to(target)
        (self.root / "jail").mkdir()
        self.jail = Jail(self.libdir, self.root / "jail")
        self._count = 0
        self.isolation = self.jail.describe()
        self._zygote = None

    def workdir(self):
        """A fresh directory for the grader's own files (never given to a child)."""
        self._count += 1
        path = self.root / f"work{self._count}"
        path.mkdir(mode=0o700)
        return path

    def scratch(self, files):
        """A fresh scratch directory holding copies of ``files`` ({name: source path})."""
        self._count += 1
        path = self.root / f"run{self._count}"
        path.mkdir()
        for name, source in files.items():
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return path

    def zygote(self):
        """The running zygote of this sandbox, started (or restarted, if it died) on demand."""
        if self._zygote is None or not self._zygote.alive():
            self._zygote = Zygote(self)
        return self._zygote

    def close(self):
        if self._zygote is not None:
            self._zygote.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Zygote:
    """A process with numpy imported that forks every child (``wire.zygote``).

    It is started like a child (``python -I -S``, the children's environment, only the
    library directory importable) and never runs student code; a fork costs about a
    millisecond where starting Python and importing numpy costs 0.1 to 0.2 s. Each
    forked child calls ``setsid``, applies its rlimits and enters its jail before it
    loads the submission, so it is isolated exactly as a freshly started process would be.
    """

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.socket, theirs = socket.socketpair()
        with open(sandbox.root / "zygote.log", "ab") as log:
            self.process = subprocess.Popen(
                [sandbox.jail.python, "-I", "-S", "-c", BOOT, str(sandbox.libdir), str(theirs.fileno())],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=sandbox.root, env=child_env(sandbox.root),
                pass_fds=(theirs.fileno(),), close_fds=True, start_new_session=True)
        theirs.close()

    def alive(self):
        return self.process.poll() is None

    def _ask(self, request, fds=()):
        try:
            socket.send_fds(self.socket, [json.dumps(request).encode()], list(fds))
            answer = self.socket.recv(1 << 16)
        except OSError as exc:
            raise RuntimeError(f"the zygote failed: {exc}") from None
        if not answer:
            raise RuntimeError(f"the zygote died: {self.sandbox.root / 'zygote.log'}")
        return json.loads(answer)

    def spawn(self, scratch, fds, limits):
        """Fork a child that serves requests on ``fds`` (read end, write end, log); returns its pid."""
        request = {"op": "spawn", "scratch": str(scratch), "env": child_env(scratch), "limits": limits,
                   "jail": self.sandbox.jail.params()}
        return self._ask(request, fds)["pid"]

    def wait(self, pid):
        """The exit code of the child ``pid`` once it has ended (negative: killed by that signal)."""
        return self._ask({"op": "wait", "pid": pid})["code"]

    def close(self):
        self.socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def child_env(home):
    """The whole environment of the zygote and of every child: nothing of the grader's."""
    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    env.update({"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home), "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"})
    return env


class Child:
    """One running child process (forked by the sandbox's zygote) and its two pipes."""

    def __init__(self, sandbox, scratch):
        self.limits = sandbox.limits
        self.jail = sandbox.jail
        self.log_path = scratch.parent / f"{scratch.name}.log"
        self.ended = False
        self.returncode = None  # once ended: the exit code (negative: the signal), None if unknown
        req_read, self.req_write = os.pipe()
        self.resp_read, resp_write = os.pipe()
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.zygote = sandbox.zygote()
        try:
            self.pid = self.zygote.spawn(scratch, (req_read, resp_write, log), self._limits())
        finally:
            for fd in (req_read, resp_write, log):
                os.close(fd)

    def _limits(self):
        """Hard rlimits the child cannot raise again: {resource name: value}."""
        memory = self.limits.memory_mb * 1024 * 1024
        limits = {"RLIMIT_AS": memory, "RLIMIT_FSIZE": self.limits.output_kb * 1024,
                  "RLIMIT_CPU": int(self.limits.timeout_s * 4) + 5, "RLIMIT_CORE": 0}
        if self.jail.level == "jail":
            limits["RLIMIT_NPROC"] = self.limits.processes
        return limits

    def request(self, parts, timeout):
        """Send one frame and wait at most ``timeout`` seconds for the answer frame."""
        try:
            wire.write_frame(self.req_write, parts)
        except (BrokenPipeError, OSError):
            raise self._died() from None
        ready, _, _ = select.select([self.resp_read], [], [], max(timeout, 0.0))
        if not ready:
            self.kill()
            raise StudentError("timeout", f"{timeout:g}")
        try:
            return wire.unpack(wire.read_frame(self.resp_read))
        except (EOFError, OSError):
            raise self._died() from None
        except wire.WireError as exc:
            self.kill()
            raise StudentError("crashed", f"unreadable answer: {exc}") from None

    def _died(self):
        self.kill()
        code = self.returncode
        if code is None:
            return StudentError("crashed", "it ended, and the process that started it was killed")
        if code < 0:
            name = signal.Signals(-code).name
            if name == "SIGXCPU":
                return StudentError("timeout", "CPU time limit")
            if name == "SIGXFSZ":
                return StudentError("crashed", "output size limit exceeded (too much printing)")
            return StudentError("crashed", f"killed by {name}")
        return StudentError("crashed", f"exit status {code}")

    def kill(self):
        """Kill the child's whole process group and reap it."""
        for fd in (self.req_write, self.resp_read):
            try:
                os.close(fd)
            except OSError:
                pass
        self.req_write = self.resp_read = -1
        if self.ended:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.ended = True
        try:
            self.returncode = self.zygote.wait(self.pid)
        except RuntimeError:  # the zygote is gone (killed by a child at the process level): status unknown
            pass

    def output(self, limit=2000):
        """The first ``limit`` characters the child printed."""
        try:
            with open(self.log_path, "rb") as log:
                return log.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""


class Session:
    """The hidden tests' handle on one submission's code.

    files: {module name: path of the student's file}; each module is imported in a
    fresh child before the first call. extra_files: {relative name: path} copied
    beside them (the reference components an assignment is given); packages: the
    module names among them to import before the student's files; stand_ins: {"module.name":
    "doubles.name"}, globals of the student's modules replaced by the grader's stand-ins
    after loading (see ``wire._Server.load``). Calls return decoded values (plain numpy
    arrays, floats, lists, tuples, dicts, ``wire.Ref`` handles, ``wire.Opaque``) or
    raise ``StudentError``.
    """

    def __init__(self, sandbox, files, extra_files=None, packages=(), stand_ins=None):
        self.sandbox = sandbox
        self.files = dict(files)
        self.extra_files = dict(extra_files or {})
        self.packages = list(packages)
        self.stand_ins = dict(stand_ins or {})
        self.child = None
        self.deadline = None
        self.load_error = None
        self.warnings = []

    def start_budget(self, seconds):
        """Give the calls that follow ``seconds`` of wall time in total."""
        self.deadline = time.monotonic() + seconds

    def _timeout(self):
        if self.deadline is None:
            return self.sandbox.limits.timeout_s
        return self.deadline - time.monotonic()

    def _ensure_child(self):
        if self.load_error is not None:
            raise self.load_error
        if self.child is not None:
            return
        copies = {f"{name}.py": path for name, path in self.files.items()}
        copies.update(self.extra_files)
        scratch = self.sandbox.scratch(copies)
        self.child = Child(self.sandbox, scratch)
        parts = wire.pack({"op": "load", "files": {n: str(scratch / f"{n}.py") for n in self.files},
                           "packages": self.packages, "stand_ins": self.stand_ins}, {})
        try:
            self._answer(self.child.request(parts, self._timeout()), during_load=True)
        except StudentError as exc:
            exc.during_load = True
            exc.what = exc.file = ", ".join(f"{n}.py" for n in self.files)
            self.load_error = exc
            self.close()
            raise

    def _answer(self, reply, during_load=False):
        header, arrays = reply
        self.warnings = [str(w) for w in header.get("warnings", [])][:5]
        if header.get("status") == "ok":
            result = wire.decode(header.get("result"), arrays)
            if "args_after" in header:
                return result, wire.decode(header["args_after"], arrays)
            return result
        kind = str(header.get("type", "Exception"))
        text = f"{kind}: {header.get('message', '')}".strip()
        where = [str(w) for w in header.get("where", [])][:4]
        if kind == "NotImplementedError" and not during_load:
            raise StudentError("not_implemented", text, where)
        if kind == "MemoryError":
            raise StudentError("memory", text, where)
        if kind == "OSError" and "File too large" in text:
            raise StudentError("crashed", "output size limit exceeded (too much printing)", where)
        raise StudentError("error", text, where)

    def _send(self, header, what, **values):
        self._ensure_child()
        try:
            return self._answer(self.child.request(wire.pack(header, values), self._timeout()))
        except StudentError as exc:
            exc.what = what
            if exc.status in ("timeout", "crashed", "memory") and self.child is not None:
                self.close()
            raise

    def call(self, target, *args, keep=False, echo=False, collect=0, **kwargs):
        """Call ``module.name`` (a function or class) with plain values; see ``method``.

        collect: when > 0, the result is iterated into a list of at most that many items
        (for generators).
        """
        return self._send({"op": "call", "target": target, "keep": keep, "echo": echo, "collect": collect},
                          target.split(".", 1)[-1], args=list(args), kwargs=kwargs)

    def new(self, target, *args, **kwargs):
        """Construct ``module.Class(*args, **kwargs)`` in the child: returns a ``Ref``."""
        return self.call(target, *args, keep=True, **kwargs)

    def method(self, ref, name, *args, echo=False, keep=False):
        """ref.name(*args). With echo, returns (result, args after the call)."""
        return self._send({"op": "call", "target": ref.id, "method": name, "keep": keep, "echo": echo},
                          f"{ref.type_name}.{name}", args=list(args))

    def keep(self, value):
        """Store ``value`` (arrays, lists...) in the child: returns a ``Ref`` to pass back in later calls."""
        return self._send({"op": "keep"}, "keep", value=value)

    def map(self, ref, name, variants):
        """[ref.name(*args) for args in variants] in one round trip."""
        return self._send({"op": "map", "target": ref.id, "method": name}, f"{ref.type_name}.{name}",
                          variants=[list(v) for v in variants])

    def get(self, ref, *path):
        """The value at ref.path[0][path[1]]... (attributes, or keys of dicts)."""
        return self._send({"op": "get", "target": ref.id, "path": list(path)},
                          f"{ref.type_name}." + ".".join(map(str, path)))

    def assign(self, ref, path, value):
        """In place: ref.path...[...] = value (for parameters and state arrays)."""
        return self._send({"op": "assign", "target": ref.id, "path": list(path)},
                          f"{ref.type_name}." + ".".join(map(str, path)), value=value)

    def output(self):
        return self.child.output() if self.child else ""

    def close(self):
        if self.child is not None:
            self.child.kill()
            self.child = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
