"""Who is calling: a principal of a kind, with its org, mode and scopes.

Every credential resolves to a `Principal`; every route states which kinds it accepts (auth/api.py
`accepts`). The kinds:

* `api_key` — the org's server-side key (`sk_test_…`, `sk_live_…`): the whole /v1 API of its mode.
* `member_session` — a customer's end user signed in to a hosted page (the storefront): their own data only.
* `link_visitor` — whoever holds a reward link's token: that link only.
* `dashboard_user` — a person of the org's team signed in to the dashboard.

The last three are sessions (auth/models.py `PrincipalSession`): a random token (`mss_…`, `lvs_…`,
`dus_…`) sent as `Authorization: Bearer …`, stored only as an HMAC, with an expiry, a subject (the
member, link or user id) and scopes. docs/api.md ("Principals") says which routes take which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

API_KEY = "api_key"
MEMBER_SESSION = "member_session"
LINK_VISITOR = "link_visitor"
DASHBOARD_USER = "dashboard_user"
KINDS = (API_KEY, MEMBER_SESSION, LINK_VISITOR, DASHBOARD_USER)
# Token prefixes of the session kinds: the prefix alone says which kind a token claims to be.
SESSION_PREFIXES = {MEMBER_SESSION: "mss_", LINK_VISITOR: "lvs_", DASHBOARD_USER: "dus_"}
API_KEY_SCOPES = frozenset({"api"})  # an API key can do everything its mode allows


@dataclass(frozen=True)
class Principal:
    kind: str
    org_id: str
    mode: str  # "test" | "live"
    id: str  # the API key's id, or the session's
    subject: str | None = None  # what a session is for: the member, link or user id
    scopes: frozenset[str] = field(default_factory=frozenset)
    # An API key's pinned version (kit/versioning.py); None for sessions (they get the latest).
    api_version: str | None = None

    @property
    def livemode(self) -> bool:
        return self.mode == "live"

    @property
    def key_id(self) -> str:
        """The API key's id (an api_key principal's id)."""
        return self.id
