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
building. The SQL is kept per database alias, as each backend writes its own, and the
database is chosen as for any read.
"""

from django.db import router
from django.db.models.query import RawQuerySet

#: The value a query is compiled with, to find it among the compiled parameters.
_PLACEHOLDER_VALUE = -20_170_917


class PreparedQuery:
    def __init__(self, build):
        self.build = build
        self.queryset = None  # built on first use, once
        self.compiled = {}  # database alias -> SQL

    def __call__(self, value, *, using=None):
        """The query's rows for `value`, read from `using` or, as any read, from the database
        the routers choose (the replica for an anonymous reader, hslhealing/db_router.py): a
        RawQuerySet, run when it is iterated."""
        if self.queryset is None:
            self.queryset = self.build(_PLACEHOLDER_VALUE)
        model = self.queryset.model
        alias = using or router.db_for_read(model)
        try:
            sql = self.compiled[alias]
        except KeyError:
            sql = self.compiled[alias] = self.compile(alias)
        return RawQuerySet(sql, model=model, params=[value], using=alias)

    def compile(self, alias):
        sql, params = self.queryset.query.get_compiler(using=alias).as_sql()
        if tuple(params) != (_PLACEHOLDER_VALUE,):
            raise ValueError(
                f"A prepared query takes exactly one parameter, its value; this one has {params!r}."
            )
        return sql
