"""JWT sign-in (docs/storefront.md "JWT SSO"): verify the customer's token, refuse it with a code of its
own, or name the member it signs in.

Order of the checks, each refusal its own problem (errors.py): `alg` none → algorithm not in the store's
list (so an HS256 token is refused by a JWKS store: no algorithm confusion, whatever key it names) →
the key (HS256: the store's active secrets, the one named by `kid` or each in turn; otherwise the JWKS
key named by `kid`, refetched once for an unknown kid) → signature → `exp`, `iat`, `nbf` with ±60 s of
skew → `aud` → required claims → `exp - iat` at most 300 s. The `jti` is checked by the caller, in the
transaction that signs the member in (service.sign_in_with_jwt)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
import pycountry
from email_validator import EmailNotValidError, validate_email

from rewardkit.storefront.errors import (
    SsoAlgNone,
    SsoAlgorithmNotAllowed,
    SsoBadSignature,
    SsoLifetimeTooLong,
    SsoRefused,
    SsoTokenExpired,
    SsoTokenNotYetValid,
    SsoUnknownKey,
    SsoWrongAudience,
)
from rewardkit.storefront.jwks import JwksCache
from rewardkit.storefront.models import Storefront
from rewardkit.storefront.schemas import MEMBER_ID_PATTERN

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

LEEWAY = 60  # seconds of clock skew tolerated on exp, iat and nbf
MAX_LIFETIME = 300  # exp - iat
MAX_TOKEN_CHARS = 8192
REQUIRED = ["sub", "exp", "iat", "jti", "aud"]


@dataclass(frozen=True)
class Claims:
    sub: str
    jti: str
    exp: int
    email: str | None
    name: str | None
    country: str | None
    return_url: str | None


def audience_of(store_id: str) -> str:
    """The `aud` a store's tokens carry: its id, which no slug change moves."""
    return f"rewardkit:storefront:{store_id}"


def _text(claims: dict[str, Any], name: str, limit: int) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise SsoRefused(f"The claim {name!r} must be a string of at most {limit} characters.")
    return value.strip()


def _optional(claims: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    email = _text(claims, "email", 254)
    if email is not None:
        try:
            email = str(validate_email(email, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise SsoRefused("The claim 'email' is not an email address.") from None
    country = _text(claims, "country", 2)
    if country is not None:
        if pycountry.countries.get(alpha_2=country.upper()) is None:
            raise SsoRefused("The claim 'country' is not an ISO 3166-1 alpha-2 code.")
        country = country.upper()
    return email, _text(claims, "name", 200), country


async def _keys(
    ctx: Runtime, store: Storefront, alg: str, kid: str | None, secrets: list[tuple[str, str]]
) -> list[Any]:
    if alg == "HS256":
        if kid is not None:
            named = [raw for sid, raw in secrets if sid == kid]
            if not named:
                raise SsoUnknownKey(f"No active SSO secret of this store has the id {kid[:60]!r}.")
            return named
        if not secrets:
            raise SsoUnknownKey("The store has no active SSO secret: create one (POST /v1/storefront/sso_secrets).")
        return [raw for _, raw in secrets]
    if kid is None:
        raise SsoUnknownKey("A token verified against a JWKS must name its key (`kid` header).")
    assert store.jwks_url is not None
    key = await ctx.part(JwksCache).key(ctx, store.jwks_url, kid, store.mode == "live")
    if key is None:
        raise SsoUnknownKey(f"The store's JWKS has no key {kid[:60]!r}.")
    return [key]


async def verify(ctx: Runtime, store: Storefront, token: str, secrets: list[tuple[str, str]]) -> Claims:
    """The token's claims, or an SsoRefused. `secrets`: the store's active HS256 secrets (id, raw)."""
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise SsoRefused("Send the token as ?token=<JWT>.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SsoRefused("The token is not a JWT.") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise SsoAlgNone()
    if alg not in store.algorithms:
        raise SsoAlgorithmNotAllowed(f"This store accepts {', '.join(store.algorithms)}, not {alg[:20]!r}.")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise SsoRefused("The `kid` header must be a string.")
    options = {"require": REQUIRED, "verify_signature": True}
    claims: dict[str, Any] | None = None
    for key in await _keys(ctx, store, alg, kid, secrets):
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=audience_of(store.id),
                leeway=LEEWAY,
                options=options,  # type: ignore[arg-type]
            )
            break
        except jwt.InvalidSignatureError:
            continue  # the next active secret (a rotation); refused below if none verifies
        # pyjwt checks the signature before the claims: these refuse a token signed with the store's key.
        except jwt.ExpiredSignatureError:
            raise _signed(SsoTokenExpired()) from None
        except jwt.ImmatureSignatureError:
            raise _signed(SsoTokenNotYetValid()) from None
        except jwt.InvalidAudienceError:
            raise _signed(SsoWrongAudience(f"This store's tokens carry aud {audience_of(store.id)!r}.")) from None
        except jwt.MissingRequiredClaimError as exc:
            raise _signed(SsoRefused(f"The token lacks the claim {exc.claim!r}.")) from None
        except jwt.PyJWTError as exc:
            raise SsoRefused(f"The token is not valid: {str(exc)[:120]}.") from None
    if claims is None:
        raise SsoBadSignature()
    try:
        return _checked(claims)
    except SsoRefused as exc:
        raise _signed(exc) from None


def signed(problem: Exception) -> bool:
    """Whether a refused token was signed with the store's key (so it is the customer's own, worth an
    event); anyone can send garbage, which only the log records."""
    return bool(getattr(problem, "signed_by_store", False))


def _signed(problem: SsoRefused) -> SsoRefused:
    problem.signed_by_store = True
    return problem


def _checked(claims: dict[str, Any]) -> Claims:
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise SsoRefused("iat and exp must be numbers (seconds since the epoch).")
    if exp - iat > MAX_LIFETIME:
        raise SsoLifetimeTooLong(f"exp is {int(exp - iat)} s after iat; at most {MAX_LIFETIME} s.")
    sub, jti = claims["sub"], claims["jti"]
    if not isinstance(sub, str) or not re.fullmatch(MEMBER_ID_PATTERN, sub):
        raise SsoRefused("The claim 'sub' must be your user's id (letters, digits, _ . : @ -, at most 64).")
    if not isinstance(jti, str) or not 1 <= len(jti) <= 200:
        raise SsoRefused("The claim 'jti' must be a string of 1 to 200 characters.")
    email, name, country = _optional(claims)
    return_url = _text(claims, "return_url", 2048)
    return Claims(sub, jti, int(exp), email, name, country, return_url)
