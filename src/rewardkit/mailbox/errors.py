from rewardkit.kit.errors import Problem


class InvalidRecipientEmail(Problem):
    """The address an email was to go to is not a valid email address (checked for syntax only)."""

    status, code, title = 422, "invalid_recipient_email", "The recipient's email address is not valid"


class EmailTemplateInvalid(Problem):
    """An email template that does not render: a syntax error, an unknown variable, or a construct the
    sandbox refuses. `errors` names the part (subject, text or html) and the reason."""

    status, code, title = 422, "email_template_invalid", "The email template does not render"
