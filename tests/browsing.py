"""Helpers for the browser tests: the two screens we test on, and the chat's basic moves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts"
ANSWER_TIMEOUT = 60_000

#: a phone (iPhone 12-14 size) and a common laptop screen
SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1366, "height": 768}},
}


def open_chat(page, url: str):
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#question textarea", timeout=30_000)
    # Gradio mounts components one by one: the box can be ready before the conversation is.
    page.wait_for_selector("#chat", state="attached", timeout=30_000)


def ask(page, text: str, press_enter: bool = True):
    box = page.locator("#question textarea")
    box.fill(text)
    if press_enter:
        box.press("Enter")
    else:
        page.locator("#send").click()


def in_view(locator, height: float, width: float | None = None) -> bool:
    """The element is wholly inside the viewport as it is now (no scrolling)."""
    box = locator.bounding_box()
    if box is None or box["height"] == 0:
        return False
    inside = box["y"] >= -1 and box["y"] + box["height"] <= height + 1
    if width is not None:
        inside = inside and box["x"] >= -1 and box["x"] + box["width"] <= width + 1
    return inside


def start_ui(data: Path, **env: str):
    """`python ui.py` on ``data`` with the given CLINIC_* settings; returns (process, base URL) once answering."""
    port = free_port()
    full = {
        **os.environ,
        "CLINIC_DATA_DIR": str(data),
        "CLINIC_CORPUS_DIR": str(CORPUS),
        "CLINIC_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    log = data / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "ui.py")], env=full, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", proc, timeout=240, log=log)
        deadline = time.monotonic() + 180
        while b'"ok"' not in urllib.request.urlopen(f"{base}/healthz").read():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(1)
    except BaseException:
        proc.terminate()
        proc.wait(timeout=30)
        raise
    return proc, base
