"""What the points routes (api.py, rules_api.py) share: the principal and runtime dependencies, the path
parameters, and the error tables that several operations declare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path

from rewardkit.auth.api import require_api_key
from rewardkit.auth.principals import Principal
from rewardkit.kit.responses import HEADERS
from rewardkit.points.schemas import MEMBER_ID_PATTERN
from rewardkit.runtime import Runtime, get_runtime

Ident = Annotated[Principal, Depends(require_api_key)]
Ctx = Annotated[Runtime, Depends(get_runtime)]
ProgramId = Annotated[str, Path(max_length=40, description="The program's id (ppg_…)")]
MemberId = Annotated[str, Path(pattern=MEMBER_ID_PATTERN, description="Your own user id for the member")]
TxId = Annotated[str, Path(max_length=40, description="The points transaction's id (ptx_…)")]
IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry safely: the same key and body replay the first response"),
]
REPLAYED = {"Idempotent-Replayed": HEADERS["Idempotent-Replayed"]}
PROGRAM_404: dict[int | str, dict[str, Any]] = {404: {"description": "points_program_not_found"}}
MEMBER_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "points_program_not_found, points_member_not_found"}
}
