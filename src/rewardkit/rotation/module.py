"""The rotation domain: the `rewardkit secrets` commands that complete a key rotation. It owns no
table; what it re-encrypts is what every module declares as `sealed`."""

from rewardkit.kit.module import Module
from rewardkit.rotation.cli import secrets_app

MODULE = Module(name="rotation", cli=(("secrets", secrets_app),))
