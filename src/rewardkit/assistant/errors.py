"""The assistant's problems, each with a stable code (documented at /problems/{code})."""

from rewardkit.kit.errors import Problem


class AssistantUnavailable(Problem):
    """The docs the assistant reads are missing from this installation (no docs/ folder found)."""

    status, code, title = 503, "assistant_unavailable", "The docs assistant has no docs to read"
