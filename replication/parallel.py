"""Kept for old imports: many runs live in :mod:`replication.executor` (RunSpec, plan, run_all)."""
from .executor import Job, RunSpec, job_tasks, pending, plan, run_all, run_job  # noqa: F401
