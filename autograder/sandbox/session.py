"""Running untrusted student code in a separate, limited process.

``Sandbox`` prepares what every child of one grading run shares (a directory of
importable libraries: numpy, source_lib and the wire). ``Session`` is the hidden tests'
handle on one submission: it starts a child (``python -I -S``, clean environment,
scratch directory holding only the submission's files, rlimits, its own process
group), sends it requests over two pipes and decodes the answers. A child that
crashes, exceeds a limit or times out is killed with its whole process group, and the
failing call raises ``StudentError``; the next call starts a fresh child.
"""

import contextlib
import hashlib
import itertools
import json
import os
import py_compile
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

from autograder.sandbox import isolation, wire
from autograder.config import Limits
from autograder.sandbox.isolation import Jail
from autograder.sandbox.premises import Premises, child_env, start_zygote
from autograder.results import STATUSES

READY_TIMEOUT_S = 120  # for the zygote to import numpy, on a loaded machine
ANSWER_TIMEOUT_S = 2 * wire.WAIT_S + 10  # for any other answer of the zygote (it waits WAIT_S at most)
OPEN_FILES = 64  # RLIMIT_NOFILE of a child: what it may hold open, so what the kernel holds for it
PROBE = "backprop_probe"  # the module a child loads when the sandbox finds the level (``Sandbox._attempt``)
MAX_PENDING = 64  # deferred requests whose answers may wait unread (each answer is a few hundred bytes)
ENDING_S = 1.0  # how long a child whose answer pipe closed is given to end by itself before it is killed
CACHE_TAG = sys.implementation.cache_tag  # of the bytecode given to a child (its interpreter is this one)


class StudentError(Exception):
    """A call into student code did not return a value; built once, never changed.

    status: one of results.STATUSES: "not_implemented", "fail" (the code raised),
    "timeout", "memory" or "crashed". detail: what happened; where: the lines of the
    student's files in the traceback; what: the call ("MaxGate.forward", or the files
    when importing them failed); at_load: whether it happened while importing them;
    key: when set, the key of source_lib/messages.py that says the detail to the student
    (in the course's language, with ``fields``; ``detail`` then says it for the log);
    done: for a run of calls (``Session.steps``), how many returned before the one that raised.
    """

    def __init__(self, status, detail, where=(), what="", at_load=False, key="", fields=None, done=0):
        assert status in STATUSES, status
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.where = tuple(where)
        self.what = what
        self.at_load = at_load
        self.key = key
        self.fields = dict(fields or {})
        self.done = done


MALFORMED = "malformed_answer"  # the message key of a crash whose answer was not what the child's loop sends
OUTPUT_TOO_LARGE = "output_too_large"  # the message key of a crash at the file size limit (RLIMIT_FSIZE)
RESULT_TOO_LARGE = "result_too_large"  # the message key of a value over the wire's limits (wire.TOO_LARGE)


class _Unsent(Exception):
    """A request could not be written: ``error`` (the child ended, or did not read it in time)."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class _Fault(Exception):
    """The child gave no usable answer (internal: Session turns it into a StudentError)."""

    def __init__(self, status, detail, key="", **fields):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.key = key
        self.fields = fields


class Sandbox:
    """What all children of one grading run share: a read-only library directory.

    The library directory holds symbolic links to numpy (and its bundled libraries) and
    source_lib, and a copy of the wire module, and nothing else of the grader: the child
    cannot import the grader, the hidden tests or the solutions (and, at the ``jail``
    level of autograder/sandbox/isolation.py, cannot see them on disk either).
    """

    def __init__(self, limits=Limits(), premises=None):
        """premises: the temp folder, library directory and zygote made beforehand
        (``Premises.make``, what this does when none are given)."""
        self.limits = limits
        premises = premises or Premises.make()
        self.root, self._owner, self.libdir, self.python = premises.root, premises.owner, premises.libdir, premises.python
        (self.root / "jail").mkdir()
        self._jail = Jail(self.libdir, self.root / "jail", limits.disk_mb)
        self._count = 0
        self._bytecode = {}  # sha256 of a trusted source: its compiled .pyc (``bytecode``)
        self._zygote = Zygote(self, premises.zygote)  # it boots while the caller loads what it grades with

    @property
    def jail(self):
        """The ``Jail``, its level found (``Jail.settle``) by the first use unless this process knows it."""
        if not self._jail.settled:
            self._jail.settle(self._attempt)
        return self._jail

    @property
    def isolation(self):
        """The isolation reached, as results.json records it (``Jail.record``)."""
        return self.jail.record()

    def _attempt(self, level, filtered):
        """None when a child forked by the zygote at ``level`` (with the syscall filter or not)
        enters its isolation, imports source_lib from the library directory and writes a file
        in its scratch directory, as every child will; else why not (its last line of output,
        in the system's words). The zygote started here is the one the grading then uses."""
        self._jail.level, self._jail.filtered = level, filtered  # settled at this level while it is tried
        probe = self.workdir() / f"{PROBE}.py"
        probe.write_text("import source_lib\n\nopen('probe', 'w').close()\n", encoding="utf-8")
        scratch = self.scratch({probe.name: probe})
        child = None
        try:
            child = Child(self, scratch)
            header = {"op": "load", "files": {PROBE: str(scratch / probe.name)}, "id": 1}
            reply, _ = child.request(wire.pack(header, {}), 1, READY_TIMEOUT_S)
            return None if reply.get("status") == "ok" else f"{reply.get('type')}: {reply.get('message')}"[:200]
        except (_Fault, RuntimeError) as exc:
            said = child.output().strip().splitlines() if child else []
            return (said[-1] if said else str(exc))[-200:]
        finally:
            if child is not None:
                child.kill()

    def bytecode(self, source):
        """The path of a .pyc of the trusted file ``source`` that a child imports without checking it
        against the source (unchecked hash-based), compiled once per sandbox and content."""
        key = hashlib.sha256(Path(source).read_bytes()).hexdigest()
        if key not in self._bytecode:
            target = self.root / "bytecode" / f"{key}.pyc"
            py_compile.compile(str(source), cfile=str(target), doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            self._bytecode[key] = target
        return self._bytecode[key]

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
        for folder in sorted({(path / name).parent for name in files} - {path}):
            folder.mkdir(parents=True, exist_ok=True)
        for name, source in files.items():
            shutil.copyfile(source, path / name)
        return path

    def given_file(self, name, text):
        """A file ``name`` holding ``text``, written once per sandbox and content, to give children
        (a part's test doubles: the same for every student)."""
        key = hashlib.sha256(f"{name}\0{text}".encode()).hexdigest()
        path = self.root / "given" / key / name
        if not path.exists():
            path.parent.mkdir(parents=True)
            path.write_text(text, encoding="utf-8")
        return path

    def zygote(self, restart=False):
        """The running zygote of this sandbox, ready (restarted first if it died or ``restart``)."""
        if restart or not self._zygote.alive():
            self._zygote.close()
            self._zygote = Zygote(self)
        return self._zygote.ready()

    def close(self):
        self._zygote.close()
        shutil.rmtree(self.root, ignore_errors=True)
        self._owner.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Zygote:
    """A process with numpy imported that forks every child (``wire.zygote``).

    It imports what every child would import after the fork (``premises.ZYGOTE``): numpy and
    numpy.random (numpy 2 imports it on first use: 10 ms in every child that draws a
    random number), importlib.util and resource (loading the files, the rlimits).

    It is started like a child (``python -I -S``, the children's environment, only the
    library directory importable) as soon as its sandbox is made, is waited for until it
    says it is ready before the first child (``ready``: no check's time pays for its
    start), and never runs student code; a fork costs about a
    millisecond where starting Python and importing numpy costs 0.1 to 0.2 s. Each
    forked child calls ``setsid``, applies its rlimits and enters its jail before it
    loads the submission, so it is isolated exactly as a freshly started process would be.
    """

    def __init__(self, sandbox, started=None):
        """started: (process, control socket) of a zygote already started on the sandbox's premises."""
        self.sandbox = sandbox
        self.process, self.socket = started or start_zygote(sandbox.root, sandbox.libdir, sandbox.python)
        self._ready = False

    def ready(self):
        """This zygote, once it has said it is ready (waited for once); RuntimeError when it did not start."""
        if not self._ready:
            self.socket.settimeout(READY_TIMEOUT_S)
            try:
                said = self.socket.recv(1 << 16)
            except OSError:
                said = b""
            self.socket.settimeout(None)
            if not said:
                raise RuntimeError(f"the zygote did not start: {self.sandbox.root / 'zygote.log'}")
            self._ready = True
        return self

    def alive(self):
        return self.process.poll() is None

    def _ask(self, request, fds=()):
        """The zygote's answer to ``request``; RuntimeError when it died or did not answer within
        ANSWER_TIMEOUT_S (it is then killed: the next child gets a new zygote)."""
        try:
            socket.send_fds(self.socket, [json.dumps(request).encode()], list(fds))
            self.socket.settimeout(ANSWER_TIMEOUT_S)
            answer = self.socket.recv(1 << 16)
        except OSError as exc:
            self.process.kill()
            raise RuntimeError(f"the zygote failed: {exc}") from None
        if not answer:
            raise RuntimeError(f"the zygote died: {self.sandbox.root / 'zygote.log'}")
        return json.loads(answer)

    def spawn(self, scratch, fds, limits):
        """Fork a child that serves requests on ``fds`` (read end, write end, log); returns its pid."""
        request = {"op": "spawn", "scratch": str(scratch), "env": child_env(scratch), "limits": limits,
                   "jail": self.sandbox.jail.params(), "filtered": self.sandbox.jail.filtered}
        return self._ask(request, fds)["pid"]

    def wait(self, pid):
        """Kill the child ``pid`` with its process group (and PID namespace) and return its exit
        code (negative: killed by that signal; None: not reaped in time)."""
        return self._ask({"op": "wait", "pid": pid})["code"]

    def reap(self, pid):
        """As ``wait``, but without waiting for it: the zygote reaps the child while the grader goes
        on (about a millisecond per part). RuntimeError when the zygote is gone."""
        try:
            self.socket.sendall(json.dumps({"op": "reap", "pid": pid}).encode())
        except OSError as exc:
            raise RuntimeError(f"the zygote failed: {exc}") from None

    def close(self):
        """Close the control socket (the zygote then kills its children and ends) and reap it."""
        self.socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=wire.WAIT_S)


class Child:
    """One running child process (forked by the sandbox's zygote) and its two pipes, under
    ``limits`` (the sandbox's when None)."""

    def __init__(self, sandbox, scratch, limits=None):
        self.limits = limits or sandbox.limits
        self.jail = sandbox.jail
        self.scratch = scratch
        self.log_path = scratch.parent / f"{scratch.name}.log"
        self.ended = False
        self.returncode = None  # once ended: the exit code (negative: the signal), None if unknown
        req_read, self.req_write = os.pipe()
        self.resp_read, resp_write = os.pipe()
        os.set_blocking(self.req_write, False)
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.zygote = sandbox.zygote()
        try:
            try:
                self.pid = self.zygote.spawn(scratch, (req_read, resp_write, log), self._limits())
            except RuntimeError:  # it died since it was last asked (killed, not yet reaped): another one
                self.zygote = sandbox.zygote(restart=True)
                self.pid = self.zygote.spawn(scratch, (req_read, resp_write, log), self._limits())
        finally:
            for fd in (req_read, resp_write, log):
                os.close(fd)

    def _limits(self):
        """The child's rlimits, {resource name: (soft, hard)}; it cannot raise a hard one. The CPU
        limit's hard value is a second above the soft one, so SIGXCPU (reported as a timeout)
        comes before the kernel's SIGKILL."""
        limits = {"RLIMIT_AS": self.limits.memory_mb << 20, "RLIMIT_FSIZE": self.limits.output_kb << 10,
                  "RLIMIT_CORE": 0, "RLIMIT_NOFILE": OPEN_FILES}
        if self.jail.level == "jail":
            limits["RLIMIT_NPROC"] = self.limits.processes
        limits = {name: (value, value) for name, value in limits.items()}
        limits["RLIMIT_CPU"] = (self.limits.cpu_s, self.limits.cpu_s + 1)
        return limits

    def request(self, parts, request_id, timeout):
        """Send one frame and read the whole answer to ``request_id`` within ``timeout`` seconds
        (``send``, then ``receive``)."""
        try:
            self.send(parts, timeout)
        except _Unsent as unsent:
            raise self.fault(unsent.error, timeout) from None
        return self.receive(request_id, timeout)

    def send(self, parts, timeout):
        """Write one frame within ``timeout`` seconds. _Unsent when the child has ended or did not
        read it in time: the child is left as it is, so that the answers it wrote before can still
        be read (``fault`` then ends it)."""
        try:
            wire.write_frame(self.req_write, parts, time.monotonic() + max(timeout, 0.0))
        except OSError as exc:  # BrokenPipeError, TimeoutError among them
            raise _Unsent(exc) from None

    def receive(self, request_id, timeout):
        """The whole answer to ``request_id``, read within ``timeout`` seconds.

        Raises _Fault: "timeout" when no whole answer came in time, "crashed" when the
        child died or answered with a frame too large, malformed or not asked for (its
        pipe is then out of step, so the child is killed; key MALFORMED).
        """
        try:
            return wire.read_reply(self.resp_read, request_id, time.monotonic() + max(timeout, 0.0))
        except (OSError, EOFError, wire.WireError) as exc:
            raise self.fault(exc, timeout) from None

    def fault(self, error, timeout):
        """The _Fault of an error of the pipes (``send``, ``receive``), the child killed."""
        if isinstance(error, TimeoutError):
            self.kill()
            return _Fault("timeout", f"{timeout:g}")
        if isinstance(error, wire.WireError):
            self.kill()
            return _Fault("crashed", f"malformed answer: {error}", MALFORMED)
        return self._died()

    def _died(self):
        """The _Fault of a child whose pipe closed: how it ended. A child ending on its own closes
        its pipe before it has quite ended, and one that closed the pipe itself still runs: it is
        given ``ENDING_S`` to end by itself before it is killed, so that its own exit status is
        told (the same each time), not whether the grader's kill came first."""
        isolation.ends_within(self.pid, ENDING_S)
        self.kill(wait=True)
        code = self.returncode
        if code is None:
            return _Fault("crashed", "it ended, and the process that started it was killed", "ended_unreaped")
        if code < 0:
            name = {s.value: s.name for s in signal.Signals}.get(-code, f"signal {-code}")
            if name == "SIGXCPU":
                return _Fault("timeout", "CPU time limit")
            if name == "SIGXFSZ":
                return _Fault("crashed", "output size limit exceeded (too much printing)", OUTPUT_TOO_LARGE)
            return _Fault("crashed", f"killed by {name}", "killed_by_signal", signal=name)
        return _Fault("crashed", f"exit status {code}", "exit_status", code=code)

    def kill(self, wait=False):
        """Kill the child's whole process group and have the zygote reap it; with ``wait``, wait
        for that and keep its exit code (``returncode``, which says how a child that ended by
        itself ended: ``_died``)."""
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
            if wait:
                self.returncode = self.zygote.wait(self.pid)
            else:
                self.zygote.reap(self.pid)
        except RuntimeError:  # the zygote is gone (killed by a child at the process level): status unknown
            pass

    def output(self, limit=2000):
        """The first ``limit`` characters the child printed."""
        try:
            with open(self.log_path, "rb") as log:
                return log.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""


def _call_shape(n_args, keep, echo, collect=0):
    """shape(result) of a call's answer: a ``Ref`` when kept, a list of at most ``collect``
    items when collected, and with echo (that, the list of the ``n_args`` arguments after)."""
    def value_ok(value):
        return (not keep or isinstance(value, wire.Ref)) and \
            (not collect or (type(value) is list and len(value) <= collect))

    if echo:
        return lambda r: type(r) is tuple and len(r) == 2 and value_ok(r[0]) and type(r[1]) is list \
            and len(r[1]) == n_args
    return value_ok


class Session:
    """The hidden tests' handle on one submission's code.

    files: {module name: path of the student's file}; each module is imported in a
    fresh child before the first call. extra_files: {relative name: path} copied
    beside them (the reference components an assignment is given); packages: the
    module names among them to import before the student's files; stand_ins: {"module.name":
    "doubles.name"}, globals of the student's modules replaced by the grader's stand-ins
    after loading (see ``wire._Server.load``). load_error: a
    StudentError from importing the same files before (in an earlier part's session):
    every call then raises it again rather than import them once more. limits: the ``Limits``
    its child runs under (the sandbox's when None; an assignment's, ``Course.limits_of``). Calls return
    decoded values (plain numpy arrays, floats, lists, tuples, dicts, ``wire.Ref``
    handles, ``wire.Opaque``) or raise ``StudentError``; with ``warned=True`` a call
    returns (value, the warnings that call raised in the child).
    """

    def __init__(self, sandbox, files, extra_files=None, packages=(), load_error=None, stand_ins=None, limits=None):
        self.sandbox = sandbox
        self.limits = limits or sandbox.limits
        self.files = dict(files)
        self.extra_files = dict(extra_files or {})
        self.packages = list(packages)
        self.stand_ins = dict(stand_ins or {})
        self.child = None
        self.loaded = False  # whether the running child has imported the files
        self.deadline = None
        self._load_error = load_error
        self._ids = itertools.count(1)
        self._refs = itertools.count(-1, -1)  # the ids this side gives the objects of deferred calls
        self._pending = []  # (request id, what, shape) of the requests sent whose answers are not read yet

    @property
    def load_error(self):
        """The StudentError importing the student's files raised, if it did."""
        return self._load_error

    @load_error.setter
    def load_error(self, error):
        """Set when importing the same files failed in an earlier part: no child is needed then."""
        self._load_error = error
        if error is not None:
            self.close()

    def spawn(self):
        """Start the child now, so that its isolation is set up while the caller goes on (the
        part before this one runs); the student's files are imported by the first call, within
        that call's budget, so no student code runs before its part."""
        if self.child is None and self._load_error is None:
            self.child = Child(self.sandbox, self._scratch(), self.limits)

    def _scratch(self):
        """A scratch folder with the student's files and the extra files, these (trusted) with
        their bytecode beside them, so that the child does not compile them again."""
        copies = {f"{name}.py": path for name, path in self.files.items()}
        copies.update(self.extra_files)
        for name, path in self.extra_files.items():
            if name.endswith(".py"):
                cached = PurePosixPath(name).parent / "__pycache__" / f"{PurePosixPath(name).stem}.{CACHE_TAG}.pyc"
                copies[str(cached)] = self.sandbox.bytecode(path)
        return self.sandbox.scratch(copies)

    def start_budget(self, seconds):
        """Give the calls that follow ``seconds`` of wall time in total."""
        self.deadline = time.monotonic() + seconds

    def _timeout(self):
        if self.deadline is None:
            return self.limits.timeout_s
        return self.deadline - time.monotonic()

    def _post(self, header, values, what, at_load=False):
        """Send one request; its id. When it cannot be written, the answers to the deferred
        requests are read first: the child ended or stopped reading in one of them, and that
        one is blamed (``_drain``); else this request's fault is raised. A fault becomes a
        StudentError (and ends the child)."""
        request_id = next(self._ids)
        try:
            self.child.send(wire.pack({**header, "id": request_id}, values), self._timeout())
        except _Unsent as unsent:
            error = self._drain()
            if error is None:
                with self._student_faults(what, at_load):
                    raise self.child.fault(unsent.error, self._timeout()) from None
            self.close()  # the request may be half written: the child cannot go on
            raise error from None
        return request_id

    def _collect(self, request_id, what, at_load=False):
        """(reply header, arrays) of the request ``request_id``; a fault becomes a StudentError."""
        with self._student_faults(what, at_load):
            return self.child.receive(request_id, self._timeout())

    @contextlib.contextmanager
    def _student_faults(self, what, at_load):
        try:
            yield
        except _Fault as fault:
            self.close()
            raise StudentError(fault.status, fault.detail, what=what, at_load=at_load, key=fault.key,
                               fields=fault.fields) from None

    def _exchange(self, header, values, what, at_load=False):
        """(reply header, arrays) of one request, read after the answers to the deferred ones
        (``_drain``): the first of those that is an error is raised instead, once this answer
        is read too, so that the pipe stays in step."""
        request_id = self._post(header, values, what, at_load)
        error = self._drain()
        try:
            reply = self._collect(request_id, what, at_load)
        except StudentError:
            if error is None:
                raise
            raise error from None  # the earlier mistake is the one told
        if error is not None:
            raise error
        return reply

    def _drain(self):
        """Read the answers to the deferred requests, in order: the first StudentError among them
        (raised at once when it ended the child), or None."""
        pending, self._pending = self._pending, []
        first = None
        for request_id, what, shape in pending:
            try:
                self._answer(self._collect(request_id, what), what, shape=shape)
            except StudentError as error:
                first = first or error
                if self.child is None:  # it ended: nothing more to read
                    raise first from None
        return first

    def _defer(self, header, what, shape=None, **values):
        """Send a request whose answer nothing waits for (an object kept under an id chosen here,
        or an assignment): it is read with the next request's (``_exchange``) or by ``flush``.
        The calls that follow need not wait for the child; an error it raises is that of the
        check it was made in, since a check ends with ``flush``."""
        self._ensure_child()
        self._pending.append((self._post(header, values, what), what, shape))
        if len(self._pending) >= MAX_PENDING:
            self.flush()

    def flush(self):
        """Read the answers to the deferred requests; the first error among them is raised."""
        if self._pending:
            error = self._drain()
            if error is not None:
                raise error

    def _ensure_child(self):
        if self._load_error is not None:
            raise self._load_error
        if self.loaded:
            return
        self.spawn()
        scratch = self.child.scratch
        what = ", ".join(f"{n}.py" for n in self.files)
        header = {"op": "load", "files": {n: str(scratch / f"{n}.py") for n in self.files}, "packages": self.packages,
                  "stand_ins": self.stand_ins}
        try:
            self._answer(self._exchange(header, {}, what, at_load=True), what, at_load=True)
        except StudentError as exc:
            self._load_error = exc
            self.close()
            raise
        self.loaded = True

    def _answer(self, reply, what, at_load=False, warned=False, shape=None, echo=False):
        """The value of a reply (with ``echo``: and the arguments after the call), or StudentError:
        the student's exception as it was raised, or "crashed" (key MALFORMED, the child ended)
        for a reply that is not what the child's loop sends (``wire.check_reply``, ``wire.decode``)
        or whose value fails ``shape(value)``."""
        header, arrays = reply
        try:
            header = wire.check_reply(header)
            if header["status"] == "ok":
                result = wire.decode(header["result"], arrays)
                if echo != ("args_after" in header):
                    raise wire.WireError("arguments after the call when none were asked, or none when asked")
                if echo:
                    result = result, wire.decode(header["args_after"], arrays)
                if shape is not None and not shape(result):
                    raise wire.WireError("a value of the wrong shape")
        except wire.WireError as exc:
            self.close()
            raise StudentError("crashed", f"malformed answer: {exc}", what=what, at_load=at_load,
                               key=MALFORMED) from None
        if header["status"] == "ok":
            return (result, header["warnings"][:5]) if warned else result
        kind = header["type"]
        text = f"{kind}: {header['message']}".strip()
        status, detail, key, fields = "fail", text, "", {}
        if kind == wire.TOO_LARGE and not at_load:
            key, fields = RESULT_TOO_LARGE, {"mb": wire.MAX_FRAME_BYTES >> 20, "values": wire.MAX_VALUES}
        elif kind == "NotImplementedError" and not at_load:
            status = "not_implemented"
        elif kind == "MemoryError":
            status = "memory"
        elif kind == "OSError" and "File too large" in text:
            status, detail, key = "crashed", "output size limit exceeded (too much printing)", OUTPUT_TOO_LARGE
        if status in ("crashed", "memory"):
            self.close()
        raise StudentError(status, detail, header["where"], what=what, at_load=at_load, key=key, fields=fields,
                           done=header["done"])

    def _send(self, header, what, warned=False, shape=None, **values):
        self._ensure_child()
        return self._answer(self._exchange(header, values, what), what, warned=warned, shape=shape,
                            echo=bool(header.get("echo")))

    def call(self, target, *args, keep=False, echo=False, collect=0, warned=False, **kwargs):
        """Call ``module.name`` (a function or class) with plain values; see ``method``.

        collect: when > 0, the result is iterated into a list of at most that many items
        (for generators).
        """
        what = target.split(".", 1)[-1]
        if keep and not (echo or collect or warned):
            return self._kept({"op": "call", "target": target, "keep": True}, what, target.rsplit(".", 1)[-1],
                              args=list(args), kwargs=kwargs)
        return self._send({"op": "call", "target": target, "keep": keep, "echo": echo, "collect": collect},
                          what, warned, _call_shape(len(args), keep, echo, collect), args=list(args), kwargs=kwargs)

    def new(self, target, *args, **kwargs):
        """Construct ``module.Class(*args, **kwargs)`` in the child: returns a ``Ref`` at once (the
        request is deferred: an exception of the constructor is raised by the next call that waits)."""
        return self.call(target, *args, keep=True, **kwargs)

    def _kept(self, header, what, type_name, **values):
        """A ``Ref`` to what the deferred request ``header`` keeps in the child, under an id chosen
        here; its answer must be that Ref."""
        ref = wire.Ref(next(self._refs), type_name)
        self._defer({**header, "as": ref.id}, what, lambda r: isinstance(r, wire.Ref) and r.id == ref.id, **values)
        return ref

    def method(self, ref, name, *args, echo=False, keep=False, warned=False):
        """ref.name(*args). With echo, returns (result, args after the call)."""
        return self._send({"op": "call", "target": ref.id, "method": name, "keep": keep, "echo": echo},
                          f"{ref.type_name}.{name}", warned, _call_shape(len(args), keep, echo), args=list(args))

    def keep(self, value):
        """Store ``value`` (arrays, lists...) in the child: returns a ``Ref`` to pass back in later
        calls, at once (the request is deferred)."""
        type_name = "Generator" if isinstance(value, wire.RngSeed) else type(value).__name__  # as the child has it
        return self._kept({"op": "keep"}, "keep", type_name, value=value)

    def vary(self, target, name, args, points, arg=None, path=None):
        """[target.name(*args) with each of ``points`` in place] in one round trip: the point
        replaces argument ``arg``, or is assigned in place into the array at ``path`` of
        ``target`` (a ``Ref``; restored afterwards). target: a ``Ref``, or "module.function"
        with ``name`` None. Each call gets its own copy of ``args``. For numerical gradients:
        the child only evaluates, the caller computes the differences."""
        what = f"{target.type_name}.{name}" if isinstance(target, wire.Ref) else target.split(".", 1)[-1]
        return self._send({"op": "vary", "target": target.id if isinstance(target, wire.Ref) else target,
                           "method": name, "arg": arg, "path": None if path is None else list(path)}, what,
                          shape=lambda r: type(r) is list and len(r) == len(points), args=list(args),
                          points=list(points))

    def steps(self, ref, name, params, steps, fresh=False, echo=False):
        """ref.name(list(params), *args) for each ``args`` of ``steps``, in order, in one round trip
        (an optimizer's steps on gradients fixed in advance): for each call, [the arrays of ``params``
        after it, ``args`` after it (with ``echo``) or None]. params: arrays, held by the child for
        the whole run (what a call changes in place, the next sees); fresh: each call after the first
        gets new arrays holding what the one before left, as a caller that rebuilt its model does.
        A call that raises ends the run: StudentError whose ``done`` counts the calls before it."""
        def shaped(result):
            return type(result) is list and len(result) == len(steps) and all(
                type(r) is list and len(r) == 2 and type(r[0]) is list and len(r[0]) == len(params)
                and (type(r[1]) is list and len(r[1]) == len(args) if echo else r[1] is None)
                for r, args in zip(result, steps))

        what = f"{ref.type_name}.{name}"
        try:
            return self._send({"op": "steps", "target": ref.id, "method": name, "fresh": fresh, "with_args": echo}, what,
                              shape=shaped, params=list(params), steps=[list(args) for args in steps])
        except StudentError as error:
            if error.done < len(steps):
                raise
            self.close()
            raise StudentError("crashed", "malformed answer: more calls done than asked", what=what,
                               key=MALFORMED) from None

    def get(self, ref, *path):
        """The value at ref.path[0][path[1]]... (attributes, or keys of dicts)."""
        return self._send({"op": "get", "target": ref.id, "path": list(path)},
                          f"{ref.type_name}." + ".".join(map(str, path)))

    def assign(self, ref, path, value):
        """In place: ref.path...[...] = value (for parameters and state arrays); deferred, as ``new``."""
        self._defer({"op": "assign", "target": ref.id, "path": list(path)},
                    f"{ref.type_name}." + ".".join(map(str, path)), value=value)

    def output(self):
        return self.child.output() if self.child else ""

    def close(self):
        """End the child (its exit code is not needed: a fault's was read when it happened); the
        answers of deferred requests go with it."""
        if self.child is not None:
            self.child.kill()
            self.child = None
        self.loaded = False
        self._pending = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
