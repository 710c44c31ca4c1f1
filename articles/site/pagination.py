"""
Pages of a list that cost the same however long the list is.

A reader can page through the first `MAX_LISTED` articles of a list or a search; the count
is taken over at most one more row than that, so neither the count nor the deepest page reads
further into the table as it grows. Past the cap the page says so (`truncated`) and points to
the ways to narrow the list: a category, a tag or a search.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

#: The most articles a list or a search pages through.
MAX_LISTED = 1_000


class CappedPaginator(Paginator):
    """A paginator over the first `cap` objects of a QuerySet; `truncated` is True when there
    are more."""

    def __init__(self, object_list, per_page, *, cap=None):
        super().__init__(object_list, per_page)
        self.cap = MAX_LISTED if cap is None else cap

    @cached_property
    def count(self):
        return min(self.counted, self.cap)

    @cached_property
    def counted(self):
        """Objects in the list, counted up to one past the cap. Unordered: the database stops
        after that many rows instead of sorting them all (a tag's articles, say) first, and
        without the joins of `select_related`."""
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def truncated(self):
        return self.counted > self.cap
