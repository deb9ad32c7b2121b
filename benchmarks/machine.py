"""A one-line description of the machine the benchmark ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """CPU model, cores, memory, operating system and Python version."""
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cores = os.cpu_count() or 0
    return (
        f"{cpu_model()}, {cores} logical cores, {memory_gb:.1f} GiB memory, "
        f"{platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def cpu_model() -> str:
    """The ``model name`` of /proc/cpuinfo, else what ``platform`` knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    return platform.processor() or platform.machine()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``3.1, 2.7, 1.3``."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())
