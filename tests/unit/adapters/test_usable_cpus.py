"""How many hashing threads a process gets: the CPUs it may use, a container's quota included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.security.argon2_hasher import default_threads
from adapters.security.usable_cpus import cpu_quota, usable_cpus


@pytest.fixture
def four_cpus_in_the_affinity_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(os, "process_cpu_count", lambda: 4, raising=False)  # Python 3.13+


def cgroup_v2(root: Path, cpu_max: str) -> Path:
    (root / "cpu.max").write_text(cpu_max + "\n")
    return root


def cgroup_v1(root: Path, quota: int, period: int) -> Path:
    (root / "cpu").mkdir()
    (root / "cpu" / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (root / "cpu" / "cpu.cfs_period_us").write_text(f"{period}\n")
    return root


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_without_a_quota_the_affinity_mask_counts(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path) is None
    assert usable_cpus(tmp_path) == 4


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_a_cgroup_v2_quota_bounds_the_cpus(tmp_path: Path) -> None:
    cgroup = cgroup_v2(tmp_path, "200000 100000")

    assert cpu_quota(cgroup) == 2.0
    assert usable_cpus(cgroup) == 2


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_a_cgroup_v2_without_a_quota_leaves_the_affinity_mask(tmp_path: Path) -> None:
    cgroup = cgroup_v2(tmp_path, "max 100000")

    assert cpu_quota(cgroup) is None
    assert usable_cpus(cgroup) == 4


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_a_cgroup_v1_quota_bounds_the_cpus(tmp_path: Path) -> None:
    cgroup = cgroup_v1(tmp_path, quota=300_000, period=100_000)

    assert cpu_quota(cgroup) == 3.0
    assert usable_cpus(cgroup) == 3


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_a_cgroup_v1_without_a_quota_leaves_the_affinity_mask(tmp_path: Path) -> None:
    cgroup = cgroup_v1(tmp_path, quota=-1, period=100_000)

    assert cpu_quota(cgroup) is None
    assert usable_cpus(cgroup) == 4


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_a_fractional_quota_counts_the_cpus_it_can_keep_busy_and_never_less_than_one(
    tmp_path: Path,
) -> None:
    assert usable_cpus(cgroup_v2(tmp_path, "150000 100000")) == 1
    assert usable_cpus(cgroup_v2(tmp_path, "50000 100000")) == 1
    assert usable_cpus(cgroup_v2(tmp_path, "250000 100000")) == 2


@pytest.mark.usefixtures("four_cpus_in_the_affinity_mask")
def test_a_quota_above_the_affinity_mask_does_not_add_cpus(tmp_path: Path) -> None:
    assert usable_cpus(cgroup_v2(tmp_path, "800000 100000")) == 4


def test_the_affinity_mask_bounds_the_cpus_whatever_the_machine_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    monkeypatch.setattr(os, "process_cpu_count", lambda: 1, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)

    assert usable_cpus(tmp_path) == 1


@pytest.mark.parametrize(
    ("parallelism", "cpus", "threads"),
    [
        (1, 1, 1),
        (1, 4, 4),
        (4, 8, 2),  # each hash runs 4 lane threads: 2 hashes fill 8 CPUs
        (4, 7, 1),
        (2, 5, 2),
        (4, 2, 1),  # one hash's lanes outnumber the CPUs: still one hash at a time
        (4, 1, 1),
    ],
)
def test_the_default_threads_times_the_lanes_of_a_hash_fit_the_cpus(
    parallelism: int, cpus: int, threads: int
) -> None:
    assert default_threads(parallelism, cpus) == threads
