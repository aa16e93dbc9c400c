"""POST /v1/points_programs/{program_id}/credits/batch: up to 1,000 credits in one request, one result
per item (docs/points.md#batch-credits).

Each item is checked on its own first, outside any write transaction (its body as a credit with a
member_id; a reference used twice in the batch), so a bad item is that item's failure and costs nothing.
Then ONE transaction: the program, the members named (one query), the references already used (one
query), and for a prefunded program the wallet (read once); each item is credited with
movements.credit_in, or refused before it writes anything:

* an unknown member is refused (points_member_not_found), not created: a typo in a campaign file must
  not strand points on a member nobody will ever sign in as. PUT the members first;
* a reference already used replays its credit when the request is the same, else reference_reused;
* prefunded: an item whose cash value the wallet (after the items before it) no longer covers is
  insufficient_funds, and the items after it still go in if they fit.

Should credit_in refuse an item anyway (a concurrent write on PostgreSQL took the wallet or the
reference between the read and the write), the transaction is rolled back and the batch written again
without that item, as reward link batches do (links/batch.py: read-once beats a SAVEPOINT per item).
The batch's Idempotency-Key is claimed and its answer stored in that same transaction.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rewardkit.auth.principals import Principal
from rewardkit.kit.errors import Problem, ValidationFailed
from rewardkit.kit.idempotency import Claim, Replay
from rewardkit.kit.ids import new_id
from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import InsufficientFunds
from rewardkit.points import movements, repository, service
from rewardkit.points.errors import PointsMemberNotFound, ReferenceReused
from rewardkit.points.models import PointsProgram
from rewardkit.points.render import backing_minor, render_tx
from rewardkit.points.schemas import BatchCreditCreate, CreditBatchCreate

if TYPE_CHECKING:
    from rewardkit.orders.state import IdempotencyIntent
    from rewardkit.runtime import Runtime


class _ItemFailed(Exception):
    def __init__(self, index: int, problem: Problem) -> None:
        super().__init__(problem.code)
        self.index, self.problem = index, problem


def _item_problem(index: int, problem: Problem) -> dict[str, Any]:
    """The item's problem as the single credit would answer it, its pointers made absolute in the
    batch's body (/points -> /credits/3/points)."""
    body = problem.to_dict()
    if problem.errors:
        body["errors"] = [{**e, "pointer": f"/credits/{index}{e.get('pointer') or ''}"} for e in problem.errors]
    return body


def _invalid(exc: ValidationError) -> ValidationFailed:
    errors = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        errors.append(
            {
                "field": ".".join(loc) or "credit",
                "pointer": "/" + "/".join(loc) if loc else "",
                "in": "body",
                "message": e.get("msg", "invalid"),
                "code": e.get("type", "invalid"),
            }
        )
    return ValidationFailed(f"{len(errors)} field(s) of this credit are invalid.", errors=errors)


def _parse(items: list[Any]) -> tuple[dict[int, BatchCreditCreate], dict[int, Problem]]:
    parsed: dict[int, BatchCreditCreate] = {}
    refused: dict[int, Problem] = {}
    first: dict[str, int] = {}
    for index, raw in enumerate(items):
        try:
            item = BatchCreditCreate.model_validate(raw)
        except ValidationError as exc:
            refused[index] = _invalid(exc)
            continue
        if item.reference in first:
            refused[index] = ReferenceReused(
                f"Reference {item.reference!r} is also item {first[item.reference]}'s: one credit per reference.",
            )
            continue
        first[item.reference] = index
        parsed[index] = item
    return parsed, refused


async def credit_batch(
    ctx: Runtime, ident: Principal, program_id: str, req: CreditBatchCreate, intent: IdempotencyIntent | None
) -> service.Outcome:
    parsed, refused = _parse(req.credits)
    n = len(req.credits)
    try:
        return await _write(ctx, ident, program_id, n, parsed, refused, intent, None)
    except service.KeyExists:
        assert intent is not None
    found = await ctx.idempotency.claim(ident.org_id, ident.mode, intent.key, intent.fingerprint)
    if isinstance(found, Replay):
        return service.Outcome(found.status, found.body, replayed=True)
    # The credits and the stored answer commit together: a claim taken over from a dead process never has
    # credits without an answer, so the batch is simply written now.
    try:
        return await _write(ctx, ident, program_id, n, parsed, refused, None, found)
    except BaseException:
        await ctx.idempotency.release(found.record_id)
        raise


async def _write(
    ctx: Runtime,
    ident: Principal,
    program_id: str,
    n: int,
    parsed: dict[int, BatchCreditCreate],
    refused: dict[int, Problem],
    intent: IdempotencyIntent | None,
    claim: Claim | None,
) -> service.Outcome:
    refused = dict(refused)
    batch_id = new_id("pcb")
    while True:
        try:
            return await _attempt(ctx, ident, program_id, n, parsed, refused, intent, claim, batch_id)
        except _ItemFailed as failed:  # rolled back: again without that item
            refused[failed.index] = failed.problem


def _answer(
    program: PointsProgram,
    n: int,
    bodies: dict[int, dict[str, Any]],
    failed: dict[int, Problem],
    replayed: set[int] | None = None,
) -> dict[str, Any]:
    """`credited` and `points` count only what this batch credited: an item that replayed a credit made
    before (its reference, the same request) is `replayed`, with that credit, and counted apart."""
    again = replayed or set()
    data = [
        {"index": i, "status": "replayed" if i in again else "credited", "transaction": bodies[i], "error": None}
        if i in bodies
        else {"index": i, "status": "failed", "transaction": None, "error": _item_problem(i, failed[i])}
        for i in range(n)
    ]
    return {
        "object": "points_credit_batch",
        "livemode": program.mode == "live",
        "program_id": program.id,
        "credited": len(bodies) - len(again),
        "replayed": len(again),
        "failed": n - len(bodies),
        "points": sum(b["points"] for i, b in bodies.items() if i not in again),
        "data": data,
    }


async def _attempt(
    ctx: Runtime,
    ident: Principal,
    program_id: str,
    n: int,
    parsed: dict[int, BatchCreditCreate],
    refused: dict[int, Problem],
    intent: IdempotencyIntent | None,
    claim: Claim | None,
    batch_id: str,
) -> service.Outcome:
    failed = dict(refused)
    bodies: dict[int, dict[str, Any]] = {}
    replayed: set[int] = set()
    async with ctx.db.unit_of_work() as s:
        program = await service._program(s, ident, program_id)  # unknown: 404 for the whole batch
        record_id = claim.record_id if claim else None
        if intent is not None:  # first, so that a reused key is told apart before anything is written
            record_id = await ctx.idempotency.claim_in(
                s, ident.org_id, ident.mode, intent.key, intent.fingerprint, batch_id
            )
            if record_id is None:
                raise service.KeyExists
        todo = {i: item for i, item in parsed.items() if i not in failed}
        members = await repository.members_of(s, program.id, sorted({x.member_id for x in todo.values()}))
        known = await repository.references_of(s, program.id, [x.reference for x in todo.values()])
        prefunded = program.funding == "prefunded"
        wallet = (await ledger.wallet_balances(s, ident.org_id, ident.mode)).get(program.currency, 0)
        outstanding = program.outstanding
        for index, item in todo.items():
            member = members.get(item.member_id)
            if member is None:
                failed[index] = PointsMemberNotFound(
                    f"No member {item.member_id!r} in points program {program.id}: PUT it first (batches "
                    "never create members)."
                )
                continue
            expires_at = item.expires_at.astimezone(UTC) if item.expires_at else None
            seen = known.get(item.reference)
            if seen is not None:  # a retry of a credit made before: replay it, or refuse another request
                fp = movements.fingerprint("credit", member.member_id, item.points, item.reason, expires_at)
                if seen.fingerprint == fp:
                    bodies[index] = render_tx(seen, program.currency)
                    replayed.add(index)
                else:
                    failed[index] = ReferenceReused(
                        f"Reference {item.reference!r} was already used in this program by {seen.id} with "
                        "another request.",
                        transaction_id=seen.id,
                    )
                continue
            try:
                service._check_expiry(program, item.expires_at)
            except Problem as exc:
                failed[index] = exc
                continue
            if prefunded:  # at most this much cash (a member in debt holds less of the new points)
                cash = backing_minor(program, outstanding + item.points) - backing_minor(program, outstanding)
                if cash > wallet:
                    failed[index] = InsufficientFunds(
                        f"The {program.currency} wallet does not cover this credit's value (after the items "
                        "before it).",
                        currency=program.currency,
                    )
                    continue
                wallet -= cash
                outstanding += item.points
            try:
                done = await movements.credit_in(
                    ctx, s, program, member, item.points, item.reason, item.reference, expires_at
                )
            except Problem as exc:
                if exc.status >= 500:
                    raise
                raise _ItemFailed(index, exc) from exc
            bodies[index] = done.body
            if done.replayed:  # defensive: the references were read above
                replayed.add(index)
        body = _answer(program, n, bodies, failed, replayed)
        if record_id is not None:
            await ctx.idempotency.complete(s, record_id, 200, body)
    return service.Outcome(200, body)
