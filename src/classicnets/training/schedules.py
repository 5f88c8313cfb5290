"""How long a run is and how its learning-rate schedule is paced: by optimizer steps, or by --max_time."""

import math
from collections.abc import Callable

from .arguments import TrainingArguments

# The schedule's length in steps when only --max_time bounds a run: time pacing then decides where it is,
# and this is large enough that the step count never does.
TIME_BOUND_HORIZON = 10**9


def planned_steps(args: TrainingArguments, steps_per_epoch: int) -> int | None:
    """Optimizer steps the run is sized for: --max_steps, else --num_train_epochs (default 1), else None when
    --max_time is given alone (the run trains, as many epochs as it takes, until the time is up)."""
    if args.max_steps > 0:
        return args.max_steps
    if args.num_train_epochs is None and args.max_time is not None:
        return None
    return math.ceil((args.num_train_epochs or 1.0) * steps_per_epoch)


def pace_by_time(scheduler, *, budget_seconds: float, warmup_steps: int, horizon: int,
                 elapsed_seconds: Callable[[], float]) -> None:
    """With --max_time, run the LR schedule (a `LambdaLR`) by whichever is further along, steps or time.

    A schedule sized in steps would be cut off half-way on a slower or busier machine; this one reaches its
    end (e.g. cosine to zero) by the time budget whatever the speed. `horizon` is the schedule's length in
    steps (`max_steps`, or `TIME_BOUND_HORIZON`); `elapsed_seconds()` is the training time so far, which
    must be the same on every process (the engine's maximum over processes), so that every process uses
    the same rate. The warm-up stays counted in steps: paced by time it would shrink to the first second
    when --max_steps is set generously, and a cold start at the peak rate costs an LSTM far more than the
    warm-up does.
    """

    def paced(lr_lambda):
        def lr_at(step: int) -> float:  # a plain function, so the scheduler's state_dict skips it
            if step < warmup_steps:
                return lr_lambda(step)
            by_time = (int(horizon * min(1.0, elapsed_seconds() / budget_seconds)) if budget_seconds > 0
                       else horizon)
            return lr_lambda(max(step, by_time))

        return lr_at

    scheduler.lr_lambdas = [paced(f) for f in scheduler.lr_lambdas]
