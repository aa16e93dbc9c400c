"""kit/mail.py against a real SMTP server on loopback: the URL forms, plain, STARTTLS, implicit TLS and
AUTH, and which failures are permanent (5xx: never retried) and which temporary (4xx, no connection)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from pathlib import Path

import pytest

from rewardkit.kit.mail import Mailer, MailError, MailSettings, build_message
from tests.mail.smtp_server import free_port, running, self_signed, server_context

FROM = "Acme Rewards <rewards@acme.example>"


def message(to: str = "ada@example.com", subject: str = "Hello") -> EmailMessage:
    return build_message(mail_from=FROM, to=to, subject=subject, text="Plain body", html="<p>HTML body</p>")


def mailer(url: str, ca_file: str = "", environment: str = "development") -> Mailer:
    return Mailer(MailSettings.parse(url, FROM, timeout=5, ca_file=ca_file), environment)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("smtp-tls"))


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "user", "password"),
    [
        ("smtp://mail.example:2525", "mail.example", 2525, "none", None, None),
        ("smtp://mail.example", "mail.example", 25, "none", None, None),
        ("smtp+starttls://u%40x:p%3Ass@mail.example", "mail.example", 587, "starttls", "u@x", "p:ss"),
        ("smtp://u:p@mail.example:587?starttls=1", "mail.example", 587, "starttls", "u", "p"),
        ("smtps://mail.example", "mail.example", 465, "tls", None, None),
    ],
)
def test_the_smtp_url_names_host_port_tls_mode_and_credentials(
    url: str, host: str, port: int, tls: str, user: str | None, password: str | None
) -> None:
    s = MailSettings.parse(url, FROM)
    assert (s.host, s.port, s.tls, s.username, s.password) == (host, port, tls, user, password)


@pytest.mark.parametrize(
    "url",
    ["http://mail.example", "smtp://", "smtp://mail.example:99999", "smtp://h?verify=0", "smtps://h?starttls=1",
     "smtp://h?starttls=maybe", "smtp://:secret@h"],
)  # fmt: skip
def test_a_bad_smtp_url_is_refused_without_quoting_its_password(url: str) -> None:
    with pytest.raises(ValueError) as err:
        MailSettings.parse(url, FROM)
    assert "secret" not in str(err.value)


def test_the_password_is_never_in_a_repr_or_the_target() -> None:
    s = MailSettings.parse("smtps://user:hunter2@mail.example", FROM)
    assert "hunter2" not in repr(s) and "hunter2" not in s.target


def test_mail_from_must_be_an_address() -> None:
    with pytest.raises(ValueError):
        MailSettings.parse("", "no address here")


# --- sending --------------------------------------------------------------------------------------


async def test_a_message_goes_over_plain_smtp_with_text_and_html() -> None:
    async with running() as server:
        result = await mailer(f"smtp://127.0.0.1:{server.port}").send(message())
    [got] = server.received
    assert got.rcpt_tos == ["ada@example.com"] and got.mail_from == "rewards@acme.example"
    msg = got.message
    assert msg["Message-ID"] == result.message_id and msg["Subject"] == "Hello"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().strip() == "Plain body"  # type: ignore[union-attr]
    assert msg.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"  # type: ignore[union-attr]
    assert result.recipients == ("ada@example.com",) and result.response.startswith("2.0.0 Ok")


async def test_starttls_with_credentials(cert: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tls = server_context(*cert)
    async with running(starttls=tls, credentials=("mailer", "s3cret pass")) as server:
        url = f"smtp+starttls://mailer:s3cret%20pass@127.0.0.1:{server.port}"
        await mailer(url, ca_file=str(cert[0])).send(message())
    [got] = server.received
    assert got.tls and got.login == "mailer"
    assert "s3cret" not in caplog.text


async def test_implicit_tls(cert: tuple[Path, Path]) -> None:
    async with running(implicit_tls=server_context(*cert)) as server:
        await mailer(f"smtps://127.0.0.1:{server.port}", ca_file=str(cert[0])).send(message())
    [got] = server.received
    assert got.tls


async def test_an_untrusted_certificate_is_a_temporary_failure(cert: tuple[Path, Path]) -> None:
    async with running(starttls=server_context(*cert)) as server:
        with pytest.raises(MailError) as err:
            await mailer(f"smtp+starttls://127.0.0.1:{server.port}").send(message())  # system CAs only
    assert not err.value.permanent and server.received == []


async def test_starttls_is_required_when_asked_for() -> None:
    async with running() as server:  # offers no STARTTLS
        with pytest.raises(MailError) as err:
            await mailer(f"smtp://127.0.0.1:{server.port}?starttls=1").send(message())
    assert not err.value.permanent and server.received == []


async def test_wrong_credentials_are_temporary_so_mail_waits_for_the_fix(cert: tuple[Path, Path]) -> None:
    async with running(starttls=server_context(*cert), credentials=("mailer", "right")) as server:
        url = f"smtp+starttls://mailer:wrong@127.0.0.1:{server.port}"
        with pytest.raises(MailError) as err:
            await mailer(url, ca_file=str(cert[0])).send(message())
    assert not err.value.permanent and err.value.code == 535 and "wrong" not in str(err.value)


async def test_a_550_refusal_is_permanent() -> None:
    async with running() as server:
        server.answers["gone@example.com"] = ["550 5.1.1 No such user"]
        with pytest.raises(MailError) as err:
            await mailer(f"smtp://127.0.0.1:{server.port}").send(message(to="gone@example.com"))
    assert err.value.permanent and err.value.code == 550 and server.received == []


async def test_a_451_answer_is_temporary() -> None:
    async with running() as server:
        server.answers["busy@example.com"] = ["451 4.3.0 Try again later"]
        with pytest.raises(MailError) as err:
            await mailer(f"smtp://127.0.0.1:{server.port}").send(message(to="busy@example.com"))
    assert not err.value.permanent and err.value.code == 451


async def test_a_refused_connection_is_temporary() -> None:
    with pytest.raises(MailError) as err:
        await mailer(f"smtp://127.0.0.1:{free_port()}").send(message())
    assert not err.value.permanent and err.value.code is None


async def test_production_without_an_smtp_url_fails_clearly(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(MailError) as err:
        await mailer("", environment="production").send(message())
    assert "REWARDKIT_SMTP_URL" in str(err.value) and not err.value.permanent
    assert "REWARDKIT_SMTP_URL is not set" in caplog.text


async def test_development_without_an_smtp_url_sends_to_the_local_catcher_port() -> None:
    async with running() as server:
        m = mailer("")
        m.use_local(server.port)
        await m.send(message())
    assert len(server.received) == 1


def test_a_header_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError):
        build_message(mail_from=FROM, to="ada@example.com\r\nBcc: eve@example.com", subject="x", text="y")
