"""page[number] / page[size] handling and the meta.pagination + links that go-tfe parses (contract 7.1),
and the ``paging`` installation knob that makes every list ignore them."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode

from .context import installation

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _positive_int(text: Optional[str], default: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return value if value >= 1 else default


def paginate(items: Sequence[Any], query: Mapping[str, str], base_url: str,
             path: str) -> Tuple[List[Any], Dict[str, Any], Dict[str, Optional[str]]]:
    """Slice one page; sizes above 100 are clamped; a page past the end is empty, not an error."""
    mode = installation().paging
    if mode != "honoured":
        return _unpaged(items, query, base_url, path, everything=mode == "ignored_everything")
    size = min(_positive_int(query.get("page[size]"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    number = _positive_int(query.get("page[number]"), 1)
    total = len(items)
    pages = max(1, -(-total // size))
    start = (number - 1) * size
    page = list(items[start:start + size])
    meta = {
        "current-page": number,
        "page-size": size,
        "prev-page": number - 1 if number > 1 else None,
        "next-page": number + 1 if number < pages else None,
        "total-pages": pages,
        "total-count": total,
    }
    others = {key: value for key, value in query.items() if not key.startswith("page[")}

    def link(page_number: Optional[int]) -> Optional[str]:
        if page_number is None:
            return None
        params = dict(others, **{"page[number]": str(page_number), "page[size]": str(size)})
        return "%s%s?%s" % (base_url, path, urlencode(sorted(params.items())))

    links = {"self": link(number), "first": link(1), "prev": link(meta["prev-page"]),
             "next": link(meta["next-page"]), "last": link(pages)}
    return page, {"pagination": meta}, links


def _unpaged(items: Sequence[Any], query: Mapping[str, str], base_url: str, path: str,
             everything: bool) -> Tuple[List[Any], Dict[str, Any], Dict[str, Optional[str]]]:
    """A server that does not paginate: page parameters ignored, no meta.pagination, only a self link.
    It answers either the first default-sized page whatever was asked, or every item at once."""
    page = list(items) if everything else list(items[:DEFAULT_PAGE_SIZE])
    self_link = base_url + path + ("?" + urlencode(sorted(query.items())) if query else "")
    return page, {}, {"self": self_link}
