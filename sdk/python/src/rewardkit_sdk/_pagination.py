"""Pages of a list, and iterators over every item of every page. The next page is asked with the
ORIGINAL query (every filter, the limit) plus the cursor, never the cursor alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from rewardkit_sdk._client import AsyncClient, Client

T = TypeVar("T")


class _Page(Generic[T]):
    def __init__(self, url: str, page_type: Any, query: dict[str, Any], headers: dict[str, Any], page: Any) -> None:
        self._url, self._page_type, self._headers = url, page_type, headers
        self.query = dict(query)  # what the first page was asked with
        self.page = page  # the generated list model (ProductList, OrderList, …): extra fields kept
        self.data: list[T] = list(page.data)
        self.has_more: bool = bool(page.has_more)
        self.next_cursor: str | None = page.next_cursor

    def _next_query(self) -> dict[str, Any]:
        return {**self.query, "cursor": self.next_cursor}

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self.data)} items has_more={self.has_more}>"


class SyncPage(_Page[T]):
    """One page (`data`); iterating it, or `auto_paging_iter()`, yields every item of every page, so a
    loop over a list never stops silently after the first page."""

    def __init__(self, client: Client, *args: Any) -> None:
        super().__init__(*args)
        self._client = client

    def __iter__(self) -> Iterator[T]:
        return self.auto_paging_iter()

    def next_page(self) -> SyncPage[T] | None:
        if not self.has_more or self.next_cursor is None:
            return None
        return self._client._page(self._url, self._page_type, self._next_query(), self._headers)

    def auto_paging_iter(self) -> Iterator[T]:
        page: SyncPage[T] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()


class AsyncPage(_Page[T]):
    """One page (`data`); `async for item in page` (or `page.auto_paging_iter()`) yields every item of
    every page."""

    def __init__(self, client: AsyncClient, *args: Any) -> None:
        super().__init__(*args)
        self._client = client

    def __aiter__(self) -> AsyncIterator[T]:
        return self.auto_paging_iter()

    async def next_page(self) -> AsyncPage[T] | None:
        if not self.has_more or self.next_cursor is None:
            return None
        return await self._client._page(self._url, self._page_type, self._next_query(), self._headers)

    async def auto_paging_iter(self) -> AsyncIterator[T]:
        page: AsyncPage[T] | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.next_page()
