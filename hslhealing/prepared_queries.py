"""
Querysets compiled to SQL once per process, then run again with a new value through `raw()`.

For the few queries a hot page runs on every render. Building a queryset and compiling it
(resolving field names, the default ordering, the joins) costs Django several times what the
database takes to answer a small indexed query: on the demo article page's part queries, about
60% of their CPU went there and 3% to SQLite (issue 17). A prepared query does that work once:

    SECTIONS = PreparedQuery(lambda article_id: Section.objects.filter(article_id=article_id))
    sections = list(SECTIONS(article.pk))

`build(value)` must give a queryset of model instances whose only SQL parameter is `value`
(checked when it is compiled, so a query that grows another parameter fails at once rather
than running with a stale one). Its rows come back as the same model instances, with the same
columns, conversions and order, since the SQL is the queryset's own; `raw()` only skips the
building. The SQL is kept per database alias, as each backend writes its own.
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.models.query import RawQuerySet

#: The value a query is compiled with, to find it among the compiled parameters.
_PLACEHOLDER_VALUE = -20_170_917


class PreparedQuery:
    def __init__(self, build):
        self.build = build
        self.compiled = {}  # database alias -> (model, SQL)

    def __call__(self, value, *, using=DEFAULT_DB_ALIAS):
        """The query's rows for `value`: a RawQuerySet, run when it is iterated."""
        try:
            model, sql = self.compiled[using]
        except KeyError:
            model, sql = self.compiled[using] = self.compile(using)
        return RawQuerySet(sql, model=model, params=[value], using=using)

    def compile(self, using):
        queryset = self.build(_PLACEHOLDER_VALUE).using(using)
        sql, params = queryset.query.get_compiler(using=using).as_sql()
        if tuple(params) != (_PLACEHOLDER_VALUE,):
            raise ValueError(
                f"A prepared query takes exactly one parameter, its value; this one has {params!r}."
            )
        return queryset.model, sql
