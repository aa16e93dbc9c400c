"""Nothing from a request reaches a log: token-bearing paths are redacted, exception messages and
statement parameters are withheld."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.kit.logs import REDACTED, RedactTokenPaths, redact_path, safe_traceback
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("/v/AbCdEf123", f"/v/{REDACTED}"),
        ("/v/AbCdEf123?utm=x", f"/v/{REDACTED}"),
        ("/v/AbCdEf123/qr.png", f"/v/{REDACTED}/qr.png"),
        ("/v1/orders/ord_1", "/v1/orders/ord_1"),  # /v1/ is not /v/
        ("/static/voucher.css", "/static/voucher.css"),
    ],
)
def test_redact_path(path: str, want: str) -> None:
    assert redact_path(path, ("/v/",)) == want


def test_the_filter_rewrites_uvicorns_access_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v/SeCrEtToKeN", "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokenPaths(["/v/"]).filter(record)
    assert record.getMessage() == f'127.0.0.1:5000 - "GET /v/{REDACTED} HTTP/1.1" 200'


def test_safe_traceback_keeps_the_frames_not_the_message() -> None:
    secret, code = "sk_test_" + "leaked_secret", "CODE-" + "1234"  # built, so no source line holds them
    try:
        try:
            raise KeyError(secret)
        except KeyError as inner:
            raise RuntimeError(f"voucher {code}") from inner
    except RuntimeError as exc:
        text = safe_traceback(exc)
    assert "RuntimeError" in text and "KeyError" in text and "test_logs.py" in text
    assert "sk_test_leaked_secret" not in text and "CODE-1234" not in text


async def test_an_unexpected_error_is_logged_without_its_message(
    app: FastAPI, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from rewardkit.orders import service

    code = "CODE-" + "9999"  # built, so no source line in the traceback holds it

    async def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError(f"the order's voucher code is {code}")

    monkeypatch.setattr(service, "get", broken)
    org = await make_org()
    # As a real server answers: the 500 reaches the client, the exception is not re-raised into it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="rewardkit"):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/v1/orders/ord_x", headers=org.h())
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert code not in r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "unhandled RuntimeError on GET /v1/orders/ord_x" in logged
    assert code not in logged and "message withheld" in logged


def test_the_engine_hides_statement_parameters(ctx: Runtime) -> None:
    """SQLAlchemy's error messages would otherwise list the statement's parameters (org ids, keys)."""
    assert ctx.db.engine.sync_engine.hide_parameters is True
