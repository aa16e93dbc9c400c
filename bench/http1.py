"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load generator.

The load generator shares the 2 cores with the server it measures, so what it spends per request is
taken from the server: httpx cost about 0.8 ms of CPU per order (bench/results/latest.md, earlier
runs); this costs a fraction of that. It speaks just what the benchmark needs: requests with a
body of known length, responses with Content-Length (uvicorn sends it for every JSON response).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit


class HttpError(Exception):
    """The connection failed or the response could not be read."""


@dataclass
class Response:
    status_code: int
    content: bytes


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, head: bytes, body: bytes) -> Response:
        self.writer.write(head + body)
        line = await self.reader.readuntil(b"\r\n")
        parts = line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        length = 0
        while True:
            header = await self.reader.readuntil(b"\r\n")
            if header == b"\r\n":
                break
            name, _, value = header.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value.strip())
            elif lowered == b"transfer-encoding":
                raise HttpError("chunked responses are not supported here")
        content = await self.reader.readexactly(length) if length else b""
        return Response(status, content)

    def close(self) -> None:
        self.writer.close()


class Client:
    """Up to `max_connections` keep-alive connections to one origin; a request takes an idle one or
    opens a new one, and a connection that failed or timed out is dropped."""

    def __init__(self, base_url: str, max_connections: int = 1, timeout: float = 10.0) -> None:
        url = urlsplit(base_url)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.max = max(1, max_connections)
        self.timeout = timeout
        self._idle: list[_Conn] = []
        self._open = 0
        self._freed = asyncio.Condition()

    async def _take(self) -> _Conn:
        async with self._freed:
            while not self._idle and self._open >= self.max:
                await self._freed.wait()
            while self._idle:
                conn = self._idle.pop()
                if not conn.reader.at_eof() and not conn.writer.is_closing():
                    return conn
                conn.close()  # the server closed it while idle (uvicorn's keep-alive timeout is 5 s)
                self._open -= 1
            self._open += 1
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            await self._drop(None)
            raise HttpError(str(exc)) from exc
        return _Conn(reader, writer)

    async def _give_back(self, conn: _Conn) -> None:
        async with self._freed:
            self._idle.append(conn)
            self._freed.notify()

    async def _drop(self, conn: _Conn | None) -> None:
        if conn is not None:
            conn.close()
        async with self._freed:
            self._open -= 1
            self._freed.notify()

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Response:
        """Raises TimeoutError after `timeout` seconds, HttpError if the exchange failed."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        conn = await self._take()
        try:
            resp = await asyncio.wait_for(conn.exchange(head, body), self.timeout)
        except (TimeoutError, asyncio.CancelledError):
            await asyncio.shield(self._drop(conn))  # a late answer would be read as the next one's
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            await self._drop(conn)
            raise HttpError(type(exc).__name__) from exc
        await self._give_back(conn)
        return resp

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers or {})

    async def post(self, path: str, content: bytes, headers: dict[str, str]) -> Response:
        return await self.request("POST", path, headers, content)

    async def aclose(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()
