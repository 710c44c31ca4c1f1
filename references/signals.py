"""
Signals the library sends for the apps that cite it (which it knows nothing of).

`reference_details_changed` (keyword argument `reference`): a reference's bibliographic details
or its retraction/correction notice were filled or changed by a lookup (`services.apply_lookup`,
so the admin's "Fetch details" and `refresh_references`) or by an editor saving it in the admin.
Sent inside the transaction that saved it, so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

reference_details_changed = Signal()
