"""Static files as production serves them: collected, with hashed names in the pages."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_collected_static_files_have_hashed_names_in_pages(tmp_path):
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_STATIC_ROOT": str(tmp_path),
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("collectstatic", "--no-input", "-v", "0")
    code = "from django.templatetags.static import static; print(static('css/site.css'))"
    hashed = manage("shell", "--no-imports", "-c", code).strip()
    assert hashed.startswith("/static/css/site.") and hashed.endswith(".css")
    assert hashed != "/static/css/site.css"
    assert (tmp_path / hashed.removeprefix("/static/")).is_file()
