from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class SessionOut(BaseModel):
    """A signed-in session (auth/principals.py): never an API key, never the token itself."""

    id: str
    object: Literal["session"] = "session"
    kind: Literal["member_session", "link_visitor", "dashboard_user"]
    livemode: bool
    subject: str
    scopes: list[str]
    expires_at: datetime
    created_at: datetime
