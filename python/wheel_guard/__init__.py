"""wheel-guard: guard Python wheels on every hop between build jobs and PyPI.

This package carries the wheel-guard CLI, a Node.js bundle, and runs it with
Node 20 or later (see ``_launcher``). Use the ``wheel-guard`` command or
``python -m wheel_guard``.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    if name == "__version__":
        import json
        import os

        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bundle", "package.json"), encoding="utf-8") as f:
            return json.load(f)["version"]
    raise AttributeError(name)
