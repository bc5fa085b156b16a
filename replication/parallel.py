"""Kept for old imports: many runs now live in :mod:`replication.executor`."""
from .executor import Job, pending, plan, run_all, run_job  # noqa: F401
