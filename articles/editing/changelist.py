"""
Admin changelists that cost the same at 100,000 articles as at 10,000.

Counting every row of a big table is a full scan on PostgreSQL. `EstimatedCountPaginator`
takes the planner's figure instead once a list is big enough for it not to matter to an
editor whether it holds 104,210 or 104,388 rows: `pg_class.reltuples` (kept by autovacuum's
ANALYZE) for the whole table, the row estimate of the query plan (`EXPLAIN`, which reads no
rows) when filters or a search narrow it. Below `EXACT_BELOW` rows, and on other databases,
the count is exact. A page past the real end, reachable only when the estimate runs high, is
empty.

Pages cost their OFFSET: the database reads and throws away every row before the page. So a
changelist offers only the pages that hold its first `MAX_ROWS` rows (100 pages of 100); a
page asked for past them answers the last one offered, and the list says how to reach the
rest (a filter or a search, templates/admin/includes/list_cap.html). `CappedChangeList`
shows that page as the current one.
"""

import json

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.utils.functional import cached_property

#: Lists estimated to hold fewer rows than this are counted exactly.
EXACT_BELOW = 10_000

#: The rows a changelist offers page by page.
MAX_ROWS = 10_000


class EstimatedCountPaginator(Paginator):
    @property
    def max_pages(self):
        return max(1, MAX_ROWS // self.per_page)

    @cached_property
    def num_pages(self):
        """The pages offered: at most `max_pages`."""
        return min(super().num_pages, self.max_pages)

    @property
    def rows_offered(self):
        return self.num_pages * self.per_page

    @property
    def truncated(self):
        """Whether the list holds more rows than its pages offer."""
        return self.count > self.rows_offered

    def validate_number(self, number):
        """A page past the pages offered of a truncated list is the last page offered."""
        try:
            return super().validate_number(number)
        except EmptyPage:
            if self.truncated and int(number) > self.num_pages:
                return self.num_pages
            raise

    @cached_property
    def count(self):
        queryset = self.object_list
        if connections[queryset.db].vendor == "postgresql":
            estimate = self.estimated_count(queryset)
            if estimate >= EXACT_BELOW:
                return estimate
        return super().count

    @staticmethod
    def estimated_count(queryset):
        """The planner's estimate of the rows in `queryset` (-1 when the table was never
        analysed)."""
        connection = connections[queryset.db]
        if not queryset.query.has_filters():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                return int(cursor.fetchone()[0])
        plan = json.loads(queryset.order_by().explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])


class CappedChangeList(ChangeList):
    """A changelist whose current page is the one shown: the last page offered when a
    page past them was asked for.

    Past the first page its rows are read in two steps: the ids of the page's rows, then those
    rows with their per-row figures (citation counts, evidence). In one query PostgreSQL would
    work the figures out for every row the OFFSET skips too (nearly 10,000 on the deepest page)
    and throw them away.
    """

    def get_results(self, request):
        super().get_results(request)
        if self.multi_page and not (self.show_all and self.can_show_all):
            self.page_num = self.paginator.validate_number(self.page_num)
            if self.page_num > 1:
                self.result_list = self.rows_of_page(self.result_list)

    def rows_of_page(self, page_rows):
        ids = list(page_rows.values_list("pk", flat=True))
        rows = self.queryset.order_by().in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]  # a row deleted in between is gone
