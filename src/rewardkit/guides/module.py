"""The docs site: docs/*.md as HTML under /guides, llms.txt, and the API reference's link back (#17)."""

from rewardkit.guides.pages import router as pages
from rewardkit.kit.module import Module

MODULE = Module(name="guides", pages=(pages,))
