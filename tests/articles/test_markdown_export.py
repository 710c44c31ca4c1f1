"""Markdown export: the shape of the file, the admin action and `manage.py export_article`."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.demo import MAIN_SLUG, load_demo
from articles.models import Article
from articles.textformat.markdown import article_markdown
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


@pytest.fixture
def demo():
    load_demo()
    return Article.objects.get(slug=MAIN_SLUG)


@pytest.fixture
def demo_markdown(demo):
    return article_markdown(demo)


class TestShape:
    def test_title_standfirst_and_introduction_come_first(self, demo_markdown):
        title, standfirst, intro, heading = demo_markdown.split("\n\n")[:4]
        assert title == "# How Magnesium Glycinate Supports Better Nerve Conduction"
        assert standfirst.startswith("Nerves carry signals between the brain")
        assert intro.startswith("Magnesium is one of the minerals")
        assert heading == "## The Nervous System and Nerve Conduction"

    def test_numbered_sub_sections_carry_their_number(self, demo_markdown):
        assert "### 1. Regulating Calcium Overload in Nerves" in demo_markdown
        assert "### Daily Supplementation" in demo_markdown

    def test_bold_lead_ins_stay_list_items(self, demo_markdown):
        assert "- **Ion channels:** gates for sodium" in demo_markdown

    def test_a_call_out_is_a_quote_with_label_citation_and_tail(self, demo_markdown):
        assert (
            "> **Clinical Insight:** In animal models of neuropathy, supplemental magnesium eased "
            "the overload of calcium in nerves and raised nerve conduction velocity. "
            "(Xu et al., 2013) — *Neuroscience Research*; animal model\n"
        ) in demo_markdown
        assert (
            "(Barbagallo & Dominguez, 2010) — *Brain Research Bulletin*; narrative review; "
            "reference 1\n"
        ) in demo_markdown

    def test_a_figure_in_the_running_text_is_cited_in_the_text_once(self, demo_markdown):
        assert "\n> *Cited in the text:* (Feldman et al., 2017)\n" in demo_markdown
        assert demo_markdown.count("30 million") == 1
        assert demo_markdown.count("50-60%") == 1

    def test_intakes_references_links_attribution_and_disclaimers_close_it(self, demo_markdown):
        closing = demo_markdown[demo_markdown.index("## Recommended intakes") :]
        assert closing.split("\n\n")[:3] == [
            "## Recommended intakes",
            "### Magnesium (mg)",
            "- Men aged 19-30: 400 mg/day\n- Men aged 31 and older: 420 mg/day\n"
            "- Women aged 19-30: 310 mg/day\n- Women aged 31 and older: 320 mg/day",
        ]
        assert "Tolerable upper intake level: 350 mg/day (adults, from supplements only)" in closing
        assert (
            "1. Magnesium and aging \\[Internet\\]. pubmed.ncbi.nlm.nih.gov; "
            "\\[cited 2025 Jan 8\\]. Available from: https://pubmed.ncbi.nlm.nih.gov/20388094/ "
            "PubMed PMID: 20388094.\n" in closing
        )
        assert "## You May Also Like\n\n- Magnesium Glycinate and Brain Plasticity" in closing
        assert "\n\nHow Magnesium Glycinate Supports Better Nerve Conduction is an original " in (
            closing
        )
        assert closing.endswith("cure or prevent any disease.\n")
        assert "\n\n**Important Note:** This article is general information" in closing

    def test_markdown_characters_in_text_are_escaped(self):
        section = SectionFactory(body="<p>5 * 2 [sic] # one</p><p>- not an item</p>")
        text = article_markdown(section.article)
        assert "5 \\* 2 \\[sic\\] # one\n\n\\- not an item" in text


@pytest.fixture
def exporter_client(client, django_user_model):
    """A staff member of the Staff exporters group only."""
    user = django_user_model.objects.create_user("exa", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff exporters"))
    client.force_login(user)
    return client


class TestAdminAction:
    def post_action(self, client, articles):
        return client.post(
            CHANGELIST,
            {"action": "export_markdown", "_selected_action": [a.pk for a in articles]},
        )

    def test_one_article_downloads_as_a_markdown_file(self, exporter_client, demo, demo_markdown):
        response = self.post_action(exporter_client, [demo])
        assert response.status_code == 200
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="magnesium-glycinate-nerve-conduction.md"'
        )
        assert response.content.decode() == demo_markdown

    def test_several_articles_download_as_a_zip_of_markdown_files(self, exporter_client, demo):
        others = list(Article.objects.exclude(pk=demo.pk))
        response = self.post_action(exporter_client, [demo, *others])
        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        assert sorted(archive.namelist()) == sorted(f"{a.slug}.md" for a in [demo, *others])
        assert archive.read(f"{demo.slug}.md").decode() == article_markdown(demo)

    def test_needs_permission_to_see_articles(self, client, django_user_model):
        article = ArticleFactory()
        user = django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
        client.force_login(user)
        assert self.post_action(client, [article]).status_code == 403

    def test_staff_exporters_may_export_markdown(self, exporter_client, demo):
        assert self.post_action(exporter_client, [demo])["Content-Type"].startswith("text/markdown")

    def test_needs_the_export_permission_like_the_other_exports(self, editor_client, demo):
        """Drafts leave the building only with "Can export articles"; Editors lack it."""
        response = self.post_action(editor_client, [demo])
        assert not response["Content-Type"].startswith("text/markdown")
        assert "attachment" not in response.get("Content-Disposition", "")


class TestCommand:
    def test_writes_to_standard_output(self, demo, demo_markdown):
        out = io.StringIO()
        call_command("export_article", demo.slug, stdout=out)
        assert out.getvalue() == demo_markdown

    def test_writes_to_a_file(self, demo, demo_markdown, tmp_path):
        target = tmp_path / "demo.md"
        out = io.StringIO()
        call_command("export_article", demo.slug, output=str(target), stdout=out)
        assert target.read_text(encoding="utf-8") == demo_markdown
        assert "Wrote “How Magnesium Glycinate" in out.getvalue()

    def test_an_unknown_slug_is_one_clear_error(self):
        with pytest.raises(CommandError, match="There is no article with the slug “nope”"):
            call_command("export_article", "nope")
