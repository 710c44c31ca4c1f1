"""Where the browser tests find Chromium and their npm tools, and how they skip without them."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_DIR = Path(__file__).resolve().parent
ARTIFACTS = BROWSER_DIR / "artifacts"
AXE = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"


def browser_required():
    return os.environ.get("HSL_REQUIRE_BROWSER") == "1"


def cannot_run(reason):
    """Skip with the reason, or fail with it when CI requires the browser tests to run."""
    if browser_required():
        pytest.fail(f"{reason} (HSL_REQUIRE_BROWSER=1, so browser tests must run)", pytrace=False)
    pytest.skip(reason)
