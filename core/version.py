"""The version of sonitus (one place: the package, the CLI and the registry read it here)."""

__version__ = "0.1.0"
