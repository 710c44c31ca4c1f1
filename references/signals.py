"""
Signals the library sends, for the apps that use it (this app knows nothing of them).

`references_merged` is sent by `services.merge_references()` at the end of its transaction,
once the rows pointing at the merged references point at the one kept and those references are
deleted; a receiver that raises undoes the whole merge. Arguments:

- `keep`: the reference kept, as saved;
- `merged`: the references merged into it, as they were (with their primary keys);
- `rows`: {model: [rows as they were before the merge]}, every row of another model that
  pointed at one of `merged` (now pointing at `keep`, or dropped where its owner already
  pointed at `keep`);
- `filled`: the fields of `keep` taken from the merged references;
- `user`: who merged them, or None (a script).

`reference_details_changed` (keyword argument `reference`): a reference's bibliographic details
or its retraction/correction notice were filled or changed by a lookup (`services.apply_lookup`,
so the admin's "Fetch details" and `refresh_references`) or by an editor saving it in the admin.
Sent inside the transaction that saved it, so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

references_merged = Signal()
reference_details_changed = Signal()
