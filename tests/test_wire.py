"""The wire: any array crosses unchanged, and no frame a child can write hangs or fools the parent."""

import os
import threading
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.sandbox import wire

DTYPES = st.one_of(hnp.floating_dtypes(), hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(), hnp.boolean_dtypes())


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_any_plain_array_round_trips_exactly(array):
    tree, arrays = wire.encode({"x": array, "t": (array, [array])})
    parts = wire.pack({"id": 1}, {"v": {"x": array}})
    back = wire.decode(tree, arrays)
    for got in (back["x"], back["t"][0], back["t"][1][0],
                wire.decode(wire.unpack(parts)[0]["v"], wire.unpack(parts)[1])["x"]):
        assert got.dtype == array.dtype and got.shape == array.shape
        assert np.array_equal(got, array, equal_nan=True)


def frame(header, **values):
    """The bytes of one well-formed frame."""
    return b"".join(wire.frame_buffers(wire.pack(header, values)))


def read_with_deadline(data, request_id, close, seconds=0.3, limit=wire.MAX_FRAME_BYTES):
    """What ``read_reply`` does with ``data`` in the pipe (closed after it when ``close``):
    (outcome, seconds taken); the writer runs in a thread so data larger than the pipe fits."""
    read_fd, write_fd = os.pipe()

    def writer():
        try:
            os.write(write_fd, data) if data else None
        except OSError:
            pass
        if close:
            os.close(write_fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    start = time.monotonic()
    try:
        outcome = wire.read_reply(read_fd, request_id, start + seconds, limit)
    except (TimeoutError, EOFError, wire.WireError) as exc:
        outcome = type(exc)
    took = time.monotonic() - start
    os.close(read_fd)
    thread.join(2)
    if not close:
        os.close(write_fd)
    return outcome, took


GOOD = frame({"status": "ok", "id": 7}, result=np.arange(3.0))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=200),                                                    # random bytes
    st.integers(1, len(GOOD) - 1).map(lambda n: GOOD[:n]),                      # truncated
    st.binary(max_size=40).map(lambda tail: GOOD + tail),                       # extra bytes after
    st.integers(0, 2**64 - 1).map(lambda n: wire._LEN.pack(1) + wire._LEN.pack(n)),  # any announced size
    st.integers(0, 2**64 - 1).map(lambda n: wire._LEN.pack(n)),                 # any announced count
    st.sampled_from([frame({"status": "ok", "id": 6}), frame({"status": "ok"}), frame({"id": "7"})]),
), st.booleans())
def test_any_bytes_give_the_asked_answer_or_an_error_before_the_deadline(data, close):
    outcome, took = read_with_deadline(data, 7, close)
    assert took < 0.3 + 0.5  # never hangs past its deadline
    if isinstance(outcome, tuple):  # only a whole frame answering request 7 is an answer
        header, arrays = outcome
        assert header["id"] == 7
        if data.startswith(GOOD):
            assert np.array_equal(wire.decode(header["result"], arrays), np.arange(3.0))
    else:
        assert outcome in (TimeoutError, EOFError, wire.WireError)


def test_half_a_frame_times_out_at_the_deadline_instead_of_hanging():
    outcome, took = read_with_deadline(GOOD[: len(GOOD) // 2], 7, close=False, seconds=0.2)
    assert outcome is TimeoutError and took < 1.0


def test_an_answer_to_another_request_is_refused():
    outcome, _ = read_with_deadline(frame({"status": "ok", "id": 6}, result=1.0), 7, close=False)
    assert outcome is wire.WireError


def test_an_oversized_frame_is_refused_before_it_is_read():
    announced = wire._LEN.pack(2) + wire._LEN.pack(10) + wire._LEN.pack(2000)
    outcome, took = read_with_deadline(announced, 7, close=False, seconds=5.0, limit=1000)
    assert outcome is wire.WireError and took < 1.0  # refused at once, not waited for


@pytest.mark.parametrize("tree", [{"np": "O", "v": 1}, {"a": 5}, {"l": 3}, {"d": [1]}, {"zz": 1}, [1, 2]])
def test_forged_values_are_wire_errors_not_grader_crashes(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree, [])


EIGHT = [bytearray(8)]  # one part: the bytes of one float64


@pytest.mark.parametrize("tree", [
    {"a": 0, "dt": "|O8", "sh": [1]},                  # an object array
    {"a": 0, "dt": "<c16", "sh": []},                  # not a plain float/int/bool dtype
    {"a": 0, "dt": "[('a', 'O')]", "sh": [1]},         # a structured dtype, never parsed
    {"a": 0, "dt": "<f8", "sh": [2]},                  # more elements than the part holds
    {"a": 0, "dt": "<f8", "sh": [-1]},                 # a negative size
    {"a": 0, "dt": "<f8", "sh": [2**40, 0, 2**40]},    # sizes whose product is no part's
    {"a": 1, "dt": "<f8", "sh": [1]},                  # a part that is not there
    {"t": [{"a": 0, "dt": "<f8", "sh": [1]}] * 2},     # one part viewed twice
    {"s": "x" * (wire.MAX_STRING + 1)},                # a string over the cap
    {"o": "E" * (wire.MAX_NAME + 1)},                  # a type name over the cap
    {"r": 1, "type": "E" * (wire.MAX_NAME + 1)},
    {"r": "1"},
])
def test_forged_arrays_and_strings_are_wire_errors(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree, EIGHT)


def test_values_nested_past_the_depth_cap_are_refused():
    tree = None
    for _ in range(wire.MAX_DEPTH + 2):
        tree = {"l": [tree]}
    with pytest.raises(wire.WireError):
        wire.decode(tree, [])


def test_an_array_is_a_writable_view_of_the_bytes_read():
    """No copy and no parsing: the child may change an argument in place, as numpy allows."""
    read_fd, write_fd = os.pipe()
    wire.write_frame(write_fd, wire.pack({"id": 1}, {"x": np.arange(3.0)}))
    header, arrays = wire.unpack(wire.read_frame(read_fd))
    x = wire.decode(header["x"], arrays)
    x += 1
    assert np.array_equal(x, [1.0, 2.0, 3.0]) and x.ctypes.data % 8 == 0
    os.close(read_fd)
    os.close(write_fd)


def test_a_header_over_its_cap_is_refused_before_it_is_read():
    announced = wire._LEN.pack(1) + wire._LEN.pack(wire.MAX_HEADER_BYTES + 1)
    outcome, took = read_with_deadline(announced, 7, close=False, seconds=5.0)
    assert outcome is wire.WireError and took < 1.0


def test_a_header_of_too_many_values_is_refused_before_it_is_parsed():
    header = b'{"id": 7, "v": [' + b"0," * wire.MAX_VALUES + b'0]}'
    with pytest.raises(wire.WireError):
        wire.unpack([header])
    under = b'{"id": 7, "v": [' + b"0," * (wire.MAX_VALUES - 10) + b'0]}'
    assert wire.unpack([under])[0]["id"] == 7


def test_a_frame_announced_but_not_sent_costs_the_reader_nothing():
    """The parent holds what a child sent, not what it announced (256 MB, then silence)."""
    announced = wire._LEN.pack(2) + wire._LEN.pack(8) + wire._LEN.pack(wire.MAX_FRAME_BYTES - 8)
    tracemalloc.start()
    outcome, _ = read_with_deadline(announced + b"{}" + bytes(6), 7, close=False, seconds=0.3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcome is TimeoutError and peak < 4 << 20  # a read of at most 1 MB at a time


def test_a_frame_of_many_parts_in_several_fields_crosses_whole_and_fast():
    """16,000 arrays (empty ones among them) in two fields, near the cap on values: written with
    writev in batches and read back in one go."""
    values = [np.arange(k % 3, dtype=np.float64) for k in range(8_000)]
    parts = wire.pack({"id": 1}, {"a": values, "b": values[::-1]})
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    thread = threading.Thread(target=wire.write_frame, args=(write_fd, parts), daemon=True)
    thread.start()
    header, arrays = wire.unpack(wire.read_frame(read_fd, deadline=time.monotonic() + 20))
    thread.join(5)
    assert time.monotonic() - start < 10
    back = wire.decode(header["a"], arrays), wire.decode(header["b"], arrays)
    assert all(np.array_equal(x, y) for x, y in zip(back[0] + back[1], values + values[::-1]))
    os.close(read_fd)
    os.close(write_fd)


class Scaled:
    """forward(x) = w * x, and it adds 1 to its argument afterwards (in place)."""

    def __init__(self):
        self.w = np.array([2.0])

    def forward(self, x):
        out = self.w * x
        x += 1
        return out


def test_vary_gives_each_call_its_own_arguments_and_restores_the_parameter():
    obj = Scaled()
    x = np.array([1.0, 2.0])
    assert [list(v) for v in wire.vary(obj.forward, [x], [np.array([0.0, 1.0])] * 2, arg=0)] == [[0.0, 2.0]] * 2
    assert [list(v) for v in wire.vary(obj.forward, [x], [np.array([3.0]), np.array([4.0])], slot=obj.w)] == \
        [[3.0, 6.0], [4.0, 8.0]]
    assert list(x) == [1.0, 2.0] and list(obj.w) == [2.0]
