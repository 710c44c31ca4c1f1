"""Static files as production serves them: collected, with hashed names in the pages."""

import pytest

from tests.commands import run_manage

pytestmark = pytest.mark.subprocess  # each test starts manage.py: settings are read at start


def test_collected_static_files_have_hashed_names_in_pages(tmp_path):
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50}
    production["DJANGO_STATIC_ROOT"] = str(tmp_path)

    def manage(*args):
        result = run_manage(*args, **production)
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("collectstatic", "--no-input", "-v", "0")
    code = "from django.templatetags.static import static; print(static('css/site.css'))"
    hashed = manage("shell", "--no-imports", "-c", code).strip()
    assert hashed.startswith("/static/css/site.") and hashed.endswith(".css")
    assert hashed != "/static/css/site.css"
    assert (tmp_path / hashed.removeprefix("/static/")).is_file()
