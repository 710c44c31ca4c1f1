"""PostgreSQL query plans that tests read to show an index serves a look-up."""

from django.contrib.admin import site
from django.db import connection
from django.test import RequestFactory


def admin_search_plan(model, term):
    """The plan of the admin's search for `term` in `model`'s changelist. A table of a few test
    rows is read whole or in the list's order, so only the ways of reading that can answer a
    pattern are left: the plan then shows which index matches the expression Django writes."""
    searched, _may_have_duplicates = site.get_model_admin(model).get_search_results(
        RequestFactory().get("/", {"q": term}), model._default_manager.all(), term
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return searched.order_by().explain()
