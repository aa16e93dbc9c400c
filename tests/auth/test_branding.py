"""Org branding: GET/PATCH /v1/branding, `rewardkit orgs brand`, and what the voucher page sends."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import httpx
import pytest

from rewardkit import web
from rewardkit.auth.service import contrast_ratio, text_colour_on
from tests.conftest import MakeOrg
from tests.test_cli import Cli, cli  # noqa: F401 - the fixture

SEED = {"product_id": "amazon_us", "denomination": 50, "currency": "USD"}


async def test_branding_defaults_then_patch_sets_only_what_is_sent(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org()
    r = await client.get("/v1/branding", headers=org.h())
    assert r.status_code == 200, r.text
    assert r.json() == {
        "object": "branding",
        "org_id": org.id,
        "display_name": None,
        "logo_url": None,
        "accent_color": None,
        "accent_text_color": "#ffffff",
        "support_email": None,
    }
    r = await client.patch(
        "/v1/branding",
        json={"display_name": "  Acme   Rewards ", "accent_color": "#FFD700", "support_email": "Help@Acme.example"},
        headers=org.h(),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["display_name"] == "Acme Rewards" and body["accent_color"] == "#ffd700"
    assert body["accent_text_color"] == "#111111"  # dark text on gold
    assert body["support_email"] == "Help@acme.example"
    r = await client.patch(
        "/v1/branding", json={"logo_url": "https://cdn.acme.example/logo.svg"}, headers=org.h("live")
    )
    assert r.json()["display_name"] == "Acme Rewards"  # kept: one branding per org, test and live keys alike
    assert r.json()["logo_url"] == "https://cdn.acme.example/logo.svg"
    r = await client.patch("/v1/branding", json={"accent_color": None}, headers=org.h())
    assert r.json()["accent_color"] is None and r.json()["logo_url"] == "https://cdn.acme.example/logo.svg"
    assert (await client.get("/v1/branding", headers=org.h())).json() == r.json()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"accent_color": "red"}, "accent_color", "invalid_color"),
        ({"accent_color": "#12345"}, "accent_color", "invalid_color"),
        ({"accent_color": "#1234567"}, "accent_color", "invalid_color"),
        ({"logo_url": "http://cdn.acme.example/logo.png"}, "logo_url", "invalid_logo_url"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url", "invalid_logo_url"),
        ({"logo_url": "https://user:pw@cdn.acme.example/l.png"}, "logo_url", "invalid_logo_url"),
        ({"logo_url": "https://127.0.0.1/l.png"}, "logo_url", "invalid_logo_url"),
        ({"logo_url": "https://93.184.216.34/l.png"}, "logo_url", "invalid_logo_url"),
        ({"logo_url": "https://cdn.acme.example/a b.png"}, "logo_url", "invalid_logo_url"),
        ({"support_email": "not-an-email"}, "support_email", "invalid_email"),
        ({"support_email": "a@b"}, "support_email", "invalid_email"),
        ({"display_name": "x" * 101}, "display_name", "invalid_display_name"),
        ({"display_name": "Acme\u0007"}, "display_name", "invalid_display_name"),
    ],
)
async def test_bad_branding_is_a_problem_with_a_stable_code(
    client: httpx.AsyncClient, make_org: MakeOrg, body: dict[str, Any], field: str, code: str
) -> None:
    org = await make_org()
    r = await client.patch("/v1/branding", json=body, headers=org.h())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "invalid_branding" and problem["type"] == "/problems/invalid_branding"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert (await client.get("/v1/branding", headers=org.h())).json()["accent_color"] is None  # nothing written


async def test_branding_needs_a_key_and_refuses_unknown_fields(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    assert (await client.get("/v1/branding")).json()["code"] == "authentication_required"
    org = await make_org()
    r = await client.patch("/v1/branding", json={"colour": "#000000"}, headers=org.h())
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_openapi_documents_branding(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    ops = spec["paths"]["/v1/branding"]
    assert ops["get"]["operationId"] == "getBranding" and ops["patch"]["operationId"] == "updateBranding"
    example = ops["patch"]["responses"]["200"]["content"]["application/json"]["example"]
    assert example["object"] == "branding" and example["accent_color"].startswith("#")
    assert "invalid_branding" in {t["code"] for t in spec["x-problem-types"]}


def test_text_colour_is_chosen_for_contrast() -> None:
    for accent in ("#000000", "#ffffff", "#ffd700", "#1a73e8", "#2e86c1", "#777777", "#00ff00", "#8b0000"):
        text = text_colour_on(accent)
        other = "#111111" if text == "#ffffff" else "#ffffff"
        assert contrast_ratio(accent, text) >= contrast_ratio(accent, other)
        assert contrast_ratio(accent, text) >= 3.0  # WCAG large text / UI components, for every accent
    assert text_colour_on("#ffffff") == "#111111" and text_colour_on("#000000") == "#ffffff"


def test_code_groups_join_back_to_the_code() -> None:
    assert web.code_groups("TEST-414B-ABCD") == ["TEST-", "414B-", "ABCD"]
    assert web.code_groups("ABCD EFGH") == ["ABCD ", "EFGH"]
    assert web.code_groups("ABCDEFGHIJKL") == ["ABCD", "EFGH", "IJKL"]
    for code in ("", "A", "AB-CD", "X" * 37, "12 34-56  78", "-LEAD", "TRAIL-"):
        assert "".join(web.code_groups(code)) == code


async def test_voucher_page_is_branded_with_strict_headers(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    await client.patch(
        "/v1/branding",
        json={"display_name": "Acme <b>Rewards</b>", "accent_color": "#1a73e8",
              "logo_url": "https://cdn.acme.example/logo.svg", "support_email": "help@acme.example"},
        headers=org.h(),
    )  # fmt: skip
    order = (await client.post("/v1/orders", json=SEED, headers=org.h())).json()
    page = await client.get(order["voucher_url"].replace("http://testserver", ""))
    assert page.status_code == 200
    html = page.text
    assert "Acme &lt;b&gt;Rewards&lt;/b&gt;" in html and "<b>Rewards" not in html  # escaped
    assert 'href="mailto:help@acme.example"' in html and 'src="https://cdn.acme.example/logo.svg"' in html
    h = page.headers
    assert h["referrer-policy"] == "no-referrer" and h["x-content-type-options"] == "nosniff"
    assert h["cache-control"] == "no-store"
    csp = dict(d.strip().split(" ", 1) for d in h["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'" and csp["form-action"] == "'self'"
    assert csp["img-src"] == "'self' data: https://cdn.acme.example"
    assert "unsafe-inline" not in h["content-security-policy"]
    # The one inline <style> is exactly what the hash in style-src allows.
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert "--accent:#1a73e8" in style
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert csp["style-src"] == f"'self' 'sha256-{digest}'"
    assert "<script>" not in html and " style=" not in html

    missing = await client.get("/v/not-a-real-token-at-all-0000000000")
    assert missing.status_code == 404 and missing.headers["referrer-policy"] == "no-referrer"
    assert missing.headers["content-security-policy"].startswith("default-src 'none'")


async def test_cli_orgs_brand(cli: Cli, client: httpx.AsyncClient, make_org: MakeOrg) -> None:  # noqa: F811
    org = await make_org()
    logo = "https://cdn.acme.example/l.png"
    r = await cli("orgs", "brand", org.id, "--name", "Acme", "--accent", "#0B6E4F",
                  "--logo-url", logo, "--support-email", "help@acme.example", "--json")  # fmt: skip
    assert r.code == 0, r.err
    assert r.json()["accent_color"] == "#0b6e4f" and r.json()["display_name"] == "Acme"
    assert (await client.get("/v1/branding", headers=org.h())).json() == r.json()
    r = await cli("orgs", "brand", org.id, "--logo-url", "")  # "" clears
    assert r.code == 0 and "logo_url: -" in r.out and "accent_color: #0b6e4f" in r.out
    bad = await cli("orgs", "brand", org.id, "--accent", "green", "--support-email", "nope")
    assert bad.code != 0 and "accent_color" in bad.err and "support_email" in bad.err
    missing = await cli("orgs", "brand", "org_nope", "--name", "X")
    assert missing.code != 0 and "org_nope" in missing.err
