"""``neuralab tune``: every ``neuralab train`` flag is the fixed part of each trial; a TOML space the rest.

::

    neuralab tune --space space.toml --trials 20 --stages 2 --dataset digits --epochs 10
    neuralab tune --space space.toml --trials 40 --workers 2 --storage sqlite:///runs/s/study.db --resume

The train flags come from the train command's own parser
(:func:`neuralab.cli.add_train_arguments`); ``--resume`` here continues (or
joins) a study instead of a training run.
"""
from __future__ import annotations

#: train settings a space may not set: where data and files are, and the stage epochs (--stage-epochs)
NOT_TUNABLE = ("dataset", "data_root", "epochs", "logdir", "checkpoint_dir", "resume", "checkpoint_every", "keep",
               "download", "distributed", "validation", "nan_guard")
#: held-out fraction when --validation is not given: trials are chosen on held-out data, never on the test set
DEFAULT_VALIDATION = 0.2


def add_tune_parser(sub) -> None:
    """Register ``tune`` on the ``neuralab`` subcommand parsers ``sub``."""
    from ..cli import add_train_arguments
    from .search import METRICS, SAMPLERS

    p = sub.add_parser("tune", help="search hyperparameters with Optuna, coarse to fine, and write the best config",
                       description="Search hyperparameters with Optuna. Each trial trains `neuralab train` with the "
                       "flags given here as its fixed settings and the values drawn from --space; trials are chosen "
                       "on a validation split. Writes OUT/best.toml for `neuralab train --config`.")
    g = p.add_argument_group("search")
    g.add_argument("--space", required=True, help="TOML file of distributions, e.g. `lr = {log_uniform = [1e-4, "
                   "1e-1]}`, `layers = {choice = [\"256,256\"]}`, `dropout = {uniform = [0, 0.5]}`, "
                   "`batch_size = {int = [16, 128]}`, `optimizer = {grid = [\"adam\", \"sgd\"]}`")
    g.add_argument("--trials", type=int, default=20, help="trials per stage (default: 20)")
    g.add_argument("--stages", type=int, default=2, help="coarse-to-fine stages; each narrows the space around the "
                   "best quarter of the previous one's trials (default: 2)")
    g.add_argument("--stage-trials", dest="stage_trials", help="trials of each stage, e.g. 16,4 (default: --trials "
                   "each)")
    g.add_argument("--stage-epochs", dest="stage_epochs", help="epochs of each stage, e.g. 2,10 (default: a third "
                   "of --epochs for the earlier stages, --epochs for the last)")
    g.add_argument("--sampler", choices=SAMPLERS, default="tpe", help="tpe, random or grid (every grid point once; "
                   "every parameter must be a grid or choice) (default: tpe)")
    g.add_argument("--metric", choices=tuple(METRICS), default="val_accuracy",
                   help="what trials are ranked by (default: val_accuracy)")
    g.add_argument("--pruner", choices=("median", "none"), default="median",
                   help="stop a trial whose validation metric after an epoch is worse than the median of earlier "
                   "trials at that epoch (default: median)")
    g.add_argument("--keep-fraction", dest="keep_fraction", type=float, default=0.25,
                   help="share of a stage's best trials the next stage narrows around (default: 0.25)")
    g.add_argument("--storage", help="Optuna storage: a database URL (sqlite:///study.db, postgresql://host/db), "
                   "`journal` or a journal file PATH.log; share one URL between machines (default: SQLite in the "
                   "run folder)")
    g.add_argument("--workers", type=int, default=1, help="trial processes on this machine (default: 1)")
    g.add_argument("--study", help="study name (default: DATASET-MODEL)")
    g.add_argument("--out", help="run folder: per-trial TensorBoard logs OUT/<hparam string>, the default storage "
                   "and best.toml (default: runs/STUDY)")
    add_train_arguments(p)
    for a in p._actions:
        if a.dest == "resume":
            a.help = ("continue the study (finished trials and stages stay), or join it from another machine; "
                      "creates it when it does not exist (default: off)")
        elif a.dest == "epochs":
            a.help = "epochs of the last stage (default: 10)"
        elif a.dest == "validation":
            a.help = f"held-out fraction the trials are ranked on, in (0, 1) (default: {DEFAULT_VALIDATION})"
    p.set_defaults(func=cmd_tune)


def _int_list(flag, text, n):
    try:
        vals = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        vals = None
    if not vals or len(vals) != n or any(v < 1 for v in vals):
        from ..cli import CLIError

        raise CLIError(f"{flag}: expected {n} comma-separated integers >= 1 (one per stage), got {text!r}")
    return vals


def cmd_tune(args) -> int:
    """Run ``neuralab tune``: resolve the fixed train settings and the space, search, print the table."""
    from ..cli import TRAIN_KEYS, CLIError, resolve_train_config

    resume = bool(args.resume)
    args.resume = None
    for flag, dest, why in (("--checkpoint-dir", "checkpoint_dir", "trials keep no checkpoints; train the winner "
                             "with `neuralab train --config OUT/best.toml --checkpoint-dir DIR`"),
                            ("--logdir", "logdir", "every trial logs to OUT/<hparam string>; set --out"),
                            ("--distributed", "distributed", "trials run one process each; use --workers")):
        if getattr(args, dest, None):
            raise CLIError(f"{flag}: not a tune flag: {why}")
    base = resolve_train_config(args)
    if not base["validation"]:
        base["validation"] = DEFAULT_VALIDATION
    for k in ("logdir", "checkpoint_dir", "resume", "distributed"):
        base.pop(k, None)
    if args.stages < 1:
        raise CLIError(f"--stages: must be an integer >= 1, got {args.stages}")
    n = args.stages
    trials = _int_list("--stage-trials", args.stage_trials, n) if args.stage_trials else [args.trials] * n
    if args.trials < 1:
        raise CLIError(f"--trials: must be an integer >= 1, got {args.trials}")
    if args.stage_epochs:
        epochs = _int_list("--stage-epochs", args.stage_epochs, n)
    else:
        epochs = [max(1, round(base["epochs"] / 3))] * (n - 1) + [base["epochs"]]
    from .search import TuneSettings, optuna, tune
    from .space import SearchSpace

    try:
        optuna()
    except ImportError as e:
        raise CLIError(str(e), code=1) from None
    allowed = [k for k in TRAIN_KEYS if k not in NOT_TUNABLE]
    try:
        space = SearchSpace.load(args.space, allowed=allowed)
    except FileNotFoundError as e:
        raise CLIError(str(e)) from None
    except ValueError as e:
        raise CLIError(str(e)) from None
    study = args.study or f"{base['dataset']}-{base['model']}"
    out = args.out or f"runs/{study}"
    try:
        s = TuneSettings(space=space, base=base, trials=trials, epochs=epochs, sampler=args.sampler,
                         storage=args.storage, workers=args.workers, out=out, study=study, metric=args.metric,
                         pruner=args.pruner, keep=args.keep_fraction, resume=resume, seed=base["seed"])
    except ValueError as e:
        raise CLIError(str(e)) from None
    try:
        tune(s)
    except ValueError as e:
        raise CLIError(str(e), code=1) from None
    return 0
