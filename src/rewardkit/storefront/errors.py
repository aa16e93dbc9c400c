"""The storefront's problems, each with a stable code (documented at /problems/{code}).

The `sso_*` codes are the refusals of a JWT sign-in (docs/storefront.md "Refusal codes"): the member
sees them on a plain page, the customer in the log line `storefront.sso_refused` and the
`storefront.sso_failed` event."""

from rewardkit.kit.errors import Problem


class StorefrontNotFound(Problem):
    status, code, title = 404, "storefront_not_found", "No storefront is configured for this mode"


class StorefrontSlugTaken(Problem):
    status, code, title = 409, "storefront_slug_taken", "Another store already uses this slug"


class InvalidStorefront(Problem):
    """A setting the schema cannot judge alone: an unknown program, an origin, branding, the JWKS URL."""

    status, code, title = 422, "invalid_storefront", "The storefront settings are not valid"


class ReturnUrlNotAllowed(Problem):
    status, code, title = 422, "return_url_not_allowed", "The URL's origin is not one of the store's allowed origins"


class SsoSecretNotFound(Problem):
    status, code, title = 404, "sso_secret_not_found", "No such active SSO secret"


class TooManySsoSecrets(Problem):
    status, code, title = 409, "too_many_sso_secrets", "The store already has two active SSO secrets"


class SignInRequired(Problem):
    """No member session for this store in the request: absent, expired (idle or absolute), ended, or one
    of another store."""

    status, code, title = 401, "storefront_session_required", "Sign in to the store again"


class SessionLinkNotFound(Problem):
    status, code, title = 404, "storefront_session_link_not_found", "No such sign-in link"


# --- JWT SSO refusals -------------------------------------------------------------------------------------


class SsoRefused(Problem):
    status, code, title = 401, "sso_invalid_token", "The sign-in token is malformed or lacks a required claim"
    signed_by_store = False  # set on a refusal of a token whose signature verified (sso.signed)


class SsoTokenExpired(SsoRefused):
    code, title = "sso_token_expired", "The sign-in token has expired"


class SsoTokenNotYetValid(SsoRefused):
    code, title = "sso_token_not_yet_valid", "The sign-in token is not valid yet (iat or nbf in the future)"


class SsoLifetimeTooLong(SsoRefused):
    code, title = "sso_token_lifetime_too_long", "The sign-in token lives longer than 5 minutes (exp - iat)"


class SsoBadSignature(SsoRefused):
    code, title = "sso_bad_signature", "The sign-in token's signature does not verify"


class SsoUnknownKey(SsoRefused):
    code, title = "sso_unknown_key", "No key of the store matches the sign-in token's kid"


class SsoAlgorithmNotAllowed(SsoRefused):
    code, title = "sso_algorithm_not_allowed", "The store does not accept the sign-in token's algorithm"


class SsoAlgNone(SsoRefused):
    code, title = "sso_alg_none_refused", "Unsigned sign-in tokens (alg none) are refused"


class SsoReplayed(SsoRefused):
    code, title = "sso_token_replayed", "The sign-in token was already used (jti)"


class SsoWrongAudience(SsoRefused):
    code, title = "sso_wrong_audience", "The sign-in token is for another store (aud)"


class SsoJwksUnavailable(SsoRefused):
    status, code, title = 502, "sso_jwks_unavailable", "The store's JWKS URL could not be read"
