"""bastion: self-hosted application security (SCA and DAST)."""

from bastion.versions import compare_versions

__version__ = "0.1.0"
__all__ = ["__version__", "compare_versions"]
