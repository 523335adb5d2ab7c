"""The one exception type that every layer raises to produce a JSON:API error."""
from __future__ import annotations

from typing import Mapping, Optional

DEFAULT_TITLES = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    409: "transition not allowed",
    422: "unprocessable entity",
    429: "Too many requests",
}


class ApiError(Exception):
    """An error answer: HTTP status, JSON:API title and optional detail and pointer."""

    def __init__(self, status: int, detail: Optional[str] = None, title: Optional[str] = None,
                 pointer: Optional[str] = None, headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.title = title or DEFAULT_TITLES.get(status, "error")
        self.detail = detail
        self.pointer = pointer
        self.headers = dict(headers or {})

    def document(self, status_as_integer: bool = False) -> dict:
        """The ``{"errors": [...]}`` body; status is a string unless an installation knob says otherwise."""
        error: dict = {"status": self.status if status_as_integer else str(self.status), "title": self.title}
        if self.detail:
            error["detail"] = self.detail
        if self.pointer:
            error["source"] = {"pointer": self.pointer}
        return {"errors": [error]}


def not_found(detail: str = "not found") -> ApiError:
    """404, the answer for both "does not exist" and "you may not see it" (contract 1.4)."""
    return ApiError(404, detail)


def unprocessable(detail: str, pointer: Optional[str] = None) -> ApiError:
    """422 for a request body the server understood but refuses."""
    return ApiError(422, detail, pointer=pointer)
