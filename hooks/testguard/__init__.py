"""testguard: keeps a Python project's tests honest."""

__version__ = "0.1.0"
