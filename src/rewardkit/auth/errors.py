from rewardkit.kit.errors import Problem

_WWW = {"WWW-Authenticate": 'Bearer realm="rewardkit"'}


class AuthenticationRequired(Problem):
    status, code, title = 401, "authentication_required", "Authentication required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "Send your API key as 'Authorization: Bearer sk_test_…'.", headers=dict(_WWW))


class InvalidApiKey(Problem):
    status, code, title = 401, "invalid_api_key", "Invalid API key"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail or "The API key is unknown or has been revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="rewardkit", error="invalid_token"'},
        )


class OrgNotFound(Problem):
    status, code, title = 404, "org_not_found", "No such organisation"


class KeyNotFound(Problem):
    status, code, title = 404, "key_not_found", "No such API key"


class InvalidSession(Problem):
    status, code, title = 401, "invalid_session", "Invalid or expired session"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail or "The session token is unknown, expired or revoked: sign in again.",
            headers={"WWW-Authenticate": 'Bearer realm="rewardkit", error="invalid_token"'},
        )


class PrincipalNotAllowed(Problem):
    """The credential is valid, but this endpoint does not accept its kind (auth/principals.py): an
    API key on a storefront member's endpoint, or a member's session on the server API."""

    status, code, title = 403, "principal_not_allowed", "This credential cannot call this endpoint"


class InvalidBranding(Problem):
    """A branding field is not acceptable. `errors` names each field with a stable `code`:
    `invalid_color` (not `#rrggbb`), `invalid_logo_url` (not a public https URL with a host name),
    `invalid_email`, `invalid_display_name` (blank, too long or with control characters)."""

    status, code, title = 422, "invalid_branding", "Invalid branding"
