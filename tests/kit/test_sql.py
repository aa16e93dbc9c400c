"""kit.sql: Core rows from ORM objects name the same columns, so an executemany writes every value."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from rewardkit.kit import sql
from rewardkit.kit.db import utcnow
from rewardkit.orders.models import OrderTransition
from rewardkit.runtime import Runtime


def test_rows_of_one_model_name_the_same_columns() -> None:
    now = utcnow()
    first = OrderTransition(order_id="ord_x", from_status=None, to_status="pending", reason="r", created_at=now)
    second = OrderTransition(order_id="ord_x", from_status="pending", to_status="processing", reason="", created_at=now)
    a, b = sql.row_values(first), sql.row_values(second)
    assert a.keys() == b.keys() and a["from_status"] is None and b["from_status"] == "pending"
    assert "id" not in a  # the autoincrement key is left to the database


async def test_an_executemany_with_different_columns_is_refused(ctx: Runtime) -> None:
    rows = [{"order_id": "ord_x", "to_status": "pending"}, {"order_id": "ord_x", "from_status": "pending"}]
    async with ctx.db.unit_of_work(readonly=True) as s:
        with pytest.raises(ValueError, match="same columns"):
            await sql.run(s, insert(sql.table(OrderTransition)), rows)
