"""The ``neuralab`` command line: train, evaluate, predict, info, tf1.

``neuralab train --dataset digits --model mlp --epochs 10`` trains on bundled
data offline and ends with the line ``Test accuracy: 0.97...``. Flags may come
from a TOML or YAML file (``--config FILE``; flags given on the command line win).

A user error never prints a Python traceback: one line ``neuralab: error: ...``
on stderr and exit status 2 (a bad flag or setting) or 1 (a problem while
running: missing data, an unreadable checkpoint, a diverging run);
``--debug`` shows the traceback instead. Ctrl-C during ``train`` finishes the
current step, saves a checkpoint, prints how to resume and exits with 130.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np

DATASETS = ("xor", "iris", "digits", "mnist", "fashion_mnist")
MODELS = ("softmax", "mlp", "deep-mlp", "cnn")
DEFAULT_LAYERS = {"softmax": [], "mlp": [256, 256], "deep-mlp": [512, 512, 512, 512]}
TRAIN_KEYS = ("dataset", "data_root", "model", "layers", "activation", "init", "dropout", "batch_norm", "optimizer",
              "lr", "epochs", "batch_size", "seed", "logdir", "checkpoint_dir", "l2", "eager", "validation",
              "download", "resume", "checkpoint_every", "keep", "clip_grad_norm", "nan_guard", "distributed",
              "device")
#: exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A user error: printed without a traceback, exit status 2 (usage) or 1 (runtime)."""

    def __init__(self, msg, code=2):
        super().__init__(msg)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``neuralab: error: ... (see `neuralab train --help`)``, exit 2."""

    def error(self, message):
        self.exit(2, f"neuralab: error: {message} (see `{self.prog} --help`)\n")


# -- configuration ---------------------------------------------------------------------------
def load_config(path) -> dict:
    """Read a TOML (.toml) or YAML (.yaml/.yml) file of ``train`` settings (flag names as keys)."""
    p = Path(path)
    if not p.exists():
        raise CLIError(f"--config: file {p} not found")
    if p.is_dir():
        raise CLIError(f"--config: {p} is a folder, not a settings file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CLIError(f"--config: {p} is not a text file (TOML or YAML expected)") from None
    except OSError as e:
        raise CLIError(f"--config: cannot read {p}: {e.strerror or e}", code=1) from None
    try:
        if p.suffix == ".toml":
            try:
                import tomllib
            except ImportError:  # Python 3.10
                try:
                    import tomli as tomllib
                except ImportError as e:
                    raise CLIError("--config: reading TOML on Python 3.10 needs `pip install tomli`") from e
            data = tomllib.loads(text)
        elif p.suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError as e:
                raise CLIError("--config: reading YAML needs `pip install pyyaml`") from e
            data = yaml.safe_load(text) or {}
        else:
            raise CLIError(f"--config: {p} must end in .toml, .yaml or .yml")
    except CLIError:
        raise
    except Exception as e:  # noqa: BLE001 - parser errors of either library
        raise CLIError(f"--config: cannot parse {p}: {e}") from None
    if not isinstance(data, dict):
        raise CLIError(f"--config: {p} must hold a table of settings, got {type(data).__name__}")
    data = data.get("train", data)
    out = {}
    for k, v in data.items():
        key = str(k).replace("-", "_")
        if key not in TRAIN_KEYS:
            raise CLIError(f"--config: unknown setting {k!r} in {p}; known: {', '.join(TRAIN_KEYS)}")
        out[key] = v
    return out


def parse_layers(value) -> list[int]:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = [s for s in str(value).split(",") if s.strip()]
    try:
        sizes = [int(s) for s in items]
    except ValueError:
        raise CLIError(f"--layers: expected comma-separated integers like 512,512, got {value!r}") from None
    if any(s <= 0 for s in sizes):
        raise CLIError(f"--layers: sizes must be positive, got {value!r}")
    return sizes


# -- models ----------------------------------------------------------------------------------
def build_model(cfg: dict, input_shape, num_classes):
    """The network a ``train`` configuration describes (Dense -> [BatchNorm] -> act -> [Dropout] ...)."""
    from . import nn

    name = cfg["model"]
    act = cfg["activation"]
    init = cfg["init"]
    drop = float(cfg["dropout"] or 0.0)
    bn = bool(cfg["batch_norm"])
    layers = []
    if name == "cnn":
        if len(input_shape) != 3:
            raise CLIError(f"--model cnn needs image data; dataset {cfg['dataset']} has inputs of shape "
                           f"{tuple(input_shape)}")
        cin = input_shape[-1]
        for cout in (32, 64):
            layers.append(nn.Conv2D(cin, cout, 5 if input_shape[0] >= 16 else 3, padding="SAME",
                                    bias=not bn, weight_init=init))
            if bn:
                layers.append(nn.BatchNorm(cout))
            layers.append(_act_layer(act))
            layers.append(nn.MaxPool2D(2, 2, padding="SAME"))
            cin = cout
        layers.append(nn.Flatten())
        hidden = cfg["layers"] or [256]
    else:
        hidden = cfg["layers"] if cfg["layers"] is not None else DEFAULT_LAYERS[name]
        if name == "softmax":
            hidden = []
    fan_in = None if name == "cnn" else int(np.prod(input_shape))
    for h in hidden:
        layers.append(nn.Dense(fan_in, h, bias=not bn, weight_init=init))
        if bn:
            layers.append(nn.BatchNorm(h))
        layers.append(_act_layer(act))
        if drop > 0:
            layers.append(nn.Dropout(drop))
        fan_in = h
    layers.append(nn.Dense(fan_in, num_classes, weight_init=init))
    return nn.Sequential(*layers)


def _act_layer(name):
    from . import nn

    table = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU,
             "selu": nn.SELU, "softplus": nn.Softplus}
    key = str(name).lower().replace("-", "_")
    if key not in table:
        raise CLIError(f"--activation: unknown {name!r}; choose one of {', '.join(table)}")
    return table[key]()


def load_dataset(cfg: dict):
    from . import data

    name = cfg["dataset"]
    if name not in DATASETS:
        raise CLIError(f"--dataset: unknown {name!r}; choose one of {', '.join(DATASETS)}")
    images = cfg["model"] == "cnn"
    try:
        if name == "xor":
            return data.xor()
        if name == "iris":
            return data.iris(cfg["data_root"])
        if name == "digits":
            return data.digits(cfg["data_root"], flatten=not images)
        loader = data.mnist if name == "mnist" else data.fashion_mnist
        return loader(cfg["data_root"], download=cfg["download"], flatten=not images)
    except data.DataNotFoundError as e:
        raise CLIError(str(e), code=1) from None
    except data.DataFormatError as e:
        raise CLIError(str(e), code=1) from None


# -- commands ----------------------------------------------------------------------------------
TRAIN_DEFAULTS = dict(dataset="digits", data_root=None, model="mlp", layers=None, activation="relu", init="xavier",
                      dropout=0.0, batch_norm=False, optimizer="adam", lr=None, l2=0.0, epochs=10, batch_size=32,
                      seed=0, logdir=None, checkpoint_dir=None, checkpoint_every=1, resume=False, eager=False,
                      download=True, validation=0.0, keep=2, clip_grad_norm=None, nan_guard=True,
                      distributed=False, device="cpu")


def _debug_flag(p):
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show Python tracebacks instead of one-line errors (default: off)")


def _train_parser(sub):
    p = sub.add_parser("train", help="train a network and print its test accuracy",
                       description="Train a network on a dataset and print its test accuracy. Every flag can also "
                       "come from --config FILE (flag names as keys); flags on the command line win.")
    add_train_arguments(p)
    p.set_defaults(func=cmd_train)


def add_train_arguments(p) -> None:
    """Every ``neuralab train`` flag, and --debug, on parser ``p`` (train's own; the fixed part of ``tune``)."""

    def h(text, key):
        v = TRAIN_DEFAULTS[key]
        return f"{text} (default: {v})"

    p.add_argument("--config", help="TOML or YAML file with these settings, e.g. `[train]` then `epochs = 5` "
                   "(flags on the command line win; default: none)")
    p.add_argument("--dataset", choices=DATASETS, help=h("dataset to train on", "dataset"))
    p.add_argument("--data-root", dest="data_root", help="folder with one sub-folder per dataset "
                   "(default: $NEURALAB_DATA, else the user cache)")
    p.add_argument("--model", choices=MODELS, help=h("network: softmax regression, MLP, deep MLP or CNN", "model"))
    p.add_argument("--layers", help="hidden layer sizes, e.g. 512,512 (default: 256,256 for mlp; 512,512,512,512 "
                   "for deep-mlp; 256 after the convolutions for cnn)")
    p.add_argument("--activation", help=h("hidden activation: relu, sigmoid, tanh, leaky_relu, elu, selu or "
                                          "softplus", "activation"))
    p.add_argument("--init", help=h("weight initializer: xavier, he, normal, lecun, orthogonal, ...", "init"))
    p.add_argument("--dropout", type=float, help=h("drop probability after each hidden layer, in [0, 1)",
                                                   "dropout"))
    p.add_argument("--batch-norm", dest="batch_norm", action="store_true", default=None,
                   help="batch normalization after each hidden layer (default: off)")
    p.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"),
                   help=h("update rule", "optimizer"))
    p.add_argument("--lr", type=float, help="learning rate (default: the optimizer's own: 0.01 for sgd, momentum "
                   "and nesterov, 0.001 for adam, adamw and rmsprop, 0.01 for adagrad)")
    p.add_argument("--l2", type=float, help=h("L2 penalty λ Σ w² added to the loss", "l2"))
    p.add_argument("--clip-grad-norm", dest="clip_grad_norm", type=float,
                   help="clip the gradients to this global L2 norm before each update (default: no clipping)")
    p.add_argument("--epochs", type=int, help=h("epochs to train (with --resume: the run's total)", "epochs"))
    p.add_argument("--batch-size", dest="batch_size", type=int, help=h("examples per update", "batch_size"))
    p.add_argument("--seed", type=int, help=h("seed of every random draw (one seed repeats a run bit for bit)",
                                              "seed"))
    p.add_argument("--validation", type=float,
                   help=h("fraction of the training set held out for validation, in [0, 1)", "validation"))
    p.add_argument("--logdir", help="write TensorBoard event files here (default: none)")
    p.add_argument("--checkpoint-dir", dest="checkpoint_dir",
                   help="save checkpoints and the final model here (default: none)")
    p.add_argument("--checkpoint-every", dest="checkpoint_every", type=int,
                   help=h("epochs between checkpoints", "checkpoint_every"))
    p.add_argument("--keep", type=int, help=h("checkpoints kept: last.safetensors, last.1.safetensors, ...; with "
                                              "--validation also best.safetensors", "keep"))
    p.add_argument("--resume", action="store_true", default=None,
                   help="continue the run in --checkpoint-dir; an unreadable last checkpoint falls back to the "
                   "previous one with a warning (default: off)")
    p.add_argument("--eager", action="store_true", default=None,
                   help="run the train step eagerly (default: compiled)")
    p.add_argument("--no-download", dest="download", action="store_false", default=None,
                   help="never download missing data (default: download and checksum it)")
    p.add_argument("--no-nan-guard", dest="nan_guard", action="store_false", default=None,
                   help="keep training when the loss becomes NaN or Inf (default: stop there, keep the last good "
                   "checkpoint and exit 1 naming the step)")
    p.add_argument("--distributed", action="store_true", default=None,
                   help="data-parallel over MPI: start with `mpiexec -n N neuralab train --distributed ...`; "
                   "--batch-size is the global batch, each rank takes its share; rank 0 prints and writes "
                   "files (needs mpi4py: pip install \"neuralab[mpi]\"; default: off)")
    p.add_argument("--device", help=h("where the model and its training step run: cpu, or gpu (gpu:N) with CuPy "
                                      "(pip install \"neuralab[gpu]\")", "device"))
    _debug_flag(p)


def _number(cfg, key, kind):
    v = cfg[key]
    if v is None:
        return None
    ok = isinstance(v, int) and not isinstance(v, bool) if kind is int else \
        isinstance(v, (int, float)) and not isinstance(v, bool)
    if not ok:
        raise CLIError(f"--{key.replace('_', '-')}: expected {'an integer' if kind is int else 'a number'}, "
                       f"got {v!r}")
    return v


def resolve_train_config(args) -> dict:
    """The train settings: defaults, then --config, then flags; every value checked (CLIError names the flag)."""
    cfg = dict(TRAIN_DEFAULTS)
    if args.config:
        cfg.update(load_config(args.config))
    for k in TRAIN_KEYS:
        v = getattr(args, k, None)
        if v is not None:
            cfg[k] = v
    cfg["layers"] = parse_layers(cfg["layers"])
    if cfg["model"] not in MODELS:
        raise CLIError(f"--model: unknown {cfg['model']!r}; choose one of {', '.join(MODELS)}")
    for k, lo in (("epochs", 1), ("batch_size", 1), ("checkpoint_every", 1), ("keep", 1)):
        if _number(cfg, k, int) is None or cfg[k] < lo:
            raise CLIError(f"--{k.replace('_', '-')}: must be an integer >= {lo}, got {cfg[k]!r}")
    for k in ("dropout", "lr", "l2", "validation", "clip_grad_norm"):
        _number(cfg, k, float)
    if not 0.0 <= float(cfg["dropout"] or 0) < 1.0:
        raise CLIError(f"--dropout: must be in [0, 1), got {cfg['dropout']}")
    if not 0.0 <= float(cfg["validation"] or 0) < 1.0:
        raise CLIError(f"--validation: must be a fraction in [0, 1), got {cfg['validation']}")
    if cfg["lr"] is not None and not float(cfg["lr"]) > 0:
        raise CLIError(f"--lr: must be positive, got {cfg['lr']}")
    if cfg["l2"] is not None and not float(cfg["l2"]) >= 0:
        raise CLIError(f"--l2: must be >= 0, got {cfg['l2']}")
    if cfg["clip_grad_norm"] is not None and not float(cfg["clip_grad_norm"]) > 0:
        raise CLIError(f"--clip-grad-norm: must be positive, got {cfg['clip_grad_norm']}")
    if cfg["resume"] and not cfg["checkpoint_dir"]:
        raise CLIError("--resume needs --checkpoint-dir")
    if cfg["layers"] is not None and cfg["model"] == "softmax" and cfg["layers"]:
        raise CLIError("--model softmax has no hidden layers; drop --layers or use --model mlp")
    return cfg


def _check_checkpoint_dir(ckdir) -> None:
    from .io import CheckpointDirError, check_dir

    try:
        check_dir(ckdir)
    except CheckpointDirError as e:
        raise CLIError(f"--checkpoint-dir: {e}", code=2 if os.path.isfile(ckdir) else 1) from None


def _resume_state(trainer, path):
    """The checkpoint to resume from (newest readable version), checked against this model before training."""
    from .io import CheckpointError, load_newest

    try:
        state, used = load_newest(path)
    except FileNotFoundError:
        raise CLIError(f"--resume: no checkpoint at {path}", code=1) from None
    except CheckpointError as e:
        raise CLIError(f"--resume: {e}", code=1) from None
    try:
        trainer.load_state_dict(state)
    except (KeyError, ValueError, TypeError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        raise CLIError(f"--resume: the checkpoint {used} does not fit this model ({msg}); resume with the "
                       "settings of the run that wrote it, or use another --checkpoint-dir", code=1) from None
    return state


def _resume_command(argv) -> str:
    args = list(argv)
    if "--resume" not in args:
        args.append("--resume")
    return "neuralab " + " ".join(shlex.quote(a) for a in args)


def _on_device(name):
    """``neuralab.device(name)`` for the command, a missing GPU or CuPy as a one-line error (exit 1)."""
    from . import backend

    try:
        if backend.as_device(name or "cpu").kind == "gpu":
            backend.require_gpu("--device")
    except ValueError as e:
        raise CLIError(f"--device: {e}") from None
    except backend.DeviceError as e:
        raise CLIError(f"--device {name}: {e}", code=1) from None
    return backend.device(name or "cpu")


def cmd_train(args) -> int:
    cfg = resolve_train_config(args)
    with _on_device(cfg["device"]):  # the model, its weights and the training step live there
        return _cmd_train(args, cfg)


def _cmd_train(args, cfg) -> int:
    if cfg["distributed"]:  # an error on one rank stops them all (no rank left waiting in an allreduce)
        from .distributed.launch import run_guarded

        return run_guarded(_train, args, cfg, user_errors=(CLIError, *_USER_ERRORS))
    return _train(args, cfg)


def _train(args, cfg) -> int:
    import neuralab as nl
    from . import init as _init
    from .train import Checkpoint, NaNGuard, NonFiniteError, Trainer, current_lr

    from .distributed import is_main_process

    main_rank = not cfg["distributed"] or is_main_process()
    say = print if main_rank else (lambda *a, **k: None)
    try:
        _init.get(cfg["init"])
    except (KeyError, ValueError) as e:
        raise CLIError(f"--init: {e.args[0] if isinstance(e, KeyError) and e.args else e}") from None
    ckdir = cfg["checkpoint_dir"]
    if ckdir and main_rank:
        _check_checkpoint_dir(ckdir)  # before the data loads and an epoch of work is done
    nl.seed(cfg["seed"])
    ds = load_dataset(cfg)
    x_train, y_train = ds.x_train, ds.y_train
    val = None
    if cfg["validation"]:
        from .data import train_val_split

        (x_train, y_train), val = train_val_split(x_train, y_train, float(cfg["validation"]), seed=cfg["seed"])
    model = build_model(cfg, ds.input_shape, ds.num_classes)
    trainer = Trainer(model, optimizer=cfg["optimizer"], lr=cfg["lr"], l2=cfg["l2"], compiled=not cfg["eager"],
                      clip_grad_norm=cfg["clip_grad_norm"], distributed=cfg["distributed"])
    callbacks = [NaNGuard()] if cfg["nan_guard"] else []
    ckpt = None
    if ckdir:
        ckpt = Checkpoint(ckdir, every=cfg["checkpoint_every"], keep=cfg["keep"],
                          best="val_loss" if val is not None else None)
        callbacks.append(ckpt)
    resume = None
    if cfg["resume"]:
        resume = _resume_state(trainer, os.path.join(ckdir, "last.safetensors"))
    if cfg["logdir"] and main_rank:
        from .train.tensorboard import TensorBoard

        hp = {k: cfg[k] for k in ("model", "activation", "init", "dropout", "batch_norm", "optimizer", "batch_size",
                                  "seed", "epochs", "l2")}
        hp["lr"] = current_lr(trainer.optimizer)
        hp["layers"] = ",".join(str(n) for n in model_layers(cfg))
        try:
            callbacks.append(TensorBoard(cfg["logdir"], hparams=hp, example_input=x_train[:3],
                                         test_data=(ds.x_test, ds.y_test)))
        except ImportError as e:
            raise CLIError(f"--logdir: {e}", code=1) from None
    ranks = f"; {trainer._dist.size} ranks" if trainer._dist is not None else ""
    say(f"neuralab {nl.__version__}: {ds!r}; model {cfg['model']} "
        f"({model.num_parameters()} parameters); {cfg['optimizer']}; {'eager' if cfg['eager'] else 'compiled'}{ranks}")
    interrupted = []

    def on_sigint(signum, frame):
        if interrupted:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        interrupted.append(True)
        if trainer._dist is not None:  # every rank stops after the same step
            trainer._dist.request_stop()
        else:
            trainer.stop_training = True
        say("neuralab: interrupt: stopping after this step (Ctrl-C again to quit at once)", file=sys.stderr,
              flush=True)

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: Ctrl-C keeps Python's default
        previous = None
    t0 = time.perf_counter()
    try:
        # with the guard on, a diverging run ends in one error naming the step, not in NumPy's overflow warnings
        with np.errstate(**({"all": "ignore"} if cfg["nan_guard"] else {})):
            trainer.fit(x_train, y_train, epochs=cfg["epochs"], batch_size=cfg["batch_size"], validation_data=val,
                        callbacks=callbacks, seed=cfg["seed"], resume_from=resume)
    except NonFiniteError as e:
        saved = ckpt.path if ckpt is not None and os.path.exists(ckpt.path) else None
        keep = f"; the last good checkpoint is {saved}" if saved else ""
        raise CLIError(f"{e}{keep} (--no-nan-guard trains on)", code=1) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    elapsed = time.perf_counter() - t0
    if interrupted:
        where = f"interrupted at epoch {trainer.epoch + (1 if trainer.batch_in_epoch else 0)} step " \
                f"{trainer.global_step}"
        if not main_rank:
            pass
        elif ckpt is not None and ckpt.save(trainer):
            print(f"{where}; resume with: {_resume_command(args.argv)}", file=sys.stderr)
        else:
            print(f"{where}; nothing was saved (train with --checkpoint-dir DIR to be able to resume)",
                  file=sys.stderr)
        return EXIT_INTERRUPTED
    result = trainer.evaluate(ds.x_test, ds.y_test)
    if ckdir and main_rank:
        save_model(ckdir, model, cfg, result)
    say(f"Training finished in {elapsed:.1f}s")
    say(f"Test accuracy: {result['accuracy']:.4f}")
    return 0


def model_layers(cfg) -> list:
    """The hidden layer sizes the configuration builds."""
    if cfg["model"] == "softmax":
        return []
    if cfg["model"] == "cnn":
        return cfg["layers"] or [256]
    return cfg["layers"] if cfg["layers"] is not None else DEFAULT_LAYERS[cfg["model"]]


def save_model(directory, model, cfg, result):
    """Write the trained weights and the configuration that rebuilds them."""
    from .io import save

    os.makedirs(directory, exist_ok=True)
    save({"model": model.state_dict(), "config": json.dumps(cfg), "test_accuracy": float(result["accuracy"])},
         os.path.join(directory, "model.safetensors"))


def load_model(directory):
    """Rebuild the model saved by ``neuralab train --checkpoint-dir DIR``; returns (model, cfg, dataset)."""
    from .io import CheckpointError, load

    path = os.path.join(directory, "model.safetensors")
    if not os.path.exists(path):
        raise CLIError(f"no trained model at {path}; run `neuralab train --checkpoint-dir {directory}` first",
                       code=1)
    try:
        state = load(path)
        cfg = dict(TRAIN_DEFAULTS, **json.loads(state["config"]))
    except CheckpointError as e:
        raise CLIError(str(e), code=1) from None
    except (KeyError, TypeError, ValueError) as e:
        raise CLIError(f"{path} is not a model saved by `neuralab train` ({e})", code=1) from None
    ds = load_dataset(cfg)
    model = build_model(cfg, ds.input_shape, ds.num_classes)
    model.load_state_dict(state["model"])
    model.eval()
    return model, cfg, ds


def cmd_evaluate(args) -> int:
    from .train import Trainer

    model, cfg, ds = load_model(args.checkpoint_dir)
    t = Trainer(model, optimizer="sgd", lr=0.1)
    r = t.evaluate(ds.x_test, ds.y_test)
    print(f"Test loss: {r['loss']:.6f}")
    print(f"Test accuracy: {r['accuracy']:.4f}")
    return 0


def ascii_image(img: np.ndarray) -> str:
    """Render a 2-D grayscale image in [0, 1] with characters (darker = denser).

    >>> print(ascii_image(np.array([[0.0, 1.0]])))
      @@
    """
    ramp = " .:-=+*#%@"
    img = np.asarray(img, dtype=np.float64)
    img = (img - img.min()) / (np.ptp(img) or 1.0)
    return "\n".join("".join(ramp[int(v * (len(ramp) - 1))] * 2 for v in row) for row in img)


def cmd_predict(args) -> int:
    import neuralab as nl

    model, cfg, ds = load_model(args.checkpoint_dir)
    n = len(ds.x_test)
    if args.index is None:
        r = int(np.random.default_rng(args.seed).integers(0, n))
    else:
        r = args.index
        if not 0 <= r < n:
            raise CLIError(f"--index: must be in [0, {n}), got {r}")
    x = ds.x_test[r: r + 1]
    with nl.no_grad():
        logits = model(nl.tensor(x)).numpy()
    pred = int(np.argmax(logits, axis=1)[0])
    label = int(ds.y_test[r])
    side = int(round(np.sqrt(x[0].size)))
    img = x[0].reshape(side, side) if side * side == x[0].size else None
    if img is not None:
        print(ascii_image(img))
        if args.png:
            try:
                from PIL import Image
            except ImportError:
                raise CLIError("--png needs Pillow: `pip install pillow`", code=1) from None
            Image.fromarray((255 * (1 - img / max(img.max(), 1e-12))).astype(np.uint8)).resize(
                (side * 8, side * 8), Image.NEAREST).save(args.png)
            print(f"(image written to {args.png})")
    print(f"Index: {r}")
    print(f"Label: [{label}]")
    print(f"Prediction: [{pred}]")
    return 0


def blas_info() -> str:
    """The BLAS library NumPy uses and its thread settings, in one line."""
    try:
        from threadpoolctl import threadpool_info

        pools = [f"{p.get('internal_api')} ({p.get('num_threads')} threads)" for p in threadpool_info()
                 if p.get("user_api") == "blas"]
        if pools:
            return ", ".join(pools)
    except ImportError:
        pass
    env = [f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
           if k in os.environ]
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "?")
    except Exception:  # noqa: BLE001 - older NumPy
        blas = "?"
    return f"{blas} (threads: {', '.join(env) if env else f'default, {os.cpu_count()} cores'})"


def cmd_info(args) -> int:
    import neuralab as nl
    from . import backend, data

    print(f"neuralab {nl.__version__}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"backends: {', '.join(backend.available())}")
    print(f"BLAS: {blas_info()}")
    root = data.data_root()
    print(f"data root: {root} ({'$NEURALAB_DATA' if os.environ.get('NEURALAB_DATA') else 'cache'})")
    for name in ("mnist", "fashion_mnist"):
        folder = root / name
        have = folder.exists() and all((folder / f).exists() for f in (
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz"))
        print(f"  {name}: {'found in ' + str(folder) if have else 'not found'}")
    print("  xor, iris, digits: bundled")
    extras = []
    for mod in ("scipy", "tqdm", "safetensors", "tensorboardX", "torch", "optuna", "mpi4py", "onnx"):
        try:
            __import__(mod)
            extras.append(f"{mod} yes")
        except ImportError:
            extras.append(f"{mod} no")
    print("optional: " + ", ".join(extras))
    return 0


def cmd_export(args) -> int:
    """``neuralab export``: write the model of a checkpoint folder as ONNX (checked, and run in onnxruntime
    against neuralab's own outputs when onnxruntime is installed)."""
    from .export import IR_VERSION, OPSET, onnx as export_onnx, run_onnx

    model, cfg, ds = load_model(args.checkpoint_dir)
    out = args.output or os.path.join(args.checkpoint_dir, "model.onnx")
    proto = export_onnx(model, out, input_shape=tuple(ds.input_shape))
    print(f"Wrote {out}: ONNX opset {OPSET}, IR version {IR_VERSION}, input 'input' of shape "
          f"(batch, {', '.join(map(str, ds.input_shape))}), {len(proto.graph.node)} nodes")
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("(onnxruntime is not installed: `pip install onnxruntime` to run the file)")
        return 0
    import neuralab as nl

    x = np.asarray(ds.x_test[:100], dtype=np.float32)
    with nl.no_grad():
        want = model(nl.tensor(x)).numpy()
    got = run_onnx(out, x)[0]
    print(f"onnxruntime on {len(x)} test examples: max |difference| from neuralab {np.abs(got - want).max():.2e}, "
          f"same predictions: {int((got.argmax(1) == want.argmax(1)).sum())}/{len(x)}")
    return 0


def cmd_tf1(args) -> int:
    from .compat.v1.runner import main as tf1_main

    if not os.path.exists(args.script):
        raise CLIError(f"tf1: script {args.script} not found", code=1)
    return tf1_main([args.script, *args.args])


def make_parser() -> argparse.ArgumentParser:
    """The ``neuralab`` argument parser (subcommands train, tune, lab, evaluate, predict, info, export, tf1)."""
    p = _Parser(prog="neuralab", description="neuralab: train, evaluate and inspect networks")
    p.add_argument("--debug", action="store_true", default=False,
                   help="show Python tracebacks instead of one-line errors (default: off)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _train_parser(sub)
    from .tune.cli import add_tune_parser

    add_tune_parser(sub)
    from .lab.cli import add_lab_parser

    add_lab_parser(sub)
    e = sub.add_parser("evaluate", help="evaluate a model saved by train --checkpoint-dir")
    e.add_argument("--checkpoint-dir", dest="checkpoint_dir", required=True,
                   help="the folder `neuralab train --checkpoint-dir` wrote")
    _debug_flag(e)
    e.set_defaults(func=cmd_evaluate)
    pr = sub.add_parser("predict", help="show a test image with its label and the model's prediction")
    pr.add_argument("--checkpoint-dir", dest="checkpoint_dir", required=True,
                    help="the folder `neuralab train --checkpoint-dir` wrote")
    pr.add_argument("--index", type=int, help="test image index (default: a random one)")
    pr.add_argument("--seed", type=int, default=None, help="seed of the random index (default: none)")
    pr.add_argument("--png", help="also write the image to this PNG file (needs Pillow; default: none)")
    _debug_flag(pr)
    pr.set_defaults(func=cmd_predict)
    i = sub.add_parser("info", help="version, backends, BLAS threads, data found")
    _debug_flag(i)
    i.set_defaults(func=cmd_info)
    x = sub.add_parser("export", help="write a model saved by train --checkpoint-dir as ONNX")
    x.add_argument("--checkpoint-dir", dest="checkpoint_dir", required=True,
                   help="the folder `neuralab train --checkpoint-dir` wrote")
    x.add_argument("--format", choices=("onnx",), default="onnx", help="file format (default: onnx)")
    x.add_argument("-o", "--output", help="the file to write (default: DIR/model.onnx)")
    _debug_flag(x)
    x.set_defaults(func=cmd_export)
    t = sub.add_parser("tf1", help="run an unmodified TensorFlow 1.x script on neuralab.compat.v1")
    t.add_argument("script", help="the TF 1.x script")
    t.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    t.set_defaults(func=cmd_tf1)
    return p


def _one_line(e: BaseException) -> str:
    msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
    msg = " ".join(str(msg).split())  # one line, whatever the exception held
    return msg or type(e).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"neuralab: warning: {_one_line(message) if isinstance(message, Warning) else message}",
          file=file or sys.stderr)


#: what a user can cause (bad values, files, data): shown as one line; anything else is a bug, shown as
#: "internal error" with a hint to rerun with --debug
_USER_ERRORS = (ValueError, TypeError, KeyError, OSError, ImportError, ArithmeticError, LookupError)


def main(argv=None) -> int:
    """Run the ``neuralab`` command; returns its exit status (0 ok, 1 runtime error, 2 usage, 130 Ctrl-C)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    debug = bool(getattr(args, "debug", False))
    if debug:
        return int(args.func(args) or 0)
    from ._core.errors import NeuralabError

    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        return int(args.func(args) or 0)
    except CLIError as e:
        print(f"neuralab: error: {_one_line(e)}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("neuralab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (NeuralabError, *_USER_ERRORS) as e:
        print(f"neuralab {args.command}: error: {_one_line(e)} (--debug shows the traceback)", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - a bug: still no traceback unless asked for
        print(f"neuralab {args.command}: internal error: {type(e).__name__}: {_one_line(e)} (rerun with --debug "
              "and report the traceback)", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = previous


if __name__ == "__main__":  # run the imported module's main: one CLIError class, whoever raises it
    from neuralab.cli import main as _main

    raise SystemExit(_main())
