"""Every table, gathered from the modules so Alembic (and create_all in tools) sees the whole schema."""

from rewardkit.kit.db import Base
from rewardkit.kit.idempotency import IdempotencyOwner, IdempotencyRecord
from rewardkit.modules import MODULES

# The kit's own tables, then each module's (importing a table class registers it on Base.metadata).
TABLES: tuple[type, ...] = (IdempotencyRecord, IdempotencyOwner, *(table for m in MODULES for table in m.tables))

__all__ = ["TABLES", "Base"]
