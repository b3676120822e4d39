"""The wire between the grader and the untrusted child process, and the child's loop.

This one file is imported by the grader (``autograder.sandbox.wire``) and, copied into the
children's library directory as ``backprop_wire``, runs the zygote (``zygote``): a
process started with ``python -I -S`` that imports numpy once and forks a fresh child
for every request of the grader; the child enters its jail (``backprop_jail``, a copy
of autograder/sandbox/isolation.py), then answers requests (``serve``). It needs only the
standard library and numpy, so neither the zygote nor a child imports the rest of the
grader.

Frames: an 8-byte big-endian count of parts, then for each part an 8-byte length,
then the parts. Part 0 is a JSON header; every further part is the raw bytes of one
array (C order), whose dtype and shape are in the header beside the part's index: no
part is parsed, an array is a view of the bytes read (``np.frombuffer``), and only plain
float/int/bool dtypes are accepted, so no Python object ever crosses the wire: only JSON
scalars, containers and plain arrays. Every request carries an ``id`` and its answer
carries the same ``id`` back; the grader reads each answer whole before a deadline
(``read_reply``), and an answer that is late, cut short, too large or not the one asked
for is that child's fault alone.

What a child can make the grader hold is bounded before anything is decoded: a frame's
size (``MAX_FRAME_BYTES``), its header's size (``MAX_HEADER_BYTES``) and the number of
values its header can hold (``MAX_VALUES``, counted on the raw bytes before the JSON is
parsed); then the nesting depth (``MAX_DEPTH``) and every string (``MAX_STRING``, type
names ``MAX_NAME``) as it is decoded; ``check_reply`` holds an answer to the shape
``serve`` gives it.

Value encoding inside the JSON header:
    null, true/false, numbers (NaN and inf allowed), {"s": str}, {"a": k, "dt": dtype, "sh": shape}
    (array part k; "sub": the subclass's name, child to parent only), {"np": dtype, "v": x} (a
    numpy scalar), {"l": [...]}, {"t": [...]}, {"d": {...}} (str keys), {"r": id} (an object kept
    in the child), {"rng": seed} (parent to child only: np.random.default_rng(seed)), {"o": type
    name} (child to parent only: anything else).
"""

import itertools
import json
import os
import re
import select
import struct
import sys
import time
import traceback
import warnings

import numpy as np

MAX_FRAME_BYTES = 256 * 1024 * 1024
MAX_HEADER_BYTES = 4 * 1024 * 1024  # a header holds scalars and descriptions, never array data
MAX_PARTS = 100_000
MAX_VALUES = 200_000  # JSON values in one header (counted before parsing)
MAX_DEPTH = 20  # nesting of encoded values
MAX_STRING = 2000  # characters of any string in a value or a reply (messages, locations)
MAX_NAME = 200  # characters of a type name
TOO_LARGE = "ResultTooLarge"  # the error type of an answer whose value is over these limits
MAX_WARNINGS = 20  # distinct warnings reported with one answer
MAX_WHERE = 4  # traceback lines reported with an exception: the last 3 frames, and a SyntaxError's line
_DTYPE = re.compile(r"[<>|][fiub][0-9]{1,2}")
_LEN = struct.Struct(">Q")
_IOV_MAX = 512  # buffers per writev call (POSIX guarantees at least 16, Linux takes 1024)


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
    """A bytearray of n bytes from ``fd``; with a ``deadline`` (time.monotonic()), TimeoutError once it passes.

    It grows as the bytes arrive: announcing a size costs the reader nothing until it is sent."""
    buffer = bytearray()
    while len(buffer) < n:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise TimeoutError("no whole answer before the deadline")
        chunk = os.read(fd, min(n - len(buffer), 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        buffer += chunk
    return buffer


def _padding(n):
    """Zero bytes after a part of n bytes, so that the next part starts at a multiple of 8."""
    return -n % 8


def frame_buffers(parts):
    """The buffers that make up the frame of ``parts``, in order: the count and the lengths,
    then each part followed by its padding (the empty ones left out)."""
    views = [memoryview(p).cast("B") for p in parts]
    buffers = [_LEN.pack(len(views)) + b"".join(_LEN.pack(v.nbytes) for v in views)]
    for view in views:
        buffers += [view, bytes(_padding(view.nbytes))]
    return [b for b in buffers if len(b)]


def write_frame(fd, parts, deadline=None):
    """Write one frame made of ``parts`` (bytes-like: bytes, or the memoryview of an array).

    With a ``deadline``, ``fd`` must be non-blocking: TimeoutError once the deadline
    passes with the frame not all written (the other side stopped reading).
    """
    pending = frame_buffers(parts)
    done = 0  # buffers written whole
    while done < len(pending):
        if deadline is not None:
            _, ready, _ = select.select([], [fd], [], max(deadline - time.monotonic(), 0.0))
            if not ready:
                raise TimeoutError("the other side did not read the request before the deadline")
        try:
            written = os.writev(fd, pending[done:done + _IOV_MAX])
        except BlockingIOError:
            continue
        while done < len(pending) and written >= len(pending[done]):
            written -= len(pending[done])
            done += 1
        if written:
            pending[done] = memoryview(pending[done])[written:]


def read_frame(fd, limit=MAX_FRAME_BYTES, deadline=None):
    """Read one frame: a list of parts, each a writable memoryview of one buffer read at once
    (every part starts at a multiple of 8 bytes, so an array viewed on it is aligned).

    Raises WireError past ``limit`` bytes, a header over MAX_HEADER_BYTES or more than
    MAX_PARTS parts (each before reading them), EOFError when the pipe closes, and
    TimeoutError when the whole frame has not arrived by ``deadline``.
    """
    count = _LEN.unpack(_read_exact(fd, 8, deadline))[0]
    if not 1 <= count <= MAX_PARTS:
        raise WireError(f"frame announces {count} parts")
    lengths = struct.unpack(f">{count}Q", _read_exact(fd, 8 * count, deadline))
    if sum(lengths) > limit:
        raise WireError(f"frame of {sum(lengths)} bytes is over the limit")
    if lengths[0] > MAX_HEADER_BYTES:
        raise WireError(f"header of {lengths[0]} bytes is over the limit")
    body = memoryview(_read_exact(fd, sum(n + _padding(n) for n in lengths), deadline))
    parts, start = [], 0
    for n in lengths:
        parts.append(body[start:start + n])
        start += n + _padding(n)
    return parts


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

def encode(value, keep=None, arrays=None):
    """(json-able tree, list of array parts) for ``value``.

    keep: on the child, a callable that stores an object and returns its id; used for
    objects that are not plain values (they become {"r": id}). Without it they become
    {"o": type name}. arrays: a list to append the array parts to (default: a new one);
    each part is the memoryview of a C-contiguous array.
    """
    arrays = [] if arrays is None else arrays
    size = [sum(a.nbytes for a in arrays)]

    def enc(v, depth):
        if depth > MAX_DEPTH:
            return {"o": "nested too deeply"}
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, Ref):
            return {"r": v.id, "type": v.type_name[:MAX_NAME]}
        if isinstance(v, RngSeed):
            return {"rng": v.seed}
        if isinstance(v, np.generic):
            if v.dtype.kind in "fiub":
                return {"np": v.dtype.str, "v": v.item()}
            return {"o": type(v).__name__[:MAX_NAME]}
        if type(v) is int or type(v) is float:
            return v
        if type(v) is str:
            return {"s": v[:MAX_STRING]}
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in "fiub" or v.dtype.hasobject:
                return {"o": f"ndarray of dtype {v.dtype}"[:MAX_NAME]}
            size[0] += v.nbytes
            if size[0] > MAX_FRAME_BYTES:
                raise WireError(f"the answer holds more than {MAX_FRAME_BYTES >> 20} MB of arrays")
            plain = v.view(np.ndarray) if v.flags.c_contiguous else v.copy(order="C").view(np.ndarray)
            arrays.append(memoryview(plain.reshape(-1).view(np.uint8)))
            tree = {"a": len(arrays) - 1, "dt": plain.dtype.str, "sh": list(plain.shape)}
            if type(v) is not np.ndarray:
                tree["sub"] = type(v).__name__[:MAX_NAME]
            return tree
        if type(v) is list:
            return {"l": [enc(x, depth + 1) for x in v]}
        if type(v) is tuple:
            return {"t": [enc(x, depth + 1) for x in v]}
        if type(v) is dict and all(type(k) is str for k in v):
            return {"d": {k[:MAX_STRING]: enc(x, depth + 1) for k, x in v.items()}}
        if keep is not None:
            return {"r": keep(v), "type": type(v).__name__[:MAX_NAME]}
        return {"o": type(v).__name__[:MAX_NAME]}

    return enc(value, 0), arrays


def decode(tree, arrays, resolve=None):
    """The value encoded by ``encode``; ``resolve(id)`` maps {"r": id} on the child.

    Raises WireError for anything that is not such an encoding (a forged or broken frame):
    nested deeper than MAX_DEPTH, a string over MAX_STRING (a type name over MAX_NAME), an
    array part used twice or whose size is not its dtype and shape's.
    """
    try:
        return _decode(tree, arrays, resolve)
    except WireError:
        raise
    except Exception as exc:  # whatever a malformed tree raises
        raise WireError(f"bad value: {type(exc).__name__}: {str(exc)[:200]}") from None


def checked_str(value, limit=MAX_STRING):
    """``value`` when it is a str of at most ``limit`` characters, else WireError."""
    if type(value) is not str or len(value) > limit:
        raise WireError(f"not a string of at most {limit} characters")
    return value


def _array(t, arrays, used):
    """The array that tree ``t`` ({"a", "dt", "sh"}) describes: a view of its part, used once."""
    k, dt, shape = t["a"], checked_str(t["dt"], 8), t["sh"]
    if type(k) is not int or not 0 <= k < len(arrays) or k in used or not _DTYPE.fullmatch(dt):
        raise WireError(f"bad array {t!r:.200}")
    dtype = np.dtype(dt)
    if dtype.str != dt or dtype.kind not in "fiub" or type(shape) is not list or len(shape) > 32 \
            or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError(f"bad array {t!r:.200}")
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(arrays[k]):
        raise WireError(f"array part {k} holds {len(arrays[k])} bytes, not {count} of {dtype}")
    used.add(k)
    return np.frombuffer(arrays[k], dtype, count).reshape(shape)


def _decode(tree, arrays, resolve):
    used = set()

    def dec(t, depth):
        if t is None or isinstance(t, (bool, int, float)):
            return t
        if not isinstance(t, dict) or depth > MAX_DEPTH:
            raise WireError(f"bad value {t!r:.200}")
        if "a" in t:
            return _array(t, arrays, used)
        if "np" in t:
            dtype = np.dtype(checked_str(t["np"], 8))
            if dtype.kind not in "fiub":
                raise WireError(f"bad scalar dtype {dtype}")
            return dtype.type(t["v"])
        if "s" in t:
            return checked_str(t["s"])
        if "l" in t:
            return [dec(x, depth + 1) for x in t["l"]]
        if "t" in t:
            return tuple(dec(x, depth + 1) for x in t["t"])
        if "d" in t:
            return {checked_str(k): dec(x, depth + 1) for k, x in t["d"].items()}
        if "r" in t:
            if type(t["r"]) is not int:
                raise WireError(f"bad reference {t!r:.200}")
            return resolve(t["r"]) if resolve else Ref(t["r"], checked_str(t.get("type", ""), MAX_NAME))
        if "rng" in t:
            return np.random.default_rng(int(t["rng"]))
        if "o" in t:
            return Opaque(checked_str(t["o"], MAX_NAME))
        raise WireError(f"bad value {t!r:.200}")

    return dec(tree, 0)


def pack(header, value_fields, keep=None):
    """Frame parts for ``header`` with each field of ``value_fields`` encoded into it. WireError
    when the header is over the limits ``unpack`` applies: a child then says so in its answer
    (its reader would refuse the frame as malformed)."""
    arrays = []
    header = dict(header)
    for name, value in value_fields.items():
        header[name] = encode(value, keep, arrays)[0]
    raw = json.dumps(header).encode()
    check_header(raw)
    return [raw] + arrays


def check_header(raw):
    """WireError when a frame's header (its raw JSON bytes) holds more than MAX_VALUES values or
    MAX_HEADER_BYTES bytes. Values are counted on the bytes, before parsing: a value is the first
    of the header or follows one of ``[ , :``, so their count bounds the number of values."""
    if len(raw) > MAX_HEADER_BYTES:
        raise WireError(f"a header of {len(raw)} bytes is over the limit of {MAX_HEADER_BYTES}")
    values = 1 + raw.count(b"[") + raw.count(b",") + raw.count(b":")
    if values > MAX_VALUES:
        raise WireError(f"a header of up to {values} values is over the limit of {MAX_VALUES}")


def unpack(parts):
    """(header dict, arrays) of a frame; its header is checked (``check_header``) before it is parsed."""
    try:
        raw = bytes(parts[0])
        check_header(raw)
        header = json.loads(raw)
    except (ValueError, IndexError, RecursionError) as exc:
        raise WireError(f"bad header: {str(exc)[:200]}") from None
    if not isinstance(header, dict):
        raise WireError("header is not an object")
    return header, parts[1:]


# -- the child -------------------------------------------------------------------

class _Server:
    """Runs requests against the submission's modules and kept objects."""

    def __init__(self):
        self.modules = {}
        self.objects = {}
        self.ids = itertools.count(1)  # of the objects kept on this side's own account
        self.done = 0  # the calls of the current "steps" request that returned

    def keep(self, obj, as_id=None):
        """The id ``obj`` is kept under: the next positive one, or ``as_id``, a negative id the
        grader chose (for a request whose answer it does not wait for)."""
        if as_id is None:
            as_id = next(self.ids)
        elif type(as_id) is not int or as_id >= 0 or as_id in self.objects:
            raise ValueError(f"bad id {as_id!r:.40}")
        self.objects[as_id] = obj
        return as_id

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

    def vary(self, target, method, args, points, arg=None, path=None):
        """``vary`` of target.method (or the function ``target``), the point in argument ``arg``
        or in the array at ``path`` of the target."""
        obj = self.resolve_target(target)
        slot = follow(obj, path) if path is not None else None
        return vary(getattr(obj, method) if method else obj, args, points, arg, slot)

    def steps(self, target, method, params, steps, fresh=False, echo=False):
        """target.method(list(params), *args) for each ``args`` of ``steps``, in order: for each call,
        [copies of the arrays of ``params`` after it, ``args`` after it (with ``echo``) or None].
        fresh: each call after the first gets new arrays holding what the one before left (all held
        to the end, so that no array of the run has the identity of an earlier one)."""
        fn = getattr(self.resolve_target(target), method)
        params, results, held = list(params), [], []
        for args in steps:
            if fresh and results:
                held.append(params)
                params = [np.array(p, copy=True) for p in params]
            fn(list(params), *args)
            results.append([[np.array(p, copy=True) for p in params], args if echo else None])
            self.done += 1
        return results

    def handle(self, header, arrays):
        op = header.get("op")
        values = {k: decode(header[k], arrays, self.objects.__getitem__)
                  for k in ("args", "kwargs", "points", "value", "params", "steps") if k in header}
        if op == "load":
            return self.load(header["files"], header.get("packages", ()), header.get("stand_ins")), {}
        if op == "call":
            result = self.call(header["target"], header.get("method"), values["args"], values.get("kwargs", {}))
            if header.get("collect"):
                result = _collect(result, int(header["collect"]))
            if header.get("keep"):
                return Ref(self.keep(result, header.get("as")), type(result).__name__), \
                    {"args_after": values["args"]} if header.get("echo") else {}
            return result, {"args_after": values["args"]} if header.get("echo") else {}
        if op == "keep":
            value = values["value"]
            return Ref(self.keep(value, header.get("as")), type(value).__name__), {}
        if op == "vary":
            return self.vary(header["target"], header.get("method"), values["args"], values["points"],
                             header.get("arg"), header.get("path")), {}
        if op == "steps":
            return self.steps(header["target"], header["method"], values["params"], values["steps"],
                              header.get("fresh"), header.get("with_args")), {}
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


def vary(fn, args, points, arg=None, slot=None, copy=None):
    """[fn(*args) with each of ``points`` in place]: the point replaces argument ``arg``, or is
    assigned into the array ``slot`` (a parameter; restored afterwards). Each call gets
    ``copy(args)`` (default: arrays and containers copied), as a call may change what it is given.
    """
    copy = copy or _fresh
    original = None if slot is None else np.array(slot, copy=True)
    results = []
    for point in points:
        call_args = copy(list(args))
        if slot is None:
            call_args[arg] = copy(point)
        else:
            slot[...] = point
        results.append(fn(*call_args))
    if slot is not None:
        slot[...] = original
    return results


def _fresh(value):
    """``value`` with its arrays, lists, tuples and dicts copied (a call may change what it is given)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(_fresh(v) for v in value)
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _collect(result, limit):
    """The items of an iterable result as a list (at most ``limit``; more is an error)."""
    items = []
    for item in result:
        items.append(item)
        if len(items) > limit:
            raise ValueError(f"more than {limit} items")
    return items


def _describe_exception(exc, files):
    """(type name, message, the traceback lines inside the submission's files as ``frame`` lists).

    The grader words them in the course's language (``source_lib.messages.where_text``)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if any(f.filename == p for p in files)]
    where = [[os.path.basename(f.filename), f.lineno, f.name, f.line] for f in frames[1 - MAX_WHERE:]]
    text = str(exc)
    if isinstance(exc, SyntaxError):  # its str repeats file and line, which the frame says: keep its msg
        where.append([os.path.basename(exc.filename or "?"), exc.lineno, "", (exc.text or "").strip()])
        text = exc.msg or text
    where = [[str(file)[:MAX_STRING], line, str(function)[:MAX_STRING], str(code or "")[:MAX_STRING]]
             for file, line, function, code in where]
    return type(exc).__name__[:MAX_NAME], text[:MAX_STRING], where


def checked_frame(value):
    """One location of an error's "where" as (file, line, function, code), each string bounded
    and line an int (0 when unknown; function "" for the line a SyntaxError points at), else WireError."""
    if type(value) is not list or len(value) != 4 or not (value[1] is None or type(value[1]) is int):
        raise WireError("bad where")
    file, line, function, code = value
    return checked_str(file), line or 0, checked_str(function), checked_str(code)


def check_reply(header):
    """``header`` when it has the shape ``serve`` gives an answer, else WireError (a forged or
    broken answer): "status" "ok" with a "result" (and maybe "args_after"), or "error" with
    a "type" name, a "message", "where" (a list of at most MAX_WHERE locations) and maybe "done"
    (a count of calls, for "steps"); and
    "warnings", a list of at most MAX_WARNINGS strings (none when absent). Every string is bounded."""
    warned = header.setdefault("warnings", [])
    if type(warned) is not list or len(warned) > MAX_WARNINGS:
        raise WireError("bad warnings")
    for w in warned:
        checked_str(w)
    if header.get("status") == "ok":
        if "result" not in header:
            raise WireError("an answer without a result")
        return header
    if header.get("status") != "error":
        raise WireError(f"bad status {header.get('status')!r:.100}")
    checked_str(header.get("type"), MAX_NAME)
    checked_str(header.get("message"))
    where = header.get("where")
    if type(where) is not list or len(where) > MAX_WHERE:
        raise WireError("bad where")
    header["where"] = [checked_frame(w) for w in where]
    done = header.setdefault("done", 0)
    if type(done) is not int or done < 0:
        raise WireError("bad done")
    return header


def respond(server, header, arrays, files=(), catch=BaseException):
    """(reply header, value fields) of one request as ``serve`` answers it: "status" "ok" and the
    result, or "error" with the exception's type, message and where (``catch``: what is reported
    rather than raised); for "steps", "done": the calls that returned first; and "warnings"."""
    server.done = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, extra = server.handle(header, arrays)
            reply, fields = {"status": "ok"}, {"result": result, **extra}
        except catch as exc:  # the student's exception, reported not raised
            name, text, where = _describe_exception(exc, files)
            reply, fields = {"status": "error", "type": name, "message": text, "where": where}, {}
            if header.get("op") == "steps":
                reply["done"] = server.done
    reply["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:300] for w in caught})[:MAX_WARNINGS]
    return reply, fields


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
        reply, fields = respond(server, header, arrays, files)
        reply["id"] = header.get("id")
        try:
            parts = pack(reply, fields, keep=server.keep)
        except WireError as exc:  # a value over the frame's limits: its reader would refuse it as malformed
            parts = pack({"status": "error", "type": TOO_LARGE, "message": str(exc)[:300], "where": [],
                          "warnings": [], "id": header.get("id")}, {})
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
    process group (and PID namespace); {"op": "reap", "pid"}: that child killed at once and
    reaped once no message waits, not answered. When the grader closes the socket (or dies), the
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
    killed = {}  # the same, of children killed for a "reap": reaped when no request waits
    program = None  # the syscall filter, built on the first request for it
    while True:
        while killed and not select.select([control], [], [], 0)[0]:
            pid, init = killed.popitem()
            backprop_jail.wait(pid, WAIT_S, init)
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        except OSError:
            message = b""
        if not message:  # the grader is gone: so are the children it was grading
            for pid, init in [*running.items(), *killed.items()]:
                backprop_jail.wait(pid, 0, init)
            os._exit(0)  # nothing to flush: ending without the interpreter's clean-up lets the grader go sooner
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
        elif request["op"] == "reap":  # killed now, reaped when the zygote is idle; not answered
            if request["pid"] in running:
                killed[request["pid"]] = running.pop(request["pid"])
                backprop_jail.kill(request["pid"], killed[request["pid"]])
            continue
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

