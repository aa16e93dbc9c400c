"""Exit 0 if a Redis server answers PING at the given URL (redis://host:port/db)."""

import asyncio
import sys

import redis.asyncio as aioredis
from redis.exceptions import RedisError


async def main(url: str) -> int:
    client = aioredis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        await client.ping()
    except (RedisError, OSError):
        return 1
    finally:
        await client.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
