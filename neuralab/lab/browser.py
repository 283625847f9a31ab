"""Open a page in headless Chromium and check it, over the Chrome DevTools protocol (standard library only).

:func:`check_page` starts ``chromium --headless`` with a private profile and a
debugging port, talks to the page through a minimal WebSocket client (RFC 6455:
the upgrade handshake, masked text frames out, unmasked frames in, continuation
and ping frames), loads the file, collects console errors, uncaught exceptions
and error log entries while it loads, asks the page whether every ``<img>``
decodes, and saves a screenshot. Used by the report's browser test and by
``neuralab lab report --screenshot``.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

__all__ = ["CHROMIUM_CANDIDATES", "check_page", "find_chromium"]

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """The Chromium executable (Debian's ``/usr/bin/chromium`` first), or None."""
    for c in CHROMIUM_CANDIDATES:
        path = c if os.path.isabs(c) and os.access(c, os.X_OK) else shutil.which(c)
        if path:
            return path
    return None


class _WebSocket:
    """Just enough of a WebSocket client for the DevTools protocol on localhost."""

    def __init__(self, url, timeout=30.0):
        assert url.startswith("ws://"), url
        hostport, _, path = url[len("ws://"):].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools: the connection closed during the WebSocket handshake")
            head += chunk
        status, _, rest = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"DevTools: WebSocket upgrade refused: {status[:200]!r}")
        self.buf = rest

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("DevTools: the connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload: bytes):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, text: str):
        self._send_frame(0x1, text.encode("utf-8"))

    def recv(self) -> str:
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x9:  # ping
                self._send_frame(0xA, data)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools: the browser closed the WebSocket")
            if opcode in (0x0, 0x1, 0x2):
                parts.append(data)
                if b0 & 0x80:
                    return b"".join(parts).decode("utf-8")

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


class _Session:
    def __init__(self, ws):
        self.ws, self.next_id, self.events = ws, 0, []

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"DevTools {method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(e["method"] == method for e in self.events):
                return True
            self.ws.sock.settimeout(max(0.1, end - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except TimeoutError:
                break
            if "method" in msg:
                self.events.append(msg)
        return any(e["method"] == method for e in self.events)


def _errors(events) -> list[str]:
    out = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console." + p["type"] + ": " + " ".join(str(a.get("value", a.get("description", "")))
                                                                for a in p.get("args", [])))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log: " + str(p["entry"].get("text")) + " " + str(p["entry"].get("url", "")))
    return out


_IMAGES_JS = """(async () => {
  const imgs = Array.from(document.images);
  const ok = await Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth > 0, () => false)));
  return JSON.stringify({images: imgs.length, decoded: ok.filter(Boolean).length, title: document.title});
})()"""


def check_page(path, screenshot=None, chromium=None, timeout=60.0, width=1200, height=1500) -> dict:
    """Load ``path`` in headless Chromium; return ``{"ok", "images", "images_decoded", "errors", "title"}``.

    ``ok`` means no console error, exception or error log entry, and every
    image decoded (with at least one image). ``screenshot``: a PNG path for the
    first ``width`` x ``height`` pixels of the page. Raises FileNotFoundError
    when no Chromium is installed and RuntimeError when it does not start.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError("check_page: no Chromium found (Debian: `apt-get install chromium`)")
    url = Path(path).resolve().as_uri()
    profile = tempfile.mkdtemp(prefix="neuralab-chromium-")
    cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check",
           "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
           "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={profile}",
           f"--window-size={width},{height}", "about:blank"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ws = None
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        end = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"check_page: {exe} did not start (exit status {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = []
        while not targets:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as r:
                targets = [t for t in json.loads(r.read()) if t.get("type") == "page"]
            if not targets:
                if time.monotonic() > end:
                    raise RuntimeError("check_page: Chromium opened no page")
                time.sleep(0.1)
        ws = _WebSocket(targets[0]["webSocketDebuggerUrl"], timeout=timeout)
        s = _Session(ws)
        for domain in ("Page", "Runtime", "Log"):
            s.call(f"{domain}.enable")
        s.call("Page.navigate", url=url)
        if not s.wait_for("Page.loadEventFired", timeout):
            raise RuntimeError(f"check_page: {url} did not finish loading in {timeout:.0f} s")
        r = s.call("Runtime.evaluate", expression=_IMAGES_JS, awaitPromise=True, returnByValue=True)
        info = json.loads(r["result"]["value"])
        if screenshot:
            shot = s.call("Page.captureScreenshot", format="png")
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
        errors = _errors(s.events)
        ok = not errors and info["images"] > 0 and info["decoded"] == info["images"]
        return {"ok": ok, "images": info["images"], "images_decoded": info["decoded"], "errors": errors,
                "title": info["title"]}
    finally:
        if ws is not None:
            ws.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
