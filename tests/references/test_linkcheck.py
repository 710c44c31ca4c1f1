"""Link health: what the checker makes of each kind of answer, its limits, and the command."""

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from references import services
from references.linkcheck import LinkChecker, check_many, check_references, retry_delay
from references.models import LinkStatus, Reference
from tests.references.factories import ReferenceFactory
from tests.references.standalone import needs_migration_history

PROJECT = Path(__file__).resolve().parents[2]


# One address, one answer.


def test_a_page_that_answers_200_is_ok(site, checker):
    result = checker.check(site.url("/ok"))
    assert (result.link_status, result.status_code, result.final_url) == (
        LinkStatus.OK,
        200,
        site.url("/ok"),
    )
    assert site.hits["HEAD", "/ok"] == 1
    assert site.hits["GET", "/ok"] == 0


def test_a_redirect_is_followed_and_the_final_address_recorded(site, checker):
    result = checker.check(site.url("/moved"))
    assert result.link_status == LinkStatus.REDIRECTED
    assert (result.status_code, result.final_url) == (200, site.url("/ok"))
    assert site.hits["HEAD", "/ok"] == 1, "the redirect is followed with HEAD"


def test_a_redirect_that_only_adds_a_slash_is_ok(site, checker):
    result = checker.check(site.url("/slash"))
    assert result.link_status == LinkStatus.OK
    assert result.final_url == site.url("/slash/")


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/gone", 410)])
def test_a_page_that_is_gone_is_broken(site, checker, path, status):
    result = checker.check(site.url(path))
    assert (result.link_status, result.status_code) == (LinkStatus.BROKEN, status)
    assert result.attempts == 1, "4xx is not retried"


def test_a_server_error_is_retried_then_broken(site, checker):
    result = checker.check(site.url("/error"))
    assert (result.link_status, result.status_code) == (LinkStatus.BROKEN, 500)
    assert result.attempts == 3
    assert site.hits["HEAD", "/error"] + site.hits["GET", "/error"] == 4, "HEAD, then 3 GETs"


def test_a_passing_server_error_is_retried_until_the_page_answers(site, checker):
    result = checker.check(site.url("/flaky"))
    assert (result.link_status, result.status_code, result.attempts) == (LinkStatus.OK, 200, 2)


def test_a_site_still_rate_limiting_after_the_retries_is_unreachable(site, checker):
    result = checker.check(site.url("/busy"))
    assert (result.link_status, result.status_code, result.attempts) == (
        LinkStatus.UNREACHABLE,
        429,
        3,
    )


def test_a_slow_site_times_out_and_is_unreachable(site):
    checker = LinkChecker(timeout=0.2, retries=1, backoff=0.01)
    result = checker.check(site.url("/slow"))
    assert (result.link_status, result.status_code) == (LinkStatus.UNREACHABLE, None)
    assert (result.error, result.attempts) == ("timed out", 2)


def test_a_connection_reset_is_unreachable(site, checker):
    result = checker.check(site.url("/reset"))
    assert result.link_status == LinkStatus.UNREACHABLE
    assert result.error == "connection closed by the server"
    assert result.attempts == 3


def test_a_refused_connection_is_unreachable(checker, closed_port):
    result = checker.check(f"http://127.0.0.1:{closed_port}/")
    assert (result.link_status, result.error) == (LinkStatus.UNREACHABLE, "connection refused")


def test_a_name_that_does_not_resolve_is_unreachable(checker):
    # The test guard answers every lookup as a resolver would for an unknown name.
    result = checker.check("https://no-such-host.example/")
    assert (result.link_status, result.error) == (
        LinkStatus.UNREACHABLE,
        "the name does not resolve",
    )


def test_head_refused_falls_back_to_get(site, checker):
    result = checker.check(site.url("/no-head"))
    assert (result.link_status, result.status_code) == (LinkStatus.OK, 200)
    assert (site.hits["HEAD", "/no-head"], site.hits["GET", "/no-head"]) == (1, 1)


def test_a_page_is_only_called_broken_when_get_agrees(site, checker):
    assert checker.check(site.url("/head-lies")).link_status == LinkStatus.OK


def test_only_web_addresses_are_fetched(checker):
    result = checker.check("file:///etc/passwd")
    assert (result.link_status, result.error) == (LinkStatus.UNREACHABLE, "not a web address")


def test_retries_back_off_exponentially():
    assert [retry_delay(n, backoff=0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("retry_after", "delay"),
    [("3", 3.0), ("0", 0.5), ("120", 30.0), ("soon", 0.5), (None, 0.5)],
)
def test_retry_after_is_honoured_within_a_cap(retry_after, delay):
    assert retry_delay(1, backoff=0.5, retry_after=retry_after, max_retry_after=30) == delay


def test_retry_after_may_be_a_date():
    when = timezone.now() + datetime.timedelta(seconds=10)
    header = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 8 < retry_delay(1, backoff=0.5, retry_after=header) <= 10


# Many addresses.


def check_all(urls, checker, **options):
    results = {}
    check_many(
        ((url, url) for url in urls),
        checker=checker,
        on_result=lambda item, result: results.__setitem__(item[0], result),
        **options,
    )
    return results


def test_no_more_than_two_checks_run_at_once_on_one_host(site, checker):
    site.company = 2
    urls = [site.url(f"/together?n={n}") for n in range(6)]
    results = check_all(urls, checker, concurrency=8, per_host=2)
    assert {r.link_status for r in results.values()} == {LinkStatus.OK}
    assert site.peak == 2


def test_no_more_checks_run_at_once_than_the_concurrency(site, checker):
    site.company = 3
    urls = [site.url(f"/together?n={n}") for n in range(6)]
    check_all(urls, checker, concurrency=3, per_host=10)
    assert site.peak == 3


def test_checks_stop_at_the_time_limit(site, checker):
    """The first address answers at once; the others hang until the test ends."""
    urls = [site.url("/ok"), *(site.url(f"/slow?n={n}") for n in range(7))]
    results = check_all(urls, checker, concurrency=1, per_host=1, time_limit=0.4)
    assert list(results) == [site.url("/ok")]


# Saving results.


@pytest.mark.django_db
def test_results_are_saved_on_each_reference(site, checker):
    ok = ReferenceFactory(url=site.url("/ok"))
    moved = ReferenceFactory(url=site.url("/moved"))
    missing = ReferenceFactory(url=site.url("/missing"))
    before = Reference.objects.get(pk=ok.pk).updated_at
    counts = check_references(Reference.objects.all(), checker=checker)
    assert counts == {LinkStatus.OK: 1, LinkStatus.REDIRECTED: 1, LinkStatus.BROKEN: 1}
    ok, moved, missing = (Reference.objects.get(pk=r.pk) for r in (ok, moved, missing))
    assert (ok.link_status, ok.status_code, ok.final_url) == (LinkStatus.OK, 200, site.url("/ok"))
    assert (moved.link_status, moved.final_url) == (LinkStatus.REDIRECTED, site.url("/ok"))
    assert (missing.link_status, missing.status_code) == (LinkStatus.BROKEN, 404)
    assert ok.checked_at is not None
    assert ok.updated_at == before, "a check is not an editor's change"


@pytest.mark.django_db
def test_a_check_keeps_an_editors_change_made_meanwhile(site, checker):
    reference = ReferenceFactory(url=site.url("/ok"), title="Old title")
    Reference.objects.filter(pk=reference.pk).update(title="New title")
    check_references([reference], checker=checker)
    reference.refresh_from_db()
    assert (reference.title, reference.link_status) == ("New title", LinkStatus.OK)


@pytest.mark.django_db
def test_an_unreachable_link_keeps_no_final_address(checker, closed_port):
    reference = ReferenceFactory(url=f"http://127.0.0.1:{closed_port}/page")
    check_references([reference], checker=checker)
    reference.refresh_from_db()
    assert (reference.link_status, reference.status_code, reference.final_url) == (
        LinkStatus.UNREACHABLE,
        None,
        "",
    )


# The command.


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command(
        "check_references", "--timeout", "10", "--retries", "0", *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_checks_every_reference_and_reports_progress(site):
    ReferenceFactory(url=site.url("/ok"))
    ReferenceFactory(url=site.url("/missing"))
    out, err = run_command()
    assert "Checked 2 of 2 references: 1 ok, 0 redirected, 1 broken, 0 unreachable." in out
    lines = err.splitlines()
    assert [line.split("]")[0] for line in lines] == ["[1/2", "[2/2"]
    assert {line.split("] ", 1)[1] for line in lines} == {
        f"ok (200): {site.url('/ok')}",
        f"broken (404): {site.url('/missing')}",
    }
    assert Reference.objects.filter(checked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_stale_days_skips_references_checked_recently(site):
    recent = ReferenceFactory(url=site.url("/missing"))
    old = ReferenceFactory(url=site.url("/ok"))
    never = ReferenceFactory(url=site.url("/moved"))
    now = timezone.now()
    Reference.objects.filter(pk=recent.pk).update(checked_at=now - datetime.timedelta(days=2))
    Reference.objects.filter(pk=old.pk).update(checked_at=now - datetime.timedelta(days=30))
    out, _err = run_command("--stale-days", "7")
    assert "Checked 2 of 2 references" in out
    statuses = dict(Reference.objects.values_list("pk", "link_status"))
    assert statuses == {
        recent.pk: LinkStatus.UNCHECKED,
        old.pk: LinkStatus.OK,
        never.pk: LinkStatus.REDIRECTED,
    }


@pytest.mark.django_db
def test_the_command_gives_up_on_a_dripping_server_at_the_deadline(site):
    ReferenceFactory(url=site.url("/drip"))
    out, err = run_command("--deadline", "0.3")
    assert "0 ok, 0 redirected, 0 broken, 1 unreachable." in out
    assert err.strip() == (
        f"[1/1] unreachable (no complete answer within the 0.3 s deadline): {site.url('/drip')}"
    )


@pytest.mark.django_db
def test_the_command_reports_an_internal_address_as_refused(site, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    ReferenceFactory(url=site.url("/ok"))
    out, err = run_command()
    assert "1 unreachable." in out
    assert err.strip() == (
        f"[1/1] unreachable (refused: internal address (127.0.0.1)): {site.url('/ok')}"
    )
    assert sum(site.hits.values()) == 0


@pytest.mark.django_db
def test_the_command_refuses_a_concurrency_below_one():
    with pytest.raises(Exception, match="must be at least 1"):
        call_command("check_references", "--concurrency", "0")


@pytest.mark.django_db
def test_ctrl_c_keeps_what_was_checked_and_exits_130(site, monkeypatch):
    for n in range(5):
        ReferenceFactory(url=site.url(f"/ok?n={n}"))
    record = services.record_link_check
    calls = []

    def interrupted_on_the_third(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return record(**kwargs)

    monkeypatch.setattr(services, "record_link_check", interrupted_on_the_third)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("check_references", "--concurrency", "1", stdout=out, stderr=err)
    assert exit.value.code == 130
    assert "Interrupted. Checked 2 of 5 references: 2 ok" in out.getvalue()
    assert Reference.objects.filter(link_status=LinkStatus.OK).count() == 2
    assert Reference.objects.filter(link_status=LinkStatus.UNCHECKED).count() == 3


@pytest.mark.subprocess
@needs_migration_history
def test_sigint_stops_the_command_cleanly(site, tmp_path):
    """A real Ctrl-C to ``manage.py check_references`` in its own process and database."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HSL_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1",
    }
    manage = [sys.executable, str(PROJECT / "manage.py")]
    # Every app: the project's receivers of reference saves (articles) read their tables.
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=PROJECT)
    urls = [site.url("/ok"), site.url("/slash/"), site.url("/slow"), site.url("/missing")]
    create = (
        "from references.models import Reference\n"
        f"for n, url in enumerate({urls!r}):\n"
        "    Reference.objects.create(title=f'Source {n}', url=url)\n"
    )
    subprocess.run([*manage, "shell", "-c", create], env=env, check=True, cwd=PROJECT)

    command = subprocess.Popen(
        [*manage, "check_references", "--concurrency", "1", "--timeout", "30"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a terminal starts it: Ctrl-C acts. (pytest-xdist's workers ignore SIGINT, and a
        # child would inherit that.)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    progress = []
    reader = threading.Thread(target=lambda: progress.extend(iter(command.stderr.readline, "")))
    reader.start()
    # The third address (/slow) holds the answer: interrupt once the command waits on it.
    assert site.slow_started.wait(timeout=60), "the command never asked for /slow"
    command.send_signal(signal.SIGINT)
    site.release.set()
    out = command.stdout.read()
    assert command.wait(timeout=30) == 130
    reader.join(5)
    assert "Traceback" not in "".join(progress)
    assert "Interrupted. Checked 2 of 4 references: 2 ok" in out
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        statuses = db.execute(
            "SELECT link_status, COUNT(*) FROM references_reference GROUP BY link_status"
        ).fetchall()
    assert dict(statuses) == {"ok": 2, "unchecked": 2}
