"""replication: Kashtan & Alon (2005) and Clune, Mouret & Lipson (2013), faithfully and fast."""
__version__ = "0.1.0"
