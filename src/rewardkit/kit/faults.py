"""Failpoints for crash tests: with REWARDKIT_FAULT_KILL_AT=<name> set, the process kills itself
with SIGKILL when it reaches that checkpoint. Unset (always, outside tests) it does nothing."""

from __future__ import annotations

import os
import signal


def checkpoint(name: str) -> None:
    if os.environ.get("REWARDKIT_FAULT_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
