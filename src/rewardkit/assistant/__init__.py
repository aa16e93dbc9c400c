"""Ask AI, offline (#17): answers about rewardkit from its own docs and OpenAPI description, with links."""
