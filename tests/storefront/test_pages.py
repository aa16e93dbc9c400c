"""The store's pages (#15, part B) over httpx against the app: every page for a signed-in member, the
catalog's filters and pages (country, include/exclude), checkout (points down by exactly the price, the
voucher shown after a reveal), one form submitted twice = one order, two tabs racing for the last points
= one order and a clear message, another member's and another org's orders = 404, CSRF refusals writing
nothing, signed out = 401, sign-out ending the session. `ledger verify` runs after each (conftest)."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from rewardkit.auth.principals import API_KEY, Principal
from rewardkit.orders.models import Order
from rewardkit.points.models import PointsTransaction
from rewardkit.runtime import Runtime
from rewardkit.storefront import service as storefront
from rewardkit.storefront.schemas import SessionCreate, StorefrontPut
from tests.conftest import MakeOrg, OrgHandle
from tests.points.helpers import balance, credit, program

RETURN = "https://shop.example.com/account"


@dataclass
class Shop:
    org: OrgHandle
    program_id: str
    slug: str

    @property
    def base(self) -> str:
        return f"/s/{self.slug}"


async def open_shop(client: httpx.AsyncClient, ctx: Runtime, org: OrgHandle, **over: Any) -> Shop:
    p = await program(client, org)
    ident = Principal(kind=API_KEY, org_id=org.id, mode="test", id="key_test")
    body = {
        "program_id": p["id"],
        "title": "Acme Store",
        "allowed_return_origins": ["https://shop.example.com"],
        **over,
    }
    got, _ = await storefront.put_store(ctx, ident, StorefrontPut.model_validate(body))
    return Shop(org, p["id"], got["slug"])


async def sign_in(ctx: Runtime, shop: Shop, member_id: str = "", country: str = "US") -> tuple[str, dict[str, str]]:
    """A member signed in by a session link: (member_id, the headers carrying their cookie)."""
    member_id = member_id or "user_" + secrets.token_hex(4)
    ident = Principal(kind=API_KEY, org_id=shop.org.id, mode="test", id="key_test")
    req = SessionCreate(member_id=member_id, email=f"{member_id}@example.com", name="Ada", country=country,
                        return_url=RETURN, refresh_url=RETURN)  # fmt: skip
    link = await storefront.create_session_link(ctx, ident, req)
    raw = link["url"].rsplit("/", 1)[-1]
    entered = await storefront.enter(ctx, shop.slug, raw)
    assert entered.token is not None
    return member_id, {"Cookie": f"rk_store={entered.token}"}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def field(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, html
    return m.group(1)


def product_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="product" data-product="([^"]+)"', html)


async def counts(ctx: Runtime) -> tuple[int, int]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        orders = (await s.execute(select(func.count()).select_from(Order))).scalar_one()
        txs = (await s.execute(select(func.count()).select_from(PointsTransaction))).scalar_one()
    return int(orders), int(txs)


async def confirm_form(
    client: httpx.AsyncClient, shop: Shop, h: dict[str, str], product: str, amount: str
) -> dict[str, str]:
    r = await client.get(f"{shop.base}/checkout", params={"product": product, "denomination": amount}, headers=h)
    assert r.status_code == 200, r.text
    return {
        "csrf": csrf_of(r.text),
        "nonce": field(r.text, "nonce"),
        "product": field(r.text, "product"),
        "denomination": field(r.text, "denomination"),
    }


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org(USD="1000.00")


@pytest.fixture
async def shop(client: httpx.AsyncClient, ctx: Runtime, org: OrgHandle) -> Shop:
    return await open_shop(client, ctx, org)


# --- every page -------------------------------------------------------------------------------------


async def test_every_page_for_a_signed_in_member(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 5000)
    home = await client.get(f"{shop.base}/", headers=h)
    assert home.status_code == 200, home.text
    assert "5,000" in home.text and "Acme Store" in home.text
    assert home.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["x-frame-options"] == "DENY"
    assert product_ids(home.text)  # featured rewards
    cat = await client.get(f"{shop.base}/catalog", headers=h)
    assert cat.status_code == 200 and product_ids(cat.text)
    page = await client.get(f"{shop.base}/products/amazon_us", headers=h)
    assert page.status_code == 200 and "2,500 points" in page.text  # 25 USD x 100 points per USD
    conf = await client.get(f"{shop.base}/checkout", params={"product": "amazon_us", "denomination": "25"}, headers=h)
    assert conf.status_code == 200 and 'data-testid="redeem"' in conf.text
    assert (await client.get(f"{shop.base}/rewards", headers=h)).status_code == 200
    for path in ("/", "/catalog", "/rewards", "/products/amazon_us"):
        assert (await client.get(shop.base + path)).status_code == 401  # no cookie


async def test_catalog_filters_country_and_pages(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    _, h = await sign_in(ctx, shop)
    _, gb = await sign_in(ctx, shop, country="GB")
    us_ids = product_ids((await client.get(f"{shop.base}/catalog", params={"q": "amazon"}, headers=h)).text)
    assert "amazon_us" in us_ids and "amazon_gb" not in us_ids
    # A GB member of a USD program: only USD products sold in GB (the program's currency)
    gb_ids = product_ids((await client.get(f"{shop.base}/catalog", params={"q": "amazon"}, headers=gb)).text)
    assert "amazon_us" not in gb_ids and "amazon_gb" not in gb_ids
    gift = product_ids((await client.get(f"{shop.base}/catalog", params={"category": "charity"}, headers=h)).text)
    assert gift and "amazon_us" not in gift
    # points range: amazon_us sells 10..200 USD = 1,000..20,000 points
    cheap = await client.get(f"{shop.base}/catalog", params={"q": "amazon", "max": "999"}, headers=h)
    assert "amazon_us" not in product_ids(cheap.text)
    mid = await client.get(f"{shop.base}/catalog", params={"q": "amazon", "min": "1000", "max": "1,500"}, headers=h)
    assert "amazon_us" in product_ids(mid.text)
    # pages: every product once, in id order, following "More rewards"
    seen: list[str] = []
    url: str | None = f"{shop.base}/catalog"
    while url:
        r = await client.get(url, headers=h)
        assert r.status_code == 200
        seen += product_ids(r.text)
        nxt = re.search(r'href="([^"]+)" rel="next"', r.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == len(set(seen)) > 12 and seen == sorted(seen)
    # junk in the filters is no error
    junk = await client.get(
        f"{shop.base}/catalog", params={"min": "abc", "category": "nope", "cursor": "!!"}, headers=h
    )
    assert junk.status_code == 200


async def test_include_exclude_honoured(client: httpx.AsyncClient, ctx: Runtime, org: OrgHandle) -> None:
    shop = await open_shop(
        client, ctx, org, products={"include": ["amazon_us", "airbnb_us", "amazon_gb"]},
        categories={"exclude": ["merchandise"]},
    )  # fmt: skip
    _, h = await sign_in(ctx, shop)
    ids = product_ids((await client.get(f"{shop.base}/catalog", headers=h)).text)
    assert ids == ["airbnb_us", "amazon_us"]  # amazon_gb: not sold in US
    assert (await client.get(f"{shop.base}/products/apple_us", headers=h)).status_code == 404
    shop2 = await open_shop(
        client, ctx, org, products={"exclude": ["amazon_us"]}, categories={"include": ["gift_card"]}
    )
    _, h2 = await sign_in(ctx, shop2)
    ids = product_ids((await client.get(f"{shop2.base}/catalog", params={"q": "amazon"}, headers=h2)).text)
    assert "amazon_us" not in ids
    assert (await client.get(f"{shop2.base}/products/amazon_us", headers=h2)).status_code == 404
    assert (await client.get(f"{shop2.base}/products/american_red_cross_us", headers=h2)).status_code == 404


# --- checkout -----------------------------------------------------------------------------------------


async def test_checkout_redeems_and_shows_the_voucher(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 3000)
    form = await confirm_form(client, shop, h, "amazon_us", "25")
    r = await client.post(f"{shop.base}/checkout", data=form, headers=h)
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    assert where.startswith(f"{shop.base}/rewards/ord_")
    assert await balance(client, shop.org, shop.program_id, m) == (500, 0)
    page = await client.get(where, headers=h)
    assert page.status_code == 200 and "Your reward is ready" in page.text
    assert 'data-testid="code"' not in page.text and 'data-testid="reveal"' in page.text
    order_id = where.rsplit("/", 1)[-1]
    shown = await client.post(f"{where}/reveal", data={"csrf": csrf_of(page.text)}, headers=h)
    assert shown.status_code == 303
    page = await client.get(shown.headers["location"], headers=h)
    assert 'data-testid="code"' in page.text
    order = (await client.get(f"/v1/orders/{order_id}", headers=shop.org.h())).json()
    assert order["status"] == "fulfilled" and order["voucher"]["code"] in page.text
    mine = await client.get(f"{shop.base}/rewards", headers=h)
    assert order_id in mine.text and "2,500 points" in mine.text
    # the same form again (a reload of the POST): the same order, nothing more spent
    again = await client.post(f"{shop.base}/checkout", data=form, headers=h)
    assert again.status_code == 303 and again.headers["location"] == where
    assert await balance(client, shop.org, shop.program_id, m) == (500, 0)


async def test_not_enough_points_is_a_message(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 1000)
    conf = await client.get(f"{shop.base}/checkout", params={"product": "amazon_us", "denomination": "25"}, headers=h)
    assert conf.status_code == 200 and 'data-testid="not-enough"' in conf.text and 'name="nonce"' not in conf.text
    bad = await client.get(f"{shop.base}/checkout", params={"product": "amazon_us", "denomination": "13"}, headers=h)
    assert bad.status_code == 422 and "Choose one of the amounts" in bad.text
    gone = await client.get(f"{shop.base}/checkout", params={"product": "nope", "denomination": "1"}, headers=h)
    assert gone.status_code == 404


async def test_two_tabs_race_for_the_last_points(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 2500)
    tab1 = await confirm_form(client, shop, h, "amazon_us", "25")
    tab2 = await confirm_form(client, shop, h, "amazon_us", "25")
    assert tab1["nonce"] != tab2["nonce"]
    before = await counts(ctx)
    a, b = await asyncio.gather(
        client.post(f"{shop.base}/checkout", data=tab1, headers=h),
        client.post(f"{shop.base}/checkout", data=tab2, headers=h),
    )
    won = [r for r in (a, b) if r.status_code == 303]
    lost = [r for r in (a, b) if r.status_code != 303]
    assert len(won) == 1 and len(lost) == 1, (a.status_code, b.status_code)
    assert lost[0].status_code == 409 and "do not have enough points" in lost[0].text
    assert "text/html" in lost[0].headers["content-type"]
    after = await counts(ctx)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1  # one order, one debit
    assert await balance(client, shop.org, shop.program_id, m) == (0, 0)


# --- isolation, CSRF, sessions ----------------------------------------------------------------------


async def _redeemed(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> tuple[str, str, dict[str, str]]:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 1000)
    form = await confirm_form(client, shop, h, "amazon_us", "10")
    r = await client.post(f"{shop.base}/checkout", data=form, headers=h)
    assert r.status_code == 303, r.text
    return m, r.headers["location"].rsplit("/", 1)[-1], h


async def test_another_members_and_another_orgs_orders_are_404(
    client: httpx.AsyncClient, ctx: Runtime, shop: Shop, make_org: MakeOrg
) -> None:
    _, order_id, h_a = await _redeemed(client, ctx, shop)
    _, h_b = await sign_in(ctx, shop)
    for path in (f"/rewards/{order_id}", f"/rewards/{order_id}?code=shown"):
        r = await client.get(shop.base + path, headers=h_b)
        assert r.status_code == 404 and order_id not in r.text
    page_a = await client.get(f"{shop.base}/rewards/{order_id}", headers=h_a)
    csrf_b = csrf_of((await client.get(f"{shop.base}/", headers=h_b)).text)
    r = await client.post(f"{shop.base}/rewards/{order_id}/reveal", data={"csrf": csrf_b}, headers=h_b)
    assert r.status_code == 404
    assert order_id not in (await client.get(f"{shop.base}/rewards", headers=h_b)).text
    # another org's store and member: the same order id is nothing there; A's cookie opens nothing there
    other = await open_shop(client, ctx, await make_org(USD="10.00"))
    _, h_c = await sign_in(ctx, other)
    assert (await client.get(f"{other.base}/rewards/{order_id}", headers=h_c)).status_code == 404
    assert (await client.get(f"{other.base}/", headers=h_a)).status_code == 401
    assert (await client.get(f"{shop.base}/rewards/ord_unknown", headers=h_a)).status_code == 404
    assert page_a.status_code == 200


async def test_csrf_refused_writes_nothing(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 5000)
    form = await confirm_form(client, shop, h, "amazon_us", "10")
    before = await counts(ctx)
    for bad in ({**form, "csrf": ""}, {**form, "csrf": "x" * 64}, {k: v for k, v in form.items() if k != "csrf"}):
        r = await client.post(f"{shop.base}/checkout", data=bad, headers=h)
        assert r.status_code == 403 and "This form has expired" in r.text
    cross = await client.post(f"{shop.base}/checkout", data=form, headers={**h, "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    evil = await client.post(f"{shop.base}/checkout", data=form, headers={**h, "Origin": "https://evil.example"})
    assert evil.status_code == 403
    # another member's csrf token is not this member's
    _, h2 = await sign_in(ctx, shop)
    csrf2 = csrf_of((await client.get(f"{shop.base}/", headers=h2)).text)
    assert (await client.post(f"{shop.base}/checkout", data={**form, "csrf": csrf2}, headers=h)).status_code == 403
    assert (await client.post(f"{shop.base}/signout", data={"csrf": "nope"}, headers=h)).status_code == 403
    assert await counts(ctx) == before
    assert await balance(client, shop.org, shop.program_id, m) == (5000, 0)
    assert (await client.get(f"{shop.base}/", headers=h)).status_code == 200  # still signed in


async def test_sign_out_ends_the_session(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    _, h = await sign_in(ctx, shop)
    home = await client.get(f"{shop.base}/", headers=h)
    # Browsers apply form-action to the form's redirect too: the customer's origin must be named, or
    # Chromium blocks the 303 and the member stays on a dead page.
    assert "form-action 'self' https://shop.example.com;" in home.headers["content-security-policy"] + ";"
    r = await client.post(f"{shop.base}/signout", data={"csrf": csrf_of(home.text)}, headers=h)
    assert r.status_code == 303 and r.headers["location"] == RETURN
    assert "rk_store=" in r.headers.get("set-cookie", "")
    gone = await client.get(f"{shop.base}/", headers=h)
    assert gone.status_code == 401 and "sign in again" in gone.text.lower()
    assert gone.headers["referrer-policy"] == "no-referrer"
    assert (await client.post(f"{shop.base}/checkout", data={"csrf": csrf_of(home.text)}, headers=h)).status_code == 401


async def test_frame_ancestors_from_the_store(client: httpx.AsyncClient, ctx: Runtime, org: OrgHandle) -> None:
    shop = await open_shop(client, ctx, org, allowed_frame_ancestors=["https://app.example.com"])
    _, h = await sign_in(ctx, shop)
    r = await client.get(f"{shop.base}/", headers=h)
    assert "frame-ancestors https://app.example.com" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers


async def test_one_form_sent_twice_at_once_is_one_order(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 5000)
    form = await confirm_form(client, shop, h, "amazon_us", "10")
    before = await counts(ctx)
    a, b = await asyncio.gather(
        client.post(f"{shop.base}/checkout", data=form, headers=h),
        client.post(f"{shop.base}/checkout", data=form, headers=h),
    )
    assert sorted([a.status_code, b.status_code]) in ([303, 303], [303, 409]), (a.text, b.text)
    for r in (a, b):
        if r.status_code == 409:
            assert "already being placed" in r.text
    after = await counts(ctx)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1
    assert await balance(client, shop.org, shop.program_id, m) == (4000, 0)


async def test_an_amount_of_a_range_product(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    m, h = await sign_in(ctx, shop)
    await credit(client, shop.org, shop.program_id, m, 1000)
    page = await client.get(f"{shop.base}/products/american_red_cross_us", headers=h)
    assert page.status_code == 200 and 'name="denomination" type="number"' in page.text
    form = await confirm_form(client, shop, h, "american_red_cross_us", "7")
    assert form["denomination"] == "7.00"
    r = await client.post(f"{shop.base}/checkout", data=form, headers=h)
    assert r.status_code == 303, r.text
    assert await balance(client, shop.org, shop.program_id, m) == (300, 0)  # 7 USD = 700 points
    off = await client.get(
        f"{shop.base}/checkout", params={"product": "american_red_cross_us", "denomination": "7.5"}, headers=h
    )
    assert off.status_code == 422  # not a step of the range


async def test_signed_out_page_and_unknown_store(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    r = await client.get(f"{shop.base}/catalog", headers={"Cookie": "rk_store=mss_forged"})
    assert r.status_code == 401 and 'href="https://shop.example.com/"' in r.text
    assert r.headers["cache-control"] == "no-store"
    assert (await client.get("/s/no-such-store/")).status_code == 404
    assert (await client.post(f"{shop.base}/checkout", data={"csrf": "x"})).status_code == 401
    slash = await client.get(shop.base)
    assert slash.status_code == 303 and slash.headers["location"] == f"{shop.base}/"


async def test_people_s_mistakes_are_pages_not_json(client: httpx.AsyncClient, ctx: Runtime, shop: Shop) -> None:
    _, h = await sign_in(ctx, shop)
    # A mistyped or truncated address under the store, a bookmarked form target: the store's 404 page.
    for path in ("/nope", "/products/", "/enter/", "/signout", "/rewards/ord_x/reveal"):
        r = await client.get(shop.base + path, headers=h)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"], (path, r.text)
        assert "Acme Store" in r.text and r.headers["referrer-policy"] == "no-referrer"
    r = await client.get("/s/no-such-store/nope")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    # A pasted long search or junk filters: the catalog page, never a JSON 422.
    long = await client.get(
        f"{shop.base}/catalog", params={"q": "amazon" + "x" * 5000, "min": "9" * 100, "cursor": "c" * 400}, headers=h
    )
    assert long.status_code == 200 and "text/html" in long.headers["content-type"], long.text
