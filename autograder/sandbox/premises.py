"""What a grading run's sandbox starts from, made without importing numpy or the wire.

A temp folder the run owns (its flock held while it lives, so that a run killed with
``kill -9`` leaves a folder the next run removes), the children's library directory (links
to numpy and source_lib, copies of the wire and of the jail's code), and the zygote's process
(``ZYGOTE``: ``python -I -S`` in the children's environment, importing what every child
uses). ``Premises.make`` does it all; a command that grades makes its premises first, so
that the zygote boots (about 60 ms) while the grader itself is still importing.
``autograder.sandbox.session.Sandbox`` takes them over.
"""

import fcntl
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ZYGOTE = ("import sys; sys.path.insert(0, sys.argv[1]); import numpy, numpy.random, importlib.util, resource, "
          "backprop_jail, backprop_wire; backprop_wire.zygote(sys.argv)")
PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL")
TEMP_PREFIXES = ("backprop-lab-", "backprop-batch-")
OWNER = ".owner"  # in each temp folder: a file its run holds an flock on while it lives
HERE = Path(__file__).resolve().parent  # wire.py and isolation.py, copied for the children


def claim_tempdir(prefix):
    """(a new temp folder, the open file holding its flock): the folder is this run's until it ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    owner = open(path / OWNER, "w")
    fcntl.flock(owner, fcntl.LOCK_EX)
    return path, owner


def remove_abandoned_tempdirs(older_than_s=1.0):
    """Remove the temp folders of runs that ended without cleaning up (kill -9): those whose
    owner lock nobody holds any more. Returns the folders removed."""
    removed = []
    root = Path(tempfile.gettempdir())
    for path in root.iterdir() if root.is_dir() else ():
        owner = path / OWNER
        try:
            if not path.name.startswith(TEMP_PREFIXES) or time.time() - owner.stat().st_mtime < older_than_s:
                continue
            with open(owner) as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except OSError:  # no owner file, held by a live run, or gone meanwhile
            continue
    return removed


def child_env(home):
    """The whole environment of the zygote and of every child: nothing of the grader's."""
    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    env.update({"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home), "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"})
    return env


def package_dir(name):
    """The folder of the installed package ``name``, found without importing it."""
    return Path(importlib.util.find_spec(name).submodule_search_locations[0]).resolve()


def start_zygote(root, libdir, python):
    """(the zygote's process, the grader's end of its control socket): started, not waited for."""
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # one message per request
    with open(root / "zygote.log", "ab") as log:
        process = subprocess.Popen(
            [python, "-I", "-S", "-c", ZYGOTE, str(libdir), str(theirs.fileno()), str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=root, env=child_env(root),
            pass_fds=(theirs.fileno(),), close_fds=True, start_new_session=True)
    theirs.close()
    return process, mine


@dataclass
class Premises:
    """root: the run's temp folder (``owner``: the open file holding its flock); libdir: the
    children's library directory in it; python: the interpreter of the zygote and the children;
    zygote: (process, control socket) of the zygote started on them."""

    root: Path
    owner: object
    libdir: Path
    python: str
    zygote: tuple

    @classmethod
    def make(cls):
        remove_abandoned_tempdirs()
        root, owner = claim_tempdir(TEMP_PREFIXES[0])
        os.chmod(root, 0o755)
        libdir = root / "lib"
        libdir.mkdir()
        shutil.copyfile(HERE / "wire.py", libdir / "backprop_wire.py")
        shutil.copyfile(HERE / "isolation.py", libdir / "backprop_jail.py")
        numpy_dir = package_dir("numpy")
        links = {"numpy": numpy_dir, "source_lib": package_dir("source_lib")}
        if (numpy_dir.parent / "numpy.libs").is_dir():
            links["numpy.libs"] = numpy_dir.parent / "numpy.libs"
        for name, target in links.items():
            (libdir / name).symlink_to(target)
        python = str(Path(sys.executable).resolve())
        return cls(root, owner, libdir, python, start_zygote(root, libdir, python))
