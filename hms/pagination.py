"""Paginators for lists over big tables (issue 12): never a full COUNT(*) of a million rows per page view."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections

ESTIMATE_ABOVE = 100_000


def estimated_row_count(model) -> int | None:
    """PostgreSQL's own estimate of a table's rows (kept fresh by autovacuum/ANALYZE), or None elsewhere."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] >= 0 else None


class LargeTablePaginator(Paginator):
    """Counts exactly, except an unfiltered list of a table with more than ESTIMATE_ABOVE rows: that count is the
    planner's estimate (off by a fraction of a percent, read in microseconds instead of a scan of every row)."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and not query.distinct and not query.combinator:
            estimate = estimated_row_count(self.object_list.model)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                return estimate
        return super().count

    def page(self, number):
        """The page's ids first (no joins), then those rows with their related objects: with a search that matches
        tens of thousands of rows, the joins run for one page instead of for every match before the sort."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        queryset = self.object_list
        if not hasattr(queryset, "values_list") or not queryset.query.where:
            return super().page(number)
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = queryset.model._default_manager.filter(pk__in=ids)
        rows.query.select_related = queryset.query.select_related
        by_id = {row.pk: row for row in rows}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)
