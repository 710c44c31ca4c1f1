"""
The library's references looked up again by identifier, in batches (`refresh`): details filled
where empty (or replaced, with `overwrite`) and the retraction and correction notices re-checked.
Used by `manage.py refresh_references` and the admin's "Fetch details" action.

The lookups (network) happen outside any transaction; each reference is then saved on its own
(`services.apply_lookup`), so one reference that cannot be saved costs nothing else.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import services
from .metadata import fetch_records
from .models import FLAGGED_NOTICES


@dataclass
class RefreshResult:
    counts: Counter = field(default_factory=Counter)
    #: (reference, one line) for each reference a lookup or a save failed for.
    failures: list = field(default_factory=list)


def has_identifier(reference):
    return any(reference.lookup_identifiers()[key] for key in ("pmid", "pmcid", "doi"))


def refresh(
    references, *, missing_only=False, overwrite=False, batch_size=200, on_progress=None, **lookup
):
    """Look up `references` (those with a PMID, PMC ID or DOI; with `missing_only`, only those
    without bibliographic details yet) and store what was found. ``on_progress(done, total)``
    follows the lookups; `lookup` options go to `metadata.fetch_records`."""
    result = RefreshResult()
    wanted = []
    for reference in references:
        if not has_identifier(reference) or (
            missing_only and reference.has_bibliographic_details()
        ):
            result.counts["skipped"] += 1
        else:
            wanted.append(reference)
    total = len(wanted)
    for start in range(0, total, batch_size):
        chunk = wanted[start : start + batch_size]

        def progress(done, _total, offset=start):
            if on_progress:
                on_progress(offset + done, total)

        outcomes = fetch_records(
            [reference.lookup_identifiers() for reference in chunk], on_progress=progress, **lookup
        )
        for reference, outcome in zip(chunk, outcomes, strict=True):
            result.counts["looked up"] += 1
            if outcome.record or outcome.notice:
                try:
                    filled = services.apply_lookup(
                        reference=reference, outcome=outcome, overwrite=overwrite
                    )
                except ValidationError as error:
                    result.failures.append((reference, " ".join(error.messages)))
                    continue
                if filled:
                    result.counts["filled"] += 1
                if reference.notice_status in FLAGGED_NOTICES:
                    result.counts[reference.notice_status] += 1
            if outcome.errors:
                result.failures.append((reference, outcome.error))
    return result
