"""
Lighthouse Performance of the reader pages, with Lighthouse's own mobile settings.

    .venv/bin/python benchmarks/lighthouse.py      # or: make bench

The site runs as production runs it (`DJANGO_DEBUG=0`, gunicorn with one sync worker per core,
whitenoise serving the collected static files) on a throwaway SQLite database holding the demo
content, made and removed here. Lighthouse (npm, `tests/browser/package.json`) drives Debian's
Chromium with its default mobile emulation and simulated slow-4G throttling, once per page; the
Accessibility, Best Practices and SEO scores are asserted by tests/browser/test_lighthouse.py.
Reports are kept in tests/browser/artifacts/. Exit status 1 when a page scores under the target
(95), or Lighthouse cannot run.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER_DIR = ROOT / "tests" / "browser"
LIGHTHOUSE = BROWSER_DIR / "node_modules" / ".bin" / "lighthouse"
ARTIFACTS = BROWSER_DIR / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)
TARGET = 95
ATTEMPTS = 3
WORKERS = len(os.sched_getaffinity(0))
PAGES = {
    "home": "/",
    "article": "/articles/magnesium-glycinate-nerve-conduction/",
    "list": "/articles/",
    "search": "/search/?q=magnesium",
    "contributor": "/contributors/amelia-hart/",
    "editorial-policy": "/editorial-policy/",
}
#: The metrics in the table: Lighthouse's audit id, and the column's title.
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "speed-index": "Speed Index",
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args, environment):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_until_serving(url, server):
    for _ in range(100):
        if server.poll() is not None:
            sys.exit("gunicorn stopped before serving")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"gunicorn did not answer at {url}")


def lighthouse(url, name):
    """Lighthouse's report on `url`. A run Lighthouse itself gives up on (now and then it loses
    the page load's trace: "NO_NAVSTART", "Please run Lighthouse again") is run again, up to
    ATTEMPTS times."""
    output = ARTIFACTS / f"lighthouse-performance-{name}"
    for _attempt in range(ATTEMPTS):
        finished = subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--only-categories=performance",
                "--output=json",
                "--output=html",
                f"--output-path={output}",
                f"--chrome-flags={CHROMIUM_FLAGS}",
            ],
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if finished.returncode == 0:
            return json.loads(output.with_name(output.name + ".report.json").read_text())
    said = (finished.stderr.strip().splitlines() or ["no message"])[-1]
    sys.exit(f"Lighthouse failed on {url} {ATTEMPTS} times; the last said: {said}")


def main():
    if not LIGHTHOUSE.exists() or not CHROMIUM.exists():
        sys.exit(f"needs {LIGHTHOUSE} (make install) and {CHROMIUM} (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hsl-lighthouse-") as folder:
        port = free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_STATIC_ROOT": f"{folder}/static",
            "DJANGO_MEDIA_ROOT": f"{folder}/media",
        }
        for name in ("REDIS_URL", "CACHE_URL"):
            environment.pop(name, None)
        manage("migrate", "--no-input", environment=environment)
        manage("load_demo", environment=environment)
        manage("collectstatic", "--no-input", environment=environment)
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "hslhealing.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(WORKERS),
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base + "/", server)
            results = {name: lighthouse(base + path, name) for name, path in PAGES.items()}
        finally:
            server.terminate()
            server.wait()
    return report(results)


def report(results):
    first = next(iter(results.values()))
    settings = first["configSettings"]
    print(
        f"Lighthouse {first['lighthouseVersion']} on {first['environment']['hostUserAgent']}; "
        f"form factor {settings['formFactor']}, throttling {settings['throttlingMethod']}; "
        f"gunicorn {WORKERS} workers, DEBUG off, demo content; one run per page, shared machine."
    )
    print(f"{'page':<16} {'score':>5}" + "".join(f" {title:>12}" for title in METRICS.values()))
    missed = []
    for name, result in results.items():
        score = round(result["categories"]["performance"]["score"] * 100)
        values = "".join(f" {result['audits'][audit]['displayValue']:>12}" for audit in METRICS)
        print(f"{name:<16} {score:>5}{values}")
        if score < TARGET:
            missed.append(f"{name} {score}")
    print(f"reports: {ARTIFACTS}/lighthouse-performance-*.report.html")
    if missed:
        print(f"under the target of {TARGET}: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
