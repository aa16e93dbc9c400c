from rewardkit.kit.errors import Problem


class OrderNotFound(Problem):
    status, code, title = 404, "order_not_found", "No such order"


class ProductUnavailable(Problem):
    status, code, title = 422, "product_unavailable", "No supplier can fulfil this product right now"


class CountryNotServed(Problem):
    status, code, title = 422, "country_not_supported", "This product is not sold in that country"


class OrderNotCancelable(Problem):
    status, code, title = 409, "order_not_cancelable", "The order can no longer be canceled"
