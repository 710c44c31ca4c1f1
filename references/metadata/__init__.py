"""
Bibliographic details fetched by identifier, instead of typed: PubMed and PubMed Central through
NCBI E-utilities ``esummary`` (JSON, many ids per request), DOIs through the Crossref REST API
``/works/{doi}``; with what each says was published about a paper afterwards (retractions,
corrections, expressions of concern).

- `http`: the one function that reaches the network, the rate limits, retries and errors;
- `ncbi`, `crossref`: each service's requests and its answers mapped to CSL-JSON;
- `lookup`: a library's worth of references looked up in batches (`fetch_records`).
"""

from .http import BadResponse, LookupFailed, NotFound, ServiceUnavailable
from .lookup import Notice, Outcome, Record, fetch_records

__all__ = [
    "BadResponse",
    "LookupFailed",
    "NotFound",
    "Notice",
    "Outcome",
    "Record",
    "ServiceUnavailable",
    "fetch_records",
]
