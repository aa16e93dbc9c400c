"""`rewardkit orgs …` and `rewardkit keys …`: tenants and their API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rewardkit.cli_support import fail, out, run
from rewardkit.kit import versioning
from rewardkit.kit.money import is_currency

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

orgs_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)

_VERSION_HELP = f"API version its requests get without a Rewardkit-Version header ({', '.join(versioning.VERSIONS)})"


def _check_version(api_version: str | None) -> None:
    if api_version is not None and api_version not in versioning.RELEASED:
        fail(f"the API version must be one of {', '.join(versioning.VERSIONS)}", 2)


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Option(help="Display name")],
    default_currency: Annotated[str, typer.Option(help="Pays orders in currencies without a wallet")] = "USD",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    with_key_ids: Annotated[
        bool, typer.Option("--key-ids", help="With --json: add api_key_ids (mode -> key id, for keys roll/revoke)")
    ] = False,
    api_version: Annotated[
        str | None, typer.Option("--api-version", help=_VERSION_HELP + "; default the latest")
    ] = None,
) -> None:
    """Create an organisation with one test and one live API key (shown only now)."""
    from rewardkit.auth import service

    _check_version(api_version)
    if not name.strip():
        fail("--name must not be empty", 2)
    if not is_currency(default_currency.upper()):
        fail(f"{default_currency} is not an ISO 4217 currency", 2)

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work() as s:
            org = await service.create_org(s, name.strip(), default_currency.upper())
            test = await service.create_key(s, rt.keyring, org.id, "test", api_version)
            live = await service.create_key(s, rt.keyring, org.id, "live", api_version)
        # `api_keys` keeps its shape (mode -> secret; scripts and bench/ read it); the ids are beside it.
        return {
            "id": org.id,
            "name": org.name,
            "api_keys": {"test": test.secret, "live": live.secret},
            "api_key_ids": {"test": test.row.id, "live": live.row.id},
        }

    result = run(go)
    keys, ids = result["api_keys"], result.pop("api_key_ids")
    if as_json and with_key_ids:
        result["api_key_ids"] = ids
    out(
        result,
        as_json,
        f"created {result['id']} ({result['name']})\n  test key {ids['test']}: {keys['test']}\n"
        f"  live key {ids['live']}: {keys['live']}\nThe keys are shown only once.",
    )


@orgs_app.command("list")
def orgs_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    from rewardkit.auth import service

    async def go(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.unit_of_work(readonly=True) as s:
            return [
                {"id": o.id, "name": o.name, "default_currency": o.default_currency} for o in await service.list_orgs(s)
            ]

    rows = run(go)
    out(rows, as_json, "\n".join(f"{r['id']}  {r['name']}" for r in rows) or "no organisations")


@orgs_app.command("brand")
def orgs_brand(
    org_id: Annotated[str, typer.Argument(help="Organisation id (org_…)")],
    name: Annotated[str | None, typer.Option("--name", help="Display name on hosted pages")] = None,
    accent: Annotated[str | None, typer.Option("--accent", help="Accent colour, #rrggbb")] = None,
    logo_url: Annotated[str | None, typer.Option("--logo-url", help="https URL of the logo")] = None,
    support_email: Annotated[str | None, typer.Option("--support-email", help="Shown in the footer")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Set the branding of an organisation's hosted pages (only the options given; "" clears one)."""
    from rewardkit.auth import service
    from rewardkit.kit.errors import Problem

    given = {"display_name": name, "accent_color": accent, "logo_url": logo_url, "support_email": support_email}
    changes: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work(readonly=not changes) as s:
            found = await (service.update_branding(s, org_id, changes) if changes else service.get_branding(s, org_id))
        return found.to_api()

    try:
        result = run(go)
    except Problem as p:
        fail(service.branding_problem_text(p))
    out(result, as_json, service.branding_text(result))


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organisation id (org_…)")],
    mode: Annotated[str, typer.Option(help="test or live")] = "test",
    api_version: Annotated[
        str | None, typer.Option("--api-version", help=_VERSION_HELP + "; default the latest")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API key; its secret is printed once and stored only as an HMAC hash."""
    from rewardkit.auth import service
    from rewardkit.kit.errors import Problem

    if mode not in ("test", "live"):
        fail("--mode must be test or live", 2)
    _check_version(api_version)

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work() as s:
            key, raw = await service.create_key(s, rt.keyring, org, mode, api_version)
        return {"id": key.id, "org_id": key.org_id, "mode": key.mode, "api_version": key.api_version, "secret": raw}

    try:
        result = run(go)
    except Problem as p:
        fail(p.detail)
    out(
        result,
        as_json,
        f"{result['id']} ({result['mode']}, API version {result['api_version']}): {result['secret']}\nShown only once.",
    )


@keys_app.command("set-version")
def keys_set_version(
    key_id: Annotated[str, typer.Argument(help="Key id (key_…) of an active key")],
    api_version: Annotated[str, typer.Argument(help=_VERSION_HELP)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pin a key to an API version: its requests without a Rewardkit-Version header get it (other
    processes within api_key_cache_seconds)."""
    from rewardkit.auth import key_versions, service
    from rewardkit.kit.errors import Problem

    _check_version(api_version)

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work() as s:
            return service.describe_key(await key_versions.set_key_version(s, key_id, api_version))

    try:
        result = run(go)
    except Problem as p:
        fail(p.detail)
    out(result, as_json, f"{key_id} now answers in API version {result['api_version']}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (key_…)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke a key: it stops working within api_key_cache_seconds on every process."""
    from rewardkit.auth import service

    async def go(rt: Runtime) -> bool:
        async with rt.db.unit_of_work() as s:
            return await service.revoke_key(s, key_id)

    if not run(go):
        fail(f"no active key {key_id}")
    out({"id": key_id, "revoked": True}, as_json, f"revoked {key_id}")


@keys_app.command("list")
def keys_list(
    org: Annotated[str, typer.Option(help="Organisation id (org_…)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """An organisation's API keys, revoked ones included: id, mode, redacted, created_at, revoked_at."""
    from rewardkit.auth import service
    from rewardkit.kit.errors import Problem

    async def go(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.unit_of_work(readonly=True) as s:
            return [service.describe_key(k) for k in await service.list_keys(s, org)]

    try:
        rows = run(go)
    except Problem as p:
        fail(p.detail)
    text = "\n".join(
        f"{r['id']}  {r['mode']}  {r['redacted']}  {r['api_version']}  created {r['created_at']}"
        + (f"  revoked {r['revoked_at']}" if r["revoked_at"] else "  active")
        for r in rows
    )
    out(rows, as_json, text or f"no keys for {org}")


@keys_app.command("roll")
def keys_roll(
    key_id: Annotated[str, typer.Argument(help="Key id (key_…) of an active key")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Replace a key: a new key of the same org and mode, and the old one revoked, in one transaction.
    The new secret is printed once; the old key stops working within api_key_cache_seconds."""
    from rewardkit.auth import service
    from rewardkit.kit.errors import Problem

    async def go(rt: Runtime) -> dict[str, Any]:
        async with rt.db.unit_of_work() as s:
            key, raw = await service.roll_key(s, rt.keyring, key_id)
        return {"id": key.id, "org_id": key.org_id, "mode": key.mode, "secret": raw, "revoked": key_id}

    try:
        result = run(go)
    except Problem as p:
        fail(p.detail)
    out(
        result,
        as_json,
        f"revoked {key_id}\n{result['id']} ({result['mode']}): {result['secret']}\nShown only once.",
    )
