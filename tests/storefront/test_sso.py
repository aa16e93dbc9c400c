"""JWT SSO (GET /s/{slug}/sso?token=…): HS256 with the store's secrets, RS256/ES256/EdDSA against a
JWKS served on 127.0.0.1, and every refusal with its own code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from rewardkit.runtime import Runtime
from rewardkit.storefront.jwks import JwksCache
from rewardkit.storefront.sessions import COOKIE
from tests.storefront.helpers import RETURN, S, cookie_of, forget_cookies, new_org, problem, store


class Jwks:
    """A JWKS the tests change at will, served by a thread on 127.0.0.1."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.hits = 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                jwks.hits += 1
                body = json.dumps({"keys": jwks.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, kid: str, public: Any, alg: str) -> None:
        codec = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[alg]
        jwk = codec.to_jwk(public, as_dict=True)
        self.keys.append({**jwk, "kid": kid, "use": "sig", "alg": alg})


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    served = Jwks()
    yield served
    served.server.shutdown()


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }


@pytest.fixture(autouse=True)
def refetch_at_once(ctx: Runtime) -> Iterator[None]:
    """Every test's JWKS stores share one URL: a kid another test added must be fetched at once."""
    cache = ctx.part(JwksCache)
    cache.min_refetch = 0.0
    yield
    cache.min_refetch = ctx.settings.storefront_jwks_refetch_seconds


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(store: dict[str, Any], **over: Any) -> dict[str, Any]:
    now = int(time.time())
    body = {
        "sub": "user_" + secrets.token_hex(4),
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_hex(8),
        "aud": store["sso_audience"],
        "email": "ada@example.com",
        "name": "Ada",
        "country": "us",
        **over,
    }
    return {k: v for k, v in body.items() if v is not None}


async def hs_store(client: httpx.AsyncClient, ctx: Runtime) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    org = await new_org(ctx)
    body = await store(client, org)
    r = await client.post(f"{S}/sso_secrets", headers=org.h())
    assert r.status_code == 200, r.text
    return org, body, r.json()


async def sso(client: httpx.AsyncClient, store: dict[str, Any], token: str) -> httpx.Response:
    r = await client.get(f"/s/{store['slug']}/sso", params={"token": token})
    forget_cookies(client)
    return r


def refused(r: httpx.Response, code: str, status: int = 401) -> None:
    assert r.status_code == status, r.text
    assert "text/html" in r.headers["content-type"]
    assert f'data-testid="problem-code">{code}<' in r.text, r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    assert COOKIE not in r.headers.get("set-cookie", "")


def signed_in(r: httpx.Response, store: dict[str, Any]) -> str:
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/s/{store['slug']}/"
    return cookie_of(r)


# --- HS256 ------------------------------------------------------------------------------------------------


async def test_hs256_signs_in_and_upserts_the_member(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org, body, secret = await hs_store(client, ctx)
    c = claims(body, sub="user_jwt_1")
    token = signed_in(await sso(client, body, jwt.encode(c, secret["secret"], "HS256")), body)
    who = await client.get("/v1/session", headers={"Authorization": f"Bearer {token}"})
    assert who.json()["subject"] == "user_jwt_1"
    m = await client.get(f"/v1/points_programs/{body['program_id']}/members/user_jwt_1", headers=org.h())
    assert (m.json()["email"], m.json()["name"], m.json()["country"]) == ("ada@example.com", "Ada", "US")


async def test_the_secret_is_answered_once(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org, _, secret = await hs_store(client, ctx)
    assert secret["secret"].startswith("sfsec_") and secret["redacted"].endswith(secret["secret"][-4:])
    listed = (await client.get(f"{S}/sso_secrets", headers=org.h())).json()["data"]
    assert [s["id"] for s in listed] == [secret["id"]] and listed[0]["secret"] is None
    assert secret["secret"] not in json.dumps(listed)


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"iat": -300, "exp": -120}, "sso_token_expired"),
        ({"iat": 150, "exp": 200}, "sso_token_not_yet_valid"),
        ({"iat": 0, "exp": 400}, "sso_token_lifetime_too_long"),
        ({"aud": "rewardkit:storefront:sfr_someone_else"}, "sso_wrong_audience"),
        ({"jti": None}, "sso_invalid_token"),
        ({"sub": None}, "sso_invalid_token"),
        ({"sub": "has spaces"}, "sso_invalid_token"),
        ({"exp": None}, "sso_invalid_token"),
    ],
)
async def test_hs256_claim_refusals(client: httpx.AsyncClient, ctx: Runtime, over: dict[str, Any], code: str) -> None:
    _, body, secret = await hs_store(client, ctx)
    now = int(time.time())
    shifted = {k: (now + v if k in ("iat", "exp") and v is not None else v) for k, v in over.items()}
    r = await sso(client, body, jwt.encode(claims(body, **shifted), secret["secret"], "HS256"))
    refused(r, code)


async def test_skew_of_sixty_seconds_is_tolerated(client: httpx.AsyncClient, ctx: Runtime) -> None:
    _, body, secret = await hs_store(client, ctx)
    now = int(time.time())
    late = claims(body, iat=now - 250, exp=now - 30)  # expired 30 s ago: within the skew
    signed_in(await sso(client, body, jwt.encode(late, secret["secret"], "HS256")), body)
    early = claims(body, iat=now + 30, exp=now + 200)  # issued 30 s "in the future": a fast clock
    signed_in(await sso(client, body, jwt.encode(early, secret["secret"], "HS256")), body)


async def test_signature_key_and_algorithm_refusals(
    client: httpx.AsyncClient, ctx: Runtime, keys: dict[str, Any]
) -> None:
    _, body, secret = await hs_store(client, ctx)
    c = claims(body)
    refused(await sso(client, body, jwt.encode(c, "sfsec_" + "x" * 43, "HS256")), "sso_bad_signature")
    named = jwt.encode(c, secret["secret"], "HS256", headers={"kid": "sss_unknown"})
    refused(await sso(client, body, named), "sso_unknown_key")
    refused(await sso(client, body, jwt.encode(c, keys["RS256"], "RS256")), "sso_algorithm_not_allowed")
    # alg none, by hand (pyjwt would not sign it): refused before anything else.
    head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(c).encode()).rstrip(b"=").decode()
    refused(await sso(client, body, f"{head}.{payload}."), "sso_alg_none_refused")
    head = base64.urlsafe_b64encode(b'{"alg":"NoNe"}').rstrip(b"=").decode()
    refused(await sso(client, body, f"{head}.{payload}."), "sso_alg_none_refused")
    refused(await sso(client, body, "not-a-jwt"), "sso_invalid_token")
    refused(await sso(client, body, ""), "sso_invalid_token")
    refused(await sso(client, body, "x" * 10_000), "sso_invalid_token")  # a page too, not a JSON 422
    # The refusal wears the store's look: its title, the test-mode banner, the link back styled as the store's.
    page = (await sso(client, body, "garbage")).text
    assert body["title"] in page and "Test mode" in page and "/static/storefront.css" in page
    # Each refusal was for the right reason: the right token still works.
    signed_in(await sso(client, body, jwt.encode(c, secret["secret"], "HS256")), body)


async def test_replayed_jti_is_refused(client: httpx.AsyncClient, ctx: Runtime) -> None:
    _, body, secret = await hs_store(client, ctx)
    token = jwt.encode(claims(body), secret["secret"], "HS256")
    signed_in(await sso(client, body, token), body)
    refused(await sso(client, body, token), "sso_token_replayed")


async def test_a_head_does_not_spend_the_token(client: httpx.AsyncClient, ctx: Runtime) -> None:
    _, body, secret = await hs_store(client, ctx)
    token = jwt.encode(claims(body), secret["secret"], "HS256")
    head = await client.head(f"/s/{body['slug']}/sso", params={"token": token})  # a link checker
    assert head.status_code == 200 and COOKIE not in head.headers.get("set-cookie", "")
    signed_in(await sso(client, body, token), body)  # the browser's GET still signs in


async def test_rotation_two_secrets_then_retired(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org, body, old = await hs_store(client, ctx)
    new = (await client.post(f"{S}/sso_secrets", headers=org.h())).json()
    problem(await client.post(f"{S}/sso_secrets", headers=org.h()), 409, "too_many_sso_secrets")
    for secret in (old, new):  # both verify during the rotation, with or without a kid
        signed_in(await sso(client, body, jwt.encode(claims(body), secret["secret"], "HS256")), body)
        named = jwt.encode(claims(body), secret["secret"], "HS256", headers={"kid": secret["id"]})
        signed_in(await sso(client, body, named), body)
    r = await client.delete(f"{S}/sso_secrets/{old['id']}", headers=org.h())
    assert r.status_code == 200 and r.json()["retired_at"] is not None and r.json()["secret"] is None
    refused(await sso(client, body, jwt.encode(claims(body), old["secret"], "HS256")), "sso_bad_signature")
    named = jwt.encode(claims(body), old["secret"], "HS256", headers={"kid": old["id"]})
    refused(await sso(client, body, named), "sso_unknown_key")
    signed_in(await sso(client, body, jwt.encode(claims(body), new["secret"], "HS256")), body)
    problem(await client.delete(f"{S}/sso_secrets/{old['id']}", headers=org.h()), 404, "sso_secret_not_found")


async def test_no_secret_yet_is_unknown_key(client: httpx.AsyncClient, ctx: Runtime) -> None:
    org = await new_org(ctx)
    body = await store(client, org)
    refused(await sso(client, body, jwt.encode(claims(body), "k" * 40, "HS256")), "sso_unknown_key")


async def test_return_url_claim_must_be_allowed(client: httpx.AsyncClient, ctx: Runtime) -> None:
    _, body, secret = await hs_store(client, ctx)
    bad = jwt.encode(claims(body, return_url="https://evil.example.com/"), secret["secret"], "HS256")
    refused(await sso(client, body, bad), "return_url_not_allowed", 422)
    good = jwt.encode(claims(body, return_url=RETURN + "/back"), secret["secret"], "HS256")
    signed_in(await sso(client, body, good), body)


async def test_refusal_is_an_event_for_the_customer(
    client: httpx.AsyncClient, ctx: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    org, body, secret = await hs_store(client, ctx)
    c = claims(body, sub="user_evt", exp=int(time.time()) - 200, iat=int(time.time()) - 300)
    token = jwt.encode(c, secret["secret"], "HS256")
    with caplog.at_level("WARNING", logger="rewardkit.storefront"):
        refused(await sso(client, body, token), "sso_token_expired")
    [line] = [r for r in caplog.records if "storefront.sso_refused" in r.getMessage()]
    for part in ("sso_token_expired", org.id, body["id"], "user_evt", c["jti"]):
        assert part in line.getMessage()
    assert token not in caplog.text and token.split(".")[2] not in caplog.text
    r = await client.get("/v1/events", params={"type": "storefront.sso_failed"}, headers=org.h())
    [event] = r.json()["data"]
    data = event["data"]
    assert (data["code"], data["sub"], data["jti"], data["storefront_id"]) == (
        "sso_token_expired",
        "user_evt",
        c["jti"],
        body["id"],
    )
    assert token not in json.dumps(event)
    # A token not signed with the store's key is only logged: anyone may send those, and rows on demand
    # would be theirs to make.
    refused(await sso(client, body, jwt.encode(claims(body), "k" * 40, "HS256")), "sso_bad_signature")
    refused(await sso(client, body, "garbage"), "sso_invalid_token")
    r = await client.get("/v1/events", params={"type": "storefront.sso_failed"}, headers=org.h())
    assert len(r.json()["data"]) == 1


async def test_unknown_store_is_a_404_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/s/no-such-store-here/sso", params={"token": "x"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


# --- JWKS: RS256, ES256, EdDSA ------------------------------------------------------------------------------


async def jwks_store(client: httpx.AsyncClient, ctx: Runtime, jwks: Jwks, **sso: Any) -> tuple[Any, dict[str, Any]]:
    org = await new_org(ctx)
    return org, await store(client, org, sso={"jwks_url": jwks.url, **sso})


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
async def test_jwks_algorithms_sign_in(
    client: httpx.AsyncClient, ctx: Runtime, jwks: Jwks, keys: dict[str, Any], alg: str
) -> None:
    kid = f"{alg}-{secrets.token_hex(3)}"
    jwks.add(kid, keys[alg].public_key(), alg)
    _, body = await jwks_store(client, ctx, jwks)
    assert body["sso"]["algorithms"] == ["RS256", "ES256", "EdDSA"]
    token = jwt.encode(claims(body), keys[alg], alg, headers={"kid": kid})
    signed_in(await sso(client, body, token), body)


async def test_jwks_store_refuses_hs256_and_unknown_keys(
    client: httpx.AsyncClient, ctx: Runtime, jwks: Jwks, keys: dict[str, Any]
) -> None:
    kid = "rs-" + secrets.token_hex(3)
    jwks.add(kid, keys["RS256"].public_key(), "RS256")
    _, body = await jwks_store(client, ctx, jwks, algorithms=["RS256"])
    # Algorithm confusion: an HS256 token keyed with the public key's JWK text, naming the real kid (by
    # hand: pyjwt itself refuses to use a public key as an HMAC secret).
    public = json.dumps(jwks.keys[-1]).encode()
    head = _b64(json.dumps({"alg": "HS256", "kid": kid}).encode()) + "." + _b64(json.dumps(claims(body)).encode())
    mac = _b64(hmac.new(public, head.encode(), hashlib.sha256).digest())
    refused(await sso(client, body, f"{head}.{mac}"), "sso_algorithm_not_allowed")
    refused(
        await sso(client, body, jwt.encode(claims(body), keys["ES256"], "ES256", headers={"kid": kid})),
        "sso_algorithm_not_allowed",
    )
    refused(await sso(client, body, jwt.encode(claims(body), keys["RS256"], "RS256")), "sso_unknown_key")  # no kid
    refused(
        await sso(client, body, jwt.encode(claims(body), keys["RS256"], "RS256", headers={"kid": "nope"})),
        "sso_unknown_key",
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims(body), other, "RS256", headers={"kid": kid})
    refused(await sso(client, body, forged), "sso_bad_signature")


async def test_new_kid_triggers_a_refetch(
    client: httpx.AsyncClient, ctx: Runtime, jwks: Jwks, keys: dict[str, Any]
) -> None:
    first = "k1-" + secrets.token_hex(3)
    jwks.add(first, keys["ES256"].public_key(), "ES256")
    _, body = await jwks_store(client, ctx, jwks)
    signed_in(await sso(client, body, jwt.encode(claims(body), keys["ES256"], "ES256", headers={"kid": first})), body)
    before = jwks.hits
    signed_in(await sso(client, body, jwt.encode(claims(body), keys["ES256"], "ES256", headers={"kid": first})), body)
    assert jwks.hits == before  # cached
    rotated = ec.generate_private_key(ec.SECP256R1())
    second = "k2-" + secrets.token_hex(3)
    jwks.add(second, rotated.public_key(), "ES256")
    signed_in(await sso(client, body, jwt.encode(claims(body), rotated, "ES256", headers={"kid": second})), body)
    assert jwks.hits == before + 1


async def test_made_up_kids_refetch_once_per_interval(
    client: httpx.AsyncClient, ctx: Runtime, jwks: Jwks, keys: dict[str, Any]
) -> None:
    kid = "k-" + secrets.token_hex(3)
    jwks.add(kid, keys["RS256"].public_key(), "RS256")
    _, body = await jwks_store(client, ctx, jwks)
    signed_in(await sso(client, body, jwt.encode(claims(body), keys["RS256"], "RS256", headers={"kid": kid})), body)
    ctx.part(JwksCache).min_refetch = 3600.0
    before = jwks.hits
    for n in range(3):
        token = jwt.encode(claims(body), keys["RS256"], "RS256", headers={"kid": f"made-up-{n}"})
        refused(await sso(client, body, token), "sso_unknown_key")
    assert jwks.hits == before  # the set was fetched a moment ago: no fetch per made-up kid


async def test_unreachable_jwks_is_a_502_page(client: httpx.AsyncClient, ctx: Runtime, keys: dict[str, Any]) -> None:
    org = await new_org(ctx)
    body = await store(client, org, sso={"jwks_url": "http://127.0.0.1:9/jwks.json"})
    token = jwt.encode(claims(body), keys["RS256"], "RS256", headers={"kid": "x"})
    refused(await sso(client, body, token), "sso_jwks_unavailable", 502)
    cache = ctx.part(JwksCache)
    cache.min_refetch = 3600.0
    fetches = cache.fetches
    token = jwt.encode(claims(body), keys["RS256"], "RS256", headers={"kid": "x"})
    refused(await sso(client, body, token), "sso_jwks_unavailable", 502)
    assert cache.fetches == fetches  # the failure is remembered: no fetch per token
