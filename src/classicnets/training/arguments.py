"""Options shared by every recipe. Each field becomes a `--flag` of `classicnets train <recipe>`."""

from dataclasses import dataclass, field


@dataclass
class TrainingArguments:
    output_dir: str = field(default="outputs/run", metadata={"help": "Where checkpoints, metrics and the final model go."})
    overwrite_output_dir: bool = field(default=False, metadata={
        "help": "Start afresh in an output_dir that holds an earlier run, deleting its checkpoints and metrics "
                "(without it such a run stops with an error: resume it or pick another folder)."})
    seed: int = field(default=42, metadata={"help": "Seed for weights, data order and dropout."})

    # How long to train: the first limit reached stops the run (it then evaluates and saves).
    max_steps: int = field(default=-1, metadata={"help": "Optimizer steps to run (-1: use num_train_epochs)."})
    num_train_epochs: float | None = field(default=None, metadata={
        "help": "Epochs to run when max_steps is -1 (default 1; with --max_time and neither limit set, time alone "
                "ends the run)."})
    max_time: float | None = field(default=None, metadata={
        "help": "Stop cleanly after this many minutes of training (evaluation excluded). The LR schedule then "
                "follows whichever is further along, steps or time, so it ends on time on a slow machine."})

    per_device_train_batch_size: int = field(default=32, metadata={"help": "Batch size on each process."})
    per_device_eval_batch_size: int = field(default=64, metadata={"help": "Evaluation batch size on each process."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Micro-batches per optimizer step."})

    learning_rate: float = field(default=2e-3, metadata={"help": "Peak learning rate of AdamW."})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay (not applied to biases/norms)."})
    adam_beta1: float = field(default=0.9, metadata={"help": "AdamW beta1."})
    adam_beta2: float = field(default=0.999, metadata={"help": "AdamW beta2."})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "transformers.get_scheduler name: cosine, linear, constant_with_warmup, ..."})
    warmup_steps: int = field(default=0, metadata={"help": "Linear warm-up steps."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm (0 disables)."})
    ema_decay: float = field(default=0.0, metadata={
        "help": "Evaluate and save an exponential moving average of the weights with this decay per optimizer "
                "step (e.g. 0.999; 0: off). The raw weights keep training; checkpoints hold both."})
    mixed_precision: str | None = field(default=None, metadata={
        "help": "no | bf16 | fp16 (fp16 needs a GPU). Default: what Accelerate decides, i.e. `accelerate launch "
                "--mixed_precision` or `accelerate config` under the launcher, else no. The flag wins over both.",
        "choices": ["no", "bf16", "fp16"]})

    eval_steps: int = field(default=500, metadata={"help": "Evaluate every N optimizer steps (and always at the end)."})
    logging_steps: int = field(default=50, metadata={"help": "Log training loss every N optimizer steps."})
    save_steps: int = field(default=500, metadata={"help": "Checkpoint every N optimizer steps (0: only at the end)."})
    save_total_limit: int = field(default=2, metadata={"help": "Keep the last K checkpoints."})
    resume_from_checkpoint: str | None = field(default=None, metadata={"help": "'latest' or a checkpoint folder to continue from."})

    report_to: str = field(default="none", metadata={"help": "Accelerate trackers: none, tensorboard, all, or a comma list."})
    disable_tqdm: bool = field(default=False, metadata={"help": "No progress bar."})

    push_to_hub: bool = field(default=False, metadata={"help": "Upload the final model to the Hub."})
    hub_model_id: str | None = field(default=None, metadata={"help": "Hub repository, e.g. org/char-lstm."})
    hub_private_repo: bool = field(default=False, metadata={"help": "Create the Hub repository as private."})

    def __post_init__(self):
        if self.num_train_epochs is not None and self.num_train_epochs <= 0:
            raise ValueError(f"--num_train_epochs must be > 0, got {self.num_train_epochs}.")
        if self.max_time is not None and self.max_time < 0:
            raise ValueError(f"--max_time must be >= 0 minutes, got {self.max_time}.")
        if self.gradient_accumulation_steps < 1:
            raise ValueError("--gradient_accumulation_steps must be >= 1.")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"--ema_decay must be in [0, 1) (0 turns it off), got {self.ema_decay}.")
        if self.push_to_hub and not self.hub_model_id:
            raise ValueError("--push_to_hub needs --hub_model_id org/name.")
