"""`classicnets push CHECKPOINT_DIR REPO_ID`: upload a run folder or a saved checkpoint folder to the Hugging
Face Hub (the work is done by `classicnets.hub.push_checkpoint`, imported when the command runs)."""

import argparse
import re

from ..errors import OptionError
from . import ArgumentParser

DESCRIPTION = """\
Upload a run folder written by `classicnets train --output_dir` (or any folder written by `save_pretrained`)
to a model repo on the Hugging Face Hub, as it is, in one commit. The repo is created if it does not exist.
Everything is checked locally before anything is sent; the local folder is never modified.

Uploaded: the safetensors weights, config.json, generation_config.json, tokenizer files, the modelling .py
files that make it loadable with trust_remote_code=True, the README.md model card and its pictures (*.png),
samples.txt, metrics.json, metrics.jsonl, and any other regular file not listed below.

Stays local: the training state (every checkpoints/ and checkpoint-* folder: optimizer.bin, scheduler.bin,
random_states_*.pkl, ...), *.tmp files and folders, lock files (*.lock, .classicnets.lock), TensorBoard logs
(events.out.tfevents.* and the top-level folder holding them), .git/, .cache/, __pycache__/, *.pyc.

Refused, naming the file: symbolic links (all of them, wherever they point) and other non-regular files;
pickle files, by name (*.bin, *.pt, *.pth, *.pkl, *.pickle, *.ckpt) or by content (pickle streams, torch.save
archives, numpy object arrays), whatever the name: only safetensors weights are published; *.safetensors files
that do not parse as safetensors; text files (*.md, *.json, *.jsonl, *.txt, *.yaml, *.py, ...) holding the
absolute path of the folder, of the current directory or of your home directory.

Authentication, first match wins: --token, the HF_TOKEN environment variable, the token saved by
`hf auth login`. The token needs write access to the repo's namespace."""

EPILOG = """\
examples:
  classicnets push outputs/my-run my-org/my-model                 # a run folder: checkpoints/ stay local
  classicnets push outputs/my-run/final my-org/my-model --private
  classicnets push outputs/my-run/final my-org/my-model --revision experiments --commit_message "3k steps"
  HF_TOKEN=hf_... classicnets push outputs/my-run/final my-org/my-model --create_pr"""


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="classicnets push", description=DESCRIPTION, epilog=EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint_dir", metavar="CHECKPOINT_DIR",
                        help="Run folder of `classicnets train` (its --output_dir) or a folder written by "
                             "save_pretrained (config.json + *.safetensors, tokenizer, README.md).")
    parser.add_argument("repo_id", metavar="REPO_ID",
                        help="Target model repo, `namespace/name` (e.g. my-org/my-model).")
    parser.add_argument("--private", action="store_true",
                        help="Create the repo as private (an existing repo keeps its visibility).")
    parser.add_argument("--revision", metavar="BRANCH", default=None,
                        help="Branch to commit to; created from main if missing (default: main).")
    parser.add_argument("--commit_message", metavar="TEXT", default=None,
                        help="Commit message (default: 'Upload <folder> with classicnets').")
    parser.add_argument("--create_pr", action="store_true",
                        help="Open a pull request with the upload instead of committing to main.")
    parser.add_argument("--token", metavar="TOKEN", default=None,
                        help="Hub token with write access (default: HF_TOKEN, then `hf auth login`). Prefer "
                             "HF_TOKEN: a token on the command line can end up in your shell history.")
    parser.add_argument("--endpoint", metavar="URL", default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str]) -> int:
    """0 on success; a HubError (a UserError: one line from `classicnets`, exit 1) otherwise."""
    args = build_parser().parse_args(argv)
    check_repo_id(args.repo_id)
    from ..hub.push import push_checkpoint

    info = push_checkpoint(args.checkpoint_dir, args.repo_id, token=args.token, private=args.private,
                           revision=args.revision, commit_message=args.commit_message,
                           create_pr=args.create_pr, endpoint=args.endpoint)
    print(f"Pushed {args.checkpoint_dir} to {args.repo_id}")
    commit_url = getattr(info, "commit_url", None)
    if commit_url:
        print(f"commit: {commit_url}")
    pr_url = getattr(info, "pr_url", None)
    if pr_url:
        print(f"pull request: {pr_url}")
    return 0


def check_repo_id(repo_id: str) -> None:
    """Refuse (OptionError, exit 2) a REPO_ID the Hub would refuse, before the folder, the token or the network."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        reason = re.sub(r"\s*Use `repo_type` argument if needed\.?", "", str(err))  # API advice: not for us
        reason = re.sub(r"\s*:\s*'.*'\.?\s*$", "", reason, flags=re.DOTALL).rstrip(".")  # without the id again
        raise OptionError(None, f"REPO_ID {repo_id!r} is not a Hub repo id: {reason}",
                          hint="use namespace/name, e.g. my-org/my-model") from None
