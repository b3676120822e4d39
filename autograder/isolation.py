"""Operating-system isolation of the child process beyond rlimits.

What every child gets (autograder/sandbox.py): a separate process started with
``python -I -S`` and a clean environment, a scratch directory holding only copies of
the student's files, rlimits on address space, CPU time and file size, its own
process group killed as a whole, and pipes that carry only JSON and .npy values.

What this module adds, when the grader runs as root: a new network namespace for the
child (``unshare(CLONE_NEWNET)`` between fork and exec), so the student's code has no
network at all, not even the host's loopback services. ``Jail.level`` says which level
was reached; it is reported in every results.json.

Not yet done (see README, "What the sandbox protects"): an unprivileged user, a mount
namespace hiding solutions/ and the hidden tests, a pid namespace for daemons.
"""

import ctypes
import os
import subprocess
import sys

CLONE_NEWNET = 0x40000000


class Jail:
    """The extra isolation applied in the child between fork and exec."""

    def __init__(self):
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.network_namespace = False
        self.reason = "the grader does not run as root"
        if os.geteuid() == 0:
            self.network_namespace = True
            self.reason = self.probe()
            self.network_namespace = not self.reason

    def describe(self):
        base = "separate process, rlimits, own process group, clean environment, scratch directory"
        if self.network_namespace:
            return f"process+netns: {base}, no network (own network namespace)"
        return f"process ({self.reason}): {base}"

    def enter(self):
        """Runs in the child between fork and exec."""
        if self.network_namespace and self._libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")

    def probe(self):
        """"" when a child can enter a network namespace here, else the reason it cannot."""
        try:
            done = subprocess.run([sys.executable, "-I", "-S", "-c", "pass"], preexec_fn=self.enter,
                                  capture_output=True, timeout=30, env={})
        except (OSError, subprocess.SubprocessError) as exc:
            return f"no network namespace: {exc}"
        return "" if done.returncode == 0 else "no network namespace: the child failed to start"
