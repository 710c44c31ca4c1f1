"""The evidence chain on the article side: every figure tied to its source, checked against the
source's record, summarised for editors and staff, and retractions shown to readers and
acknowledged by publishers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from reversion.models import Version

from articles.demo import MAIN_SLUG, load_demo
from articles.editing import evidence, workflow
from articles.exports import export_rows
from articles.models import Article, SourceCheck, Study
from articles.models.evidence import first_author_of
from references import services
from references.metadata import Outcome, Record
from references.models import MetadataSource, NoticeStatus
from tests.admin_forms import form_data_from_page
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ContributorFactory,
    SectionFactory,
    StudyFactory,
)
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

BARBAGALLO = {
    "reference_type": "article-journal",
    "authors": [{"family": "Barbagallo", "given": "M"}, {"family": "Dominguez", "given": "LJ"}],
    "container_title": "Current pharmaceutical design",
    "container_title_short": "Curr Pharm Des",
    "issued_year": 2010,
}


def barbagallo_study(section, **fields):
    values = {
        "authors": "Barbagallo & Dominguez",
        "year": 2010,
        "journal": "Brain Research Bulletin",
        "finding": "A lack of magnesium held back the making of myelin.",
        "effect_figure": "",
    }
    return StudyFactory(section=section, **(values | fields))


def draft(**fields):
    return ArticleFactory(
        status=Article.Status.DRAFT,
        publish_at=None,
        medical_reviewer=ContributorFactory(),
        reviewed_on=datetime.date(2025, 3, 1),
        **fields,
    )


def cite(article, **reference_fields):
    reference = ReferenceFactory(**reference_fields)
    CitationFactory(article=article, reference=reference)
    return reference


# Checking a study against its reference ------------------------------------------------------


def test_first_author_is_read_from_the_in_text_citation():
    assert first_author_of("Xu et al.") == "Xu"
    assert first_author_of("Barbagallo & Dominguez") == "Barbagallo"
    assert first_author_of("Boyle, Lawton and Dye") == "Boyle"
    assert first_author_of("van der Berg et al.") == "van der Berg"


def test_study_disagreeing_with_its_record_says_how():
    section = SectionFactory()
    reference = ReferenceFactory(**BARBAGALLO)
    study = barbagallo_study(section, reference=reference)
    assert study.source_check == SourceCheck.DISAGREES
    assert study.source_check_note == (
        "Journal: the article says “Brain Research Bulletin”, the record says "
        "“Current pharmaceutical design / Curr Pharm Des”."
    )


def test_study_agreeing_with_its_record_by_abbreviation_case_and_ampersand():
    reference = ReferenceFactory(
        **(BARBAGALLO | {"container_title": "Free radical biology & medicine"})
    )
    study = barbagallo_study(
        SectionFactory(), reference=reference, journal="Free Radical Biology and Medicine"
    )
    assert (study.source_check, study.source_check_note) == (SourceCheck.AGREES, "")


def test_year_and_first_author_differences_are_both_named():
    reference = ReferenceFactory(**(BARBAGALLO | {"issued_year": 2011}))
    study = barbagallo_study(
        SectionFactory(), reference=reference, authors="Dominguez et al.", journal=""
    )
    assert study.source_check == SourceCheck.DISAGREES
    assert "First author: the article says “Dominguez”, the record says “Barbagallo”." in (
        study.source_check_note
    )
    assert "Year: the article says 2010, the record says 2011." in study.source_check_note


def test_study_with_an_unfetched_reference_is_not_checked():
    study = barbagallo_study(SectionFactory(), reference=ReferenceFactory())
    assert study.source_check == SourceCheck.NOT_FETCHED


def test_reference_gaining_details_rechecks_its_studies():
    """A lookup fills the reference (apply_lookup): the study now shows the disagreement."""
    reference = ReferenceFactory(title="Magnesium and aging")
    study = barbagallo_study(SectionFactory(), reference=reference)
    assert study.source_check == SourceCheck.NOT_FETCHED
    csl = {
        "type": "article-journal",
        "title": "Magnesium and aging.",
        "author": BARBAGALLO["authors"],
        "container-title": "Current pharmaceutical design",
        "container-title-short": "Curr Pharm Des",
        "issued": {"date-parts": [[2010]]},
    }
    services.apply_lookup(
        reference=reference, outcome=Outcome(record=Record(csl=csl, source=MetadataSource.PUBMED))
    )
    study.refresh_from_db()
    assert study.source_check == SourceCheck.DISAGREES
    assert "Brain Research Bulletin" in study.source_check_note


# Linking studies to the reference list -------------------------------------------------------


def test_reference_gaining_details_links_the_one_matching_study_with_history():
    article = draft()
    study = barbagallo_study(SectionFactory(article=article))
    reference = cite(article, title="Magnesium and aging")
    csl = {"author": BARBAGALLO["authors"], "issued": {"date-parts": [[2010]]}}
    services.apply_lookup(
        reference=reference, outcome=Outcome(record=Record(csl=csl, source=MetadataSource.PUBMED))
    )
    study.refresh_from_db()
    assert study.reference == reference
    version = Version.objects.get_for_object(article).get()
    assert version.revision.get_comment() == (
        "Linked 1 study to its reference (same first author and year): "
        "Barbagallo & Dominguez, 2010 → Magnesium and aging."
    )


def test_ambiguous_study_is_suggested_not_linked():
    article = draft()
    study = barbagallo_study(SectionFactory(article=article))
    first = cite(article, **BARBAGALLO)
    second = cite(article, **BARBAGALLO)
    result = evidence.link_studies(article=article)
    study.refresh_from_db()
    assert study.reference is None
    assert result.linked == []
    assert evidence.suggestions(article) == {study: [first, second]}
    assert not Version.objects.get_for_object(article).exists()


def test_reference_outside_the_articles_list_is_never_linked():
    article = draft()
    study = barbagallo_study(SectionFactory(article=article))
    ReferenceFactory(**BARBAGALLO)  # in the library, not cited by this article
    cite(article, **(BARBAGALLO | {"issued_year": 2009}))
    assert evidence.link_studies(article=article).linked == []
    study.refresh_from_db()
    assert study.reference is None


# The evidence summary -----------------------------------------------------------------------


def evidence_article(*, retracted=False):
    article = draft()
    section = SectionFactory(article=article)
    reference = cite(
        article,
        **BARBAGALLO,
        notice_status=NoticeStatus.RETRACTED if retracted else NoticeStatus.NONE,
        notice_url="https://example.org/retraction-notice" if retracted else "",
    )
    barbagallo_study(section, reference=reference, position=1)
    StudyFactory(section=section, position=2)  # unlinked
    return article


def test_summary_counts_figures_links_disagreements_and_retractions():
    article = Article.objects.with_evidence().get(pk=evidence_article(retracted=True).pk)
    assert (
        article.figure_count,
        article.linked_figure_count,
        article.unlinked_figure_count,
        article.disagreement_count,
        article.retracted_source_count,
    ) == (2, 1, 1, 1, 1)


def test_changelist_filters_and_column(admin_client):
    flagged = evidence_article(retracted=True)
    ArticleFactory()  # no figures, no retractions
    url = reverse("admin:articles_article_changelist")
    response = admin_client.get(url, {"cites_retracted": "yes"})
    assert list(response.context["cl"].result_list) == [flagged]
    response = admin_client.get(url, {"unlinked_figures": "yes"})
    assert list(response.context["cl"].result_list) == [flagged]
    response = admin_client.get(url)
    assert "1 of 2 linked · 1 disagrees · 1 retracted source" in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, count
):
    for _ in range(count):
        evidence_article(retracted=True)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


def test_staff_export_has_the_evidence_columns():
    article = evidence_article(retracted=True)
    (row,) = export_rows(Article.objects.for_export().filter(pk=article.pk), site_url="https://x")
    assert (
        row["figures"],
        row["linked_figures"],
        row["unlinked_figures"],
        row["source_disagreements"],
        row["retracted_sources"],
    ) == (2, 1, 1, 1, 1)


def test_change_page_shows_the_disagreement_and_the_notice(admin_client):
    article = evidence_article(retracted=True)
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    text = page.content.decode()
    assert "2 figures</strong>:\n    1 linked to a reference, 1 not linked" in text
    assert "Journal: the article says “Brain Research Bulletin”" in text
    assert 'Retracted</strong> — <a href="https://example.org/retraction-notice"' in text


# Publishing ---------------------------------------------------------------------------------


def test_unlinked_figures_stop_publishing_when_required(settings, publisher):
    settings.REQUIRE_SOURCED_FIGURES = True
    article = evidence_article()
    with pytest.raises(ValidationError) as refused:
        workflow.publish_article(article=article, user=publisher)
    assert "Every figure must be tied to its source before publishing, and 1 is not: " in str(
        refused.value
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_unlinked_figures_publish_when_not_required(settings, publisher):
    settings.REQUIRE_SOURCED_FIGURES = False
    article = workflow.publish_article(article=evidence_article(), user=publisher)
    assert article.status == Article.Status.PUBLISHED


def test_publishing_a_retracted_source_needs_an_acknowledgement(publisher):
    article = evidence_article(retracted=True)
    with pytest.raises(ValidationError, match="This article cites a retracted paper"):
        workflow.publish_article(article=article, user=publisher)
    workflow.publish_article(article=article, user=publisher, acknowledge_retractions=True)
    (reference,) = evidence.retracted_references(article)
    comment = Version.objects.get_for_object(article).first().revision.get_comment()
    assert comment == (
        f"Published. Retracted sources checked and acknowledged by the publisher: “{reference}”."
    )


def test_admin_publish_path_asks_for_the_acknowledgement(client, editor, publisher):
    article = evidence_article(retracted=True)
    editor.groups.add(*publisher.groups.all())  # an editor who publishes: writes the references
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data_from_page(client.get(url).content.decode())
    assert "acknowledge_retractions" in client.get(url).context["adminform"].form.fields
    data["status"] = "published"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "This article cites a retracted paper" in refused.content.decode()
    data["acknowledge_retractions"] = "on"
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    comment = Version.objects.get_for_object(article).first().revision.get_comment()
    assert "Retracted sources checked and acknowledged by the publisher" in comment


def test_admin_publish_path_refuses_unlinked_figures_when_required(
    settings, client, editor, publisher
):
    settings.REQUIRE_SOURCED_FIGURES = True
    article = evidence_article()
    editor.groups.add(*publisher.groups.all())
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data_from_page(client.get(url).content.decode())
    data["status"] = "published"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Every figure must be tied to its source before publishing" in (refused.content.decode())


# Readers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (NoticeStatus.RETRACTED, "Retracted"),
        (NoticeStatus.CORRECTED, "Corrected"),
        (NoticeStatus.CONCERN, "Expression of concern"),
    ],
)
def test_reader_sees_the_notice_beside_the_reference(client, status, label):
    article = ArticleFactory()
    cite(article, notice_status=status, notice_url="https://example.org/notice")
    page = client.get(article.get_absolute_url()).content.decode()
    assert (
        f'<a class="notice notice-{status}" href="https://example.org/notice" '
        f'rel="noopener nofollow">{label}</a>'
    ) in page


def test_reader_sees_no_notice_for_a_clean_reference(client):
    article = ArticleFactory()
    cite(article, notice_status=NoticeStatus.NONE)
    assert 'class="notice' not in client.get(article.get_absolute_url()).content.decode()


def test_study_linked_to_a_cited_reference_links_to_its_number(client):
    article = ArticleFactory()
    reference = cite(article, **BARBAGALLO)
    study = barbagallo_study(SectionFactory(article=article), reference=reference)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'href="#ref-1" id="cite-{study.pk}"' in page
    assert f'href="#cite-{study.pk}"' in page


# The demo, truthfully ----------------------------------------------------------------------


def test_demo_shows_its_figures_sources_as_they_are(admin_client):
    """One figure of seven is linked (Barbagallo & Dominguez 2010, to PMID 20388094, whose
    details the demo does not claim); once its record is fetched, editors see that the article
    names another journal, and the article's text is left as it is."""
    load_demo()
    article = Article.objects.with_evidence().get(slug=MAIN_SLUG)
    assert (article.figure_count, article.linked_figure_count) == (7, 1)
    study = Study.objects.get(section__article=article, reference__isnull=False)
    assert (study.authors, study.journal) == ("Barbagallo & Dominguez", "Brain Research Bulletin")
    assert study.source_check == SourceCheck.NOT_FETCHED
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert "Not checked: the reference’s details were not fetched." in (
        admin_client.get(url).content.decode()
    )

    csl = {  # the fields of PubMed's esummary record for 20388094, as a lookup maps them
        "type": "article-journal",
        "author": BARBAGALLO["authors"],
        "container-title": "Current pharmaceutical design",
        "container-title-short": "Curr Pharm Des",
        "issued": {"date-parts": [[2010]]},
    }
    services.apply_lookup(
        reference=study.reference,
        outcome=Outcome(record=Record(csl=csl, source=MetadataSource.PUBMED)),
    )
    study.refresh_from_db()
    assert study.journal == "Brain Research Bulletin"
    assert study.source_check == SourceCheck.DISAGREES
    page = admin_client.get(url).content.decode()
    assert "Journal: the article says “Brain Research Bulletin”, the record says" in page
