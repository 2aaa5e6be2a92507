"""A sample package: wheel-guard's demo and tests move its wheel around."""

__version__ = "1.0.0"


def greet(name: str) -> str:
    return f"hello, {name}: this wheel arrived whole"
