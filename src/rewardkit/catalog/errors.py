from rewardkit.kit.errors import Problem


class ProductNotFound(Problem):
    status, code, title = 404, "product_not_found", "No such product"


class InvalidDenomination(Problem):
    status, code, title = 422, "invalid_denomination", "This product is not sold in that amount"


class CurrencyMismatch(Problem):
    status, code, title = 422, "currency_not_supported", "This product is not sold in that currency"


class FxRateUnavailable(Problem):
    status, code, title = 422, "fx_rate_unavailable", "No exchange rate for this currency pair"


class CatalogImportError(Problem):
    status, code, title = 422, "catalog_import_invalid", "The catalog file is invalid"
