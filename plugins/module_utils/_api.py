# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 1: the TFE API v2 client. Knows HTTP and JSON:API, nothing about runs or Ansible.

One ``requests.Session`` per module run; every request carries ``verify=`` explicitly (an environment
CA bundle would otherwise override ``validate_certs=false``), the token travels only through an
``AuthBase`` on API paths (so ``~/.netrc`` cannot replace it and the blob host never sees it), and
every failure becomes one ``TfeApiError`` whose text never contains the token or a URL.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import quote, urlsplit

from ._version import COLLECTION_VERSION

try:
    import requests
    from requests.adapters import HTTPAdapter
    from requests.auth import AuthBase
except ImportError:  # pragma: no cover - exercised by the sanity import test
    requests = None
    HTTPAdapter = None
    AuthBase = object
    REQUESTS_IMPORT_ERROR: Optional[str] = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

try:
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
except ImportError:  # pragma: no cover - urllib3 always comes with requests
    ConnectTimeoutError = NewConnectionError = ()

JSONAPI = "application/vnd.api+json"
DEFAULT_ADDRESS = "https://app.terraform.io"
API_PREFIX = "/api/v2"
MAX_PAGE_SIZE = 100
# 502/503/504 mean "a proxy or the app could not answer": the request most likely did not run.
# A plain 500 usually repeats itself, so it is not retried.
RETRYABLE_SERVER_STATUSES = frozenset((502, 503, 504))
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
# urllib3 names the request's path in its errors ("... with url: /_archivist/v1/object/<secret>").
_URL_PATH_RE = re.compile(r"(\burl: )/[^\s'\"<>()]*")
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


class TfeApiError(Exception):
    """Any failure to get a usable answer from TFE.

    ``status`` is the HTTP status (None when no response arrived); ``title`` and ``detail`` come from
    the JSON:API error document or describe the transport problem; ``method`` and ``path`` name the
    request (never the host's query secrets or the token); ``attempts`` counts the tries made.
    """

    def __init__(self, title: str, *, status: Optional[int] = None, detail: str = "", method: str = "",
                 path: str = "", attempts: int = 1, retry_after: Optional[float] = None) -> None:
        self.status = status
        self.title = strip_urls(title)
        self.detail = strip_urls(detail)
        self.method = method
        self.path = path
        self.attempts = attempts
        self.retry_after = retry_after
        super().__init__(title)

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        where = "{0} {1}".format(self.method, self.path).strip()
        what = self.title if self.status is None else "{0} {1}".format(self.status, self.title)
        text = "{0}: {1}".format(where, what) if where else what
        if self.detail and self.detail != self.title:
            text += ": " + self.detail
        if self.attempts > 1:
            text += " (after {0} attempts)".format(self.attempts)
        return text


class TfeHttpError(TfeApiError):
    """TFE answered, with an error status or a body that is not usable JSON."""

    def __init__(self, status: int, title: str, **kwargs: Any) -> None:
        self.errors: List[Dict[str, Any]] = kwargs.pop("errors", None) or []
        super().__init__(title, status=status, **kwargs)


class TfeTransportError(TfeApiError):
    """No HTTP answer: connection refused, TLS failure, timeout or a dropped connection.

    ``maybe_processed`` is False only when the request certainly never reached the server (the
    connection could not be opened); callers must treat True as "the write may have happened".
    """

    def __init__(self, title: str, *, reason: str, maybe_processed: bool, **kwargs: Any) -> None:
        self.reason = reason
        self.maybe_processed = maybe_processed
        super().__init__(title, **kwargs)


def strip_urls(text: str) -> str:
    """Replace every URL (and urllib3's "url: /path") by ``<url>``: a log URL would leak its secret."""
    return _URL_PATH_RE.sub(r"\1<url>", _URL_RE.sub("<url>", text or ""))


def site_url(address: Optional[str]) -> str:
    """The installation's root URL (``https://host[:port]``) from a hostname or any URL form.

    Accepts ``tfe.example.com``, ``https://tfe.example.com/``, ``https://tfe.example.com/api/v2`` and
    ``http://127.0.0.1:8080``; a bare hostname means HTTPS.
    """
    text = (address or "").strip() or DEFAULT_ADDRESS
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("'{0}' is not a TFE address: give a hostname such as tfe.example.com "
                         "or a URL such as https://tfe.example.com".format(address))
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return "{0}://{1}{2}".format(parts.scheme, parts.netloc.lower(), path)


def api_base_url(address: Optional[str]) -> str:
    """``https://host/api/v2`` for any accepted form of the address."""
    return site_url(address) + API_PREFIX


def api_path(*segments: str) -> str:
    """Join path segments, each percent-encoded, so an ID can never reach another endpoint.

    ``api_path("runs", run_id, "actions", "apply")``: a ``run_id`` of ``../x`` or ``a/b`` is encoded
    or refused instead of changing the route.
    """
    parts = []
    for segment in segments:
        text = str(segment)
        if text in ("", ".", ".."):
            raise ValueError("'{0}' cannot be used in an API path".format(text))
        parts.append(quote(text, safe=""))
    return "/".join(parts)


class TokenAuth(AuthBase):
    """Bearer token for API requests.

    Passing an ``AuthBase`` (instead of a header) keeps requests from replacing it with a ``~/.netrc``
    entry, and requests drops it on redirects to another host.
    """

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = "Bearer " + self._token
        return request


class NoAuth(AuthBase):
    """No credentials at all: for blob URLs, which carry their own secret and must never see the token."""

    def __call__(self, request: Any) -> Any:
        request.headers.pop("Authorization", None)
        return request


class RateLimiter:
    """Thread-safe token bucket shared by every request of a client.

    TFE allows 30 requests per second per user; ``rate + burst`` is the most a one-second window can
    see, so the defaults (25/s, burst 5) stay at or under 30 while letting short bursts through.
    ``hold`` makes every caller wait, so one 429 slows all concurrent workers, not just the one hit.
    """

    def __init__(self, rate: float = 25.0, burst: int = 5, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()
        self._held_until = 0.0

    def acquire(self) -> float:
        """Take one token, sleeping (outside the lock) until it is due. Returns the time slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            wait = max(-self._tokens / self.rate if self._tokens < 0 else 0.0, self._held_until - now)
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def hold(self, seconds: float) -> None:
        """Let no request start for ``seconds`` (the server asked us to back off)."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + seconds)


@dataclass
class RetryPolicy:
    """How often and how long to retry.

    ``max_retries`` retries after the first attempt; the sleeps of one request add up to at most
    ``max_total_sleep`` seconds and never run past the caller's deadline.
    """

    max_retries: int = 5
    max_total_sleep: float = 120.0
    backoff_base: float = 1.0
    backoff_cap: float = 30.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Exponential backoff with jitter: 1, 2, 4, 8 s ... each scaled by a random 0.5-1.0."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** retry_number))
        return ceiling * rng.uniform(0.5, 1.0)


def server_retry_delay(headers: Any, now: Optional[datetime] = None) -> Optional[float]:
    """Seconds the server asked us to wait: ``Retry-After`` (seconds or HTTP date), else ``X-RateLimit-Reset``.

    TFE documents neither; go-tfe reads ``X-RateLimit-Reset`` as (fractional) seconds to wait, and
    proxies in front of TFE may send ``Retry-After``. Returns None when neither is usable.
    """
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                when = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset:
        try:
            return max(0.0, float(reset))
        except ValueError:
            return None
    return None


def parse_error_body(response: Any, redact: str = "") -> Tuple[str, str, List[Dict[str, Any]]]:
    """Title, detail and the error objects of an error response, whatever its body looks like.

    JSON:API ``errors`` objects (``status`` as string or integer), go-tfe's fallback form (a list of
    strings), or anything else (a proxy's HTML page, a truncated body): then the HTTP reason is the
    title and a short, tag-free, URL-free excerpt of the body is the detail. ``redact`` (the token)
    is masked in the body before anything is cut: a page echoing the request's Authorization header
    could otherwise be cut mid-token, and half a token escapes every later whole-value mask.
    """
    reason = response.reason or "HTTP error"
    text = response.text or ""
    if redact:
        text = text.replace(redact, "********")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    errors = document.get("errors") if isinstance(document, dict) else None
    if isinstance(errors, list) and errors:
        objects = [e if isinstance(e, dict) else {"title": str(e)} for e in errors]
        titles = [str(e.get("title") or "") for e in objects if e.get("title")]
        details = [str(e.get("detail") or "") for e in objects if e.get("detail")]
        return (titles[0] if titles else reason), "; ".join(details), objects
    if not text.strip():
        return reason, "", []
    excerpt = _SPACE_RE.sub(" ", _TAG_RE.sub(" ", text)).strip()[:200]
    content_type = response.headers.get("Content-Type", "unknown content type").split(";")[0]
    return reason, "the server answered with a non-JSON:API body ({0}): {1}".format(content_type, excerpt), []


def _reached_server(exc: BaseException) -> bool:
    """Whether a failed request may have been received: False only for failures to connect."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    seen = set()
    pending: List[Any] = [exc]
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError)):
            return False
        pending.extend([getattr(item, "reason", None), item.__cause__, item.__context__])
        pending.extend(arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException))
    return True


def transport_error(exc: BaseException, method: str, path: str) -> TfeTransportError:
    """Classify a requests exception, with a message that names the cause but no URL."""
    if isinstance(exc, requests.exceptions.SSLError):
        return TfeTransportError(
            "TLS verification failed", reason="tls", maybe_processed=False, method=method, path=path,
            detail="{0}. Give the CA bundle with ca_path, or set validate_certs=false for a test "
                   "installation only".format(strip_urls(str(exc))))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TfeTransportError("timed out connecting", reason="connect", maybe_processed=False,
                                 method=method, path=path)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TfeTransportError("timed out waiting for the answer", reason="timeout", maybe_processed=True,
                                 method=method, path=path, detail="the request may have been processed")
    reached = _reached_server(exc)
    if not reached:
        return TfeTransportError("could not connect", reason="connect", maybe_processed=False, method=method,
                                 path=path, detail=strip_urls(str(exc)))
    return TfeTransportError("connection lost before an answer arrived", reason="dropped", maybe_processed=True,
                             method=method, path=path, detail=strip_urls(str(exc)))


class TfeClient:
    """A TFE API v2 client: requests with retries, pagination, a client-side rate limit.

    ``request`` retries 429 always (the server did not process it) and 502/503/504 or transport
    errors only when the request is safe to repeat: any GET, a write marked ``repeatable``, or a
    write whose connection failed before anything was sent. Redirects are followed for GET only.
    """

    def __init__(self, address: Optional[str], token: str, *, validate_certs: bool = True,
                 ca_path: Optional[str] = None, timeout: float = 30.0, connect_timeout: float = 10.0,
                 retry: Optional[RetryPolicy] = None, limiter: Optional[RateLimiter] = None,
                 pool_size: int = 4, user_agent: str = "", sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: Optional[random.Random] = None) -> None:
        if requests is None:
            raise RuntimeError("the Python library 'requests' is required")
        self.site_url = site_url(address)
        self.base_url = self.site_url + API_PREFIX
        self.base_path = urlsplit(self.base_url).path
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(clock=clock, sleep=sleep)
        self.timeout = (connect_timeout, timeout)
        self.verify: Any = ca_path if ca_path else validate_certs
        self.request_count = 0
        self.last_response_date: Optional[datetime] = None
        self._token = token
        self._auth = TokenAuth(token)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._count_lock = threading.Lock()
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(pool_size, 1), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        agent = "tfe.runs/{0} python-requests/{1}".format(COLLECTION_VERSION, requests.__version__)
        self.session.headers.update({"Accept": JSONAPI, "User-Agent": (agent + " " + user_agent).strip()})

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "TfeClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------

    def get(self, path: str, params: Optional[Dict[str, Any]] = None,
            deadline: Optional[float] = None) -> Optional[Dict[str, Any]]:
        return self.request("GET", path, params=params, deadline=deadline)

    def post(self, path: str, body: Optional[Any] = None, *, repeatable: bool = False,
             deadline: Optional[float] = None) -> Optional[Dict[str, Any]]:
        return self.request("POST", path, body=body, repeatable=repeatable, deadline=deadline)

    def request(self, method: str, path: str, *, params: Optional[Dict[str, Any]] = None, body: Optional[Any] = None,
                repeatable: Optional[bool] = None, deadline: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """Send one API request (relative ``path``) and return the parsed JSON, or None for an empty body.

        ``deadline`` is a ``clock()`` value no retry sleep may pass (the module's wait deadline).
        """
        if "://" in path or path.startswith("//"):
            raise ValueError("API paths are relative to the API base URL")
        method = method.upper()
        if repeatable is None:
            repeatable = method in ("GET", "HEAD")
        url = self.base_url + "/" + path.lstrip("/")
        shown_path = self.base_path + "/" + path.lstrip("/")
        data = json.dumps(body) if body is not None else None
        headers = {"Content-Type": JSONAPI} if method != "GET" else {}
        slept = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            failure: TfeApiError
            try:
                response = self.session.request(
                    method, url, params=params, data=data, headers=headers, auth=self._auth, verify=self.verify,
                    timeout=self.timeout, allow_redirects=(method == "GET"))
            except requests.exceptions.RequestException as exc:
                failure = transport_error(exc, method, shown_path)
                retry_ok = failure.reason != "tls" and (repeatable or not failure.maybe_processed)
                delay = self.retry.backoff(attempt - 1, self._rng)
            else:
                self._note_response(response)
                if response.status_code < 300 or (300 <= response.status_code < 400 and method == "GET"):
                    try:
                        return self._parse_success(response, method, shown_path)
                    except TfeHttpError as unusable:
                        # A proxy's page or a cut answer behind a success status is as transient as a
                        # 502 (a repeated action is answered 409 and re-read by its caller).
                        failure, retry_ok = unusable, repeatable
                        delay = self.retry.backoff(attempt - 1, self._rng)
                else:
                    title, detail, errors = parse_error_body(response, self._token)
                    hint = server_retry_delay(response.headers)
                    failure = TfeHttpError(response.status_code, title, detail=detail, errors=errors, method=method,
                                           path=shown_path, retry_after=hint)
                    if response.status_code == 429:
                        retry_ok = True
                        delay = hint if hint is not None else self.retry.backoff(attempt - 1, self._rng)
                        self.limiter.hold(delay)
                    else:
                        retry_ok = repeatable and response.status_code in RETRYABLE_SERVER_STATUSES
                        delay = self.retry.backoff(attempt - 1, self._rng)
            failure.attempts = attempt
            if not retry_ok or not self._may_sleep(attempt, slept, delay, deadline):
                raise self._scrub(failure)
            self._sleep(delay)
            slept += delay

    def _may_sleep(self, attempt: int, slept: float, delay: float, deadline: Optional[float]) -> bool:
        if attempt > self.retry.max_retries or slept + delay > self.retry.max_total_sleep:
            return False
        return deadline is None or self._clock() + delay < deadline

    def _note_response(self, response: Any) -> None:
        with self._count_lock:
            self.request_count += 1
        date = response.headers.get("Date")
        if date:
            try:
                self.last_response_date = parsedate_to_datetime(date)
            except (TypeError, ValueError, IndexError):
                pass

    def _parse_success(self, response: Any, method: str, path: str) -> Optional[Dict[str, Any]]:
        """The JSON document of a success, None for a write's empty answer (actions answer 202 with none)."""
        if not response.content or not response.content.strip():
            if method == "GET":  # every GET of the API answers a document; an empty one was cut short
                raise TfeHttpError(response.status_code, "answer is empty", method=method, path=path)
            return None
        try:
            document = response.json()
        except ValueError:
            title, detail, dummy = parse_error_body(response, self._token)
            raise TfeHttpError(response.status_code, "answer is not valid JSON", method=method, path=path,
                               detail=detail or title)
        return document if isinstance(document, dict) else {"data": document}

    def _scrub(self, error: TfeApiError) -> TfeApiError:
        """Last line of defence: the token never appears in an error, whatever the server echoed."""
        if self._token:
            error.title = error.title.replace(self._token, "********")
            error.detail = error.detail.replace(self._token, "********")
        return error

    # -- pagination -------------------------------------------------------------------------

    def get_page(self, path: str, params: Optional[Dict[str, Any]], number: int, size: int = MAX_PAGE_SIZE,
                 deadline: Optional[float] = None) -> Dict[str, Any]:
        query = dict(params or {})
        query["page[number]"] = number
        query["page[size]"] = max(1, min(int(size), MAX_PAGE_SIZE))
        return self.get(path, query, deadline=deadline) or {"data": []}

    def iter_pages(self, path: str, params: Optional[Dict[str, Any]] = None, page_size: int = MAX_PAGE_SIZE,
                   deadline: Optional[float] = None) -> Iterator[Dict[str, Any]]:
        """Yield each page document, following ``meta.pagination`` page numbers (never the absolute links)."""
        number = 1
        while True:
            document = self.get_page(path, params, number, page_size, deadline=deadline)
            yield document
            following = next_page_number(document, number, page_size)
            if following is None:
                return
            number = following

    def iter_items(self, path: str, params: Optional[Dict[str, Any]] = None,
                   page_size: int = MAX_PAGE_SIZE) -> Iterator[Dict[str, Any]]:
        """Yield each resource of a list endpoint, across all pages."""
        for document in self.iter_pages(path, params, page_size):
            yield from document.get("data") or []

    # -- blobs ------------------------------------------------------------------------------

    def fetch_blob_tail(self, url: str, max_bytes: int = 65536) -> bytes:
        """The last ``max_bytes`` of a blob (a plan or apply log) from its own secret URL, without the token."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("blob URLs must be http(s)")
        self.limiter.acquire()
        try:
            with self.session.get(url, auth=NoAuth(), verify=self.verify, timeout=self.timeout, stream=True,
                                  headers={"Accept": "text/plain"}) as response:
                if response.status_code >= 300:
                    raise TfeHttpError(response.status_code, response.reason or "HTTP error", method="GET",
                                       path="<log url>")
                tail = b""
                for chunk in response.iter_content(chunk_size=16384):
                    tail = (tail + chunk)[-max_bytes:]
                return tail
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, "GET", "<log url>")


def next_page_number(document: Dict[str, Any], current: int, page_size: int) -> Optional[int]:
    """The page after ``current``, or None when ``current`` was the last.

    Trusts ``next-page`` when given (an explicit null ends the list), then ``total-pages``; endpoints
    without totals (organization run lists) end on an empty or short page. A page past the end is
    empty, which also ends the walk, and a server repeating a page number cannot loop us forever.
    """
    data = document.get("data") or []
    if not data:
        return None
    pagination = (document.get("meta") or {}).get("pagination") or {}
    if "next-page" in pagination:
        following = pagination.get("next-page")
        return following if isinstance(following, int) and following > current else None
    total = pagination.get("total-pages")
    if isinstance(total, int):
        return current + 1 if current < total else None
    return current + 1 if len(data) >= min(page_size, MAX_PAGE_SIZE) else None


def included_index(document: Dict[str, Any]) -> Dict[Tuple[str, str], Dict[str, Any]]:
    """The ``included`` resources of a JSON:API document, keyed by (type, id)."""
    return {(item.get("type"), item.get("id")): item for item in document.get("included") or []
            if isinstance(item, dict)}


def related_id(resource: Dict[str, Any], name: str) -> Optional[str]:
    """The ID of a to-one relationship, or None when absent or null."""
    data = ((resource.get("relationships") or {}).get(name) or {}).get("data")
    return data.get("id") if isinstance(data, dict) else None


# -- concurrent listing -----------------------------------------------------------------------


@dataclass
class PageSet:
    """What ``fetch_all_pages`` collected.

    ``items`` are unique by ID, in the API's order; ``included`` merges the ``included`` resources of
    every page read; ``first_page`` is page 1 as received (its ``meta`` carries the totals);
    ``truncated`` means ``limit`` stopped the walk while more items may have matched.
    """

    items: List[Dict[str, Any]]
    included: Dict[Tuple[str, str], Dict[str, Any]]
    first_page: Dict[str, Any]
    pages_fetched: int
    truncated: bool


class _PageCollector:
    """Adds pages strictly in page order: de-duplicates by ID, applies ``select`` and ``limit``."""

    def __init__(self, limit: Optional[int], select: Optional[Callable[[Dict[str, Any]], bool]]) -> None:
        self.limit = limit
        self.select = select
        self.items: List[Dict[str, Any]] = []
        self.included: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.pages = 0
        self.overflow = False
        self._seen: set = set()

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.items) >= self.limit

    def add(self, document: Dict[str, Any]) -> bool:
        """Take one page; returns False when the page was empty (the walk went past the end)."""
        self.pages += 1
        self.included.update(included_index(document))
        data = [item for item in document.get("data") or [] if isinstance(item, dict)]
        for item in data:
            key = item.get("id")
            # A list that shifts while we page repeats items on the next page: keep the first sighting.
            if key is not None and key in self._seen:
                continue
            if self.select is not None and not self.select(item):
                continue
            if key is not None:
                self._seen.add(key)
            if self.full:
                self.overflow = True
            else:
                self.items.append(item)
        return bool(data)


def _total_pages(document: Dict[str, Any]) -> Optional[int]:
    total = ((document.get("meta") or {}).get("pagination") or {}).get("total-pages")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def fetch_all_pages(client: TfeClient, path: str, params: Optional[Dict[str, Any]] = None,
                    page_size: int = MAX_PAGE_SIZE, workers: int = 4, limit: Optional[int] = None,
                    select: Optional[Callable[[Dict[str, Any]], bool]] = None,
                    deadline: Optional[float] = None) -> PageSet:
    """Every item of a paginated list: page 1 first, then the remaining pages concurrently.

    Page 1 tells ``total-pages``; the other pages are requested by number by at most ``workers``
    threads sharing the client's session and rate limiter (one 429 holds them all), and are merged in
    page order whatever order they arrive in. A page that turns out empty (the list shrank) ends the
    walk; pages announced by a growing ``total-pages`` are fetched too. ``select`` drops items the
    caller does not want (before ``limit`` counts them). ``limit=0`` costs a single request of one
    item, for the counts in ``meta``. The client's connection pool should be at least ``workers``.
    Endpoints without ``total-pages`` are walked one page after the other.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be zero or more")
    size = 1 if limit == 0 else max(1, min(int(page_size), MAX_PAGE_SIZE))
    collector = _PageCollector(limit, select)
    first = client.get_page(path, params, 1, size, deadline=deadline)
    more = collector.add(first)
    total = _total_pages(first)
    if total is None:
        return _walk_sequentially(client, path, params, size, collector, first, deadline)
    following = 2
    with ThreadPoolExecutor(max_workers=max(1, int(workers)), thread_name_prefix="tfe-pages") as pool:
        while more and not collector.full and following <= total:
            last = total
            if limit is not None:
                # Enough pages for the items still wanted; a later round fetches more if select dropped some.
                last = min(total, following - 1 + -(-(limit - len(collector.items)) // size))
            futures = [pool.submit(client.get_page, path, params, number, size, deadline)
                       for number in range(following, last + 1)]
            try:
                for future in futures:
                    document = future.result()
                    more = collector.add(document) and more
                    total = max(total, _total_pages(document) or 0)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
            following = last + 1
    truncated = collector.full and (collector.overflow or (more and following <= total))
    return PageSet(collector.items, collector.included, first, collector.pages, truncated)


def _walk_sequentially(client: TfeClient, path: str, params: Optional[Dict[str, Any]], size: int,
                       collector: _PageCollector, first: Dict[str, Any], deadline: Optional[float]) -> PageSet:
    document, number = first, 1
    following = next_page_number(document, number, size)
    while following is not None and not collector.full:
        number = following
        document = client.get_page(path, params, number, size, deadline=deadline)
        collector.add(document)
        following = next_page_number(document, number, size)
    truncated = collector.full and (collector.overflow or following is not None)
    return PageSet(collector.items, collector.included, first, collector.pages, truncated)
