"""Open a local page in headless Chromium and report what a reader would see.

``render(path, screenshot)`` loads ``path`` in Debian's ``chromium`` (headless, no
network needed), driven through the DevTools protocol over a pipe (the
``--remote-debugging-pipe`` mode: JSON messages ending in a NUL byte on file
descriptors 3 and 4), so no driver library is needed. It returns a ``Page``: every
URL the page requested, every console message and uncaught exception, the size at
which each picture (inline ``svg`` in a ``figure``, and ``img``) is drawn, how many
``script`` elements the document holds, and its visible text; and it writes a PNG
screenshot of the whole page.

``chromium()`` is the browser's path, or None when it is not installed.
"""

import base64
import fcntl
import json
import os
import select
import signal
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

TIMEOUT_S = 60
PROBE = """JSON.stringify({
  pictures: Array.from(document.querySelectorAll("figure svg, img")).map(e => {
    const r = e.getBoundingClientRect();
    return {tag: e.tagName.toLowerCase(), width: r.width, height: r.height,
            loaded: e.tagName.toLowerCase() !== "img" || (e.complete && e.naturalWidth > 0)};
  }),
  labels: Array.from(document.querySelectorAll("svg")).map(svg =>
    Array.from(svg.querySelectorAll("text")).map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    })),
  columns: Array.from(document.querySelectorAll("ul.checks")).map(e => getComputedStyle(e).columnCount),
  scripts: document.querySelectorAll("script").length,
  text: document.body.innerText,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight
})"""


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Page:
    """What a reader sees. labels: per picture, the box of each text drawn in it (left, right,
    top, bottom in CSS px); columns: the CSS column count of each check list; width: the
    document's scroll width (more than the viewport's means sideways scrolling)."""

    requests: list
    console: list
    pictures: list
    scripts: int
    text: str
    labels: list
    columns: list
    width: int


class DevTools:
    """A Chromium process and its DevTools pipe."""

    def __init__(self, binary, profile):
        to_browser_r, self._write = os.pipe()
        self._read, from_browser_w = os.pipe()
        keep = (fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10))

        def wire_pipes():
            os.setsid()  # chromium and its helpers in one group, killed together (they write into the profile)
            os.dup2(keep[0], 3)
            os.dup2(keep[1], 4)

        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio", "about:blank"]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=wire_pipes, close_fds=False)
        for fd in (to_browser_r, from_browser_w, *keep):
            os.close(fd)
        self._buffer = b""
        self._next = 0
        self.events = []

    def _message(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=None):
        """The result of one command (events that arrive meanwhile are kept in ``events``)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method):
        deadline = time.monotonic() + TIMEOUT_S
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._message(deadline))

    def close(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        os.close(self._read)
        os.close(self._write)


PHONE = 390  # CSS px: a phone held upright


def render(path, screenshot, width=1000):
    """Load ``path`` (an HTML file) in a viewport ``width`` CSS px wide (a phone's, as mobile, at
    ``PHONE`` or less), write a full-page PNG to ``screenshot``; returns a Page."""
    mobile = width <= PHONE
    # a helper process may still be flushing into the profile as it dies: never fail the test on that
    with tempfile.TemporaryDirectory(prefix="backprop-chromium-", ignore_cleanup_errors=True) as profile:
        tools = DevTools(chromium(), profile)
        try:
            target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                tools.send(f"{domain}.enable", session=session)
            tools.send("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile}, session=session)
            tools.events.clear()
            url = path.resolve().as_uri()
            tools.send("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired")
            probe = json.loads(tools.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                                          session=session)["result"]["value"])
            tools.send("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": min(int(probe["height"]), 8000), "deviceScaleFactor": 1,
                        "mobile": mobile}, session=session)
            shot = tools.send("Page.captureScreenshot", {"format": "png"}, session=session)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            events = tools.events
        finally:
            tools.close()
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    console = [f"console.{e['params']['type']}: {e['params'].get('args')}" for e in events
               if e.get("method") == "Runtime.consoleAPICalled"]
    console += [f"exception: {e['params']['exceptionDetails'].get('text')}" for e in events
                if e.get("method") == "Runtime.exceptionThrown"]
    console += [f"log.{e['params']['entry']['level']}: {e['params']['entry'].get('text')}" for e in events
                if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning")]
    return Page(requests, console, probe["pictures"], probe["scripts"], probe["text"], probe["labels"],
                probe["columns"], probe["width"])
