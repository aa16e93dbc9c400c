"""At most REWARDKIT_WEBHOOK_MAX_ENDPOINTS webhook endpoints per org and mode."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg


@pytest.fixture
def cap_of_two(ctx: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctx.settings, "webhook_max_endpoints", 2)


async def create(client: httpx.AsyncClient, headers: dict[str, str], n: int = 0) -> httpx.Response:
    return await client.post("/v1/webhook_endpoints", json={"url": f"http://127.0.0.1:9/hook{n}"}, headers=headers)


async def test_the_endpoint_past_the_cap_is_refused_until_one_is_deleted(
    client: httpx.AsyncClient, make_org: MakeOrg, cap_of_two: None
) -> None:
    org = await make_org()
    first = await create(client, org.h(), 1)
    assert first.status_code == 200
    assert (await create(client, org.h(), 2)).status_code == 200
    r = await create(client, org.h(), 3)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "webhook_endpoint_limit_reached" and body["limit"] == 2
    listed = (await client.get("/v1/webhook_endpoints", headers=org.h())).json()["data"]
    assert len(listed) == 2
    # Disabled endpoints count too; deleting one makes room.
    assert (await client.delete(f"/v1/webhook_endpoints/{first.json()['id']}", headers=org.h())).status_code == 200
    assert (await create(client, org.h(), 4)).status_code == 200


async def test_the_cap_is_per_org_and_per_mode(client: httpx.AsyncClient, make_org: MakeOrg, cap_of_two: None) -> None:
    org, other = await make_org(), await make_org()
    for n in range(2):
        assert (await create(client, org.h(), n)).status_code == 200
    assert (await create(client, other.h(), 0)).status_code == 200
    assert (await create(client, org.h(), 9)).status_code == 409


async def test_creations_at_once_never_exceed_the_cap(
    client: httpx.AsyncClient, make_org: MakeOrg, cap_of_two: None
) -> None:
    org = await make_org()
    results = await asyncio.gather(*(create(client, org.h(), n) for n in range(6)))
    assert sorted(r.status_code for r in results) == [200, 200, 409, 409, 409, 409]
    assert len((await client.get("/v1/webhook_endpoints", headers=org.h())).json()["data"]) == 2
