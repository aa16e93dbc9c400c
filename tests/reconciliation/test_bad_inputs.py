"""Every statement we cannot read is a 4xx problem that says where, and records nothing: wrong
encoding, bad CSV, ragged rows, missing columns, bad amounts, dates and currencies, duplicate
references, empty files, unknown suppliers and mappings, other media types, and bodies over the cap
(refused while streaming, without reading them whole)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import MakeOrg, OrgHandle
from tests.reconciliation.helpers import CSV, R, csv_line, problem, statement, upload

GOOD = csv_line("ref-1", "10.00", "USD", "2026-11-01")


async def _nothing_recorded(client: httpx.AsyncClient, org: OrgHandle) -> None:
    r = await client.get(R, headers=org.h())
    assert r.status_code == 200 and r.json()["data"] == [], r.text


BAD: dict[str, tuple[bytes, dict[str, Any], str, list[int]]] = {
    # name: (body, query, code, the lines its errors name)
    "ragged row": (statement(GOOD, "ref-2,10.00,USD"), {}, "statement_invalid", [3]),
    "row too wide": (statement(GOOD, "ref-2,10.00,USD,2026-11-01,extra"), {}, "statement_invalid", [3]),
    "missing column": (
        statement(GOOD, header="reference,face_value,currency,fulfilled_at"),
        {},
        "statement_invalid",
        [1],
    ),
    "amount not a number": (statement(GOOD, "ref-2,ten,USD,2026-11-01"), {}, "statement_invalid", [3]),
    "amount NaN": (statement(GOOD, "ref-2,NaN,USD,2026-11-01"), {}, "statement_invalid", [3]),
    "more decimals than the currency": (statement("ref-2,10.001,USD,2026-11-01"), {}, "statement_invalid", [2]),
    "JPY has none": (statement("ref-2,10.5,JPY,2026-11-01"), {}, "statement_invalid", [2]),
    "huge amount": (statement("ref-2,1e30,USD,2026-11-01"), {}, "statement_invalid", [2]),
    "bad date": (statement(GOOD, "ref-2,10.00,USD,31/11/2026"), {}, "statement_invalid", [3]),
    "impossible date": (statement(GOOD, "ref-2,10.00,USD,2026-02-30"), {}, "statement_invalid", [3]),
    "bad currency": (statement(GOOD, "ref-2,10.00,XYZ,2026-11-01"), {}, "statement_invalid", [3]),
    "empty reference": (statement(GOOD, ",10.00,USD,2026-11-01"), {}, "statement_invalid", [3]),
    "duplicate reference": (statement(GOOD, GOOD), {}, "statement_invalid", [3]),
    "unclosed quote": (statement(GOOD, '"ref-2,10.00,USD,2026-11-01'), {}, "statement_invalid", []),
    "NUL byte": (statement(GOOD, "ref\x00-2,10.00,USD,2026-11-01"), {}, "statement_invalid", []),
    "empty file": (b"", {}, "statement_invalid", [1]),
    "blank file": (b"\n\n  \n", {}, "statement_invalid", [1]),
    "header only": (statement(), {}, "statement_invalid", [1]),
    "latin-1": (statement(GOOD, "réf-2,10.00,USD,2026-11-01").decode().encode("latin-1"), {}, "statement_encoding", []),
    "UTF-16": (statement(GOOD).decode().encode("utf-16"), {}, "statement_encoding", []),
    "unknown supplier": (statement(GOOD), {"supplier": "acme"}, "reconciliation_supplier_unknown", []),
    "unknown mapping": (statement(GOOD), {"mapping": "sap"}, "reconciliation_mapping_unknown", []),
    "period reversed": (
        statement(GOOD),
        {"period_start": "2026-11-30", "period_end": "2026-11-01"},
        "validation_error",
        [],
    ),
    "negative tolerance": (statement(GOOD), {"date_tolerance_days": -1}, "validation_error", []),
    "unknown parameter": (statement(GOOD), {"currency": "USD"}, "validation_error", []),
}


@pytest.mark.parametrize("name", list(BAD))
async def test_bad_statement_is_a_422_naming_the_line(client: httpx.AsyncClient, make_org: MakeOrg, name: str) -> None:
    org = await make_org()
    body, query, code, lines = BAD[name]
    r = await upload(client, org, body, **query)
    got = problem(r, 422, code)
    if lines:
        assert [e["line"] for e in got["errors"]] == lines, got
    await _nothing_recorded(client, org)


async def test_latin1_says_which_line_and_byte(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    body = statement(GOOD, "réf-2,10.00,USD,2026-11-01").decode().encode("latin-1")
    got = problem(await upload(client, org, body), 422, "statement_encoding")
    assert got["line"] == 3 and got["byte"] == body.index(b"\xe9"), got
    assert "line 3" in got["detail"]


async def test_a_bom_is_tolerated_and_crlf_read(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    body = b"\xef\xbb\xbf" + statement(GOOD, csv_line("ref-2", "1", "USD", "2026-11-02")).replace(b"\n", b"\r\n")
    r = await upload(client, org, body)
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["lines"] == 2 and r.json()["counts"]["missing_here"] == 2


async def test_the_first_twenty_errors_are_listed_and_all_counted(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    body = statement(*(csv_line(f"ref-{i}", "x", "USD", "2026-11-01") for i in range(30)))
    got = problem(await upload(client, org, body), 422, "statement_invalid")
    assert len(got["errors"]) == 20 and got["errors"][0]["line"] == 2
    assert got["detail"].startswith("30 problem(s)")


async def test_other_mappings_read_their_vendors_headers(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    tango = (
        "Reward ID,Amount issued,Currency Code,Date Issued,Recipient Email\n"
        "RG1-1,25.00,USD,11/30/2026 10:04 AM,a@b.co\n"
    )
    r = await upload(client, org, tango.encode(), mapping="tango")
    assert r.status_code == 200, r.text
    assert r.json()["mapping"] == "tango" and r.json()["period"] == {"start": "2026-11-30", "end": "2026-11-30"}
    tillo = "Order Reference,Face Value,Currency,Transaction Date\nT-1,10.000,BHD,01/12/2026\n"
    r = await upload(client, org, tillo.encode(), mapping="tillo")
    assert r.status_code == 200 and r.json()["currency"] == "BHD" and r.json()["period"]["start"] == "2026-12-01"
    generic = "date,currency,amount,reference\n2026-11-03T10:00:00Z,EUR,3.5,G-1\n"
    r = await upload(client, org, generic.encode(), mapping="generic")
    assert r.status_code == 200 and r.json()["currency"] == "EUR"
    [line] = (await client.get(f"{R}/{r.json()['id']}/lines", headers=org.h())).json()["data"]
    assert line["theirs"]["amount"] == {"currency": "EUR", "minor_units": 350, "value": "3.50"}


@pytest.mark.parametrize("ctype", ["application/json", "text/plain", "multipart/form-data; boundary=x", None])
async def test_other_media_types_are_415(client: httpx.AsyncClient, make_org: MakeOrg, ctype: str | None) -> None:
    org = await make_org()
    headers = org.h(**({"Content-Type": ctype} if ctype else {}))
    r = await client.post(R, params={"supplier": "sandbox"}, content=statement(GOOD), headers=headers)
    problem(r, 415, "unsupported_media_type")
    assert "text/csv" in r.json()["detail"]
    # and the resolve route stays JSON only
    r = await client.post(f"{R}/rcn_x/lines/rcl_x/resolve", content=b"action=accept", headers=org.h(**CSV))
    problem(r, 415, "unsupported_media_type")


MB = 1024 * 1024


async def test_a_50_mb_statement_is_413_without_being_read_whole(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"supplier_ref,face_value,currency,fulfilled_at\n"
        line = csv_line("ref-0000000000", "10.00", "USD", "2026-11-01").encode() + b"\n"
        block = line * (MB // len(line))
        for _ in range(50):
            sent += 1
            yield block

    # Declared: refused on the header, before a byte of the body is read.
    declared = org.h(**CSV, **{"Content-Length": str(50 * MB)})
    r = await client.post(R, params={"supplier": "sandbox"}, content=chunks(), headers=declared)
    problem(r, 413, "payload_too_large")
    assert sent == 0
    # Streamed (chunked, no length): refused once the 20 MB cap is passed, the rest never read.
    r = await client.post(R, params={"supplier": "sandbox"}, content=chunks(), headers=org.h(**CSV))
    problem(r, 413, "payload_too_large")
    assert sent <= 22, sent
    await _nothing_recorded(client, org)
