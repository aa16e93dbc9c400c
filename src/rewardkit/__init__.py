"""rewardkit: open-source rewards infrastructure."""

__version__ = "0.1.0"
