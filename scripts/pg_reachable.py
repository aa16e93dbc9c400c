"""Exit 0 if a PostgreSQL server answers at the given SQLAlchemy URL."""

import asyncio
import sys

import asyncpg


async def main(url: str) -> int:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return 1
    await conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
