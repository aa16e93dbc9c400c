"""Routes of earning rules, activities and tiers (docs/points.md#earning-rules), apart from api.py (programs,
members, movements, redemptions, batches) so that each file says what it holds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.points import activities, rules, tiers
from rewardkit.points.routing import PROGRAM_404, REPLAYED, Ctx, Ident, ProgramId
from rewardkit.points.rule_schemas import (
    ActivityCreate,
    ActivityList,
    ActivityOut,
    RuleCreate,
    RuleDeleted,
    RuleList,
    RuleOut,
    RuleUpdate,
)
from rewardkit.points.schemas import MEMBER_ID_PATTERN, TiersOut, TiersPut

router = APIRouter(prefix="/v1", tags=["Reward points"], route_class=StrictJSONRoute)

RuleId = Annotated[str, Path(max_length=40, description="The earning rule's id (prl_…)")]
_RULE_404: dict[int | str, dict[str, Any]] = {404: {"description": "points_program_not_found, points_rule_not_found"}}
_TIERS_404: dict[int | str, dict[str, Any]] = {404: {"description": "points_program_not_found, points_tiers_not_set"}}


@router.post(
    "/points_programs/{program_id}/rules",
    operation_id="createPointsRule",
    response_class=JSONResponse,
    response_model=RuleOut,
    response_description="The earning rule",
    responses=PROGRAM_404,
)
async def create_points_rule(
    request: Request, program_id: ProgramId, body: RuleCreate, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Say what an activity of `event_type` earns: `{"fixed": 50}` or `{"per_unit": {"property":
    "amount", "points": 2, "per": 1}}` (rounded down to a whole point), when every condition holds, inside
    [`starts_at`, `ends_at`), at most `daily_cap` / `monthly_cap` points per member per UTC day / month."""
    return respond(request, await rules.create_rule(ctx, ident, program_id, body), "points_rule")


@router.get(
    "/points_programs/{program_id}/rules",
    operation_id="listPointsRules",
    response_class=JSONResponse,
    response_model=RuleList,
    response_description="A page of the program's earning rules, newest first",
    responses=PROGRAM_404,
)
async def list_points_rules(
    request: Request, program_id: ProgramId, ident: Ident, ctx: Ctx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> JSONResponse:
    return respond(request, await rules.list_rules(ctx, ident, program_id, cursor, limit), "list")


@router.get(
    "/points_programs/{program_id}/rules/{rule_id}",
    operation_id="getPointsRule",
    response_class=JSONResponse,
    response_model=RuleOut,
    response_description="The earning rule",
    responses=_RULE_404,
)
async def get_points_rule(
    request: Request, program_id: ProgramId, rule_id: RuleId, ident: Ident, ctx: Ctx
) -> JSONResponse:
    return respond(request, await rules.get_rule(ctx, ident, program_id, rule_id), "points_rule")


@router.patch(
    "/points_programs/{program_id}/rules/{rule_id}",
    operation_id="updatePointsRule",
    response_class=JSONResponse,
    response_model=RuleOut,
    response_description="The earning rule as updated",
    responses=_RULE_404,
)
async def update_points_rule(
    request: Request, program_id: ProgramId, rule_id: RuleId, body: RuleUpdate, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Change a rule; it applies to activities recorded from then on (earlier credits stay)."""
    return respond(request, await rules.update_rule(ctx, ident, program_id, rule_id, body), "points_rule")


@router.delete(
    "/points_programs/{program_id}/rules/{rule_id}",
    operation_id="deletePointsRule",
    response_class=JSONResponse,
    response_model=RuleDeleted,
    response_description="The rule is deleted: it matches no later activity",
    responses=_RULE_404,
)
async def delete_points_rule(
    request: Request, program_id: ProgramId, rule_id: RuleId, ident: Ident, ctx: Ctx
) -> JSONResponse:
    return respond(request, await rules.delete_rule(ctx, ident, program_id, rule_id), "points_rule")


@router.post(
    "/points_programs/{program_id}/activities",
    operation_id="createPointsActivity",
    response_model=None,
    response_class=JSONResponse,
    responses={
        200: {"description": "The activity with its credits", "model": ActivityOut, "headers": REPLAYED},
        402: {"description": "insufficient_funds (prefunded: the wallet does not cover the points' value)"},
        404: {"description": "points_program_not_found, points_member_not_found"},
        409: {"description": "reference_reused"},
        422: {"description": "validation_error"},
    },
)
async def create_points_activity(
    request: Request, program_id: ProgramId, body: ActivityCreate, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Report what a member did; every matching rule credits its points (capped), in one transaction.
    An activity no rule matches is recorded with no credits. The same `reference` with the same body
    answers the first activity (`Idempotent-Replayed: true`); with another body, 409 `reference_reused`."""
    out, replayed = await activities.record(ctx, ident, program_id, body)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return respond(request, out, "points_activity", headers=headers)


@router.get(
    "/points_programs/{program_id}/activities",
    operation_id="listPointsActivities",
    response_class=JSONResponse,
    response_model=ActivityList,
    response_description="A page of the program's activities, newest first",
    responses=PROGRAM_404,
)
async def list_points_activities(
    request: Request,
    program_id: ProgramId,
    ident: Ident,
    ctx: Ctx,
    member_id: Annotated[str | None, Query(pattern=MEMBER_ID_PATTERN, description="Only this member's")] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JSONResponse:
    body = await activities.list_activities(ctx, ident, program_id, member_id, cursor, limit)
    return respond(request, body, "list")


@router.put(
    "/points_programs/{program_id}/tiers",
    operation_id="putPointsTiers",
    response_class=JSONResponse,
    response_model=TiersOut,
    response_description="The program's tiers",
    responses=PROGRAM_404,
)
async def put_points_tiers(
    request: Request, program_id: ProgramId, body: TiersPut, ident: Ident, ctx: Ctx
) -> JSONResponse:
    """Set or replace the program's tiers, from points earned in the last `window_months` (null: all
    time); every member is re-evaluated at once (a job), then daily."""
    return respond(request, await tiers.put_tiers(ctx, ident, program_id, body), "points_tiers")


@router.get(
    "/points_programs/{program_id}/tiers",
    operation_id="getPointsTiers",
    response_class=JSONResponse,
    response_model=TiersOut,
    response_description="The program's tiers",
    responses=_TIERS_404,
)
async def get_points_tiers(request: Request, program_id: ProgramId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await tiers.get_tiers(ctx, ident, program_id), "points_tiers")


@router.delete(
    "/points_programs/{program_id}/tiers",
    operation_id="deletePointsTiers",
    response_class=JSONResponse,
    response_model=TiersOut,
    response_description="The tiers removed: members' `tier` is null from now on",
    responses=_TIERS_404,
)
async def delete_points_tiers(request: Request, program_id: ProgramId, ident: Ident, ctx: Ctx) -> JSONResponse:
    return respond(request, await tiers.delete_tiers(ctx, ident, program_id), "points_tiers")
