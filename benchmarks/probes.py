"""What the machine was doing during a round: load, CPU steal, clock, and a fixed speed probe.

The project's machine is shared (other agents run beside the benchmark), and its speed drifts by
up to 2x within minutes. A round records what can be read about that, so a reader can see which
rounds ran on a busy or slowed machine:

- ``/proc/loadavg``: the 1-minute load average and the number of runnable tasks at the start;
- ``/proc/stat`` deltas over the round: the share of CPU time stolen by the hypervisor (``steal``)
  and the share of the machine busy with anything (all our own processes included);
- the clock: ``cpu MHz`` from ``/proc/cpuinfo`` and ``scaling_cur_freq`` when the kernel has it
  (on many VMs both are fixed, so a slowdown shows only in the probe below);
- a speed probe: a fixed pure-Python loop timed in this process at the start of each round (best
  of 3, in ms). When it is slow, the whole machine is slow for everyone in that round.

Everything is best effort: on a system without ``/proc`` the fields are ``None``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuTimes", "RoundProbe", "clock_mhz", "cpu_times", "speed_probe_ms"]


@dataclass(frozen=True)
class CpuTimes:
    """The aggregate ``cpu`` line of ``/proc/stat`` (clock ticks)."""

    idle: int
    steal: int
    total: int


def cpu_times() -> CpuTimes | None:
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
    # counted in user/nice, so the total leaves it out.
    values += [0] * (10 - len(values))
    total = sum(values[:8])
    return CpuTimes(idle=values[3] + values[4], steal=values[7], total=total)


def clock_mhz() -> float | None:
    """The mean current clock over the CPUs: cpufreq when present, else ``/proc/cpuinfo``."""
    freqs: list[float] = []
    for path in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/scaling_cur_freq"):
        try:
            freqs.append(int(path.read_text()) / 1000)
        except (OSError, ValueError):
            pass
    if not freqs:
        try:
            with open("/proc/cpuinfo") as info:
                freqs = [float(line.split(":")[1]) for line in info if line.startswith("cpu MHz")]
        except (OSError, ValueError, IndexError):
            return None
    return sum(freqs) / len(freqs) if freqs else None


def _loadavg() -> tuple[float | None, int | None]:
    try:
        fields = Path("/proc/loadavg").read_text().split()
        return float(fields[0]), int(fields[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0], None
        except OSError:
            return None, None


def speed_probe_ms(loops: int = 200_000) -> float:
    """A fixed pure-Python workload (integer loop and small allocations), best of 3, in ms."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        parts: list[str] = []
        for i in range(loops):
            total += i * i % 7
            if i % 64 == 0:
                parts.append(str(i))
        "".join(parts)
        best = min(best, time.perf_counter() - start)
    return best * 1000


@dataclass
class RoundProbe:
    """Start it before a round, ``finish()`` after: a dict of what the machine did meanwhile."""

    load_1min: float | None
    runnable: int | None
    mhz_start: float | None
    speed_ms: float
    start_times: CpuTimes | None
    started: float

    @classmethod
    def start(cls) -> RoundProbe:
        load, runnable = _loadavg()
        return cls(
            load_1min=load,
            runnable=runnable,
            mhz_start=clock_mhz(),
            speed_ms=speed_probe_ms(),
            start_times=cpu_times(),
            started=time.perf_counter(),
        )

    def finish(self) -> dict[str, float | int | None]:
        end = cpu_times()
        steal = busy = None
        if self.start_times is not None and end is not None:
            ticks = end.total - self.start_times.total
            if ticks > 0:
                steal = (end.steal - self.start_times.steal) / ticks
                busy = 1 - (end.idle - self.start_times.idle) / ticks
        return {
            "load_1min": self.load_1min,
            "runnable": self.runnable,
            "steal": steal,
            "busy": busy,
            "mhz_start": self.mhz_start,
            "mhz_end": clock_mhz(),
            "speed_probe_ms": self.speed_ms,
            "round_s": time.perf_counter() - self.started,
        }
