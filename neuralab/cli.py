"""The ``neuralab`` command line: train, evaluate, predict, info, tf1.

``neuralab train --dataset digits --model mlp --epochs 10`` trains on bundled
data offline and ends with the line ``Test accuracy: 0.97...``. Flags may come
from a TOML or YAML file (``--config FILE``; flags given on the command line win).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

DATASETS = ("xor", "iris", "digits", "mnist", "fashion_mnist")
MODELS = ("softmax", "mlp", "deep-mlp", "cnn")
DEFAULT_LAYERS = {"softmax": [], "mlp": [256, 256], "deep-mlp": [512, 512, 512, 512]}
TRAIN_KEYS = ("dataset", "data_root", "model", "layers", "activation", "init", "dropout", "batch_norm", "optimizer",
              "lr", "epochs", "batch_size", "seed", "logdir", "checkpoint_dir", "l2", "eager", "validation",
              "download", "resume", "checkpoint_every")


class CLIError(Exception):
    """A user error: printed without a traceback, exit status 2 (or 1 for missing data)."""

    def __init__(self, msg, code=2):
        super().__init__(msg)
        self.code = code


# -- configuration ---------------------------------------------------------------------------
def load_config(path) -> dict:
    """Read a TOML (.toml) or YAML (.yaml/.yml) file of ``train`` settings (flag names as keys)."""
    p = Path(path)
    if not p.exists():
        raise CLIError(f"--config: file {p} not found")
    text = p.read_text()
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
def _train_parser(sub):
    p = sub.add_parser("train", help="train a network and print its test accuracy")
    p.add_argument("--config", help="TOML or YAML file with these settings (flags win)")
    p.add_argument("--dataset", choices=DATASETS)
    p.add_argument("--data-root", dest="data_root", help="folder with one sub-folder per dataset "
                   "(default: $NEURALAB_DATA or the cache)")
    p.add_argument("--model", choices=MODELS)
    p.add_argument("--layers", help="hidden layer sizes, e.g. 512,512")
    p.add_argument("--activation")
    p.add_argument("--init", help="weight initializer: xavier, he, normal, lecun, orthogonal, ...")
    p.add_argument("--dropout", type=float, help="drop probability after each hidden layer")
    p.add_argument("--batch-norm", dest="batch_norm", action="store_true", default=None)
    p.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"))
    p.add_argument("--lr", type=float)
    p.add_argument("--l2", type=float, help="L2 penalty λ Σ w²")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", dest="batch_size", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--logdir", help="write TensorBoard event files here")
    p.add_argument("--checkpoint-dir", dest="checkpoint_dir", help="save checkpoints and the final model here")
    p.add_argument("--checkpoint-every", dest="checkpoint_every", type=int, help="epochs between checkpoints")
    p.add_argument("--resume", action="store_true", default=None, help="continue from --checkpoint-dir")
    p.add_argument("--eager", action="store_true", default=None, help="run the train step eagerly (no compile)")
    p.add_argument("--no-download", dest="download", action="store_false", default=None)
    p.add_argument("--validation", type=float, help="fraction of the training set held out for validation")
    p.set_defaults(func=cmd_train)


TRAIN_DEFAULTS = dict(dataset="digits", data_root=None, model="mlp", layers=None, activation="relu", init="xavier",
                      dropout=0.0, batch_norm=False, optimizer="adam", lr=None, l2=0.0, epochs=10, batch_size=32,
                      seed=0, logdir=None, checkpoint_dir=None, checkpoint_every=1, resume=False, eager=False,
                      download=True, validation=0.0)


def resolve_train_config(args) -> dict:
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
    for k, lo in (("epochs", 1), ("batch_size", 1)):
        if not isinstance(cfg[k], int) or cfg[k] < lo:
            raise CLIError(f"--{k.replace('_', '-')}: must be an integer >= {lo}, got {cfg[k]!r}")
    if not 0.0 <= float(cfg["dropout"] or 0) < 1.0:
        raise CLIError(f"--dropout: must be in [0, 1), got {cfg['dropout']}")
    if cfg["lr"] is not None and not float(cfg["lr"]) > 0:
        raise CLIError(f"--lr: must be positive, got {cfg['lr']}")
    if cfg["resume"] and not cfg["checkpoint_dir"]:
        raise CLIError("--resume needs --checkpoint-dir")
    if cfg["layers"] is not None and cfg["model"] == "softmax" and cfg["layers"]:
        raise CLIError("--model softmax has no hidden layers; drop --layers or use --model mlp")
    return cfg


def cmd_train(args) -> int:
    import neuralab as nl
    from . import init as _init
    from .train import Checkpoint, Trainer

    cfg = resolve_train_config(args)
    try:
        _init.get(cfg["init"])
    except (KeyError, ValueError) as e:
        raise CLIError(f"--init: {e}") from None
    nl.seed(cfg["seed"])
    ds = load_dataset(cfg)
    x_train, y_train = ds.x_train, ds.y_train
    val = None
    if cfg["validation"]:
        from .data import train_val_split

        (x_train, y_train), val = train_val_split(x_train, y_train, float(cfg["validation"]), seed=cfg["seed"])
    model = build_model(cfg, ds.input_shape, ds.num_classes)
    trainer = Trainer(model, optimizer=cfg["optimizer"], lr=cfg["lr"], l2=cfg["l2"], compiled=not cfg["eager"])
    callbacks = []
    ckdir = cfg["checkpoint_dir"]
    if ckdir:
        callbacks.append(Checkpoint(ckdir, every=cfg["checkpoint_every"]))
    if cfg["logdir"]:
        try:
            from .train.tensorboard import TensorBoard
        except ImportError as e:
            raise CLIError(f"--logdir: {e}") from None
        callbacks.append(TensorBoard(cfg["logdir"], hparams={k: cfg[k] for k in (
            "model", "activation", "init", "dropout", "batch_norm", "optimizer", "lr", "batch_size", "seed")},
            example_input=x_train[:3]))
    resume = None
    if cfg["resume"]:
        resume = os.path.join(ckdir, "last.safetensors")
        if not os.path.exists(resume):
            raise CLIError(f"--resume: no checkpoint at {resume}", code=1)
    print(f"neuralab {nl.__version__}: {ds!r}; model {cfg['model']} "
          f"({model.num_parameters()} parameters); {cfg['optimizer']}; {'eager' if cfg['eager'] else 'compiled'}")
    t0 = time.perf_counter()
    trainer.fit(x_train, y_train, epochs=cfg["epochs"], batch_size=cfg["batch_size"], validation_data=val,
                callbacks=callbacks, seed=cfg["seed"], resume_from=resume)
    elapsed = time.perf_counter() - t0
    result = trainer.evaluate(ds.x_test, ds.y_test)
    if ckdir:
        save_model(ckdir, model, cfg, result)
    print(f"Training finished in {elapsed:.1f}s")
    print(f"Test accuracy: {result['accuracy']:.4f}")
    return 0


def save_model(directory, model, cfg, result):
    """Write the trained weights and the configuration that rebuilds them."""
    from .io import save

    os.makedirs(directory, exist_ok=True)
    save({"model": model.state_dict(), "config": json.dumps(cfg), "test_accuracy": float(result["accuracy"])},
         os.path.join(directory, "model.safetensors"))


def load_model(directory):
    """Rebuild the model saved by ``neuralab train --checkpoint-dir DIR``; returns (model, cfg, dataset)."""
    from .io import load

    path = os.path.join(directory, "model.safetensors")
    if not os.path.exists(path):
        raise CLIError(f"no trained model at {path}; run `neuralab train --checkpoint-dir {directory}` first",
                       code=1)
    state = load(path)
    cfg = dict(TRAIN_DEFAULTS, **json.loads(state["config"]))
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
    """Render a 2-D grayscale image in [0, 1] with characters (darker = denser)."""
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
                raise CLIError("--png needs Pillow: `pip install pillow`") from None
            Image.fromarray((255 * (1 - img / max(img.max(), 1e-12))).astype(np.uint8)).resize(
                (side * 8, side * 8), Image.NEAREST).save(args.png)
            print(f"(image written to {args.png})")
    print(f"Index: {r}")
    print(f"Label: [{label}]")
    print(f"Prediction: [{pred}]")
    return 0


def blas_info() -> str:
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


def cmd_tf1(args) -> int:
    from .compat.v1.runner import main as tf1_main

    if not os.path.exists(args.script):
        raise CLIError(f"tf1: script {args.script} not found", code=1)
    return tf1_main([args.script, *args.args])


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neuralab", description="neuralab: train, evaluate and inspect networks")
    sub = p.add_subparsers(dest="command", required=True)
    _train_parser(sub)
    e = sub.add_parser("evaluate", help="evaluate a model saved by train --checkpoint-dir")
    e.add_argument("--checkpoint-dir", dest="checkpoint_dir", required=True)
    e.set_defaults(func=cmd_evaluate)
    pr = sub.add_parser("predict", help="show a test image with its label and the model's prediction")
    pr.add_argument("--checkpoint-dir", dest="checkpoint_dir", required=True)
    pr.add_argument("--index", type=int, help="test image index (default: random)")
    pr.add_argument("--seed", type=int, default=None)
    pr.add_argument("--png", help="also write the image to this PNG file (needs Pillow)")
    pr.set_defaults(func=cmd_predict)
    i = sub.add_parser("info", help="version, backends, BLAS threads, data found")
    i.set_defaults(func=cmd_info)
    t = sub.add_parser("tf1", help="run an unmodified TensorFlow 1.x script on neuralab.compat.v1")
    t.add_argument("script")
    t.add_argument("args", nargs=argparse.REMAINDER)
    t.set_defaults(func=cmd_tf1)
    return p


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CLIError as e:
        print(f"neuralab {args.command}: error: {e}", file=sys.stderr)
        return e.code


if __name__ == "__main__":
    raise SystemExit(main())
