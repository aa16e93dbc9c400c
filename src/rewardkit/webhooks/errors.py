from rewardkit.kit.errors import Problem


class EndpointNotFound(Problem):
    status, code, title = 404, "webhook_endpoint_not_found", "No such webhook endpoint"


class InvalidWebhookUrl(Problem):
    status, code, title = 422, "invalid_webhook_url", "This URL cannot receive webhooks"


class EventNotFound(Problem):
    status, code, title = 404, "event_not_found", "No such event"


class UnknownEventType(Problem):
    status, code, title = 422, "unknown_event_type", "Unknown event type"


class EndpointLimitReached(Problem):
    status, code, title = 409, "webhook_endpoint_limit_reached", "Too many webhook endpoints"
