"""`rewardkit points …` (#14): programs list, member show and balance, a support credit (replayed by its
reference, never doubled), and bad input refused."""

from __future__ import annotations

import httpx

from tests.conftest import MakeOrg
from tests.points.helpers import balance, member, program
from tests.test_cli import Cli
from tests.test_cli import cli as cli  # the fixture


async def test_points_cli(cli: Cli, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    p = await program(client, org, name="CLI points")
    m = await member(client, org, p["id"])
    listed = await cli("points", "programs", "list", "--org", org.id, "--json")
    assert listed.code == 0, listed.err
    assert [x["id"] for x in listed.json()] == [p["id"]]
    args = ["points", "credit", "--program", p["id"], "--member", m, "--points", "25"]
    args += ["--reason", "support ticket", "--reference", "ticket-1", "--json"]
    first, again = await cli(*args), await cli(*args)
    assert first.code == again.code == 0, first.err + again.err
    assert first.json()["id"] == again.json()["id"] and await balance(client, org, p["id"], m) == (25, 0)
    shown = await cli("points", "member", "balance", "--program", p["id"], "--member", m)
    assert shown.code == 0 and "available 25" in shown.out
    show = await cli("points", "member", "show", "--program", p["id"], "--member", m, "--json")
    assert show.code == 0 and show.json()["balance"]["lifetime_earned"] == 25
    bad = await cli(
        "points", "credit", "--program", p["id"], "--member", m, "--points", "0", "--reason", "x", "--reference", "y"
    )
    assert bad.code == 2 and "--points" in bad.err
    unknown = await cli("points", "member", "show", "--program", "ppg_nope", "--member", m)
    assert unknown.code == 1 and "No points program" in unknown.err
    assert await balance(client, org, p["id"], m) == (25, 0)


async def test_points_cli_credit_says_replayed_and_reason_is_optional(
    cli: Cli, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org()
    p = await program(client, org)
    m = await member(client, org, p["id"])
    args = ["points", "credit", "--program", p["id"], "--member", m, "--points", "10", "--reference", "t-2"]
    first, again = await cli(*args), await cli(*args)
    assert first.code == again.code == 0, first.err + again.err
    assert ": credited 10 points" in first.out and "replayed" not in first.out
    assert "already credited (replayed) 10 points" in again.out
    assert await balance(client, org, p["id"], m) == (10, 0)
