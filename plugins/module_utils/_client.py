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
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

from ._budget import API, RUN_LIST, RateLimiter
from ._errors import TfeApiError, TfeHttpError, TfeTransportError, parse_error_body, strip_urls
from ._jsonapi import API_PREFIX, JSONAPI, MAX_PAGE_SIZE, site_url
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

# The two run lists TFE limits to 30 requests a minute (reference section 7.2).
_RUN_LIST_RE = re.compile(r"^(workspaces|organizations)/[^/]+/runs$")
# 502/503/504 mean "a proxy or the app could not answer": the request most likely did not run.
# A plain 500 usually repeats itself, so it is not retried.
RETRYABLE_SERVER_STATUSES = frozenset((502, 503, 504))


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


@dataclass
class RetryPolicy:
    """How often and how long to retry.

    5xx answers and transport errors: ``max_retries`` retries after the first attempt, whose sleeps
    add up to at most ``max_total_sleep`` seconds. A 429 is different: the server did not process
    the request, so it is retried, after the server's delay plus up to ``jitter`` seconds (clients
    told the same reset must not return in the same instant), for as long as the task has time: until
    the caller's deadline, else for ``patience`` seconds. No sleep ever runs past the deadline.
    """

    max_retries: int = 5
    max_total_sleep: float = 120.0
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    patience: float = 300.0
    jitter: float = 1.0

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
        self.last_response_date: Optional[datetime] = None
        self._token = token
        self._auth = TokenAuth(token)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(pool_size, 1), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        agent = "tfe.runs/{0} python-requests/{1}".format(COLLECTION_VERSION, requests.__version__)
        self.session.headers.update({"Accept": JSONAPI, "User-Agent": (agent + " " + user_agent).strip()})

    def close(self) -> None:
        self.session.close()

    def pause(self, seconds: float, deadline: Optional[float] = None) -> bool:
        """Sleep ``seconds`` unless that would pass ``deadline`` (a ``clock()`` value); whether it slept."""
        if deadline is not None and self._clock() + seconds >= deadline:
            return False
        self._sleep(seconds)
        return True

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
                repeatable: Optional[bool] = None, deadline: Optional[float] = None,
                locate: bool = False) -> Optional[Dict[str, Any]]:
        """Send one API request (relative ``path``) and return the parsed JSON, or None for an empty body.

        ``deadline`` is a ``clock()`` value no retry sleep may pass (the module's wait deadline); it
        also bounds how long a 429 is retried, which is ``retry.patience`` seconds without one.
        ``locate`` (a GET that redirects to a blob) follows no redirect and returns ``{"status": code,
        "location": url or None}``, so the token never travels to the blob URL, even on the same host.
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
        kind = RUN_LIST if method == "GET" and _RUN_LIST_RE.match(path.strip("/")) else API
        started = self._clock()
        slept = 0.0
        attempt = limited = 0
        while True:
            attempt += 1
            self.limiter.acquire(kind)
            failure: TfeApiError
            try:
                response = self.session.request(
                    method, url, params=params, data=data, headers=headers, auth=self._auth, verify=self.verify,
                    timeout=self.timeout, allow_redirects=(method == "GET" and not locate))
            except requests.exceptions.RequestException as exc:
                failure = transport_error(exc, method, shown_path)
                retry_ok = failure.reason != "tls" and (repeatable or not failure.maybe_processed)
                delay = self.retry.backoff(attempt - limited - 1, self._rng)
            else:
                self._note_response(response)
                if locate and response.status_code < 400:
                    return {"status": response.status_code, "location": response.headers.get("Location")}
                if response.status_code < 300 or (300 <= response.status_code < 400 and method == "GET"):
                    try:
                        return self._parse_success(response, method, shown_path)
                    except TfeHttpError as unusable:
                        # A proxy's page or a cut answer behind a success status is as transient as a
                        # 502 (a repeated action is answered 409 and re-read by its caller).
                        failure, retry_ok = unusable, repeatable
                        delay = self.retry.backoff(attempt - limited - 1, self._rng)
                else:
                    title, detail, errors = parse_error_body(response, self._token)
                    hint = server_retry_delay(response.headers)
                    failure = TfeHttpError(response.status_code, title, detail=detail, errors=errors, method=method,
                                           path=shown_path, retry_after=hint)
                    if response.status_code == 429:
                        limited += 1
                        wait = hint if hint is not None else self.retry.backoff(min(limited - 1, 5), self._rng)
                        # Every task of this user waits out the server's delay; each adds its own jitter.
                        self.limiter.hold(wait, kind)
                        delay = wait + self._rng.uniform(0.0, self.retry.jitter)
                        failure.attempts = attempt
                        limit = deadline if deadline is not None else started + self.retry.patience
                        if self._clock() + delay >= limit:
                            raise self._scrub(failure)
                        self._sleep(delay)
                        continue
                    retry_ok = repeatable and response.status_code in RETRYABLE_SERVER_STATUSES
                    delay = self.retry.backoff(attempt - limited - 1, self._rng)
            failure.attempts = attempt
            if not retry_ok or not self._may_sleep(attempt - limited, slept, delay, deadline):
                raise self._scrub(failure)
            self._sleep(delay)
            slept += delay

    def _may_sleep(self, attempt: int, slept: float, delay: float, deadline: Optional[float]) -> bool:
        if attempt > self.retry.max_retries or slept + delay > self.retry.max_total_sleep:
            return False
        return deadline is None or self._clock() + delay < deadline

    def _note_response(self, response: Any) -> None:
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

    def get_page(self, path: str, params: Optional[Dict[str, Any]], number: int, size: int = MAX_PAGE_SIZE,
                 deadline: Optional[float] = None) -> Dict[str, Any]:
        query = dict(params or {})
        query["page[number]"] = number
        query["page[size]"] = max(1, min(int(size), MAX_PAGE_SIZE))
        return self.get(path, query, deadline=deadline) or {"data": []}

    # -- blobs ------------------------------------------------------------------------------

    def fetch_blob_tail(self, url: str, max_bytes: int = 65536) -> bytes:
        """The last ``max_bytes`` of a blob (a plan or apply log) from its own secret URL, without the token."""
        tail = b""
        for chunk in self._blob_chunks(url, None, "<log url>"):
            tail = (tail + chunk)[-max_bytes:]
        return tail

    def fetch_blob(self, url: str, max_bytes: int, params: Optional[Dict[str, Any]] = None,
                   shown: str = "<blob url>") -> Tuple[bytes, bool]:
        """A blob's first ``max_bytes`` (and whether there was more), from its own URL, without the token.

        ``shown`` stands for the URL in errors: a blob URL is a secret and never leaves the client.
        """
        body = b""
        for chunk in self._blob_chunks(url, params, shown):
            body += chunk
            if len(body) > max_bytes:
                return body[:max_bytes], True
        return body, False

    def upload_blob(self, url: str, stream: Any, shown: str = "<upload url>") -> None:
        """PUT ``stream`` (a binary file, read in chunks with its length sent) to its own secret URL,
        without the token. Sent once: an upload URL is single-use, so a failure is the caller's to judge."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("blob URLs must be http(s)")
        self.limiter.acquire(API)
        try:
            response = self.session.put(url, data=stream, auth=NoAuth(), verify=self.verify, timeout=self.timeout,
                                        headers={"Content-Type": "application/octet-stream"}, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, "PUT", shown)
        if response.status_code >= 300:
            raise TfeHttpError(response.status_code, response.reason or "HTTP error", method="PUT", path=shown)

    def _blob_chunks(self, url: str, params: Optional[Dict[str, Any]], shown: str) -> Iterator[bytes]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("blob URLs must be http(s)")
        self.limiter.acquire(API)
        try:
            with self.session.get(url, params=params, auth=NoAuth(), verify=self.verify, timeout=self.timeout,
                                  stream=True) as response:
                if response.status_code >= 300:
                    raise TfeHttpError(response.status_code, response.reason or "HTTP error", method="GET",
                                       path=shown)
                yield from response.iter_content(chunk_size=65536)
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, "GET", shown)
