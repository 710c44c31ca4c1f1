"""
URL normalisation, so that one source entered twice is recognised as one reference.

Two URLs that differ only in scheme or host case, a default port, a trailing slash, a fragment,
tracking parameters (``utm_source``, ``fbclid`` …) or the order of their query parameters point
at the same page and normalise to the same string. Nothing else is changed: ``http`` and
``https``, or ``www.`` and no ``www.``, stay apart, because sites do serve different pages
there; the identifiers (DOI, PMID …) catch those duplicates instead.
"""

from urllib.parse import unquote_plus, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

#: Query parameters that say how a reader arrived, never which page they read.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "rb_clickid",
        "s_cid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_")


def is_tracking_parameter(name):
    name = unquote_plus(name).lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def normalize_query(query):
    """The query without tracking parameters, its parameters sorted by name.

    Parameters keep their original spelling (no re-encoding), and repeated names keep their
    relative order, since some sites read them in order.
    """
    pairs = [pair for pair in query.split("&") if pair]
    kept = [pair for pair in pairs if not is_tracking_parameter(pair.partition("=")[0])]
    return "&".join(sorted(kept, key=lambda pair: pair.partition("=")[0]))


def normalize_url(url):
    """Return the comparable form of `url`: lower-case scheme and host, no default port,
    no trailing slash, no fragment, no tracking parameters, query parameters sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, host, path, normalize_query(parts.query), ""))


def site_name(url):
    """The host a URL points at, without a leading 'www.' (e.g. 'pubmed.ncbi.nlm.nih.gov')."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
