from rewardkit.kit.errors import Problem


class OrderNotFound(Problem):
    status, code, title = 404, "order_not_found", "No such order"


class ProductUnavailable(Problem):
    status, code, title = 422, "product_unavailable", "No supplier can fulfil this product right now"


class CountryNotServed(Problem):
    status, code, title = 422, "country_not_supported", "This product is not sold in that country"


class InvalidSandboxValue(Problem):
    """A test-mode order's `metadata.sandbox` is not a magic value of docs/sandbox.md (an unknown
    scenario, or `slow:<seconds>` out of its bounds)."""

    status, code, title = 422, "invalid_sandbox_value", "Unknown or out-of-range sandbox magic value"


class OrderNotCancelable(Problem):
    status, code, title = 409, "order_not_cancelable", "The order can no longer be canceled"
