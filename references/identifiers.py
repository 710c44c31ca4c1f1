"""
Identifiers read from a reference's URL: PubMed ID, PubMed Central ID, DOI, NCBI Bookshelf ID.

Only what the URL states is read. A publisher URL that carries the DOI in its path or query
(Springer, Wiley, PLOS, Frontiers …) gives it; one that does not (MDPI's
``mdpi.com/2072-6643/13/2/463``, ScienceDirect's ``pii/…``) gives none, and no DOI is guessed.
"""

import re
from dataclasses import dataclass, fields
from urllib.parse import parse_qsl, unquote, urlsplit

NCBI_HOSTS = {"www.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov"}
PUBMED_HOSTS = {"pubmed.ncbi.nlm.nih.gov"}
PMC_HOSTS = {"pmc.ncbi.nlm.nih.gov"}
EUROPE_PMC_HOSTS = {"europepmc.org", "www.europepmc.org"}
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}

#: (hosts, identifier, path pattern): where each identifier sits in the addresses that hold it.
PATHS = [
    (PUBMED_HOSTS, "pmid", re.compile(r"^/(\d{1,9})/?$")),
    (NCBI_HOSTS, "pmid", re.compile(r"^/pubmed/(\d{1,9})/?$")),
    (EUROPE_PMC_HOSTS, "pmid", re.compile(r"^/(?:article|abstract)/MED/(\d{1,9})(?:/|$)")),
    (PMC_HOSTS, "pmcid", re.compile(r"^/articles/(PMC\d{1,9})(?:/|$)", re.IGNORECASE)),
    (NCBI_HOSTS, "pmcid", re.compile(r"^/pmc/articles/(PMC\d{1,9})(?:/|$)", re.IGNORECASE)),
    (
        EUROPE_PMC_HOSTS,
        "pmcid",
        re.compile(r"^/(?:article|abstract)/PMC/(PMC\d{1,9})(?:/|$)", re.IGNORECASE),
    ),
    (NCBI_HOSTS, "bookshelf_id", re.compile(r"^/books/(NBK\d{1,9})(?:/|$)", re.IGNORECASE)),
]

#: A DOI as the model accepts it (``10.<registrant>/<suffix>``).
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
#: A DOI inside a path, from the first segment that starts like one to the end of the path:
#: ``/doi/full/10.1002/jcp.12345``.
DOI_IN_PATH = re.compile(r"(?:^|/)(10\.\d{4,9}/.+)$")
#: Path endings publishers add after the DOI, which are not part of it.
DOI_PATH_ENDINGS = re.compile(
    r"(?:/(?:full|abstract|abs|pdf|epdf|pdfdirect|fulltext|html|meta|summary|references"
    r"|figures|tables|suppl_file|citation|info|metrics|reader)|\.pdf|[.,;])$",
    re.IGNORECASE,
)
DOI_MAX_LENGTH = 200


@dataclass(frozen=True)
class Identifiers:
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    bookshelf_id: str = ""

    def items(self):
        """(field name, value) for each identifier found."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]


def identifiers_from_url(url):
    """The identifiers `url` states, e.g. ``Identifiers(pmid="20388094")`` for
    ``https://pubmed.ncbi.nlm.nih.gov/20388094/``."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return Identifiers()
    path = unquote(parts.path)
    found = {}
    for hosts, name, pattern in PATHS:
        if host in hosts and (match := pattern.match(path)):
            found.setdefault(name, match.group(1).upper())
    return Identifiers(doi=_doi_from(host, path, parts.query), **found)


def _doi_from(host, path, query):
    if host in DOI_HOSTS:
        return clean_doi(path.removeprefix("/"))
    for _name, value in parse_qsl(query):
        if DOI.match(value):
            return clean_doi(value)
    match = DOI_IN_PATH.search(path)
    return clean_doi(match.group(1)) if match else ""


def clean_doi(value):
    """A DOI without the endings publishers put after it, or "" if `value` is not a DOI."""
    value = value.strip()
    while (trimmed := DOI_PATH_ENDINGS.sub("", value)) != value:
        value = trimmed
    if not DOI.match(value) or len(value) > DOI_MAX_LENGTH:
        return ""
    return value


def parse_identifier(text):
    """The identifiers an editor pasted: a PMID ("20388094", "PMID: 20388094"), a PMC ID
    ("PMC7912123"), a DOI ("10.3390/nu13020463", "doi:10.3390/…") or an address that states
    one (see `identifiers_from_url`). Nothing recognised gives empty `Identifiers`."""
    text = text.strip()
    if text.lower().startswith(("http://", "https://")):
        return identifiers_from_url(text)
    bare = re.sub(r"^(?:pmid|pmcid|doi)\s*:?\s*", "", text, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"\d{1,9}", bare):
        return Identifiers(pmid=bare)
    if re.fullmatch(r"PMC\d{1,9}", bare, re.IGNORECASE):
        return Identifiers(pmcid=bare.upper())
    if re.fullmatch(r"NBK\d{1,9}", bare, re.IGNORECASE):
        return Identifiers(bookshelf_id=bare.upper())
    return Identifiers(doi=clean_doi(bare))
