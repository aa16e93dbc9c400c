"""Principals: every route states which kinds of caller it accepts. A storefront member's session is
refused on the server API, an API key is refused on a member's route, and sessions expire, are
revoked, and never cross orgs or modes."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi.routing import APIRoute

from rewardkit.auth import service as auth
from rewardkit.auth.principals import API_KEY, LINK_VISITOR, MEMBER_SESSION, SESSION_PREFIXES
from rewardkit.modules import MODULES
from rewardkit.runtime import Runtime
from tests.auth.test_keys import ENDPOINTS, assert_problem, assert_unauthorized
from tests.conftest import MakeOrg, OrgHandle, order_body


async def session(
    ctx: Runtime,
    org: OrgHandle,
    kind: str = MEMBER_SESSION,
    *,
    mode: str = "test",
    subject: str = "user_4711",
    ttl: timedelta = timedelta(minutes=30),
) -> tuple[str, str]:
    async with ctx.db.unit_of_work() as s:
        row, raw = await auth.create_session(
            s, ctx.keyring, kind, org.id, mode, subject, scopes=frozenset({"storefront"}), ttl=ttl
        )
    return row.id, raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


async def test_a_member_session_is_refused_on_every_api_key_route(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    _, raw = await session(ctx, org)
    for path in ENDPOINTS:
        body = assert_problem(await client.get(path, headers=bearer(raw)), 403, "principal_not_allowed")
        assert "API key" in body["detail"] and raw not in body["detail"]
    r = await client.post("/v1/orders", json=order_body(), headers=bearer(raw))
    assert_problem(r, 403, "principal_not_allowed")
    # Nothing was bought with the member's session.
    listed = await client.get("/v1/orders", headers=org.h())
    assert listed.json()["data"] == []


async def test_an_api_key_is_refused_on_a_member_route(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    for headers in (org.h(), org.h("live")):
        body = assert_problem(await client.get("/v1/session", headers=headers), 403, "principal_not_allowed")
        assert "mss_" in body["detail"]  # says what this route takes
    assert_unauthorized(await client.get("/v1/session"), "authentication_required")


async def test_a_member_session_sees_itself_and_nothing_of_its_token(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    session_id, raw = await session(ctx, org, subject="user_42")
    r = await client.get("/v1/session", headers=bearer(raw))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == session_id and body["object"] == "session" and body["kind"] == MEMBER_SESSION
    assert body["subject"] == "user_42" and body["scopes"] == ["storefront"] and body["livemode"] is False
    assert raw not in r.text
    # Stored as an HMAC only.
    async with ctx.db.unit_of_work(readonly=True) as s:
        from rewardkit.auth.models import PrincipalSession

        row = await s.get(PrincipalSession, session_id)
    assert row is not None and row.token_hash == ctx.keyring.hash(raw) and raw not in row.token_hash


async def test_expired_revoked_unknown_and_forged_sessions_are_401(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org()
    _, expired = await session(ctx, org, ttl=timedelta(seconds=-1))
    assert_problem(await client.get("/v1/session", headers=bearer(expired)), 401, "invalid_session")
    revoked_id, revoked = await session(ctx, org)
    async with ctx.db.unit_of_work() as s:
        assert await auth.revoke_session(s, revoked_id)
    assert_problem(await client.get("/v1/session", headers=bearer(revoked)), 401, "invalid_session")
    unknown = SESSION_PREFIXES[MEMBER_SESSION] + "x" * 43
    assert_problem(await client.get("/v1/session", headers=bearer(unknown)), 401, "invalid_session")
    # A member token relabelled as a link visitor's is not a link visitor.
    _, member = await session(ctx, org)
    relabelled = SESSION_PREFIXES[LINK_VISITOR] + member.removeprefix(SESSION_PREFIXES[MEMBER_SESSION])
    assert_problem(await client.get("/v1/session", headers=bearer(relabelled)), 401, "invalid_session")


async def test_sessions_keep_their_org_and_mode(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> None:
    org, other = await make_org(), await make_org()
    _, live = await session(ctx, org, mode="live")
    r = await client.get("/v1/session", headers=bearer(live))
    assert r.status_code == 200 and r.json()["livemode"] is True
    _, theirs = await session(ctx, other, subject="user_1")
    mine = await client.get("/v1/session", headers=bearer(theirs))
    assert mine.json()["subject"] == "user_1" and mine.json()["id"] != r.json()["id"]


def test_every_route_states_the_principals_it_accepts() -> None:
    """Every /v1 route of every module depends on auth/api.py `accepts(...)`; all but the session's take
    API keys."""
    seen = 0
    for route in (r for m in MODULES for router in m.routers for r in router.routes):
        assert isinstance(route, APIRoute) and route.path.startswith("/v1"), route
        stated = [n for n in _all_dependency_names(route) if n.startswith("accepts_")]
        if route.path.startswith("/v1/link_claims/"):  # bearer links: the token in the path is the credential
            assert stated == [], route.path
            continue
        if route.path in ("/v1/assistant/ask", "/v1/versions"):  # #17: public (docs answers; the API's versions)
            assert stated == [], route.path
            continue
        assert len(stated) == 1, f"{route.path} states {stated or 'no'} principal kinds"
        if route.path != "/v1/session":
            assert stated == [f"accepts_{API_KEY}"], route.path
        seen += 1
    assert seen > 20


def _all_dependency_names(route: APIRoute) -> list[str]:
    out: list[str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        d = stack.pop()
        if d.call is not None:
            out.append(getattr(d.call, "__name__", ""))
        stack.extend(d.dependencies)
    return out
