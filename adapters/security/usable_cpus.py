"""The CPUs this process may really use: its affinity mask, within its container's CPU quota.

`os.cpu_count()` counts the machine's CPUs, and the affinity mask (`os.process_cpu_count()` from
Python 3.13) ignores a container's CPU quota, which lives in cgroup files. loky's `cpu_count` reads
them too, but brings a process-pool library and its own LOKY_MAX_CPU_COUNT variable, and psutil
does not read them; hence these few lines.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
"""Where a container sees its own cgroup (a quota set on a parent cgroup is not read)."""


def usable_cpus(cgroup: Path = CGROUP) -> int:
    """The CPUs in the affinity mask, no more than the quota allows (at least 1)."""
    cpus = _cpus_in_affinity_mask()
    quota = cpu_quota(cgroup)
    if quota is None:
        return cpus
    return max(1, min(cpus, math.floor(quota)))  # 1.5 CPUs' worth of time keeps 1 CPU busy


def cpu_quota(cgroup: Path = CGROUP) -> float | None:
    """The CPUs' worth of time the cgroup may use (quota / period), or None without a quota.

    cgroup v2: `cpu.max` holds "QUOTA PERIOD" or "max PERIOD". cgroup v1: `cpu/cpu.cfs_quota_us`
    (-1 for none) and `cpu/cpu.cfs_period_us`.
    """
    v2 = cgroup / "cpu.max"
    v1_quota, v1_period = cgroup / "cpu" / "cpu.cfs_quota_us", cgroup / "cpu" / "cpu.cfs_period_us"
    if v2.is_file():
        quota, period = v2.read_text().split()
    elif v1_quota.is_file() and v1_period.is_file():
        quota, period = v1_quota.read_text().strip(), v1_period.read_text().strip()
    else:
        return None
    if quota == "max" or int(quota) <= 0 or int(period) <= 0:
        return None
    return int(quota) / int(period)


def _cpus_in_affinity_mask() -> int:
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # not on macOS or Windows
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
