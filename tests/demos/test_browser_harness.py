"""The browser tests skip only when Chromium cannot run, and then say why."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_chromium_that_cannot_start_is_reported(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n")
    fake.chmod(0o755)
    code = ("from tests.demos.browser import launched_browser\n"
            "try:\n    with launched_browser():\n        print('started')\n"
            "except RuntimeError as err:\n    print('reason:', err)\n")
    # In its own process: Playwright's sync API allows one instance per thread, and the session's browser may run.
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "CLASSICNETS_CHROMIUM": str(fake)}).stdout
    assert out.startswith("reason: Chromium at ") and str(fake) in out and "did not start" in out
