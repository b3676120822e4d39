"""The wire between the grader and the untrusted child process, and the child's loop.

This one file is imported by the grader (``autograder.sandbox.wire``) and, copied into the
children's library directory as ``backprop_wire``, runs the zygote (``zygote``): a
process started with ``python -I -S`` that imports numpy once and forks a fresh child
for every request of the grader; the child enters its jail (``backprop_jail``, a copy
of autograder/sandbox/isolation.py), then answers requests (``serve``). It needs only the
standard library and numpy, so neither the zygote nor a child imports the rest of the
grader.

Frames: an 8-byte big-endian count of parts, then for each part an 8-byte length,
then the parts. Part 0 is a JSON header; every further part is one array in numpy's
``.npy`` format, always loaded with ``allow_pickle=False``, so no Python object ever
crosses the wire: only JSON scalars, containers and plain float/int/bool arrays.
Every request carries an ``id`` and its answer carries the same ``id`` back; the
grader reads each answer whole before a deadline (``read_reply``), and an answer that
is late, cut short, too large or not the one asked for is that child's fault alone.

Value encoding inside the JSON header:
    null, true/false, numbers (NaN and inf allowed), {"s": str}, {"a": k} (array part k),
    {"np": dtype, "v": x} (a numpy scalar), {"l": [...]}, {"t": [...]}, {"d": {...}} (str keys),
    {"r": id} (an object kept in the child), {"rng": seed} (parent to child only:
    np.random.default_rng(seed)), {"o": type name} (child to parent only: anything else).
"""

import io
import json
import os
import select
import struct
import sys
import time
import traceback
import warnings

import numpy as np

MAX_FRAME_BYTES = 256 * 1024 * 1024
MAX_PARTS = 100_000
MAX_STRING = 2000
_LEN = struct.Struct(">Q")


class WireError(Exception):
    """The other side sent something that is not a valid frame."""


class Ref:
    """A handle on an object that lives in the child (parent side)."""

    def __init__(self, ref_id, type_name=""):
        self.id = ref_id
        self.type_name = type_name

    def __repr__(self):
        return f"Ref({self.id}, {self.type_name!r})"


class RngSeed:
    """Stands for ``np.random.default_rng(seed)``, created on the side that receives it."""

    def __init__(self, seed):
        self.seed = int(seed)

    def generator(self):
        return np.random.default_rng(self.seed)


class Opaque:
    """Something the child returned that cannot cross the wire (parent side)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name} object>"


# -- framing -----------------------------------------------------------------

def _read_exact(fd, n, deadline=None):
    """n bytes from ``fd``; with a ``deadline`` (time.monotonic()), TimeoutError once it passes."""
    chunks = []
    while n:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise TimeoutError("no whole answer before the deadline")
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_frame(fd, parts, deadline=None):
    """Write one frame made of byte strings ``parts``.

    With a ``deadline``, ``fd`` must be non-blocking: TimeoutError once the deadline
    passes with the frame not all written (the other side stopped reading).
    """
    head = _LEN.pack(len(parts)) + b"".join(_LEN.pack(len(p)) for p in parts)
    data = memoryview(head + b"".join(parts))
    while data:
        if deadline is not None:
            _, ready, _ = select.select([], [fd], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise TimeoutError("the other side did not read the request before the deadline")
        try:
            written = os.write(fd, data)
        except BlockingIOError:
            continue
        data = data[written:]


def read_frame(fd, limit=MAX_FRAME_BYTES, deadline=None):
    """Read one frame: a list of byte strings.

    Raises WireError past ``limit`` bytes (before reading them), EOFError when the
    pipe closes, and TimeoutError when the whole frame has not arrived by ``deadline``.
    """
    count = _LEN.unpack(_read_exact(fd, 8, deadline))[0]
    if not 1 <= count <= MAX_PARTS:
        raise WireError(f"frame announces {count} parts")
    lengths = [_LEN.unpack(_read_exact(fd, 8, deadline))[0] for _ in range(count)]
    if sum(lengths) > limit:
        raise WireError(f"frame of {sum(lengths)} bytes is over the limit")
    return [_read_exact(fd, n, deadline) for n in lengths]


def read_reply(fd, request_id, deadline, limit=MAX_FRAME_BYTES):
    """(header, arrays) of the answer to request ``request_id``, read whole by ``deadline``.

    Raises TimeoutError, EOFError, or WireError for a frame that is too large, not valid,
    or the answer to another request (a frame the child sent unasked).
    """
    header, arrays = unpack(read_frame(fd, limit, deadline))
    if header.get("id") != request_id:
        raise WireError(f"an answer to request {header.get('id')!r} where {request_id} was asked")
    return header, arrays


# -- values --------------------------------------------------------------------

def _array_bytes(a):
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(a), allow_pickle=False)
    return buffer.getvalue()


def encode(value, keep=None, arrays=None):
    """(json-able tree, list of npy byte strings) for ``value``.

    keep: on the child, a callable that stores an object and returns its id; used for
    objects that are not plain values (they become {"r": id}). Without it they become
    {"o": type name}. arrays: a list to append the array parts to (default: a new one).
    """
    arrays = [] if arrays is None else arrays

    def enc(v, depth):
        if depth > 20:
            return {"o": "nested too deeply"}
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, Ref):
            return {"r": v.id, "type": v.type_name}
        if isinstance(v, RngSeed):
            return {"rng": v.seed}
        if isinstance(v, np.generic):
            if v.dtype.kind in "fiub":
                return {"np": v.dtype.str, "v": v.item()}
            return {"o": type(v).__name__}
        if type(v) is int or type(v) is float:
            return v
        if type(v) is str:
            return {"s": v[:MAX_STRING]}
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in "fiub" or v.dtype.hasobject:
                return {"o": f"ndarray of dtype {v.dtype}"}
            if v.nbytes + sum(map(len, arrays)) > MAX_FRAME_BYTES:
                raise WireError(f"the answer holds more than {MAX_FRAME_BYTES >> 20} MB of arrays")
            arrays.append(_array_bytes(v.view(np.ndarray)))
            return {"a": len(arrays) - 1, "sub": type(v).__name__} if type(v) is not np.ndarray else {"a": len(arrays) - 1}
        if type(v) is list:
            return {"l": [enc(x, depth + 1) for x in v]}
        if type(v) is tuple:
            return {"t": [enc(x, depth + 1) for x in v]}
        if type(v) is dict and all(type(k) is str for k in v):
            return {"d": {k: enc(x, depth + 1) for k, x in v.items()}}
        if keep is not None:
            return {"r": keep(v), "type": type(v).__name__}
        return {"o": type(v).__name__}

    return enc(value, 0), arrays


def decode(tree, arrays, resolve=None):
    """The value encoded by ``encode``; ``resolve(id)`` maps {"r": id} on the child.

    Raises WireError for anything that is not such an encoding (a forged or broken frame).
    """
    try:
        return _decode(tree, arrays, resolve)
    except WireError:
        raise
    except Exception as exc:  # whatever a malformed tree or .npy part raises
        raise WireError(f"bad value: {type(exc).__name__}: {str(exc)[:200]}") from None


def _decode(tree, arrays, resolve):
    def dec(t):
        if t is None or isinstance(t, (bool, int, float)):
            return t
        if not isinstance(t, dict):
            raise WireError(f"bad value {t!r}")
        if "a" in t:
            array = np.load(io.BytesIO(arrays[int(t["a"])]), allow_pickle=False)
            return array
        if "np" in t:
            dtype = np.dtype(t["np"])
            if dtype.kind not in "fiub":
                raise WireError(f"bad scalar dtype {dtype}")
            return dtype.type(t["v"])
        if "s" in t:
            return str(t["s"])
        if "l" in t:
            return [dec(x) for x in t["l"]]
        if "t" in t:
            return tuple(dec(x) for x in t["t"])
        if "d" in t:
            return {str(k): dec(x) for k, x in t["d"].items()}
        if "r" in t:
            return resolve(int(t["r"])) if resolve else Ref(int(t["r"]), str(t.get("type", "")))
        if "rng" in t:
            return np.random.default_rng(int(t["rng"]))
        if "o" in t:
            return Opaque(str(t["o"]))
        raise WireError(f"bad value {t!r}")

    return dec(tree)


def pack(header, value_fields, keep=None):
    """Frame parts for ``header`` with each field of ``value_fields`` encoded into it."""
    arrays = []
    header = dict(header)
    for name, value in value_fields.items():
        header[name] = encode(value, keep, arrays)[0]
    return [json.dumps(header).encode()] + arrays


def unpack(parts):
    """(header dict, arrays) of a frame."""
    try:
        header = json.loads(parts[0])
    except (ValueError, IndexError, RecursionError) as exc:
        raise WireError(f"bad header: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("header is not an object")
    return header, parts[1:]


# -- the child -------------------------------------------------------------------

class _Server:
    """Runs requests against the submission's modules and kept objects."""

    def __init__(self):
        self.modules = {}
        self.objects = {}

    def keep(self, obj):
        ref_id = len(self.objects) + 1
        self.objects[ref_id] = obj
        return ref_id

    def resolve_target(self, target):
        if isinstance(target, int):
            return self.objects[target]
        module, _, attr = target.partition(".")
        obj = self.modules[module]  # a student module, or "components" (the given reference components)
        for name in attr.split(".") if attr else ():
            obj = getattr(obj, name)
        return obj

    def load(self, files, packages=(), stand_ins=None):
        """Import the student's files ({module name: path}) and the given packages by name,
        then put the grader's stand-ins in place: {"module.name": "doubles.name"} sets the
        student module's global ``name`` to the given object, so code of the part under
        test that calls another part calls the stand-in."""
        import importlib
        import importlib.util

        for name in packages:
            top = name.partition(".")[0]
            importlib.import_module(name)
            self.modules[top] = sys.modules[top]
        for name, path in files.items():
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self.modules[name] = module
        for target, source in (stand_ins or {}).items():
            module, _, attr = target.rpartition(".")
            setattr(self.resolve_target(module), attr, self.resolve_target(source))
        return None

    def call(self, target, method, args, kwargs):
        obj = self.resolve_target(target)
        fn = getattr(obj, method) if method else obj
        return fn(*args, **kwargs)

    def handle(self, header, arrays):
        op = header.get("op")
        values = {k: decode(header[k], arrays, self.objects.__getitem__) for k in ("args", "kwargs", "variants", "value") if k in header}
        if op == "load":
            return self.load(header["files"], header.get("packages", ()), header.get("stand_ins")), {}
        if op == "call":
            result = self.call(header["target"], header.get("method"), values["args"], values.get("kwargs", {}))
            if header.get("collect"):
                result = _collect(result, int(header["collect"]))
            if header.get("keep"):
                return Ref(self.keep(result), type(result).__name__), {"args_after": values["args"]} if header.get("echo") else {}
            return result, {"args_after": values["args"]} if header.get("echo") else {}
        if op == "keep":
            value = values["value"]
            return Ref(self.keep(value), type(value).__name__), {}
        if op == "map":
            results = [self.call(header["target"], header.get("method"), args, {}) for args in values["variants"]]
            return results, {}
        if op == "get":
            obj = self.resolve_target(header["target"])
            return follow(obj, header["path"]), {}
        if op == "assign":
            obj = follow(self.resolve_target(header["target"]), header["path"])
            obj[...] = values["value"]
            return None, {}
        raise ValueError(f"unknown op {op!r}")


def follow(obj, path):
    """obj[...] along ``path``: an int indexes a sequence, a str a dict key or else an attribute."""
    for name in path:
        obj = obj[name] if isinstance(name, int) or isinstance(obj, dict) else getattr(obj, name)
    return obj


def _collect(result, limit):
    """The items of an iterable result as a list (at most ``limit``; more is an error)."""
    items = []
    for item in result:
        items.append(item)
        if len(items) > limit:
            raise ValueError(f"more than {limit} items")
    return items


def _describe_exception(exc, files):
    """(type name, message, the traceback lines inside the submission's files)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if any(f.filename == p for p in files)]
    where = [f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}: {f.line}" for f in frames[-3:]]
    if isinstance(exc, SyntaxError):
        where.append(f"{os.path.basename(exc.filename or '?')}, line {exc.lineno}: {(exc.text or '').strip()}")
    return type(exc).__name__, str(exc)[:MAX_STRING], where


def serve(read_fd, write_fd):
    """Answer requests until the parent closes the pipe."""
    server = _Server()
    files = []
    while True:
        try:
            header, arrays = unpack(read_frame(read_fd))
        except EOFError:
            return
        if header.get("op") == "load":
            files = list(header["files"].values())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result, extra = server.handle(header, arrays)
                reply = {"status": "ok"}
                fields = {"result": result, **extra}
            except BaseException as exc:  # the student's exception, reported not raised
                name, text, where = _describe_exception(exc, files)
                reply = {"status": "error", "type": name, "message": text, "where": where}
                fields = {}
        reply["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:300] for w in caught})
        reply["id"] = header.get("id")
        try:
            parts = pack(reply, fields, keep=server.keep)
        except Exception as exc:  # a value whose encoding failed (e.g. a hostile subclass)
            parts = pack({"status": "error", "type": "UnencodableResult", "message": str(exc)[:300], "where": [],
                          "warnings": [], "id": header.get("id")}, {})
        write_frame(write_fd, parts)


WAIT_S = 10  # the zygote's wait for a killed child to end


def zygote(argv):
    """Zygote entry point: LIBDIR CONTROL_FD GRADER_PID (it dies with that process).

    Control messages (JSON on a Unix socket, one per datagram-sized send), after the
    zygote's first message {"ready": true} (numpy imported, ready to fork):
    {"op": "spawn", "scratch", "env", "limits": {RLIMIT name: [soft, hard]}, "jail": enter()'s
    keyword arguments, "filtered": whether confine() loads the syscall filter} with three
    descriptors attached (the request pipe's read end, the answer pipe's write end, the
    log file), answered with {"pid"} (at the jail level, pid 2 of its own PID namespace);
    {"op": "wait", "pid"}, answered with {"code"} (negative: the signal that killed it; null
    when it was not reaped within ``WAIT_S`` seconds) once that child was killed with its
    process group (and PID namespace). When the grader closes the socket (or dies), the
    zygote kills the children not yet waited for and ends.
    """
    import socket

    import backprop_jail

    libdir = argv[1]
    control = socket.socket(fileno=int(argv[2]))
    backprop_jail.die_with_parent(int(argv[3]))
    zygote_pid = os.getpid()
    control.sendall(b'{"ready": true}')
    running = {}  # pid: the init of the PID namespace (or None) of the children not yet waited for
    program = None  # the syscall filter, built on the first request for it
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        except OSError:
            message = b""
        if not message:  # the grader is gone: so are the children it was grading
            for pid, init in running.items():
                backprop_jail.wait(pid, 0, init)
            return
        request = json.loads(message)
        for fd in (control.fileno(), *fds):  # none for the init a spawn starts (backprop_jail.fork)
            os.set_inheritable(fd, False)
        if request["op"] == "spawn":
            if request["filtered"] and program is None:
                program = backprop_jail.syscall_filter()
            pid, init = backprop_jail.fork(request["jail"]["level"])
            if pid == 0:
                control.close()
                _child(libdir, request, zygote_pid, program if request["filtered"] else None, *fds)
            for fd in fds:
                os.close(fd)
            running[pid] = init
            answer = {"pid": pid}
        else:
            pid = request["pid"]
            answer = {"code": backprop_jail.wait(pid, WAIT_S, running.pop(pid)) if pid in running else None}
        control.sendall(json.dumps(answer).encode())


def _child(libdir, request, zygote_pid, program, read_fd, write_fd, log_fd):
    """In a freshly forked child of the zygote: limits, jail, then ``serve``; never returns.

    It dies with the zygote (which dies with the grader), so killing the grader leaves
    no child running.
    """
    import resource

    code = 0
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, target in ((null, 0), (log_fd, 1), (log_fd, 2)):
            os.dup2(fd, target)
        keep = sorted({0, 1, 2, read_fd, write_fd})
        for low, high in zip(keep, keep[1:] + [os.sysconf("SC_OPEN_MAX")]):
            os.closerange(low + 1, high)
        for name, (soft, hard) in request["limits"].items():
            resource.setrlimit(getattr(resource, name), (soft, hard))
        import backprop_jail

        backprop_jail.enter(scratch=request["scratch"], **request["jail"])
        backprop_jail.die_with_parent(zygote_pid)
        backprop_jail.confine(program)
        os.umask(0o077)
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[:0] = [request["scratch"], libdir]
        os.chdir(request["scratch"])
        serve(read_fd, write_fd)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code)

