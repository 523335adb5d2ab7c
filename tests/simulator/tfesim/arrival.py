"""When a request's bytes reached this machine, as the kernel stamped them.

A TFE counts a request against its rate limits when the request reaches its edge. The simulator's
threads may read a request long after it arrived (a CPU-starved simulator serves a whole burst
together), so reading ``time.monotonic()`` in the handler would bunch requests that came apart.
Linux stamps every received packet (``SO_TIMESTAMPNS``); :class:`ArrivalStampedReader` reads the
stamp of the bytes it receives, so a request line's arrival is known however late it is read.
Elsewhere (another system, TLS, where the stamp cannot be had) the handler's read time stands in.
"""
from __future__ import annotations

import io
import platform
import socket
import ssl
import struct
import time
from typing import Optional

# Linux's asm-generic socket option (SO_TIMESTAMPNS_OLD, 64-bit time on 64-bit machines); the
# machines named here use it. Python's socket module does not name it.
_SO_TIMESTAMPNS = 35
_GENERIC_64_BIT_MACHINES = frozenset({"x86_64", "amd64", "aarch64", "arm64", "riscv64", "ppc64le", "s390x"})
_TIMESPEC = struct.Struct("@qq")
_ANCILLARY_BUFFER = socket.CMSG_SPACE(_TIMESPEC.size) if hasattr(socket, "CMSG_SPACE") else 0


def enable_arrival_stamps(listener: socket.socket) -> bool:
    """Ask the kernel to stamp what ``listener``'s connections receive; they inherit the option, so
    it is set before any client can send. False where this system cannot."""
    if platform.system() != "Linux" or platform.machine().lower() not in _GENERIC_64_BIT_MACHINES:
        return False
    try:
        listener.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    except OSError:
        return False
    return True


class ArrivalStampedReader(io.RawIOBase):
    """A connection's raw input that notes when the bytes of each read arrived, on ``time.monotonic()``."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self._connection = connection
        self.arrived_at: Optional[float] = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        count, ancillary, _flags, _address = self._connection.recvmsg_into([buffer], _ANCILLARY_BUFFER)
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
                seconds, nanoseconds = _TIMESPEC.unpack_from(data)
                self.arrived_at = monotonic_of(seconds + nanoseconds / 1e9)
        return count


def monotonic_of(wall_time: float) -> float:
    """The ``time.monotonic()`` reading of a moment the kernel stamped on the wall clock (never later than now)."""
    now = time.monotonic()
    return min(now, now - (time.time() - wall_time))


def stamped_reader(connection: socket.socket) -> Optional[ArrivalStampedReader]:
    """A raw reader of ``connection`` that knows when its bytes arrived, or None where the kernel
    stamps nothing (a TLS socket is read through OpenSSL, not recvmsg)."""
    if not _ANCILLARY_BUFFER or isinstance(connection, ssl.SSLSocket):
        return None
    try:
        if not connection.getsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS):
            return None
    except OSError:
        return None
    return ArrivalStampedReader(connection)
