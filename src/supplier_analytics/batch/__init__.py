"""Scheduled batch scoring: job files, dated run folders, manifests, history, locking.

A *job file* (TOML) names the inputs, the scoring configuration, the as-of
rule and where results go; :func:`run_job` (and ``supplier-analytics run
JOB.toml``) reads the inputs, scores, and publishes the run. A commented
example is ``data/sample/job.toml``.

What a run leaves in the output folder ``OUT``::

    OUT/runs/<as_of>/      scorecard files, run.log and manifest.json of that as-of date
    OUT/latest             symbolic link to the newest as-of date's run folder (runs/<as_of>)
    OUT/latest.json        the same pointer as JSON: as_of, run_id, run_dir, outcome, exit_code
    OUT/history.sqlite     history of every as-of date (default place; see history)
    OUT/logs/<run_id>.log  the full log of every run, failed runs included

Safety, in the order a run does things:

1. **Lock.** The run takes an exclusive OS lock on ``OUT/.lock`` and on
   ``<history>.lock`` (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
   Windows; the OS drops it when the process dies, so a killed run leaves no
   stale lock). A second run waits up to ``[limits] lock_wait_seconds``
   (default 0) and then refuses with :class:`~supplier_analytics.errors.LockedError`
   (exit code 7), having changed nothing. Locks on network file systems are only
   as good as the file system's ``flock``.
2. **Recover.** Leftovers of a killed run are finished or removed (see below).
3. **Read and score** in memory; nothing is written yet except the log.
4. **Stage.** Every output file goes into ``OUT/runs/.staging-<as_of>-<run_id>/``;
   ``manifest.json`` is written last (temporary name, fsync, rename).
5. **Commit.** The history rows of the as-of date are replaced in ONE SQLite
   transaction (WAL journal). This is the run's commit point.
6. **Publish.** The previous ``runs/<as_of>`` is renamed aside, the staging
   folder renamed into place, the previous one deleted; ``latest.json`` is
   replaced atomically (temporary file, fsync, ``os.replace``) and so is the
   ``latest`` link (made under a temporary name, then ``os.replace``); where
   symbolic links cannot be made (Windows without the privilege) ``latest.json``
   alone points at the run.

A run killed at any moment therefore leaves every published file either the
previous complete version or the new complete version, and the history either
the previous or the new as-of rows, never a mixture. Killed after the commit
(step 5) but before publishing, the history is already new while
``runs/<as_of>`` is still the previous folder (for a few milliseconds between
the two renames of step 6 it sits at ``runs/.old-<as_of>-<run_id>``); the next
run (or :func:`recover`) rolls such a committed staging folder forward, and
removes uncommitted ones. ``OUT/logs/`` holds append-only logs, which a killed
run may leave cut short.

Exit codes (``RunResult.exit_code`` and the command line): 0 success; 3 an
input cannot be read; 4 the job or scoring configuration is invalid; 5
completed, but a table's share of rejected rows is above ``[limits]
max_rejected_share``; 6 completed, and alerts were raised while ``[alerts]
fail_on = true`` (deteriorations found by
:func:`supplier_analytics.trends.alerts`; improvements are recorded, never
fatal); 7 another run holds the lock. Codes 3, 4 and 7 change no
results (the failed run is logged and recorded in the history's ``runs``
table); 5 and 6 publish the results and record the outcome.

The package: :mod:`.job` (job files, the as-of rule), :mod:`.runs` (locks, recovery, publishing),
:mod:`.run` (the run), :mod:`.changes` (the history in people's words: ``supplier-analytics history``).
"""

from __future__ import annotations

from supplier_analytics.batch.job import (
    AS_OF_RULES,
    InputSpec,
    Job,
    as_of_from_rule,
    load_job,
)
from supplier_analytics.batch.run import RUN_STAGES, RunResult, run_job
from supplier_analytics.batch.runs import recover

__all__ = [
    "Job",
    "InputSpec",
    "RunResult",
    "load_job",
    "run_job",
    "recover",
    "as_of_from_rule",
    "RUN_STAGES",
    "AS_OF_RULES",
]
