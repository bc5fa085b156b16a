"""replication: Kashtan & Alon (2005) and Clune, Mouret & Lipson (2013), faithfully and fast."""
from ._version import __version__

__all__ = ["__version__"]
