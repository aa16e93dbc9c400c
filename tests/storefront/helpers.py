"""What the storefront tests share (parts A and B): an org with a points program and a store, and a
member signed in through a session link.

    signed = await signed_in(client, ctx)
    r = await client.get(f"/s/{signed.slug}/", headers=signed.cookie)

`signed.cookie` is the `Cookie` header to send: the client's own jar is left empty (the store's cookie
is `Secure`, which httpx does not send to http://testserver, and a session-wide jar would leak one
test's sign-in into the next)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from rewardkit.auth import service as auth
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.runtime import Runtime
from rewardkit.storefront.sessions import COOKIE
from tests.conftest import OrgHandle
from tests.links.helpers import problem as problem

RETURN = "https://app.example.com"
S = "/v1/storefront"


async def new_org(ctx: Runtime, usd: str = "1000.00") -> OrgHandle:
    async with ctx.db.unit_of_work() as s:
        org = await auth.create_org(s, f"Org {secrets.token_hex(3)}", "USD")
        _, test = await auth.create_key(s, ctx.keyring, org.id, "test")
        _, live = await auth.create_key(s, ctx.keyring, org.id, "live")
        for mode in ("test", "live"):
            await ledger.fund(s, org.id, mode, "USD", to_minor(usd, "USD"))
    return OrgHandle(org.id, test, live)


async def program(client: httpx.AsyncClient, org: OrgHandle, mode: str = "test") -> str:
    body = {"name": "Acme Rewards", "currency": "USD", "points_per_unit": 100, "funding": "prefunded"}
    r = await client.post("/v1/points_programs", json=body, headers=org.h(mode))
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def store_body(program_id: str, **over: Any) -> dict[str, Any]:
    return {"program_id": program_id, "title": "Acme Store", "allowed_return_origins": [RETURN], **over}


async def store(client: httpx.AsyncClient, org: OrgHandle, mode: str = "test", **over: Any) -> dict[str, Any]:
    """A program and the org's store of that mode (PUT /v1/storefront)."""
    program_id = over.pop("program_id", None) or await program(client, org, mode)
    r = await client.put(S, json=store_body(program_id, **over), headers=org.h(mode))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def credit(client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str, points: int) -> None:
    body = {"points": points, "reference": "c-" + secrets.token_hex(6)}
    r = await client.post(f"/v1/points_programs/{program_id}/members/{member_id}/credits", json=body, headers=org.h())
    assert r.status_code == 200, r.text


def session_body(member_id: str, **over: Any) -> dict[str, Any]:
    return {"member_id": member_id, "return_url": RETURN + "/account", "refresh_url": RETURN + "/store", **over}


async def session_link(client: httpx.AsyncClient, org: OrgHandle, member_id: str, **over: Any) -> dict[str, Any]:
    r = await client.post(f"{S}/sessions", json=session_body(member_id, **over), headers=org.h())
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def path_of(url: str) -> str:
    return urlsplit(url).path


def forget_cookies(client: httpx.AsyncClient) -> None:
    """Drop the store cookies the shared client's jar may have kept."""
    for c in list(client.cookies.jar):
        if c.name == COOKIE:
            client.cookies.jar.clear(c.domain, c.path, c.name)


def cookie_of(r: httpx.Response) -> str:
    """The store cookie a response sets (its value), asserting it is there."""
    for header in r.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            return rest.split(";", 1)[0]
    raise AssertionError(f"no {COOKIE} cookie in {r.headers.get_list('set-cookie')}")


async def follow(client: httpx.AsyncClient, url: str) -> httpx.Response:
    r = await client.get(path_of(url), follow_redirects=False)
    forget_cookies(client)
    return r


@dataclass
class SignedIn:
    org: OrgHandle
    slug: str
    store: dict[str, Any]
    program_id: str
    member_id: str
    api_key: str
    token: str  # the cookie's value (a member session token, mss_…)
    cookie: dict[str, str] = field(default_factory=dict)  # headers={**signed.cookie} on later requests

    @property
    def base(self) -> str:
        return f"/s/{self.slug}"


async def signed_in(
    client: httpx.AsyncClient,
    ctx: Runtime,
    *,
    org: OrgHandle | None = None,
    points: int = 1000,
    country: str = "US",
    **store_over: Any,
) -> SignedIn:
    """An org (funded USD wallet), a points program, the test store, a member with `points`, signed in
    through a session link (the 303 to the store's home is asserted)."""
    org = org or await new_org(ctx)
    body = await store(client, org, **store_over)
    member_id = "user_" + secrets.token_hex(4)
    link = await session_link(client, org, member_id, email=f"{member_id}@example.com", name="Ada", country=country)
    if points:
        await credit(client, org, body["program_id"], member_id, points)
    r = await follow(client, link["url"])
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/s/{body['slug']}/"
    token = cookie_of(r)
    return SignedIn(
        org=org,
        slug=body["slug"],
        store=body,
        program_id=body["program_id"],
        member_id=member_id,
        api_key=org.test_key,
        token=token,
        cookie={"Cookie": f"{COOKIE}={token}"},
    )
