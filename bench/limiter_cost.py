"""CPU per request of the rate limiter's checks, in memory with the default settings (one process, no
server, no load generator): the address's failed authentications, then the key's hit with its window.

    python -m bench.limiter_cost [--n 100000]   # prints {"n": …, "us_per_request": …} as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from rewardkit.config import Settings
from rewardkit.kit.ratelimit import RateLimiter


async def measure(n: int) -> float:
    # A limit no run reaches: every hit takes the allowed path, as a normal request does.
    limiter = RateLimiter.from_settings(Settings(rate_limit_test=f"{n * 10}/hour"))
    for _ in range(1000):  # warm up
        await limiter.auth_blocked("127.0.0.1")
        await limiter.hit("test", "key_warm")
    started = time.process_time()
    for _ in range(n):
        await limiter.auth_blocked("127.0.0.1")
        await limiter.hit("test", "key_bench")
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.limiter_cost")
    ap.add_argument("--n", type=int, default=100_000)
    n = ap.parse_args().n
    print(json.dumps({"n": n, "us_per_request": asyncio.run(measure(n))}))


if __name__ == "__main__":
    main()
