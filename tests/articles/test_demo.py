"""The demo content: the whole source article's structure and facts, loaded once."""

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, RDARow, Section, Study
from references.models import Reference

pytestmark = pytest.mark.django_db

SLUG = "magnesium-glycinate-nerve-conduction"


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    return Article.objects.get(slug=SLUG)


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Article, Section, Study, RDARow, Reference)
    } | {"updated": sorted(Article.objects.values_list("updated_at", flat=True))}


def test_demo_article_is_live_with_both_disclaimers(demo):
    assert demo.is_live
    assert demo.title == "How Magnesium Glycinate Supports Better Nerve Conduction"
    assert demo.attribution.endswith("is an original (HSLHealing) article.")
    assert demo.disclaimers.first().title == "Important Note"
    assert demo.disclaimers.count() == 2
    assert demo.medical_reviewer and demo.reviewed_on


def test_demo_has_every_section_and_numbered_subsection(demo):
    headings = list(demo.sections.values_list("heading", "level"))
    assert ("Statistics on Nerve-Related Disorders", 2) in headings
    numbered_parent = demo.sections.get(heading="How Magnesium Glycinate Enhances Nerve Conduction")
    assert numbered_parent.number_subsections
    subsections = [h for h, level in headings if level == 3]
    assert subsections[:5] == [
        "Regulating Calcium Overload in Nerves",
        "Supporting Myelin Synthesis and Repair",
        "Reducing Inflammation in Nerve Tissue",
        "Enhancing Neurotransmitter Function",
        "Protecting Against Oxidative Stress",
    ]


def test_demo_records_the_source_of_every_figure(demo):
    studies = Study.objects.filter(section__article=demo)
    cited = {(s.authors, s.year, s.journal, s.effect_figure) for s in studies}
    assert cited == {
        ("Feldman et al.", 2017, "", "30 million"),
        ("Rosanoff et al.", 2012, "", "50-60%"),
        ("Xu et al.", 2013, "Neuroscience Research", ""),
        ("Barbagallo & Dominguez", 2010, "Brain Research Bulletin", ""),
        ("Zhao et al.", 2020, "Magnesium Research", "20-30%"),
        ("Zeng et al.", 2015, "Journal of Neural Transmission", ""),
        ("Rondanelli et al.", 2015, "Free Radical Biology and Medicine", "35%"),
    }


def test_demo_rda_table_has_the_four_adult_rows(demo):
    rows = demo.rda_tables.get(nutrient="Magnesium").rows.all()
    assert [(r.life_stage, r.age_band, int(r.amount)) for r in rows] == [
        ("men", "19–30 years", 400),
        ("men", "31 years and older", 420),
        ("women", "19–30 years", 310),
        ("women", "31 years and older", 320),
    ]


def test_demo_cites_six_distinct_references_in_order(demo):
    citations = demo.citations.select_related("reference")
    assert [c.reference.url for c in citations] == [
        "https://pubmed.ncbi.nlm.nih.gov/20388094/",
        "https://www.mdpi.com/2072-6643/13/2/463",
        "https://www.sciencedirect.com/science/article/pii/S0896627309010447",
        "https://pubmed.ncbi.nlm.nih.gov/28445426/",
        "https://www.ncbi.nlm.nih.gov/books/NBK507256/",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/",
    ]
    assert Reference.objects.filter(title="Magnesium and aging").count() == 1


def test_demo_links_two_related_articles(demo):
    related = [link.related for link in demo.related_links.all()]
    assert [a.title for a in related] == [
        "Magnesium Glycinate and Brain Plasticity: Enhancing Cognitive Resilience",
        "The Science of Magnesium Glycinate and its Impact on Brain Function",
    ]
    assert all(article.is_live for article in related)


def test_loading_the_demo_again_changes_nothing(demo, capsys):
    before = snapshot()
    call_command("load_demo")
    assert "already loaded; nothing changed" in capsys.readouterr().out
    assert snapshot() == before


def test_demo_logins_are_printed(settings, capsys):
    settings.DEBUG = True
    call_command("create_demo_users")
    call_command("create_demo_users")
    output = capsys.readouterr().out
    assert "user 'admin'" in output and "password 'hslhealing-demo'" in output
    assert "Admin: http://127.0.0.1:8000/admin/" in output


def test_demo_logins_name_the_address_the_site_is_served_on(settings, capsys):
    settings.DEBUG = True
    call_command("create_demo_users", address="http://127.0.0.1:8765/")
    assert "Admin: http://127.0.0.1:8765/admin/" in capsys.readouterr().out


def test_demo_logins_are_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only for local use"):
        call_command("create_demo_users")
