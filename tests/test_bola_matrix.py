"""The BOLA matrix (issue #12): every operation that takes an id, tried with another org's key, the
other mode's key, a member's, a link visitor's and a dashboard user's session, no key and an unknown key. Each must be
refused (404 for another org or mode, exactly as for an id that does not exist; 403 for a session;
401 without a valid key), show nothing of the owner's data, and change nothing the owner can see.
The owner's own call then succeeds, so the refusals are about the caller, not a bad id.

The operations come from the app's OpenAPI description at test time:
`test_every_id_taking_operation_has_a_row` fails for any operation with an id-taking input (a path
parameter, a query or body field named `*_id`, a cursor, a request header naming a key, token or id)
that has no row in ROWS and is not in PUBLIC with its reason; the cursor of every list is covered by
test_every_list_pages_only_the_callers_own_data, which finds the lists itself. docs/testing.md
("BOLA matrix") says how to add a row.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from rewardkit.kit.errors import PROBLEM_JSON
from rewardkit.kit.ids import new_id
from rewardkit.kit.versioning import LATEST as LATEST_VERSION
from rewardkit.runtime import Runtime
from tests.bola_resources import World, build_world, snapshot
from tests.conftest import MakeOrg, order_body

# --- who calls ------------------------------------------------------------------------------------

OTHER_ORG, OTHER_MODE = "other_org", "other_mode"  # org B's test key; org A's live key
# Sessions of org A in test mode, the resources' own org and mode: refused by their kind alone.
MEMBER, VISITOR, DASHBOARD = "member_session", "link_visitor", "dashboard_user"
NO_KEY, UNKNOWN_KEY = "no_key", "unknown_key"
OWNER = "owner"  # org A's test key: the sanity call, made last
ATTACKERS = (OTHER_ORG, OTHER_MODE, MEMBER, VISITOR, DASHBOARD, NO_KEY, UNKNOWN_KEY)


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def headers_of(w: World, caller: str) -> dict[str, str]:
    return {
        OTHER_ORG: lambda: w.b.h(),
        OTHER_MODE: lambda: w.a.h("live"),
        MEMBER: lambda: bearer(w.member_session),
        VISITOR: lambda: bearer(w.link_visitor),
        DASHBOARD: lambda: bearer(w.dashboard_user),
        NO_KEY: lambda: {},
        UNKNOWN_KEY: lambda: bearer("sk_test_" + "0" * 40),  # well formed, issued to no one
        OWNER: lambda: w.a.h(),
    }[caller]()


# Every caller but the other org and the other mode is refused before the id is looked at.
REFUSED_BEFORE_LOOKUP = {
    MEMBER: (403, "principal_not_allowed"),
    VISITOR: (403, "principal_not_allowed"),
    DASHBOARD: (403, "principal_not_allowed"),
    NO_KEY: (401, "authentication_required"),
    UNKNOWN_KEY: (401, "invalid_api_key"),
}

# --- the rows -------------------------------------------------------------------------------------

LIST = "list"  # the other org / mode gets 200 with a page of its own: none of the owner's data


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # #16: a raw body instead of `json` (a CSV statement)


Build = Callable[[World, str], Call]  # (world, caller) -> the request that caller makes


@dataclass(frozen=True)
class Row:
    op: str  # the OpenAPI operationId
    covers: tuple[str, ...]  # the id-taking inputs of the operation this row attacks
    build: Build
    refused: str | dict[str, str] | None  # the 404 code (or LIST) for OTHER_ORG and OTHER_MODE, or one each
    owner: tuple[int, ...] = (200,)  # the owner's sanity call answers one of these
    check_owner: Callable[[World, httpx.Response], None] | None = None  # more to check of the owner's answer
    check_other: Callable[[World, str, httpx.Response], None] | None = None  # when a 2xx is the right answer

    @property
    def name(self) -> str:
        return f"{self.op}[{','.join(self.covers)}]"


def fixed(method: str, url: Callable[[World], str], body: Any = None) -> Build:
    """The same request whoever makes it: the owner's id, another's key."""
    return lambda w, _caller: Call(method, url(w), body)


def own_path(method: str, path: Callable[[World, bool], str], body: Callable[[World], Any] | None = None) -> Build:
    """The other org aims at the owner's id from a resource of its own (a path of B's, an id of A's)."""
    return lambda w, caller: Call(method, path(w, caller == OTHER_ORG), body(w) if body else None)


def _new_order_of_its_own(w: World, r: httpx.Response) -> None:
    """Org B reusing A's Idempotency-Key and external_id places an order of its own: never A's replay."""
    assert r.status_code == 200, r.text
    assert r.json()["id"] != w.order["id"] and "idempotent-replayed" not in r.headers


def _not_a_replay(w: World, r: httpx.Response) -> None:
    """A's live key with A's test-mode Idempotency-Key: a live order of its own, or a refusal; never the
    test order's replay."""
    assert r.status_code < 500, r.text
    assert "idempotent-replayed" not in r.headers
    if r.is_success:
        assert r.json()["id"] != w.order["id"] and r.json()["livemode"] is True


def _replayed(w: World, r: httpx.Response) -> None:
    """The owner with its own key: the first response replayed, so the key really was in use."""
    assert r.headers.get("idempotent-replayed") == "true" and r.json()["id"] == w.order["id"], r.text


def _link_replayed(w: World, r: httpx.Response) -> None:
    """The owner with its own key and body: the first link replayed, so the key really was in use."""
    assert r.headers.get("idempotent-replayed") == "true" and r.json()["id"] == w.link["id"], r.text


def _link_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    """Org B reusing A's Idempotency-Key and external_id makes a link of its own; A's live key (no live
    funds) is refused. Never A's link replayed."""
    assert r.status_code < 500 and "idempotent-replayed" not in r.headers, r.text
    if caller == OTHER_ORG:
        assert r.status_code == 200 and r.json()["id"] != w.link["id"], r.text
    elif r.is_success:
        assert r.json()["id"] != w.link["id"] and r.json()["livemode"] is True


def _batch_replayed(w: World, r: httpx.Response) -> None:
    """The owner with its own key and body: the first batch replayed, so the key really was in use."""
    assert r.headers.get("idempotent-replayed") == "true" and r.json() == w.batch, r.text


def _batch_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    """Org B reusing A's batch Idempotency-Key makes links of its own; A's live key (no live funds) gets
    its items refused. Never A's batch replayed."""
    assert r.status_code < 500 and "idempotent-replayed" not in r.headers, r.text
    if caller == OTHER_ORG:
        assert r.status_code == 200 and r.json()["created"] == 1, r.text
    if r.is_success:
        assert r.json() != w.batch and all(
            x["link"] is None or x["link"]["id"] != w.batch["data"][0]["link"]["id"] for x in r.json()["data"]
        )


ORDER = "/v1/orders/{}"
ENDPOINT = "/v1/webhook_endpoints/{}"
LINK = "/v1/reward_links/{}"
PROGRAM = "/v1/points_programs/{}"
PTX = "/v1/points_transactions/{}"


def _member_url(w: World, tail: str = "") -> str:
    return PROGRAM.format(w.points["program"]["id"]) + f"/members/{w.points['member']}{tail}"


def _b_member_url(w: World, tail: str = "") -> str:
    return PROGRAM.format(w.points["b_program"]["id"]) + f"/members/{w.points['b_member']}{tail}"


def _points_keyed(what: str) -> Build:
    """A's Idempotency-Key and body: org B sends them to its own member, A's live key to A's test path."""

    def build(w: World, caller: str) -> Call:
        url = _b_member_url(w, f"/{what}s") if caller == OTHER_ORG else _member_url(w, f"/{what}s")
        return Call("POST", url, w.points[f"{what}_request"], {"Idempotency-Key": w.points[f"{what}_key"]})

    return build


def _points_replayed(what: str) -> Callable[[World, httpx.Response], None]:
    def check(w: World, r: httpx.Response) -> None:
        assert r.headers.get("idempotent-replayed") == "true" and r.json()["id"] == w.points[what]["id"], r.text

    return check


def _points_of_its_own(what: str) -> Callable[[World, str, httpx.Response], None]:
    """Org B with A's key and body: a transaction of its own member's (or a refusal), never A's replay;
    A's live key on A's test path: the program is not found."""

    def check(w: World, caller: str, r: httpx.Response) -> None:
        assert r.status_code < 500 and "idempotent-replayed" not in r.headers, r.text
        if caller == OTHER_MODE:
            assert r.status_code == 404 and r.json()["code"] == "points_program_not_found", r.text
        elif r.is_success:
            assert r.json()["id"] != w.points[what]["id"] and r.json()["program_id"] == w.points["b_program"]["id"]

    return check


def _redemption_replayed(w: World, r: httpx.Response) -> None:
    got = r.json()
    assert r.headers.get("idempotent-replayed") == "true", r.text
    assert got["order"]["id"] == w.points["redemption"]["order"]["id"], r.text


def _redemption_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    assert r.status_code < 500 and "idempotent-replayed" not in r.headers, r.text
    if caller == OTHER_MODE:
        assert r.status_code == 404 and r.json()["code"] == "points_program_not_found", r.text
    elif r.is_success:
        assert r.json()["program_id"] == w.points["b_program"]["id"], r.text


def _credit_batch_replayed(w: World, r: httpx.Response) -> None:
    assert r.headers.get("idempotent-replayed") == "true" and r.json() == w.points["batch"], r.text


def _credit_batch_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    assert r.status_code < 500 and "idempotent-replayed" not in r.headers, r.text
    if caller == OTHER_MODE:
        assert r.status_code == 404 and r.json()["code"] == "points_program_not_found", r.text
    else:
        got = r.json()
        assert got["program_id"] == w.points["b_program"]["id"] and got["credited"] == 0, r.text


_PNF = "points_program_not_found"
_TNF = "points_transaction_not_found"
POINTS_ROWS: tuple[Row, ...] = (
    Row("getPointsProgram", ("program_id",), fixed("GET", lambda w: PROGRAM.format(w.points["program"]["id"])), _PNF),
    Row(
        "updatePointsProgram",
        ("program_id",),
        fixed("PATCH", lambda w: PROGRAM.format(w.points["program"]["id"]), {"name": "taken over"}),
        _PNF,
    ),
    Row("putPointsMember", ("program_id", "member_id"), fixed("PUT", _member_url, {"name": "taken over"}), _PNF),
    Row("getPointsMember", ("program_id", "member_id"), fixed("GET", _member_url), _PNF),
    Row(
        "createPointsCredit",
        ("program_id", "member_id"),
        fixed("POST", lambda w: _member_url(w, "/credits"), {"points": 1, "reference": "bola-attack"}),
        _PNF,
    ),
    Row(
        "createPointsDebit",
        ("program_id", "member_id"),
        fixed("POST", lambda w: _member_url(w, "/debits"), {"points": 1, "reference": "bola-attack"}),
        _PNF,
    ),
    Row(
        "createPointsCredit",
        ("Idempotency-Key",),
        _points_keyed("credit"),
        None,
        check_owner=_points_replayed("credit"),
        check_other=_points_of_its_own("credit"),
    ),
    Row(
        "createPointsDebit",
        ("Idempotency-Key",),
        _points_keyed("debit"),
        None,
        check_owner=_points_replayed("debit"),
        check_other=_points_of_its_own("debit"),
    ),
    Row("listPointsMembers", ("program_id",), fixed("GET", lambda w: _program_url(w, "/members")), _PNF),
    Row(
        "listPointsMembers",
        ("cursor",),
        # Org B pages its own program's members with A's cursor; A's live key cannot see the program.
        own_path("GET", lambda w, b: _program_url(w, f"/members?cursor={w.points['members_cursor']}", b)),
        {OTHER_ORG: LIST, OTHER_MODE: _PNF},
    ),
    Row(
        "listPointsTransactions",
        ("program_id", "member_id"),
        fixed("GET", lambda w: _member_url(w, "/transactions")),
        _PNF,
    ),
    Row(
        "listPointsTransactions",
        ("cursor",),
        # Org B pages its own member's transactions with A's cursor; A's live key cannot see the program.
        own_path(
            "GET",
            lambda w, b: (_b_member_url if b else _member_url)(w, "/transactions") + f"?cursor={w.points['cursor']}",
        ),
        {OTHER_ORG: LIST, OTHER_MODE: _PNF},
    ),
    Row("getPointsTransaction", ("ptx_id",), fixed("GET", lambda w: PTX.format(w.points["credit"]["id"])), _TNF),
    Row(
        "reversePointsTransaction",
        ("ptx_id",),
        fixed("POST", lambda w: PTX.format(w.points["credit"]["id"]) + "/reverse"),
        _TNF,
    ),
    Row(
        "releasePointsCredit",
        ("ptx_id",),
        fixed("POST", lambda w: PTX.format(w.points["pending"]["id"]) + "/release"),
        _TNF,
    ),
    # #14 redemptions and batch credits
    Row(
        "createPointsRedemption",
        ("program_id", "member_id"),
        fixed(
            "POST",
            lambda w: _member_url(w, "/redemptions"),
            {"product_id": "amazon_us", "denomination": 10, "currency": "USD"},
        ),
        _PNF,
    ),
    Row(
        "createPointsRedemption",
        ("Idempotency-Key",),
        lambda w, caller: Call(
            "POST",
            _b_member_url(w, "/redemptions") if caller == OTHER_ORG else _member_url(w, "/redemptions"),
            w.points["redeem_request"],
            {"Idempotency-Key": w.points["redeem_key"]},
        ),
        None,  # org B's own member has no points: its own 4xx, never A's replay
        check_owner=lambda w, r: _redemption_replayed(w, r),
        check_other=_redemption_of_its_own,
    ),
    Row(
        "createPointsCreditBatch",
        ("program_id",),
        fixed(
            "POST",
            lambda w: PROGRAM.format(w.points["program"]["id"]) + "/credits/batch",
            {"credits": [{"member_id": "bola-attack", "points": 1, "reference": "bola-attack"}]},
        ),
        _PNF,
    ),
    Row(
        "createPointsCreditBatch",
        ("Idempotency-Key",),
        lambda w, caller: Call(
            "POST",
            PROGRAM.format(w.points["b_program" if caller == OTHER_ORG else "program"]["id"]) + "/credits/batch",
            w.points["batch_request"],
            {"Idempotency-Key": w.points["batch_key"]},
        ),
        None,  # org B's program has no such member: a batch of its own with that item failed
        check_owner=lambda w, r: _credit_batch_replayed(w, r),
        check_other=_credit_batch_of_its_own,
    ),
)


def _rule_url(w: World, b: bool = False) -> str:
    """A's rule through A's program, or (b) through B's own program: not found there either."""
    program = w.points["b_program" if b else "program"]["id"]
    return PROGRAM.format(program) + f"/rules/{w.points['rules'][0]['id']}"


def _program_url(w: World, tail: str, b: bool = False) -> str:
    return PROGRAM.format(w.points["b_program" if b else "program"]["id"]) + tail


_RNF = "points_rule_not_found"
_ACTIVITY = {"event_type": "bola.done", "reference": "bola-attack"}
# #14 rules, activities and tiers: the program in the path is the wall; a rule id through the other org's
# own program is not found either.
POINTS_RULE_ROWS: tuple[Row, ...] = (
    Row(
        "createPointsRule",
        ("program_id",),
        fixed("POST", lambda w: _program_url(w, "/rules"), {"event_type": "bola.x", "points": {"fixed": 1}}),
        _PNF,
    ),
    Row("listPointsRules", ("program_id",), fixed("GET", lambda w: _program_url(w, "/rules")), _PNF),
    Row(
        "listPointsRules",
        ("cursor",),
        own_path("GET", lambda w, b: _program_url(w, f"/rules?cursor={w.points['rules_cursor']}", b)),
        {OTHER_ORG: LIST, OTHER_MODE: _PNF},
    ),
    Row("getPointsRule", ("program_id", "rule_id"), fixed("GET", _rule_url), _PNF),
    Row("getPointsRule", ("rule_id",), own_path("GET", _rule_url), {OTHER_ORG: _RNF, OTHER_MODE: _PNF}),
    Row("updatePointsRule", ("program_id", "rule_id"), fixed("PATCH", _rule_url, {"daily_cap": 1}), _PNF),
    Row(
        "updatePointsRule",
        ("rule_id",),
        own_path("PATCH", _rule_url, lambda w: {"daily_cap": 1}),
        {OTHER_ORG: _RNF, OTHER_MODE: _PNF},
    ),
    Row("deletePointsRule", ("program_id", "rule_id"), fixed("DELETE", _rule_url), _PNF),
    Row("deletePointsRule", ("rule_id",), own_path("DELETE", _rule_url), {OTHER_ORG: _RNF, OTHER_MODE: _PNF}),
    Row(
        "createPointsActivity",
        ("program_id", "member_id"),
        own_path(
            "POST",
            lambda w, b: _program_url(w, "/activities"),
            lambda w: {**_ACTIVITY, "member_id": w.points["member"]},
        ),
        _PNF,
    ),
    Row(
        "listPointsActivities",
        ("program_id", "member_id"),
        fixed("GET", lambda w: _program_url(w, f"/activities?member_id={w.points['member']}")),
        _PNF,
    ),
    Row(
        "listPointsActivities",
        ("cursor",),
        own_path("GET", lambda w, b: _program_url(w, f"/activities?cursor={w.points['activities_cursor']}", b)),
        {OTHER_ORG: LIST, OTHER_MODE: _PNF},
    ),
    Row(
        "putPointsTiers",
        ("program_id",),
        fixed("PUT", lambda w: _program_url(w, "/tiers"), {"tiers": [{"name": "Taken", "min_points": 0}]}),
        _PNF,
    ),
    Row("getPointsTiers", ("program_id",), fixed("GET", lambda w: _program_url(w, "/tiers")), _PNF),
    Row("deletePointsTiers", ("program_id",), fixed("DELETE", lambda w: _program_url(w, "/tiers")), _PNF),
)


def _store_put_refused(w: World, caller: str, r: httpx.Response) -> None:
    """Org B (or A's live key) naming A's test program: not a program of its own, the answer of an
    unknown program id; its own store (or none) unchanged."""
    assert r.status_code == 422 and r.json()["code"] == "invalid_storefront", r.text
    assert r.json()["errors"][0]["field"] == "program_id", r.text


def _store_session_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    """Org B signing in A's member id: a member of B's own store (member ids are each customer's own
    names), never a session in A's; A's live key has no live store."""
    if caller == OTHER_ORG:
        assert r.status_code == 200 and f"/s/{w.storefront['b']['slug']}/enter/" in r.json()["url"], r.text
    else:
        assert r.status_code == 404 and r.json()["code"] == "storefront_not_found", r.text


def _store_put(w: World) -> dict[str, Any]:
    return {
        "program_id": w.points["program"]["id"],
        "title": "Taken over",
        "allowed_return_origins": ["https://x.example"],
    }


# #15 storefront: one store per org and mode (no id in its path); what names something is the program in
# PUT, the member id of a session link and the SSO secret's id.
STOREFRONT_ROWS: tuple[Row, ...] = (
    Row(
        "putStorefront",
        ("program_id",),
        lambda w, _c: Call("PUT", "/v1/storefront", _store_put(w)),
        None,
        check_other=_store_put_refused,
    ),
    Row(
        "createStorefrontSession",
        ("member_id",),
        lambda w, _c: Call(
            "POST",
            "/v1/storefront/sessions",
            {
                "member_id": w.points["member"],
                "return_url": "https://app.example.com/",
                "refresh_url": "https://app.example.com/r",
            },
        ),
        None,
        check_other=_store_session_of_its_own,
    ),
    Row(
        "deleteStorefrontSsoSecret",
        ("secret_id",),
        fixed("DELETE", lambda w: f"/v1/storefront/sso_secrets/{w.storefront['a_secret']['id']}"),
        {OTHER_ORG: "sso_secret_not_found", OTHER_MODE: "storefront_not_found"},
    ),
)


# --- #16 reconciliation ---------------------------------------------------------------------------

RCN = "/v1/reconciliations/{}"
_RCNF = "reconciliation_not_found"


def _rcn_url(w: World, tail: str = "", b: bool = False) -> str:
    return RCN.format(w.recon["b_rcn" if b else "rcn"]["id"]) + tail


def _upload_keyed(w: World, caller: str) -> Call:
    """A's Idempotency-Key and statement, from anyone: never A's reconciliation replayed."""
    headers = {"Content-Type": "text/csv", "Idempotency-Key": w.recon["key"]}
    return Call("POST", "/v1/reconciliations?supplier=sandbox", None, headers, w.recon["body"])


def _upload_replayed(w: World, r: httpx.Response) -> None:
    assert r.headers.get("idempotent-replayed") == "true" and r.json()["id"] == w.recon["rcn"]["id"], r.text


def _upload_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    """Org B, or A's live key, with A's key and statement: a reconciliation of its own, of its own orders."""
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers, r.text
    assert r.json()["id"] != w.recon["rcn"]["id"] and r.json()["livemode"] is (caller == OTHER_MODE)


def _resolve_keyed(w: World, caller: str) -> Call:
    rc = w.recon
    own = caller == OTHER_ORG
    line = rc["b_line" if own else "keyed_line"]["id"]
    url = _rcn_url(w, f"/lines/{line}/resolve", b=own)
    return Call("POST", url, rc["resolve_request"], {"Idempotency-Key": rc["resolve_key"]})


def _resolve_replayed(w: World, r: httpx.Response) -> None:
    assert r.headers.get("idempotent-replayed") == "true" and r.json() == w.recon["resolved"], r.text


def _resolve_of_its_own(w: World, caller: str, r: httpx.Response) -> None:
    """Org B with A's key resolves its own line; A's live key on A's test path finds nothing."""
    assert "idempotent-replayed" not in r.headers, r.text
    if caller == OTHER_ORG:
        assert r.status_code == 200 and r.json()["id"] == w.recon["b_line"]["id"], r.text
    else:
        assert r.status_code == 404 and r.json()["code"] == _RCNF, r.text


RECON_ROWS: tuple[Row, ...] = (
    Row("getReconciliation", ("reconciliation_id",), fixed("GET", lambda w: _rcn_url(w)), _RCNF),
    Row("listReconciliationLines", ("reconciliation_id",), fixed("GET", lambda w: _rcn_url(w, "/lines")), _RCNF),
    Row(
        "listReconciliationLines",
        ("cursor",),
        # Org B pages its own reconciliation's lines with A's cursor; A's live key cannot see A's.
        own_path("GET", lambda w, b: _rcn_url(w, f"/lines?cursor={w.recon['lines_cursor']}", b)),
        {OTHER_ORG: LIST, OTHER_MODE: _RCNF},
    ),
    Row(
        "resolveReconciliationLine",
        ("reconciliation_id", "line_id"),
        fixed(
            "POST",
            lambda w: _rcn_url(w, f"/lines/{w.recon['line']['id']}/resolve"),
            {"action": "write_off", "note": "bola attack"},
        ),
        _RCNF,
    ),
    Row(
        "resolveReconciliationLine",
        ("Idempotency-Key",),
        _resolve_keyed,
        None,
        check_owner=_resolve_replayed,
        check_other=_resolve_of_its_own,
    ),
    Row(
        "createReconciliation",
        ("Idempotency-Key",),
        _upload_keyed,
        None,
        check_owner=_upload_replayed,
        check_other=_upload_of_its_own,
    ),
)


# #16 reports: runs and schedules of A's, by id.
REPORT = "/v1/reports/{}"
_RPNF = "report_not_found"
SCHEDULE = "/v1/report_schedules/{}"


def _is_the_runs_file(r: httpx.Response) -> None:
    assert r.headers["content-type"].startswith("text/csv") and r.text.splitlines()[0], r.text[:200]
    assert r.headers["content-disposition"].startswith("attachment; filename="), r.headers


REPORT_ROWS: tuple[Row, ...] = (
    Row("getReportRun", ("run_id",), fixed("GET", lambda w: REPORT.format(w.reports["runs"][0]["id"])), _RPNF),
    # The run's file (CSV): another org and the other mode get report_not_found, as for the run itself.
    Row(
        "downloadReportRun",
        ("run_id",),
        fixed("GET", lambda w: REPORT.format(w.reports["runs"][0]["id"]) + "/download"),
        _RPNF,
        check_owner=lambda w, r: _is_the_runs_file(r),
    ),
    Row(
        "getReportSchedule",
        ("schedule_id",),
        fixed("GET", lambda w: SCHEDULE.format(w.reports["schedules"][0]["id"])),
        "report_schedule_not_found",
    ),
    Row(
        "deleteReportSchedule",
        ("schedule_id",),
        fixed("DELETE", lambda w: SCHEDULE.format(w.reports["schedules"][0]["id"])),
        "report_schedule_not_found",
    ),
)

ROWS: tuple[Row, ...] = (
    Row("getRewardLink", ("link_id",), fixed("GET", lambda w: LINK.format(w.link["id"])), "reward_link_not_found"),
    Row(
        "cancelRewardLink",
        ("link_id",),
        fixed("POST", lambda w: LINK.format(w.link["id"]) + "/cancel"),
        "reward_link_not_found",
    ),
    Row(
        "listRewardLinks",
        ("external_id",),
        fixed("GET", lambda w: f"/v1/reward_links?external_id={w.external_id}"),
        LIST,
    ),
    Row(
        "createRewardLink",
        ("Idempotency-Key", "external_id"),
        lambda w, _c: Call("POST", "/v1/reward_links", w.link_request, {"Idempotency-Key": w.link_key}),
        None,  # a 2xx can be right here: check_other decides
        check_owner=lambda w, r: _link_replayed(w, r),
        check_other=_link_of_its_own,
    ),
    Row(
        "createRewardLinkBatch",
        ("Idempotency-Key",),
        lambda w, _c: Call(
            "POST", "/v1/reward_links/batch", {"links": [w.link_request]}, {"Idempotency-Key": w.batch_key}
        ),
        None,  # a 2xx can be right here: check_other decides
        check_owner=lambda w, r: _batch_replayed(w, r),
        check_other=_batch_of_its_own,
    ),
    Row(
        "resendRewardLink",
        ("link_id",),
        fixed("POST", lambda w: LINK.format(w.link_2["id"]) + "/resend"),
        "reward_link_not_found",
    ),
    Row(
        "listRewardLinkDeliveries",
        ("link_id",),
        fixed("GET", lambda w: LINK.format(w.link_2["id"]) + "/deliveries"),
        "reward_link_not_found",
    ),
    Row(
        "listRewardLinkDeliveries",
        ("cursor",),
        # Org B pages its own link's deliveries with A's cursor; A's live key cannot see the link.
        own_path(
            "GET",
            lambda w, b: (
                LINK.format((w.b_link if b else w.link_2)["id"]) + f"/deliveries?cursor={w.link_deliveries_cursor}"
            ),
        ),
        {OTHER_ORG: LIST, OTHER_MODE: "reward_link_not_found"},
    ),
    Row(
        "reportEmailBounce",
        ("message_id",),
        # A soft bounce: the owner's sanity call notes it on A's delivery, and changes nothing else.
        lambda w, _c: Call("POST", "/v1/email_bounces", {"message_id": w.message_id, "type": "soft"}),
        "email_delivery_not_found",
    ),
    Row("getOrder", ("order_id",), fixed("GET", lambda w: ORDER.format(w.order["id"])), "order_not_found"),
    Row(
        "updateApiKey",
        ("key_id",),
        # The owner re-pins its key to the version it already has (the latest), so later rows see the same.
        fixed("POST", lambda w: f"/v1/api_keys/{w.a_key_id}", {"api_version": LATEST_VERSION}),
        "key_not_found",
    ),
    Row(
        "cancelOrder",
        ("order_id",),
        fixed("POST", lambda w: ORDER.format(w.pending["id"]) + "/cancel"),
        "order_not_found",
    ),
    Row(
        "listOrders",
        ("external_id",),
        fixed("GET", lambda w: f"/v1/orders?external_id={w.external_id}"),
        LIST,
    ),
    Row(
        "listOrders",
        ("product_id",),  # a global catalog id, but the list filtered by it is the org's
        fixed("GET", lambda w: f"/v1/orders?product_id={w.order['product_id']}"),
        LIST,
    ),
    Row(
        "createOrder",
        ("Idempotency-Key", "external_id"),
        lambda w, _c: Call(
            "POST",
            "/v1/orders",
            order_body(external_id=w.external_id),
            {"Idempotency-Key": w.idempotency_key},
        ),
        None,  # a 2xx can be right here: check_other decides
        check_owner=lambda w, r: _replayed(w, r),
        check_other=lambda w, caller, r: (_new_order_of_its_own if caller == OTHER_ORG else _not_a_replay)(w, r),
    ),
    Row("getEvent", ("event_id",), fixed("GET", lambda w: f"/v1/events/{w.event_id}"), "event_not_found"),
    Row(
        "redeliverEvent",
        ("event_id",),
        fixed("POST", lambda w: f"/v1/events/{w.event_id}/redeliver"),
        "event_not_found",
    ),
    Row(
        "redeliverEvent",
        ("endpoint_id",),
        # Org B redelivers its own event to A's endpoint; A's live key its (test) event to its endpoint.
        own_path(
            "POST",
            lambda w, b: f"/v1/events/{w.b_event_id if b else w.event_id}/redeliver",
            lambda w: {"endpoint_id": w.endpoint["id"]},
        ),
        {OTHER_ORG: "webhook_endpoint_not_found", OTHER_MODE: "event_not_found"},
    ),
    Row(
        "getWebhookEndpoint",
        ("endpoint_id",),
        fixed("GET", lambda w: ENDPOINT.format(w.endpoint["id"])),
        "webhook_endpoint_not_found",
    ),
    Row(
        "updateWebhookEndpoint",
        ("endpoint_id",),
        fixed("PATCH", lambda w: ENDPOINT.format(w.endpoint["id"]), {"description": "taken over", "enabled": False}),
        "webhook_endpoint_not_found",
    ),
    Row(
        "deleteWebhookEndpoint",
        ("endpoint_id",),
        fixed("DELETE", lambda w: ENDPOINT.format(w.endpoint["id"])),
        "webhook_endpoint_not_found",
    ),
    Row(
        "rotateWebhookSecret",
        ("endpoint_id",),
        fixed("POST", lambda w: ENDPOINT.format(w.endpoint["id"]) + "/rotate_secret"),
        "webhook_endpoint_not_found",
    ),
    Row(
        "testWebhookEndpoint",
        ("endpoint_id",),
        fixed("POST", lambda w: ENDPOINT.format(w.endpoint["id"]) + "/test"),
        "webhook_endpoint_not_found",
    ),
    Row(
        "listWebhookDeliveries",
        ("endpoint_id",),
        fixed("GET", lambda w: ENDPOINT.format(w.endpoint["id"]) + "/deliveries"),
        "webhook_endpoint_not_found",
    ),
    Row(
        "listWebhookDeliveries",
        ("cursor",),
        # Org B pages its own endpoint's deliveries with A's cursor; A's live key cannot see the endpoint.
        own_path(
            "GET",
            lambda w, b: (
                ENDPOINT.format((w.b_endpoint if b else w.endpoint)["id"]) + f"/deliveries?cursor={w.deliveries_cursor}"
            ),
        ),
        {OTHER_ORG: LIST, OTHER_MODE: "webhook_endpoint_not_found"},
    ),
    *POINTS_ROWS,
    *POINTS_RULE_ROWS,
    *STOREFRONT_ROWS,
    *RECON_ROWS,
    *REPORT_ROWS,
)

# Id-taking inputs that are not the org's: each with why no other caller can be walled off from it.
PUBLIC: dict[tuple[str, str], str] = {
    ("getProduct", "product_id"): "the catalog is global: every key sees every active product",
    ("createOrder", "product_id"): "a product of the global catalog, not a resource of the org",
    ("listProducts", "cursor"): "a page of the global catalog",
    ("listCategories", "cursor"): "a page of the global catalog's categories",
    ("listCountries", "cursor"): "a page of the countries the global catalog sells in",
    ("importInventoryCodes", "product_id"): "operator endpoint (X-Operator-Token): the inventory supplier's "
    "stock is the operator's, not an org's",
    ("importInventoryCodes", "X-Operator-Token"): "the operator's credential, not an org's",
    ("listInventory", "product_id"): "operator endpoint: stock per product of the whole installation",
    ("listInventory", "X-Operator-Token"): "the operator's credential, not an org's",
    ("listInventory", "cursor"): "operator endpoint: a page of the whole installation's stock",
    ("getLinkClaim", "token"): "the headless claim API: a bearer link (the link's token is the credential, no "
    "key); tests/links/test_claims.py covers forged tokens and one link's token never showing another",
    ("redeemLinkClaim", "token"): "the headless claim API: a bearer link, as getLinkClaim",
    ("redeemLinkClaim", "product_id"): "a product of the global catalog, not a resource of the org",
    ("createPointsRedemption", "product_id"): "a product of the global catalog, not a resource of the org",
    # #13 page: the email code of a link is asked for and checked with the link's token, as getLinkClaim;
    # tests/links/test_verification.py covers forged tokens and one link's code never opening another.
    ("sendLinkVerification", "token"): "the headless claim API: a bearer link, as getLinkClaim",
    ("checkLinkVerification", "token"): "the headless claim API: a bearer link, as getLinkClaim",
    # #13 mail: {kind} is one of three fixed names (link, reminder, otp), not a reference: every key reads
    # and writes its own org's templates of that kind, so another org's key reaches its own, never the owner's.
    ("getEmailTemplate", "kind"): "a fixed email kind, not a reference: the caller's own org's template",
    ("replaceEmailTemplate", "kind"): "a fixed email kind, not a reference: the caller's own org's template",
    ("deleteEmailTemplate", "kind"): "a fixed email kind, not a reference: the caller's own org's template",
}

# Routes outside the OpenAPI description that take a parameter: bearer links and static documents.
PUBLIC_PAGES: dict[str, str] = {
    "/v/{token}": "the hosted voucher page: a bearer link (the token is the credential, no key); "
    "test_hosted_voucher_page_only_opens_with_its_exact_token covers forged tokens",
    "/problems/{code}": "the documentation of a problem type: the same for everyone",
    # #13 page: the hosted claim page and its forms (links/pages.py), the claim API's bearer link in HTML;
    # tests/links/test_page.py covers unknown tokens, and a form's csrf field never opening another link.
    "/l/{token}": "the hosted claim page: a bearer link (the token is the credential, no key)",
    "/l/{token}/confirm": "the hosted claim page's confirmation step: a bearer link, as /l/{token}",
    "/l/{token}/claim": "the hosted claim page's claim form: a bearer link, as /l/{token}",
    "/l/{token}/verification": "the hosted claim page's send-a-code form: a bearer link, as /l/{token}",
    "/l/{token}/verification/check": "the hosted claim page's check-the-code form: a bearer link, as /l/{token}",
    # #13 mail: the development mail catcher (mailbox/pages.py): 404 in production; it shows the mail this
    # process sent on loopback, which belongs to the developer running it, not to an org.
    "/dev/mail/{message_id}": "the development mail catcher's message page (development only)",
    "/dev/mail/{message_id}/html": "the development mail catcher's HTML body of a message (development only)",
    "/dev/mail/{message_id}/raw": "the development mail catcher's raw message (development only)",
    # #15 storefront's ways in (storefront/entry.py): the slug names a public store; the session link's
    # token is the credential (tests/storefront/test_session_links.py: one store's token on another's slug
    # is a 404), and the JWT is verified against the slug's own store (tests/storefront/test_sso.py).
    "/s/{slug}/enter/{token}": "a storefront session link: a bearer link (the token is the credential, no key)",
    "/s/{slug}/sso": "storefront JWT sign-in: the signed token is the credential, checked against that store",
    # #15 the store's pages (storefront/pages.py, checkout.py, rewards.py): the member session cookie is the
    # credential, valid on its own store's slug only; an order id is shown only when the member's own
    # redemption paid for it (tests/storefront/test_pages.py: another member's and another org's order are 404).
    "/s/{slug}": "a store's address without the slash: a redirect to /s/{slug}/",
    "/s/{slug}/": "the store's home page: the member session cookie is the credential, for that store only",
    "/s/{slug}/catalog": "the store's catalog: the member session cookie is the credential, for that store only",
    "/s/{slug}/products/{product_id}": "a product of the store's catalog (the public catalog), to a signed-in member",
    "/s/{slug}/checkout": "the store's checkout: the member redeems their own points (cookie + csrf field)",
    "/s/{slug}/rewards": "the member's own rewards: the member session cookie is the credential",
    "/s/{slug}/rewards/{order_id}": "one of the member's own rewards; any other order id is the same 404",
    "/s/{slug}/rewards/{order_id}/reveal": "reveal one of the member's own codes (cookie + csrf); others: 404",
    "/s/{slug}/signout": "end the member's own session (cookie + csrf field)",
    # #17 docs site (guides/pages.py): the guides of docs/, the same for everyone; {name} is a file name.
    "/guides/{name}": "a guide of docs/ as HTML: a public document",
    "/guides/{name}.md": "a guide of docs/ as markdown: a public document",
    "/s/{slug}/{rest:path}": "any other address under a store: the same 404 page for everyone, reads nothing",
}

# --- the guard ------------------------------------------------------------------------------------

_ID_QUERY = {"cursor", "token", "id"}
# Inputs named like ids that reference nothing of anyone's: never a row, whatever operation has them.
NOT_REFERENCES: dict[str, str] = {
    "request-id": "the caller's own correlation id, echoed back; it looks nothing up",
    "x-request-id": "the caller's own correlation id, echoed back; it looks nothing up",
}


def _takes_id(where: str, name: str) -> bool:
    if name.lower() in NOT_REFERENCES:  # header names are case-insensitive
        return False
    if where == "path":
        return True
    if where == "header":  # a key or token names something stored; Rewardkit-Version and the like do not
        lowered = name.lower()
        return "key" in lowered or "token" in lowered or lowered.endswith(("-id", "_id"))
    return name.endswith("_id") or name in _ID_QUERY


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _resolve(spec, spec["components"]["schemas"][name])
    nested = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if nested:
        return [s for part in nested for s in _resolve(spec, part)]
    return [schema]


def id_inputs(spec: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(operationId, input) -> "METHOD path" for every id-taking input the description declares."""
    found: dict[tuple[str, str], str] = {}
    for path, ops in spec["paths"].items():
        if path in PUBLIC_PAGES:  # a bearer link or a public document, wherever it is described
            continue
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            # HEAD answers as its GET does, headers only: the GET's row covers it.
            op_id = ops["get"]["operationId"] if method == "head" and "get" in ops else op["operationId"]
            for p in op.get("parameters", []):
                name = p["name"]
                if _takes_id(p["in"], name):
                    found[(op_id, name)] = where
            content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            for schema in _resolve(spec, content.get("schema", {})) if content else []:
                for name in schema.get("properties", {}):
                    if _takes_id("body", name):
                        found[(op_id, name)] = where
    return found


def _routes(routes: list[Any]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        inner = getattr(route, "original_router", None)  # FastAPI's included routers
        if inner is not None:
            out.extend(_routes(list(inner.routes)))
    return out


# Lists whose items carry no id (a balance is named by its currency): what only org A's page shows.
# build_world funds A's test mode in ZAR as well (after USD, so on the next page); B and A's live mode hold
# no ZAR.
OWNER_MARKS: dict[str, tuple[str, ...]] = {"listBalances": ('"currency": "ZAR"',)}


def cursor_lists(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(operationId, path) of every list of the caller's own things that pages by cursor: the
    cursor's row is test_every_list_pages_only_the_callers_own_data, made for each one found."""
    return [
        (op["operationId"], path)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method == "get"
        and "{" not in path
        and any(p["name"] == "cursor" and p["in"] == "query" for p in op.get("parameters", []))
        and (op["operationId"], "cursor") not in PUBLIC
    ]


def test_every_id_taking_operation_has_a_row(app: FastAPI) -> None:
    declared = id_inputs(app.openapi())
    assert ("getOrder", "order_id") in declared and ("redeliverEvent", "endpoint_id") in declared  # it reads
    covered = {(row.op, name) for row in ROWS for name in row.covers}
    covered |= {(op, "cursor") for op, _ in cursor_lists(app.openapi())}
    missing = [
        f"add a row for operation {op} ({where}), input {name!r}, to ROWS in tests/test_bola_matrix.py "
        "(or to PUBLIC with the reason no other caller can be walled off from it)"
        for (op, name), where in sorted(declared.items())
        if (op, name) not in covered and (op, name) not in PUBLIC
    ]
    assert not missing, "\n".join(missing)
    stale = sorted((covered | set(PUBLIC)) - set(declared))
    assert not stale, f"rows for inputs the API no longer declares: {stale}"
    routes = _routes(list(app.routes))
    assert set(PUBLIC_PAGES) <= {r.path for r in routes}, "PUBLIC_PAGES lists a route the app no longer has"
    hidden = {r.path for r in routes if not r.include_in_schema and "{" in r.path}
    assert hidden <= set(PUBLIC_PAGES), (
        f"routes outside the OpenAPI description take parameters: {sorted(hidden - set(PUBLIC_PAGES))}; "
        "add them to PUBLIC_PAGES with their reason, or put them in the description and add a row"
    )


# --- the matrix -----------------------------------------------------------------------------------


_ADDRESSES = itertools.count(1)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """This module's own client, from an address of each test's own (198.18.0.0/15, set aside for
    benchmarks): limits kept per client address (failed authentications) count this test's few
    unauthenticated calls only, not the rest of the suite's."""
    n = next(_ADDRESSES)
    transport = httpx.ASGITransport(app=app, client=(f"198.18.{n // 256}.{n % 256}", 40000 + n))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def world(client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg) -> AsyncIterator[World]:
    w = await build_world(client, ctx, make_org)
    yield w
    # Deleted endpoints drop their queued deliveries at once, so another test's worker.drain() never
    # spends its time retrying deliveries to this world's address where nothing listens.
    for org, endpoint in ((w.a, w.endpoint), (w.a, w.endpoint_2), (w.b, w.b_endpoint)):
        gone = await client.delete(ENDPOINT.format(endpoint["id"]), headers=org.h())
        assert gone.status_code in (200, 404), gone.text  # 404: the deleteWebhookEndpoint row's owner call


async def send(
    client: httpx.AsyncClient, w: World, row: Row, caller: str, call: Call | None = None
) -> tuple[Call, httpx.Response]:
    call = call or row.build(w, caller)
    headers = {**headers_of(w, caller), **call.headers}
    if call.content is not None:
        return call, await client.request(call.method, call.url, content=call.content, headers=headers)
    return call, await client.request(call.method, call.url, json=call.json, headers=headers)


def ghost_of(w: World, call: Call) -> tuple[Call, dict[str, str]]:
    """The same call with each of A's ids swapped for a fresh id of its type that nobody holds."""
    url, body = call.url, json.dumps(call.json)
    swaps: dict[str, str] = {}
    for real in sorted(w.a_ids, key=len, reverse=True):
        if real in url or real in body:
            swaps[real] = new_id(real.split("_", 1)[0])
            url, body = url.replace(real, swaps[real]), body.replace(real, swaps[real])
    assert swaps, f"{call.method} {call.url} names none of A's ids"
    return Call(call.method, url, json.loads(body), call.headers), swaps


async def assert_same_as_an_unknown_id(
    client: httpx.AsyncClient, w: World, row: Row, caller: str, call: Call, r: httpx.Response
) -> None:
    """Another org's id and an id that never existed answer alike, to the letter (ids aside): the 404
    is no oracle for whether an id exists elsewhere."""
    ghost, swaps = ghost_of(w, call)
    _, g = await send(client, w, row, caller, ghost)
    text = g.text
    for real, fake in swaps.items():
        text = text.replace(fake, real)
    same = (g.status_code, _per_call_removed(json.loads(text), g)) == (r.status_code, _per_call_removed(r.json(), r))
    assert same, f"{caller}: {r.text} vs {g.text}"


def _per_call_removed(body: dict[str, Any], r: httpx.Response) -> dict[str, Any]:
    """The body without what differs between any two calls: the request's own id, if it carries one."""
    ids = {v for k, v in r.headers.items() if k.lower().endswith("request-id")}
    return {k: v for k, v in body.items() if not (isinstance(v, str) and v in ids)}


def assert_shows_nothing_of_a(w: World, call: Call, r: httpx.Response) -> None:
    """Nothing of A's in the answer, body or headers, but what the caller itself sent (a path id
    echoed in `detail`)."""
    sent = call.url + json.dumps(call.json) + json.dumps(call.headers)
    answer = r.text + json.dumps(dict(r.headers))  # a Location or a Link header would leak as much
    leaked = sorted(s for s in w.a_ids | w.a_secrets if s not in sent and s in answer)
    assert not leaked, f"{call.method} {call.url} answered with A's {leaked[:5]}: {r.text[:500]}"


def assert_problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["code"] == code, r.text


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
async def test_another_org_mode_or_principal_gets_nothing(client: httpx.AsyncClient, world: World, row: Row) -> None:
    w = world
    before = await snapshot(client, w)
    for caller in ATTACKERS:
        call, r = await send(client, w, row, caller)
        assert_shows_nothing_of_a(w, call, r)
        if caller in REFUSED_BEFORE_LOOKUP:
            assert_problem(r, *REFUSED_BEFORE_LOOKUP[caller])
        elif row.check_other is not None:
            row.check_other(w, caller, r)
        else:
            assert row.refused is not None, row.name
            expected = row.refused if isinstance(row.refused, str) else row.refused[caller]
            if expected == LIST:
                assert r.status_code == 200 and r.json()["object"] == "list", r.text
            else:
                assert_problem(r, 404, expected)
                await assert_same_as_an_unknown_id(client, w, row, caller, call, r)
                if call.method == "GET":
                    # HEAD: the GET's status (or 405 where HEAD is not served), and headers only.
                    head = await client.head(call.url, headers=headers_of(w, caller))
                    assert head.status_code in (404, 405) and not head.content, head.status_code
                    assert_shows_nothing_of_a(w, call, head)
    # The same reads of A's, equal: no cancel, no delivery queued, no secret rotated, no ledger line.
    assert await snapshot(client, w) == before, f"{row.name}: a refused call changed A's resources"
    # The owner's own call works: the id was real, so the 404s above are the wall, not a typo.
    call, r = await send(client, w, row, OWNER)
    assert r.status_code in row.owner, f"{row.name}: the owner's call {call.method} {call.url}: {r.text}"
    if row.check_owner is not None:
        row.check_owner(w, r)
    if row.refused == LIST or (isinstance(row.refused, dict) and LIST in row.refused.values()):
        # A list row: the owner's page holds the owner's data that the others' pages did not.
        page = json.dumps(r.json()["data"])
        assert any(i in page for i in w.a_ids), r.text


async def test_every_list_pages_only_the_callers_own_data(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    """Every cursor-paged list of the description, found at test time: the other org and the other
    mode, from the first page or from the owner's own next_cursor, page through their own data only;
    the owner's cursor leads on to the owner's."""
    w = world
    lists = cursor_lists(app.openapi())
    assert {"listOrders", "listEvents", "listBalanceTransactions"} <= {op for op, _ in lists}
    for op, path in lists:
        first = await client.get(path, params={"limit": 1}, headers=w.a.h())
        assert first.status_code == 200, f"{op}: {first.text}"
        assert first.json()["has_more"], (
            f"{op} ({path}): build_world in tests/bola_resources.py makes fewer than two of what it "
            "lists for org A; make another, so the list has a next page to steal"
        )
        cursor = first.json()["next_cursor"]
        for caller in (OTHER_ORG, OTHER_MODE):
            for params in ({}, {"cursor": cursor}):
                call = Call("GET", str(httpx.URL(path, params=params)))
                r = await client.get(path, params=params, headers=headers_of(w, caller))
                assert r.status_code == 200 and r.json()["object"] == "list", f"{op} {caller}: {r.text}"
                assert_shows_nothing_of_a(w, call, r)
                for mark in OWNER_MARKS.get(op, ()):
                    assert mark not in json.dumps(r.json()["data"]), f"{op} {caller}: {r.text}"
        mine = await client.get(path, params={"cursor": cursor}, headers=w.a.h())
        assert mine.status_code == 200, mine.text
        marks = OWNER_MARKS.get(op, w.a_ids)
        assert any(i in json.dumps(mine.json()["data"]) for i in marks), f"{op}: {mine.text}"


async def test_a_session_of_the_owners_own_org_gets_nothing_either(client: httpx.AsyncClient, world: World) -> None:
    """The sessions above belong to org A and test mode: the resources' own org and mode. Refused with
    403 on every id-taking server route, by their kind, before any id is read."""
    for raw in (world.member_session, world.link_visitor, world.dashboard_user):
        r = await client.get(ORDER.format(world.order["id"]), headers=bearer(raw))
        assert_problem(r, 403, "principal_not_allowed")
        assert world.order["voucher"]["code"] not in r.text


# --- hosted voucher page (bearer link) ------------------------------------------------------------


async def test_hosted_voucher_page_only_opens_with_its_exact_token(client: httpx.AsyncClient, world: World) -> None:
    """The token is the credential (a link sent to the recipient), so no key is asked for and a key
    changes nothing. Any other token, altered by one character, truncated, padded, another order's
    or too long, is the same 404 page: nothing of A's order, never a 500."""
    w = world
    token = w.voucher_token
    code = w.order["voucher"]["code"]
    opened = await client.get(f"/v/{token}")
    assert opened.status_code == 200 and code in opened.text  # the sanity row: the link works
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = [
        flipped,
        token[:-1],
        token + "x",
        token.upper() if token.upper() != token else token.lower(),
        "x" * 65,
        w.order["id"],
        w.pending["id"],
    ]
    for bad in forged:
        for headers in ({}, w.b.h(), w.a.h()):
            r = await client.get(f"/v/{bad}", headers=headers)
            assert r.status_code == 404, f"/v/{bad}: {r.status_code}"
            assert r.headers["content-type"].startswith("text/html")
            assert code not in r.text and w.order["id"] not in r.text.replace(bad, "")
    # A NUL byte is refused before any lookup (400 problem), never a 500.
    r = await client.get("/v/%00")
    assert r.status_code == 400 and code not in r.text, r.text
    # The pending order has no link yet: its page is not there to find.
    assert w.pending.get("voucher_url") is None


# --- the other direction: a live resource, test keys ----------------------------------------------

# A public address literal: a live endpoint needs one (https, public, checked without DNS). Nothing is
# ever sent there: the org has no live events, and every call below that could queue one is refused.
LIVE_URL = "https://93.184.215.14/bola/{}"
ENDPOINT_CALLS: tuple[tuple[str, str, Any], ...] = (
    ("GET", "", None),
    ("PATCH", "", {"description": "taken over", "enabled": False}),
    ("DELETE", "", None),
    ("POST", "/rotate_secret", None),
    ("POST", "/test", None),
    ("GET", "/deliveries", None),
)


async def test_a_live_endpoint_is_walled_off_from_test_keys(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """Sandbox orders and events exist in test mode only, so live mode's own resource here is a webhook
    endpoint: the owner's test key and another org's keys of both modes get the 404 of an unknown id."""
    a, b = await make_org(), await make_org()
    live = await client.post(
        "/v1/webhook_endpoints", json={"url": LIVE_URL.format(secrets.token_hex(6))}, headers=a.h("live")
    )
    assert live.status_code == 200 and live.json()["livemode"] is True, live.text
    endpoint = live.json()
    path = ENDPOINT.format(endpoint["id"])
    before = (await client.get(path, headers=a.h("live"))).json()
    for method, suffix, body in ENDPOINT_CALLS:
        for headers in (a.h(), b.h("live"), b.h()):
            r = await client.request(method, path + suffix, json=body, headers=headers)
            assert_problem(r, 404, "webhook_endpoint_not_found")
            assert endpoint["secret"] not in r.text and endpoint["url"] not in r.text
    assert (await client.get(path, headers=a.h("live"))).json() == before
    deliveries = await client.get(path + "/deliveries", headers=a.h("live"))
    assert deliveries.status_code == 200 and deliveries.json()["data"] == []  # no refused /test got through
    assert (await client.get("/v1/events", headers=a.h("live"))).json()["data"] == []
    assert endpoint["id"] not in (await client.get("/v1/webhook_endpoints", headers=a.h())).text


async def test_another_orgs_idempotency_key_with_another_body_reveals_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    """Keys are per org and mode: B (or A's live key) sending A's Idempotency-Key with a different body
    is a first use, not `idempotency_key_reused`, which would tell B that A used that key."""
    w = world
    headers = {"Idempotency-Key": w.idempotency_key}
    r = await client.post("/v1/orders", json=order_body(denomination=25), headers=w.b.h(**headers))
    assert r.status_code == 200 and r.json()["id"] != w.order["id"], r.text
    assert "idempotent-replayed" not in r.headers
    r = await client.post("/v1/orders", json=order_body(denomination=25), headers=w.a.h("live", **headers))
    assert r.status_code < 500 and r.json().get("code") != "idempotency_key_reused", r.text
    assert w.order["id"] not in r.text and w.order["voucher"]["code"] not in r.text


@pytest.mark.parametrize("kind", ["order", "event", "endpoint"])
async def test_an_id_matches_exactly_or_not_at_all(client: httpx.AsyncClient, world: World, kind: str) -> None:
    """Ids are compared byte for byte on both databases: a case-folded, padded or quoted variant of
    A's id is nobody's, for A as for B (a collation that folded case would hand out near-misses)."""
    w = world
    real, path = {
        "order": (w.order["id"], ORDER),
        "event": (w.event_id, "/v1/events/{}"),
        "endpoint": (w.endpoint["id"], ENDPOINT),
    }[kind]
    for variant in (real.upper(), real + "%20", "%20" + real, real + "%0A", real + "'", real[:-1]):
        for org in (w.a, w.b):
            r = await client.get(path.format(variant), headers=org.h())
            assert r.status_code == 404, f"{variant}: {r.status_code} {r.text[:300]}"
            assert r.headers["content-type"] == PROBLEM_JSON
            assert_shows_nothing_of_a(w, Call("GET", path.format(variant)), r)
