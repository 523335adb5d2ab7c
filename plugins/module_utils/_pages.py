# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 1: the one pagination engine. Every list the collection reads goes through ``fetch_pages``.

A walk must end whatever the server does. Servers, proxies and old releases ignore ``page[number]``
or ``page[size]``, leave out ``meta.pagination`` or announce more pages than they serve, so a walk
ends at the first of: the last page the server announced (``total-pages``, ``ceil(total-count /
page size)`` or a ``next-page`` of null), an empty page, a page that brings no item not seen before,
``limit`` items, ``max_pages`` pages, or the deadline. Only the first three mean "complete", and so
does an item the caller's ``stop`` says ends the list (an ordered list past what can match).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._client import TfeClient
from ._jsonapi import MAX_PAGE_SIZE, included_index

# 1,000 pages of 100 are 100,000 runs: more than any installation's listing a task should hold,
# and a bound that does not depend on the server keeping its promises.
MAX_PAGES = 1000

# Why a walk stopped before the list was known to be complete (``PageSet.stopped``).
REPEATED = "repeated"  # a page brought nothing new: the server ignores page[number]
PAGE_CAP = "page_cap"
DEADLINE = "deadline"
LIMIT = "limit"


@dataclass
class PageSet:
    """What ``fetch_pages`` collected.

    ``items`` are unique by ID, in the API's order; ``included`` merges the ``included`` resources of
    every page; ``first_page`` is page 1 as received (its ``meta`` carries the totals). ``stopped``
    is None when the list was read to its end, else why the walk ended early (``limit``,
    ``repeated``, ``page_cap``, ``deadline``); ``truncated`` means items that matched were left out.
    """

    items: List[Dict[str, Any]]
    included: Dict[Tuple[str, str], Dict[str, Any]]
    first_page: Dict[str, Any]
    pages_fetched: int
    truncated: bool
    stopped: Optional[str] = None
    dropped: int = 0  # items the caller's ``select`` refused


@dataclass
class _Collector:
    """Adds pages strictly in page order: de-duplicates by ID, applies ``select`` and ``limit``."""

    limit: Optional[int]
    select: Optional[Callable[[Dict[str, Any]], bool]]
    stop: Optional[Callable[[Dict[str, Any]], bool]] = None
    ended: bool = False
    items: List[Dict[str, Any]] = field(default_factory=list)
    included: Dict[Tuple[str, str], Dict[str, Any]] = field(default_factory=dict)
    pages: int = 0
    overflow: bool = False
    dropped: int = 0
    seen: set = field(default_factory=set)

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.items) >= self.limit

    @property
    def done(self) -> bool:
        return self.full or self.ended

    def add(self, document: Dict[str, Any]) -> int:
        """Take one page; returns how many of its items were new (0 ends a walk)."""
        self.pages += 1
        self.included.update(included_index(document))
        new = 0
        for item in document.get("data") or []:
            if not isinstance(item, dict):
                continue
            key = item.get("id")
            # A list that shifts while we page repeats items on the next page: keep the first sighting.
            if key is not None and key in self.seen:
                continue
            new += 1
            if key is not None:
                self.seen.add(key)
            if self.stop is not None and not self.ended and self.stop(item):
                self.ended = True
            if self.select is not None and not self.select(item):
                self.dropped += 1
            elif self.full:
                self.overflow = True
            else:
                self.items.append(item)
        return new


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def announced_pages(document: Dict[str, Any], size: int) -> Optional[int]:
    """How many pages the server says the list has, or None when it does not say.

    ``total-pages`` first, else ``ceil(total-count / size)`` (only meaningful if the server used our
    size, which ``page-size`` tells when present); an explicit ``next-page`` of null on page N means N.
    """
    pagination = (document.get("meta") or {}).get("pagination")
    if not isinstance(pagination, dict):
        return None
    total = _int(pagination.get("total-pages"))
    if total is not None:
        return max(total, 1)
    count = _int(pagination.get("total-count"))
    used = _int(pagination.get("page-size")) or size
    if count is not None and used > 0:
        return max((count + used - 1) // used, 1)
    if "next-page" in pagination and pagination.get("next-page") is None:
        return _int(pagination.get("current-page")) or 1
    return None


def _has_more(document: Dict[str, Any], number: int, size: int) -> bool:
    """Without totals: a next page exists when the server names one, or, naming none, when this one was full."""
    pagination = (document.get("meta") or {}).get("pagination")
    if isinstance(pagination, dict) and "next-page" in pagination:
        following = _int(pagination.get("next-page"))
        return following is not None and following > number
    return len(document.get("data") or []) >= size


def fetch_pages(client: TfeClient, path: str, params: Optional[Dict[str, Any]] = None, *,
                page_size: int = MAX_PAGE_SIZE, workers: int = 1, limit: Optional[int] = None,
                select: Optional[Callable[[Dict[str, Any]], bool]] = None, deadline: Optional[float] = None,
                max_pages: int = MAX_PAGES, clock: Callable[[], float] = time.monotonic,
                stop: Optional[Callable[[Dict[str, Any]], bool]] = None) -> PageSet:
    """Every item of a paginated list, within the bounds the module docstring names.

    Page 1 comes first. When it announces how many pages there are and ``workers`` > 1, the other
    pages are requested by number by that many threads sharing the client's session and limiter,
    merged in page order whatever order they arrive in; otherwise pages are read one after the
    other. ``select`` drops items before ``limit`` counts them; ``limit=0`` costs a single request
    of one item, for the counts in ``meta``. ``stop(item)`` true means no later page can hold an item
    the caller wants: the page is finished and no other is read. ``deadline`` is a ``clock()`` value after which no page
    starts (each request retries a 429 for the client's patience, as any request outside a wait).
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be zero or more")
    size = 1 if limit == 0 else max(1, min(int(page_size), MAX_PAGE_SIZE))
    collector = _Collector(limit, select, stop)
    first = client.get_page(path, params, 1, size)
    new = collector.add(first)
    walk = _Walk(client, path, params, size, collector, deadline, max_pages, clock)
    if new and not collector.done:
        total = announced_pages(first, size)
        if total is not None and workers > 1:
            walk.concurrently(total, workers)
        else:
            walk.sequentially(first)
    if walk.stopped is None and collector.full:
        walk.stopped = LIMIT
    # A repeated page proves nothing either way (the server may have sent everything at once), so
    # it is reported through ``stopped`` but not as truncation.
    truncated = collector.overflow or walk.stopped in (PAGE_CAP, DEADLINE) or (
        walk.stopped == LIMIT and walk.more_possible)
    return PageSet(collector.items, collector.included, first, collector.pages, truncated, walk.stopped,
                   collector.dropped)


@dataclass
class _Walk:
    client: TfeClient
    path: str
    params: Optional[Dict[str, Any]]
    size: int
    collector: _Collector
    deadline: Optional[float]
    max_pages: int
    clock: Callable[[], float]
    stopped: Optional[str] = None
    more_possible: bool = False

    def _may_fetch(self, number: int) -> bool:
        if number > self.max_pages:
            self.stopped = PAGE_CAP
        elif self.deadline is not None and self.clock() >= self.deadline:
            self.stopped = DEADLINE
        return self.stopped is None

    def _get(self, number: int) -> Dict[str, Any]:
        return self.client.get_page(self.path, self.params, number, self.size)

    def _take(self, document: Dict[str, Any]) -> bool:
        """Add a page; False ends the walk: an empty page (past the end: the list shrank, or a server
        without totals ran out) or one that brought nothing new (the server repeats a page)."""
        new = self.collector.add(document)
        if document.get("data") and not new:
            self.stopped = REPEATED
        return bool(new)

    def sequentially(self, document: Dict[str, Any]) -> None:
        number = 1
        while _has_more(document, number, self.size) and (announced_pages(document, self.size) or number + 1) > number:
            if self.collector.done:
                self.more_possible = not self.collector.ended
                return
            number += 1
            if not self._may_fetch(number):
                return
            document = self._get(number)
            if not self._take(document):
                return

    def concurrently(self, total: int, workers: int) -> None:
        following = 2
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tfe-pages") as pool:
            while following <= total:
                if self.collector.done:
                    self.more_possible = not self.collector.ended
                    return
                last = min(total, self.max_pages)
                if self.collector.limit is not None:
                    # Enough pages for the items still wanted; a later round fetches more if select dropped some.
                    wanted = self.collector.limit - len(self.collector.items)
                    last = min(last, following - 1 + -(-wanted // self.size))
                if not self._may_fetch(following):
                    return
                futures = [pool.submit(self._get, number) for number in range(following, last + 1)]
                try:
                    for future in futures:
                        document = future.result()
                        if not self._take(document):
                            return
                        # A list that grows while we read it announces more pages.
                        total = max(total, announced_pages(document, self.size) or 0)
                finally:
                    for future in futures:
                        future.cancel()
                following = last + 1
