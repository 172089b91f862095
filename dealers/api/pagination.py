from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """The project's default API pagination: stable keyset pages by id (DRF's default
    cursor ordering is "-created", a field our models do not have)."""

    ordering = "id"
