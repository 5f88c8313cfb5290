"""The one training loop every recipe runs in.

It reads like accelerate's `nlp_example.py`: build the Accelerator, the data loader, the model(s) and
optimiser(s), `accelerator.prepare(...)`, then a plain loop. What differs between tasks (what a batch is,
what the loss is, what evaluation means, what gets saved) comes from a `Recipe`; the engine owns processes,
devices, precision, schedules, checkpoints, logging and stopping. It knows no model family.
The recipe's hooks see the run through a `TrainingContext` (context.py), never the engine.

Extension point: `Engine(recipe, args, callbacks=[...])` takes objects with an `on_step_end(run)` method,
called with the `TrainingContext` after each optimizer step's bookkeeping (logging, the periodic evaluation
and checkpoint), before the loop decides whether to stop. The resume tests use one to kill a run at a chosen
step (tests/training/killed_run.py).
"""

import contextlib
import json
import math
import os
import pickle
import re
import shutil
import sys
import time
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import (
    DataLoaderConfiguration,
    DistributedType,
    ProjectConfiguration,
    broadcast_object_list,
    set_seed,
)
from tqdm.auto import tqdm
from transformers import get_scheduler

from ..errors import CheckpointError, DataError, UserError, listing
from . import checkpointing
from .arguments import TrainingArguments
from .context import TrainingContext
from .ema import ExponentialMovingAverage
from .metrics import MetricsLogger
from .recipe import Recipe
from .run_info import command_line, machine_description, portable
from .run_lock import RunLock
from .schedules import TIME_BOUND_HORIZON, pace_by_time, planned_steps


class TrainingDivergedError(UserError, RuntimeError):
    """The loss became NaN or infinite: the message says how to resume with safer settings."""


class OutputDirError(UserError, FileExistsError):
    """The output folder holds something a new run must not touch: the message names it and the way out."""


class Engine:
    def __init__(self, recipe: Recipe, args: TrainingArguments, callbacks=()):
        self.recipe = recipe
        self.args = args
        self.callbacks = list(callbacks)  # objects with `on_step_end(run)`: see the module's docstring
        log_with = None if args.report_to in ("none", "") else args.report_to.split(",")
        self.accelerator = Accelerator(
            gradient_accumulation_steps=args.gradient_accumulation_steps,
            mixed_precision=args.mixed_precision,
            log_with=log_with,
            project_config=ProjectConfiguration(project_dir=args.output_dir, logging_dir=args.output_dir),
            # The sampler's shuffle depends only on (seed, epoch): same data order after a resume,
            # and the same global batches whatever the number of processes.
            dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True, data_seed=args.seed),
        )
        # What was used (accelerate's choice when not given): the run's description, metrics.json, the card.
        args.mixed_precision = self.accelerator.mixed_precision
        self.run: TrainingContext | None = None  # what the recipe's hooks see; it holds the step counters
        self.epoch = 0
        self.train_seconds = 0.0  # time spent training, evaluation and checkpointing excluded
        self._paused_seconds = 0.0
        self._created = time.perf_counter()
        self.agreed_train_seconds = 0.0  # training time, the same on every process
        self.lock = None
        self.replaced_dir = None  # an earlier run's files, set aside by --overwrite_output_dir until the end
        self._restorable = False  # whether this run set them aside (then moved back if it stops before saving)
        self._foreign_at_start: set[str] = set()  # entries of the output folder that this run must not claim

    # --- set-up -------------------------------------------------------------------------------------------

    def setup(self) -> None:
        args, accelerator = self.args, self.accelerator
        set_seed(args.seed)
        self._prepare_output_dir()
        self.recipe.show_progress = not args.disable_tqdm and accelerator.is_local_main_process
        with accelerator.main_process_first():  # datasets caches its preprocessing once
            self.recipe.build(accelerator)
        train_dataloader = self.recipe.train_dataloader(args, accelerator)
        models = self.recipe.models()
        optimizers = self.recipe.create_optimizers(args)
        prepared = accelerator.prepare(*models.values(), *optimizers.values(), train_dataloader)
        self.models = dict(zip(models, prepared[: len(models)]))
        self.optimizers = dict(zip(optimizers, prepared[len(models) : -1]))
        self.train_dataloader = prepared[-1]

        if len(self.train_dataloader) == 0:
            raise DataError(no_batch_message(train_dataloader, args, accelerator.num_processes))
        steps_per_epoch = max(1, len(self.train_dataloader) // args.gradient_accumulation_steps)
        self.steps_per_epoch = steps_per_epoch
        self.max_steps = planned_steps(args, steps_per_epoch)  # None: --max_time alone ends the run
        self.run = TrainingContext(accelerator, self.models, args, optimize=self.optimize,
                                   autocast=self.autocast, averaged_weights=self.averaged_weights,
                                   print=self.print, steps_per_epoch=steps_per_epoch,
                                   max_steps=self.max_steps)
        # One scheduler per optimiser, stepped once per optimizer step (not prepared: accelerate would step it
        # once per process), registered so that save_state/load_state carry it.
        # The optimizer each step calls (and each scheduler drives): the torch one under accelerate's wrapper
        # when the wrapper has nothing to do, i.e. without a grad scaler (fp16) or XLA. There it only adds a
        # package look-up (`is_lomo_available`, twice) and an `inspect.signature` per call: ~12% of the step of
        # the smallest reference model (profiled, benchmarks/).
        self.stepped_optimizers = {name: _unwrap_optimizer(opt, accelerator)
                                   for name, opt in self.optimizers.items()}
        self.backward = _backward_function(accelerator, args.gradient_accumulation_steps)
        # A constant schedule has nothing to step (LambdaLR.step costs ~20 us, ~1.5% of a small model's step); the
        # scheduler stays registered, so checkpoints keep their layout.
        horizon = self.max_steps or TIME_BOUND_HORIZON
        self.schedulers, own = {}, False
        for name, opt in self.stepped_optimizers.items():
            scheduler = self.recipe.create_scheduler(name, opt, args, horizon)  # a recipe's own schedule
            own = own or scheduler is not None
            if scheduler is None:
                scheduler = get_scheduler(args.lr_scheduler_type, opt, num_warmup_steps=args.warmup_steps,
                                          num_training_steps=horizon)
                if args.max_time is not None:
                    pace_by_time(scheduler, budget_seconds=args.max_time * 60, warmup_steps=args.warmup_steps,
                                 horizon=horizon, elapsed_seconds=lambda: self.agreed_train_seconds)
            self.schedulers[name] = scheduler
        self.step_schedulers = own or args.lr_scheduler_type != "constant"
        # What checkpoints carry besides accelerate's state, saved without pickle (checkpointing.finalize).
        self.state_objects = {f"scheduler_{name}": scheduler for name, scheduler in self.schedulers.items()}
        self.ema = None
        if args.ema_decay:
            averaged = {name: accelerator.unwrap_model(self.models[name]) for name in self.recipe.ema_models}
            self.ema = ExponentialMovingAverage(averaged, args.ema_decay)
            self.state_objects["ema"] = self.ema
        self.state_objects.update({f"recipe_{name}": obj for name, obj in self.recipe.state_objects.items()})
        self.metrics = MetricsLogger(accelerator, args.output_dir, write=tqdm.write)
        if args.report_to not in ("none", ""):
            accelerator.init_trackers(self.recipe.name, config=_flat_config(args, self.recipe.args))
        if args.resume_from_checkpoint:
            self._resume(args.resume_from_checkpoint)

    # --- the output folder ---------------------------------------------------------------------------------
    #
    # Provenance, not names, decides what a run may replace: a run lists what it wrote in the folder's manifest
    # (checkpointing.MANIFEST, rewritten at each checkpoint and at the end). A fresh run refuses a folder that holds
    # anything no run wrote (naming it; choose another --output_dir), even with --overwrite_output_dir, and never
    # replaces one of its own inputs (--train_file, an options file, ... lying in the folder). What an earlier run
    # wrote is set aside (`.replaced-<stamp>/`), deleted once this run has saved its model, and moved back if this
    # run stops before that (an error, Ctrl-C) without a checkpoint of its own worth continuing. A `.replaced-*`
    # folder that a killed run (kill -9) left is restored at the next start when the killed run left nothing to
    # continue, kept until a resumed run has saved its model, and otherwise refused with a message naming it:
    # never deleted unseen.

    def _prepare_output_dir(self) -> None:
        """Lock the output folder, deal with what earlier runs left there, and set aside what
        --overwrite_output_dir replaces: on the main process, every process raising the same error."""
        args, accelerator = self.args, self.accelerator
        self.lock, self.replaced_dir, self._restorable = None, None, False
        error = [None]
        if accelerator.is_main_process:
            try:
                Path(args.output_dir).mkdir(parents=True, exist_ok=True)
                self.lock = RunLock(args.output_dir).acquire()
                self._prepare_locked_output_dir()
            except UserError as err:
                error[0] = err
        broadcast_object_list(error)  # every process raises, or none does
        if error[0] is not None:
            if self.lock is not None:
                self.lock.release()
                self.lock = None
            raise error[0]
        accelerator.wait_for_everyone()

    def _own_resume(self) -> bool:
        """Whether this run continues a checkpoint of this very output folder ("latest" included)."""
        spec = self.args.resume_from_checkpoint
        if not spec:
            return False
        if spec == "latest":
            return True
        own = checkpointing.checkpoints_dir(self.args.output_dir).resolve()
        return Path(spec).resolve().is_relative_to(own)

    def _prepare_locked_output_dir(self) -> None:
        args = self.args
        out = Path(args.output_dir)
        own_resume = self._own_resume()
        self._handle_replaced_folders(own_resume)
        if own_resume:
            # A resumed run first clears what its killed predecessor left half-written.
            removed = checkpointing.remove_leftovers(out)
            if removed:
                self.print(f"Removed what the interrupted run left half-written: {', '.join(removed)}")
            ours = checkpointing.run_entries(out, self.recipe.name, self._plot_names())
            self._foreign_at_start = {p.name for p in out.iterdir()} - ours - set(self._input_entries())
            return
        replaced = self._check_output_dir()
        if replaced:
            self.replaced_dir = checkpointing.set_aside(out, replaced, time.strftime("%Y%m%d-%H%M%S"))
            self._restorable = True
        self._foreign_at_start = {p.name for p in out.iterdir() if p != self.replaced_dir}
        if replaced:
            self.print(f"--overwrite_output_dir: set aside the earlier run's files in {self.replaced_dir} "
                       "(deleted once this run has saved its model, moved back if it stops before).")

    def _handle_replaced_folders(self, own_resume: bool) -> None:
        """A `.replaced-*` folder is an earlier run that an --overwrite_output_dir run set aside and was killed
        before it saved its model (or before it deleted the folder): restore, keep or refuse, never delete."""
        out = Path(self.args.output_dir)
        found = checkpointing.replaced_folders(out)
        if not found:
            return
        if len(found) > 1:
            raise OutputDirError(
                f"{out} holds {len(found)} folders of earlier runs set aside by interrupted --overwrite_output_dir "
                f"runs ({listing([p.name for p in found], 6)}): nothing was changed. Keep what you need of them "
                "elsewhere and delete them, or choose another --output_dir.")
        aside = found[0]
        if checkpointing.finished_model(out):
            raise OutputDirError(
                f"{aside} holds the earlier run that the run now in {out} replaced (that run saved its model but was "
                "stopped before deleting it): nothing was changed. Delete it (or move it elsewhere) if you no longer "
                "need it, or choose another --output_dir.")
        left = checkpointing.completed_checkpoints(out)
        if left and own_resume:
            self.replaced_dir = aside
            self.print(f"{aside} holds the earlier run that the interrupted --overwrite_output_dir run set aside: "
                       "it is deleted once this run has saved its model.")
            return
        if left:
            raise OutputDirError(
                f"{aside} holds the earlier run that an interrupted --overwrite_output_dir run set aside, and that "
                f"run left {left[-1].name}: nothing was changed. Continue it with --resume_from_checkpoint latest (the "
                f"earlier run is deleted once it has saved its model), or delete {checkpointing.checkpoints_dir(out)} "
                "to get the earlier run back at the next start.")
        # The killed run left nothing to continue: what it wrote makes way for the earlier run.
        partial, others = checkpointing.folder_contents(out, self.recipe.name, self._plot_names())
        others = [n for n in others if n != aside.name]
        if others or set(partial) & set(self._input_entries()):
            raise OutputDirError(
                f"{aside} holds the earlier run that an interrupted --overwrite_output_dir run set aside, and {out} "
                f"also holds files no run wrote ({listing(others or sorted(self._input_entries()), 6)}): nothing was "
                f"changed. Move the contents of {aside.name} back by hand, or choose another --output_dir.")
        checkpointing.restore(out, aside, partial)
        self.print(f"Restored the earlier run that an interrupted --overwrite_output_dir run had set aside in "
                   f"{aside.name}" + (f" (that run's partial output, {listing(partial, 6)}, was discarded)."
                                      if partial else "."))

    def _check_output_dir(self) -> list[str]:
        """A fresh run never mixes with, nor silently replaces, what a folder holds: an earlier run (its
        metrics.jsonl would be appended to, its checkpoints taken as `latest`), a saved model, or anything
        else. With --overwrite_output_dir, what a run wrote (by the folder's manifest: see the comment above) is
        replaced (the names returned); a folder that also holds files no run wrote, or an input of this run, is
        refused whole: choose another --output_dir."""
        args = self.args
        ours, others = checkpointing.folder_contents(args.output_dir, self.recipe.name, self._plot_names())
        inputs = self._input_entries()
        if others:
            named = [f"{n} (this run's {inputs[n]})" if n in inputs else n for n in others]
            raise OutputDirError(
                f"{args.output_dir} holds files that no classicnets run writes ({listing(named, 6)}): nothing "
                "was changed. Choose another --output_dir, or move them out first.")
        if ours and not args.overwrite_output_dir:
            run = checkpointing.earlier_run(args.output_dir)
            what = f"a run ({run})" if run else f"a saved model or a run's files ({listing(ours, 6)})"
            raise OutputDirError(
                f"{args.output_dir} already holds {what}. Continue a run with --resume_from_checkpoint "
                "latest, choose another --output_dir, or pass --overwrite_output_dir to replace it (it is "
                "kept until this run has saved its model).")
        mine = sorted(n for n in ours if n in inputs)
        if mine or (ours and "" in inputs):
            what = (", ".join(f"{n} is this run's {inputs[n]}" for n in mine) if mine
                    else f"this run's {inputs['']} is the folder itself")
            raise OutputDirError(
                f"{args.output_dir}: {what}: --overwrite_output_dir never replaces what a run reads; nothing was "
                "changed. Choose another --output_dir, or move the input out of it.")
        return ours

    def _plot_names(self) -> tuple[str, ...]:
        """The plot the recipe declares beside the built-in ones (judging a folder written before manifests)."""
        curve = getattr(self.recipe, "eval_curve", None)
        return (curve[1],) if curve else ()

    def _input_entries(self) -> dict[str, str]:
        """{top-level entry of the output folder: the option naming it} for every input of this run that lies
        in the output folder ("" for an input that is the folder itself): the recipe's file and folder options,
        a checkpoint of another run resumed from, and the files of the command line (an options file)."""
        out = Path(self.args.output_dir).resolve()
        candidates = []
        for key, value in getattr(self.recipe.args, "__dict__", {}).items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, (str, os.PathLike)) and str(item):
                    candidates.append((f"--{key}", item, False))
        if self.args.resume_from_checkpoint and not self._own_resume():  # another run's checkpoint
            candidates.append(("--resume_from_checkpoint", self.args.resume_from_checkpoint, False))
        candidates += [("options file", arg, True) for arg in sys.argv[1:]]
        found = {}
        for option, item, files_only in candidates:
            try:
                path = Path(item)
                if not path.exists() or (files_only and not path.is_file()):
                    continue
                path = path.resolve()
            except (OSError, ValueError):
                continue
            if path == out:
                found.setdefault("", option)
            elif path.is_relative_to(out):
                found.setdefault(path.relative_to(out).parts[0], option)
        return found

    def _record_outputs(self, finished: bool) -> None:
        """Main process: rewrite the folder's manifest with every top-level entry this run wrote (what was there
        before it that no run wrote, and its inputs, excluded)."""
        out = Path(self.args.output_dir)
        earlier = checkpointing.read_manifest(out)
        skip = self._foreign_at_start | set(self._input_entries())
        names = {p.name for p in out.iterdir()
                 if not p.name.startswith(checkpointing.REPLACED_PREFIX)
                 and p.name not in (checkpointing.LOCK_FILE, checkpointing.MANIFEST, checkpointing.MANIFEST + ".tmp")}
        files = (names - skip) | (set(earlier["files"]) & names if earlier else set())
        checkpointing.write_manifest(out, sorted(files), finished, self.recipe.name)

    def _after_failure(self, err: BaseException) -> None:
        """Main process, this run stopped before saving its model (an error, Ctrl-C): the earlier run it was
        replacing comes back, unless this run left a checkpoint to continue (then both stay, and the message says
        how to go on)."""
        aside = self.replaced_dir
        if aside is None or not self._restorable or not aside.is_dir():
            return
        out = Path(self.args.output_dir)
        try:
            left = checkpointing.completed_checkpoints(out)
            if left:
                _warn(f"{aside} still holds the earlier run this one was replacing: continue this run with "
                      f"--resume_from_checkpoint latest (from {left[-1].name}; the earlier run is deleted once it "
                      f"has saved its model), or delete {checkpointing.checkpoints_dir(out)} to get the earlier run "
                      "back at the next start.")
                return
            skip = self._foreign_at_start | set(self._input_entries())
            partial = sorted(p.name for p in out.iterdir() if p != aside and p.name not in skip
                             and p.name not in (checkpointing.LOCK_FILE, checkpointing.MANIFEST))
            checkpointing.restore(out, aside, partial)
            self.replaced_dir = None
            _warn(f"Stopped before saving its model ({type(err).__name__}): moved the earlier run's files back into "
                  f"{out}.")
        except Exception as problem:  # never hide the error that stopped the run
            _warn(f"Could not move the earlier run's files back from {aside} ({problem}): they are still there.")

    def _resume(self, spec: str) -> None:
        checkpoint = checkpointing.resolve_checkpoint(self.args.output_dir, spec)
        state = checkpointing.read_engine_state(checkpoint)
        if state.get("recipe") not in (None, self.recipe.name):
            raise CheckpointError(
                f"{checkpoint} was written by the {state['recipe']} recipe, not {self.recipe.name}: resume "
                f"it with `classicnets train {state['recipe']}`, or start a new run in another --output_dir.")
        # accelerate unpickles `custom_checkpoint_<i>.pkl` with weights_only=False (code runs) for each object
        # registered with `register_for_checkpointing`: the engine registers none and never writes one.
        strays = sorted(p.name for p in checkpoint.glob("custom_checkpoint_*.pkl"))
        if strays and not getattr(self.accelerator, "_custom_objects", None):
            raise CheckpointError(
                f"{checkpoint} holds {', '.join(strays)}, which classicnets never writes (a pickle, which can run "
                "code): it is refused rather than loaded. Start a new run, or resume from a checkpoint you made.")
        try:
            # accelerate skips an RNG file it cannot load with a log line only: a resume would silently
            # differ.
            from accelerate.utils import load as safe_load

            safe_load(checkpoint / f"random_states_{self.accelerator.process_index}.pkl", weights_only=True)
            # weights_only=True: what accelerate unpickles (optimiser, schedulers, sampler) rebuilds tensors,
            # numbers and accelerate's allow-list of numpy types, nothing else (its default too: said, not assumed).
            self.accelerator.load_state(str(checkpoint), load_kwargs={"weights_only": True})
        except RuntimeError as err:
            if "custom checkpoints" in str(err):  # accelerate: a custom_checkpoint_*.pkl too many or too few
                raise CheckpointError(
                    f"{checkpoint} holds other custom_checkpoint_*.pkl files than this run registers: it was not "
                    "written by this run's options. Resume from a checkpoint you made, or start a new run.") from None
            if "size mismatch" not in str(err) and "Missing key" not in str(err):
                raise
            raise CheckpointError(
                f"{checkpoint} holds a model of another shape than this run builds (another corpus or "
                "vocabulary, or other architecture options). Resume with the data and options of the run "
                "that wrote it, or start a new run in another --output_dir. "
                f"({str(err).splitlines()[0][:200]})"
            ) from None
        except pickle.UnpicklingError as err:
            raise CheckpointError(
                f"{checkpoint} holds a training-state file with something other than tensors and numbers; "
                "it is refused rather than executed (a checkpoint folder from someone else is code). Start a "
                "new run, or resume from a checkpoint you made. "
                f"({str(err).splitlines()[0][:200]})") from None
        checkpointing.load_objects(checkpoint, self.state_objects)
        self.run.step = state["global_step"]
        self.epoch = state["epoch"]
        self.run.batches_done_in_epoch = state["batches_done_in_epoch"]
        self.train_seconds = state["train_seconds"]
        self.metrics.forget_after(self.run.step)
        self.print(f"Resumed from {checkpoint} at step {self.run.step} (epoch {self.epoch}).")

    # --- the loop -----------------------------------------------------------------------------------------

    def train(self) -> dict:
        try:
            return self._train()
        except BaseException as err:  # KeyboardInterrupt included: an earlier run set aside comes back
            if self.accelerator.is_main_process:
                self._after_failure(err)
            raise
        finally:
            if self.lock is not None:
                self.lock.release()

    def _train(self) -> dict:
        self.setup()
        args, accelerator, run = self.args, self.accelerator, self.run
        self.print(self.recipe.describe(run))
        progress = tqdm(total=self.max_steps, initial=run.step, desc=f"train {self.recipe.name}",
                        disable=args.disable_tqdm or not accelerator.is_local_main_process,
                        dynamic_ncols=True)
        # A resumed run may already be at its end (killed in its final evaluation or save): no further step.
        done = self.max_steps is not None and run.step >= self.max_steps
        stop_reason, running = (f"reached {self.max_steps} steps" if done else None), {}
        start = time.perf_counter() - self.train_seconds

        while stop_reason is None:
            self.train_dataloader.set_epoch(self.epoch)
            batches = self.train_dataloader
            if run.batches_done_in_epoch:
                batches = accelerator.skip_first_batches(self.train_dataloader, run.batches_done_in_epoch)
            for model in self.models.values():
                model.train()
            step_at_epoch_start = run.step
            for batch in batches:
                with accelerator.accumulate(*self.models.values()):
                    logs = self.recipe.training_step(run, batch)
                run.batches_done_in_epoch += 1
                for k, v in logs.items():
                    running.setdefault(k, []).append(v)
                if not accelerator.sync_gradients:
                    continue

                run.step += 1
                if self.ema is not None:
                    self.ema.update()
                self.train_seconds = time.perf_counter() - start - self._paused_seconds
                progress.update(1)
                if run.step % args.logging_steps == 0:
                    means = self._mean_logs(running)
                    self.metrics.log(run.step, means, kind="train")
                    progress.set_postfix({k: f"{v:.4g}" for k, v in means.items()})
                    running = {}
                stop_reason = self._stop_reason()
                if stop_reason is None and run.step % args.eval_steps == 0:
                    self.evaluate()
                if stop_reason is None and args.save_steps and run.step % args.save_steps == 0:
                    self.save_checkpoint()
                for callback in self.callbacks:
                    callback.on_step_end(run)
                if stop_reason is not None:
                    break
            else:  # epoch finished
                if run.step == step_at_epoch_start and not run.batches_done_in_epoch:
                    # A loader that yields nothing would loop here forever without a step.
                    message = no_batch_message(self.train_dataloader, args, accelerator.num_processes)
                    raise DataError(f"Epoch {self.epoch} gave no training batch: {message}")
                self.epoch += 1
                run.batches_done_in_epoch = 0
        progress.close()

        self.print(f"Stopping: {stop_reason}.")
        final_metrics = self.evaluate(final=True)
        self.save_checkpoint()
        self.finish(final_metrics, stop_reason)
        return final_metrics

    def optimize(self, loss: torch.Tensor, name: str = "model") -> None:
        """Backward, clip and step one model's optimiser (and scheduler): the inside of a training step."""
        check_finite(loss, name, self.run.step)
        self.backward(loss)
        optimizer = self.stepped_optimizers[name]
        if self.accelerator.sync_gradients:
            if self.args.max_grad_norm:
                self.accelerator.clip_grad_norm_(self.models[name].parameters(), self.args.max_grad_norm)
            optimizer.step()
            if self.step_schedulers and not self.accelerator.optimizer_step_was_skipped:
                self.schedulers[name].step()
            optimizer.zero_grad(set_to_none=True)

    def _stop_reason(self) -> str | None:
        if self.max_steps is not None and self.run.step >= self.max_steps:
            return f"reached {self.max_steps} steps"
        if self.args.max_time is not None:
            # Every process must agree, or one would wait for the others forever.
            elapsed = torch.tensor(self.train_seconds, device=self.accelerator.device)
            self.agreed_train_seconds = self.accelerator.reduce(elapsed, "max").item()
            if self.agreed_train_seconds >= self.args.max_time * 60:
                return f"reached --max_time {self.args.max_time} min"
        return None

    def _mean_logs(self, running: dict) -> dict:
        out = {k: float(sum(v) / len(v)) for k, v in running.items() if v}
        for name, scheduler in self.schedulers.items():
            key = "lr" if len(self.schedulers) == 1 else f"lr_{name}"
            out[key] = scheduler.get_last_lr()[0]
        return out

    # --- evaluation, checkpoints, the end -------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, final: bool = False) -> dict:
        started = time.perf_counter()
        for model in self.models.values():
            model.eval()
        with self.averaged_weights():
            metrics = self.recipe.evaluate(self.run, final=final)
        for model in self.models.values():
            model.train()
        metrics["train_minutes"] = round(self.train_seconds / 60, 3)
        self.metrics.log(self.run.step, metrics, kind="eval")
        self._paused_seconds += time.perf_counter() - started
        return metrics

    def save_checkpoint(self) -> None:
        started = time.perf_counter()
        accelerator = self.accelerator
        step = self.run.step
        tmp = checkpointing.temporary_path(self.args.output_dir, step)
        accelerator.wait_for_everyone()
        with self._full_disk_is_one_line():
            accelerator.save_state(str(tmp))
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            state = {"global_step": step, "epoch": self.epoch,
                     "batches_done_in_epoch": self.run.batches_done_in_epoch,
                     "train_seconds": self.train_seconds, "recipe": self.recipe.name,
                     # Exact, local paths included: checkpoints stay on this machine (metrics.json is
                     # published).
                     "recipe_arguments": json.loads(json.dumps(vars(self.recipe.args), default=str))}
            with self._full_disk_is_one_line():
                checkpointing.finalize(self.args.output_dir, step, state, self.args.save_total_limit,
                                       objects=self.state_objects)
                self._record_outputs(finished=False)
        accelerator.wait_for_everyone()
        self._paused_seconds += time.perf_counter() - started

    def finish(self, final_metrics: dict, stop_reason: str) -> None:
        """Final model, metrics.json, loss curve and (optionally) the Hub: main process only."""
        accelerator = self.accelerator
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            out = Path(self.args.output_dir)
            unwrapped = {name: accelerator.unwrap_model(m) for name, m in self.models.items()}
            with self._full_disk_is_one_line(), self.averaged_weights():
                self.recipe.save_pretrained(unwrapped, out)
            summary = {"recipe": self.recipe.name, "command": command_line(accelerator.num_processes),
                       "global_step": self.run.step, "stop_reason": stop_reason,
                       "train_minutes": round(self.train_seconds / 60, 3),
                       "wall_minutes": round((time.perf_counter() - self._created) / 60, 3),
                       "machine": machine_description(),
                       "num_processes": accelerator.num_processes,
                       "mixed_precision": self.args.mixed_precision,
                       "final": final_metrics,
                       "history": [r for r in self.metrics.records() if r["kind"] == "eval"],
                       "training_arguments": vars(self.args), "recipe_arguments": vars(self.recipe.args)}
            summary = portable(summary, Path.cwd())  # what leaves the machine holds no absolute local path
            with self._full_disk_is_one_line():
                (out / "metrics.json").write_text(json.dumps(summary, indent=2, default=str))
                self.recipe.plot(self.metrics.records(), out)
                self.recipe.write_model_card(out, summary)
                self._record_outputs(finished=True)  # the new model is saved: from here on it is the folder's
            if self.replaced_dir is not None:  # the new run is saved: the one it replaces can go
                shutil.rmtree(self.replaced_dir, ignore_errors=True)
                self.replaced_dir = None
            self.print(f"Saved the model, metrics.json and plots to {out}")
            if self.args.push_to_hub:
                from ..hub.push import push_checkpoint

                url = push_checkpoint(out, self.args.hub_model_id, private=self.args.hub_private_repo)
                self.print(f"Pushed to {url}")
        accelerator.wait_for_everyone()
        accelerator.end_training()

    @contextlib.contextmanager
    def _full_disk_is_one_line(self):
        """Writing checkpoints and the model: a full disk becomes `DiskFullError` (one line naming the folder and
        the space a checkpoint needs), whatever the writer raised: OSError ENOSPC, torch.save's `RuntimeError:
        [enforce fail at inline_container.cc:...] unexpected pos ...`, safetensors' I/O error."""
        try:
            yield
        except Exception as err:
            full = full_disk_error(err, self.args.output_dir, checkpoint_bytes(getattr(self, "models", None)))
            if full is None:
                raise
            raise full from err

    def autocast(self):
        """`accelerator.autocast()` for passes through a module that `prepare` did not wrap; without mixed
        precision a bare null context (accelerate's costs ~25 us a call, a measurable share of a small
        model's step)."""
        if self.accelerator.mixed_precision == "no":
            return contextlib.nullcontext()
        return self.accelerator.autocast()

    def averaged_weights(self):
        """The EMA weights in the live models for a `with` block (a no-op without --ema_decay)."""
        return self.ema.averaged_weights() if self.ema is not None else contextlib.nullcontext()

    def print(self, *values) -> None:
        if self.accelerator.is_main_process:
            tqdm.write(" ".join(str(v) for v in values))


# torch.save (its zip writer) and safetensors when a write fails: on a full disk these are what they raise, not
# OSError ENOSPC. Translated only when the disk is in fact (nearly) full.
_WRITE_FAILURE = re.compile(r"inline_container\.cc|unexpected pos|iostream error|file write failed|"
                            r"No space left on device|os error 28", re.IGNORECASE)
LOW_FREE_BYTES = 64 * 2**20  # free space under which a failed write is taken for a full disk (at least)


def full_disk_error(err: BaseException, output_dir: str | Path, needed_bytes: int | None = None):
    """A `DiskFullError` for `err` raised while writing into output_dir if it is a full disk, else None: OSError
    ENOSPC, or a write failure of torch.save or safetensors (RuntimeError, SafetensorError) while the folder's
    disk has less free space than a checkpoint needs (at least `LOW_FREE_BYTES`)."""
    import errno

    from ..errors import DiskFullError, disk_full_error

    if isinstance(err, DiskFullError):
        return err
    if isinstance(err, OSError):
        return disk_full_error(err, output_dir, needed_bytes)
    if not (isinstance(err, RuntimeError) or type(err).__name__ == "SafetensorError"):
        return None
    if not _WRITE_FAILURE.search(str(err)):
        return None
    folder = Path(output_dir)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return None
    if free >= max(needed_bytes or 0, LOW_FREE_BYTES):
        return None  # space enough: a failure of another kind, kept as it is
    return disk_full_error(OSError(errno.ENOSPC, "No space left on device", str(folder)), folder, needed_bytes)


def checkpoint_bytes(models: dict | None) -> int | None:
    """About what one checkpoint takes: the weights plus AdamW's two moments of each (3x the weights)."""
    if not models:
        return None
    return 3 * sum(t.numel() * t.element_size() for m in models.values() for t in (*m.parameters(), *m.buffers()))


def _warn(message: str) -> None:
    tqdm.write(message, file=sys.stderr)



def no_batch_message(dataloader, args: TrainingArguments, num_processes: int) -> str:
    """Why a training loader yields no batch, and what to change."""
    dataset = getattr(dataloader, "dataset", None)
    size = len(dataset) if dataset is not None and hasattr(dataset, "__len__") else None
    batch = args.per_device_train_batch_size
    what = f"{size} training example(s)" if size is not None else "the training data"
    fix = (f"--per_device_train_batch_size {max(1, size // num_processes)} or less"
           if size else "a smaller --per_device_train_batch_size")
    return (f"{what} make no full batch of {batch} per process x {num_processes} process(es) (the last "
            f"partial batch is dropped so that every step sees the same batch size). Use {fix}, fewer "
            "processes, or more data.")


def _backward_function(accelerator, gradient_accumulation_steps: int):
    """`loss.backward` itself where `accelerator.backward` would only call it (no accumulation to divide by,
    no grad scaler, no DeepSpeed or Megatron engine), else accelerate's: its checks and the division by 1
    cost ~2% of a small model's step (benchmarks/)."""
    special = accelerator.distributed_type in (DistributedType.DEEPSPEED, DistributedType.MEGATRON_LM)
    if gradient_accumulation_steps == 1 and accelerator.scaler is None and not special:
        return torch.Tensor.backward
    return accelerator.backward


def _unwrap_optimizer(optimizer, accelerator):
    plain = getattr(optimizer, "scaler", None) is None and accelerator.distributed_type != DistributedType.XLA
    return optimizer.optimizer if plain else optimizer


def check_finite(loss: torch.Tensor, name: str, step: int) -> None:
    # A scalar loss is read once (as the recipe's logging will anyway): a fifth of the cost of
    # isfinite().all().
    finite = math.isfinite(loss.item()) if loss.numel() == 1 else bool(torch.isfinite(loss.detach()).all())
    if not finite:
        raise TrainingDivergedError(
            f"The {name} loss became {loss.detach().float().item()} at step {step + 1}. The run stops here; "
            "the last checkpoint (if any) is untouched: resume from it with --resume_from_checkpoint latest "
            "and a lower --learning_rate, a smaller --max_grad_norm, or more --warmup_steps."
        )


def _flat_config(*dataclasses) -> dict:
    flat = {}
    for dc in dataclasses:
        flat.update({k: v if isinstance(v, (int, float, str, bool)) else str(v)
                     for k, v in vars(dc).items()})
    return flat
