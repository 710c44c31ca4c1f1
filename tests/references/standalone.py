"""What the references app's tests need to know of the run without the articles app
(standalone_settings.py)."""

import pytest
from django.apps import apps

#: The app's migration history starts beside the articles app (it made the citations table that
#: moved there), so migrations run only with it installed; alone, tables come from the models.
needs_migration_history = pytest.mark.skipif(
    not apps.is_installed("articles"),
    reason="runs migrations, whose history needs the articles app, absent in this run",
)
