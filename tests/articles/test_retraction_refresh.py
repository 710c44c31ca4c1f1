"""A cited paper retracted after the article was written, end to end: `manage.py
refresh_references` asks PubMed again (a local stand-in answering as esummary does) about every
reference with an identifier, details or not, and once PubMed records the retraction the
article's change page, the changelist filters, the dashboard, the staff export and the
reader's page all say so; the study citing the paper was checked against its record on the
way (the library's `reference_details_changed`)."""

import copy
import csv
import io
import json
import socket
import threading

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, SourceCheck
from references.models import NoticeStatus, Reference
from tests.factories import ArticleFactory, CitationFactory, SectionFactory, StudyFactory
from tests.references.conftest import LOCAL_HOSTS, RESPONSES, MetadataServer, is_address
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

PMID = "90000021"
CHANGELIST = reverse("admin:articles_article_changelist")


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch):
    """Any name lookup other than the loopback address fails the test."""
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in LOCAL_HOSTS and not is_address(host):
            raise socket.gaierror(f"the tests may not look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
def pubmed(settings):
    """The NCBI and Crossref stand-in (tests/references/conftest.py) on 127.0.0.1, named by the
    base-URL settings and allowed by the outbound guard."""
    server = MetadataServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.HSL_NCBI_EUTILS_URL = f"http://{server.address}/eutils/"
    settings.HSL_CROSSREF_API_URL = f"http://{server.address}/crossref/"
    settings.HSL_CONTACT_EMAIL = "editors@example.org"
    settings.HSL_NCBI_API_KEY = "test-key"
    settings.OUTBOUND_ALLOWED_HOSTS = [server.address]
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def summary(*, retracted):
    """PubMed's esummary document for a made-up trial (PMID 90000021, a test record), before
    and after its retraction: the same shape as the retracted test record in responses/, without
    a DOI (so PubMed alone answers for it)."""
    notices = json.loads((RESPONSES / "esummary_pubmed_notices.json").read_text())
    document = copy.deepcopy(notices["result"]["90000001"])
    document.update(
        uid=PMID,
        title="Test record: a trial retracted later.",
        elocationid="",
        articleids=[{"idtype": "pubmed", "idtypen": 1, "value": PMID}],
        pubtype=["Journal Article"],
        references=[],
    )
    if retracted:
        document["pubtype"].append("Retracted Publication")
        document["references"] = [
            {
                "refsource": "Test J Med. 2021 Jan;6(1):1.",
                "reftype": "Retraction in",
                "pmid": 90000022,
                "note": "",
            }
        ]
    return document


def refresh(*options):
    out = io.StringIO()
    call_command("refresh_references", *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def export_row(client, article):
    response = client.get(reverse("admin:articles_article_export", args=["csv"]))
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    return next(row for row in rows if row["ID"] == str(article.pk))


def test_a_cited_paper_retracted_later_is_flagged_everywhere(pubmed, admin_client, client):
    article = ArticleFactory(title="Magnesium and sleep")
    reference = ReferenceFactory(
        title="A trial of magnesium", url=f"https://pubmed.ncbi.nlm.nih.gov/{PMID}/"
    )
    CitationFactory(article=article, reference=reference, position=1)
    study = StudyFactory(
        section=SectionFactory(article=article),
        authors="Example et al.",
        year=2019,
        journal="Test J Med",
        effect_figure="",
        reference=reference,
    )
    assert study.source_check == SourceCheck.NOT_FETCHED

    # PubMed knows the paper, with no notice: its details are filled, the study checked.
    pubmed.documents["pubmed"][PMID] = summary(retracted=False)
    assert "1 filled, 0 retracted" in refresh()
    reference.refresh_from_db()
    assert reference.has_bibliographic_details()
    assert reference.notice_status == NoticeStatus.NONE
    study.refresh_from_db()
    assert study.source_check == SourceCheck.AGREES

    # Then PubMed records the retraction. --missing-only leaves references with details alone;
    # the nightly run without it asks about every reference with an identifier.
    pubmed.documents["pubmed"][PMID] = summary(retracted=True)
    assert "Looked up 0 references" in refresh("--missing-only")
    assert Reference.objects.get(pk=reference.pk).notice_status == NoticeStatus.NONE
    assert "0 filled, 1 retracted" in refresh()
    reference.refresh_from_db()
    assert reference.notice_status == NoticeStatus.RETRACTED
    assert reference.notice_link() == "https://pubmed.ncbi.nlm.nih.gov/90000022/"

    # The article's change page: the evidence summary and the notice, linked.
    change = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    text = change.content.decode()
    assert "1 retracted source cited" in text
    assert 'Retracted</strong> — <a href="https://pubmed.ncbi.nlm.nih.gov/90000022/"' in text
    # The changelist filters: "cites retracted papers" and the dashboard's reference problems.
    for params in ({"cites_retracted": "yes"}, {"reference_problem": "retracted"}):
        listed = admin_client.get(CHANGELIST, params)
        assert list(listed.context["cl"].result_list) == [article], params
    # The staff export.
    assert export_row(admin_client, article)["Retracted sources cited"] == "1"
    # The reader's page.
    assert Article.objects.get(pk=article.pk).is_live
    page = client.get(article.get_absolute_url()).content.decode()
    assert (
        '<a class="notice notice-retracted" href="https://pubmed.ncbi.nlm.nih.gov/90000022/" '
        'rel="noopener nofollow">Retracted</a>'
    ) in page
