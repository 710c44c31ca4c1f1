"""References from and to reference managers: RIS, BibTeX and CSL-JSON, pasted into or
exported from the admin."""

import json

import pytest
import rispy
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from references import formats
from references.models import MetadataSource, Reference, ReferenceType
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:references_reference_import")
CHANGELIST = reverse("admin:references_reference_changelist")

RIS = """TY  - JOUR
AU  - Example, Alice B.
AU  - Test Writing Group
TI  - Test record: a trial in RIS
T2  - Test journal of medicine
PY  - 2019
DA  - 2019/03/01
VL  - 4
IS  - 1
SP  - 10
EP  - 19
DO  - 10.5555/test.ris
ER  -"""
RIS += " \n"  # RIS ends each record with "ER  - ", its trailing space included

BIBTEX = r"""@article{example2019,
  author = {Example, Alice B. and {Test Writing Group}},
  title = {Test record: a trial in BibTeX with an {\"u}mlaut},
  journal = {Test journal of medicine},
  year = {2019},
  month = mar,
  volume = {4},
  number = {1},
  pages = {10--19},
  doi = {10.5555/test.bibtex},
}
"""


def test_ris_is_read_into_csl():
    [item] = formats.read(RIS)
    assert item == {
        "type": "article-journal",
        "title": "Test record: a trial in RIS",
        "author": [{"family": "Example", "given": "Alice B."}, {"literal": "Test Writing Group"}],
        "container-title": "Test journal of medicine",
        "issued": {"date-parts": [[2019, 3, 1]]},
        "volume": "4",
        "issue": "1",
        "page": "10-19",
        "DOI": "10.5555/test.ris",
    }


def test_bibtex_is_read_into_csl_with_its_accents_decoded():
    [item] = formats.read(BIBTEX)
    assert item["title"] == "Test record: a trial in BibTeX with an ümlaut"
    assert item["author"] == [
        {"family": "Example", "given": "Alice B."},
        {"literal": "Test Writing Group"},
    ]
    assert item["issued"] == {"date-parts": [[2019, 3]]}
    assert item["page"] == "10-19"


def test_the_admin_imports_pasted_references_all_at_once(admin_client):
    ReferenceFactory(title="Already here", url="https://doi.org/10.5555/test.bibtex")
    response = admin_client.post(IMPORT, {"text": BIBTEX}, follow=True)
    assert "Imported 0 references; 1 were already in the library." in response.content.decode()
    response = admin_client.post(IMPORT, {"text": RIS}, follow=True)
    reference = Reference.objects.get(doi="10.5555/test.ris")
    assert reference.url == "https://doi.org/10.5555/test.ris"
    assert reference.metadata_source == MetadataSource.FILE
    assert reference.reference_type == ReferenceType.JOURNAL_ARTICLE


def test_an_import_with_one_bad_reference_adds_none(admin_client):
    items = [
        {"type": "article-journal", "title": "Test record: good", "DOI": "10.5555/test.good"},
        {"type": "article-journal", "title": "Test record: no address or identifier"},
    ]
    response = admin_client.post(IMPORT, {"text": json.dumps(items), "format": "csl-json"})
    assert Reference.objects.count() == 0
    assert (
        "Reference 2 (“Test record: no address or identifier”) was not imported, nor any other"
        in response.content.decode()
    )


def test_text_in_no_known_format_is_refused(admin_client):
    response = admin_client.post(IMPORT, {"text": "just some words"})
    assert "This is not RIS, BibTeX or CSL-JSON." in response.content.decode()


@pytest.mark.parametrize("action", ["export_ris", "export_bibtex", "export_csl_json"])
def test_exported_references_read_back_the_same(admin_client, action):
    [item] = formats.read(RIS)
    reference = Reference.from_csl(item)
    reference.url = "https://doi.org/10.5555/test.ris"
    reference.save()
    response = admin_client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [reference.pk]}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="references.')
    [read_back] = formats.read(response.content.decode())
    for key in ("title", "author", "container-title", "volume", "issue", "page", "DOI"):
        assert read_back[key] == item[key], key
    assert read_back["issued"]["date-parts"][0][0] == 2019


def test_ris_export_names_the_pubmed_id():
    reference = ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/90000001/")
    [entry] = rispy.loads(formats.write([reference], "ris"))
    assert (entry["accession_number"], entry["name_of_database"]) == ("90000001", "PubMed")
