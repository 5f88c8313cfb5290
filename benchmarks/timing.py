"""Timing shared by the benchmark scripts (imported as a sibling module: `python benchmarks/<script>.py`)."""

import statistics
import time


def alternating_medians(fns: dict, warmup: int, repeats: int) -> dict:
    """Median seconds of each function, timed in turn (a, b, a, b, ...): drift in the machine's load hits all."""
    times = {name: [] for name in fns}
    for round_ in range(warmup + repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(samples) for name, samples in times.items()}
