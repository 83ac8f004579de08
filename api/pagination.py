from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Opaque cursors: stable under inserts, no whole-table COUNT, default 20 and at most 100 per page."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "-pk"
