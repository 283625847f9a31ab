"""Datasets of the lectures: XOR, iris, 8x8 digits (bundled), MNIST and Fashion-MNIST.

Where files live: an explicit ``root=`` argument, else ``$NEURALAB_DATA``, else
a user cache folder (``$XDG_CACHE_HOME/neuralab`` or ``~/.cache/neuralab``);
always one sub-folder per dataset (``<root>/mnist/train-images-idx3-ubyte.gz``).
Missing files are downloaded (when ``download=True``) from the usual public
mirrors with a progress display and checked against the published checksums;
with no network and no files, the error says which files to put where.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from .idx import IMAGES_MAGIC, LABELS_MAGIC, DataFormatError, read_idx

_BUNDLED = Path(__file__).parent / "bundled"
_BUNDLED_SHA256 = {
    "digits.npz": "b2dab7b501728c22e9119ad76740b2e17c77a231e42d1e592380d90886f1a05e",
    "iris.npz": "33e81f9b25b5c3505badeb16e14892697649ae935731cc7f66399813588b3c36",
}


class DataNotFoundError(FileNotFoundError):
    """Dataset files are absent and could not be downloaded."""


@dataclasses.dataclass
class Dataset:
    """A train/test split: arrays of inputs ``x_*`` and integer labels ``y_*``."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    class_names: list | None = None

    @property
    def train(self):
        return self.x_train, self.y_train

    @property
    def test(self):
        return self.x_test, self.y_test

    @property
    def input_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    def __repr__(self):
        return (f"Dataset({self.name!r}: train {self.x_train.shape}, test {self.x_test.shape}, "
                f"{self.num_classes} classes)")


def data_root(root=None) -> Path:
    """The folder holding one sub-folder per dataset (argument > $NEURALAB_DATA > cache)."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("NEURALAB_DATA")
    if env:
        return Path(env).expanduser()
    return cache_dir()


def cache_dir() -> Path:
    """neuralab's user cache folder for downloads."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neuralab"


def file_digest(path, algo: str = "md5") -> str:
    """Hex digest of a file (md5 or sha256), read in chunks."""
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- small datasets ----------------------------------------------------------------------
def xor(dtype=np.float32) -> Dataset:
    """The XOR truth table of the lectures' lab: x in {0,1}^2, y = x0 xor x1 (train == test)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset("xor", x, y, x.copy(), y.copy(), 2, ["0", "1"])


def _bundled(name):
    path = _BUNDLED / name
    digest = file_digest(path, "sha256")
    if digest != _BUNDLED_SHA256[name]:
        raise DataFormatError(f"{path}: sha256 {digest} does not match the bundled file's; reinstall neuralab")
    return np.load(path)


def _stratified_split(y, test_fraction, seed):
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        test.extend(idx[: int(round(len(idx) * test_fraction))])
    mask = np.zeros(len(y), bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def iris(root=None, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Fisher's iris (150 flowers, 4 measurements in cm, 3 species), bundled.

    The train/test split is stratified with a fixed ``seed`` (same split every time).
    ``root`` is accepted for a uniform API; the data ships with neuralab.
    """
    d = _bundled("iris.npz")
    x, y = d["features"].astype(np.float32), d["labels"].astype(np.int64)
    tr, te = _stratified_split(y, test_fraction, seed)
    return Dataset("iris", x[tr], y[tr], x[te], y[te], 3, [str(s) for s in d["target_names"]])


def digits(root=None, test_fraction: float = 0.2, seed: int = 0, flatten: bool = True) -> Dataset:
    """The 8x8 handwritten digits (1797 images, UCI), bundled; pixels scaled to [0, 1].

    ``flatten``: (N, 64) inputs, else (N, 8, 8, 1) NHWC images. Stratified
    split with a fixed ``seed``.
    """
    d = _bundled("digits.npz")
    x = d["images"].astype(np.float32) / 16.0
    x = x.reshape(len(x), -1) if flatten else x[..., None]
    y = d["labels"].astype(np.int64)
    tr, te = _stratified_split(y, test_fraction, seed)
    return Dataset("digits", x[tr], y[tr], x[te], y[te], 10, [str(i) for i in range(10)])


# -- MNIST-style idx datasets -----------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Resource:
    filename: str
    md5: str
    sha256: str | None = None


_IDX_SETS = {
    "mnist": dict(
        files=[
            _Resource("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                      "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            _Resource("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                      "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            _Resource("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            _Resource("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
                      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ],
        mirrors=["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/",
                 "http://yann.lecun.com/exdb/mnist/"],
        classes=[str(i) for i in range(10)],
    ),
    "fashion_mnist": dict(
        files=[
            _Resource("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            _Resource("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            _Resource("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            _Resource("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ],
        mirrors=["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        classes=["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"],
    ),
}


def _download(url: str, dest: Path, progress: bool) -> None:
    tmp = None
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - fixed https/http mirrors
            total = int(resp.headers.get("Content-Length") or 0)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
            bar = None
            if progress:
                try:
                    from tqdm import tqdm  # optional

                    bar = tqdm(total=total or None, unit="B", unit_scale=True, desc=dest.name, file=sys.stderr)
                except ImportError:
                    print(f"downloading {url}", file=sys.stderr)
            with os.fdopen(fd, "wb") as f:
                for chunk in iter(lambda: resp.read(1 << 16), b""):
                    f.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            if bar is not None:
                bar.close()
        os.replace(tmp, dest)
        tmp = None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def _verify(path: Path, res: _Resource) -> None:
    md5 = file_digest(path, "md5")
    if md5 != res.md5:
        raise DataFormatError(f"{path}: md5 {md5} does not match the published {res.md5}; the file is corrupt "
                              "or not the official one (delete it to download again)")
    if res.sha256 is not None:
        sha = file_digest(path, "sha256")
        if sha != res.sha256:
            raise DataFormatError(f"{path}: sha256 {sha} does not match the published {res.sha256}")


def _locate(name: str, root, download: bool, verify: bool) -> Path:
    spec = _IDX_SETS[name]
    candidates = [data_root(root) / name]
    if root is None and os.environ.get("NEURALAB_DATA"):
        candidates.append(cache_dir() / name)
    for folder in candidates:
        if all((folder / r.filename).exists() for r in spec["files"]):
            if verify:
                for r in spec["files"]:
                    _verify(folder / r.filename, r)
            return folder
    target = candidates[-1] if root is None else candidates[0]
    if not download:
        raise DataNotFoundError(_missing_message(name, candidates))
    target.mkdir(parents=True, exist_ok=True)
    errors = []
    for r in spec["files"]:
        dest = target / r.filename
        if dest.exists():
            continue
        for mirror in spec["mirrors"]:
            try:
                _download(mirror + r.filename, dest, progress=True)
                _verify(dest, r)
                break
            except DataFormatError as e:
                errors.append(str(e))
                dest.unlink(missing_ok=True)
            except OSError as e:
                errors.append(f"{mirror + r.filename}: {e}")
        else:
            raise DataNotFoundError(_missing_message(name, candidates) + "\nDownload failed:\n  " +
                                    "\n  ".join(errors[-len(spec["mirrors"]):]))
    return target


def _missing_message(name, folders) -> str:
    files = ", ".join(r.filename for r in _IDX_SETS[name]["files"])
    where = " or ".join(str(f) for f in folders)
    return (f"{name}: dataset files not found. Put {files} in {where} "
            f"(or set NEURALAB_DATA to a folder containing '{name}/', or pass root=...).")


def _load_idx_set(name, root, download, verify, flatten, dtype) -> Dataset:
    folder = _locate(name, root, download, verify)
    f = [folder / r.filename for r in _IDX_SETS[name]["files"]]
    ntr, nte = (60000, 10000) if verify else (None, None)  # official sizes; fixtures may be smaller
    xtr = read_idx(f[0], IMAGES_MAGIC, ntr)
    ytr = read_idx(f[1], LABELS_MAGIC, len(xtr))
    xte = read_idx(f[2], IMAGES_MAGIC, nte)
    yte = read_idx(f[3], LABELS_MAGIC, len(xte))
    for x, path in ((xtr, f[0]), (xte, f[2])):
        if x.shape[1:] != (28, 28):
            raise DataFormatError(f"{path}: images of shape {x.shape[1:]}, expected (28, 28)")
    for y, path in ((ytr, f[1]), (yte, f[3])):
        if y.size and int(y.max()) > 9:
            raise DataFormatError(f"{path}: label {int(y.max())} outside 0..9")

    def prep(x):
        x = x.astype(dtype) / dtype(255.0)
        return x.reshape(len(x), -1) if flatten else x[..., None]

    return Dataset(name, prep(xtr), ytr.astype(np.int64), prep(xte), yte.astype(np.int64), 10,
                   list(_IDX_SETS[name]["classes"]))


def mnist(root=None, download: bool = True, verify: bool = True, flatten: bool = True,
          dtype=np.float32) -> Dataset:
    """MNIST (LeCun et al.): 60,000 train / 10,000 test 28x28 digits, pixels scaled to [0, 1].

    Files are looked up in ``<root>/mnist/`` (root: argument, ``$NEURALAB_DATA`` or
    the cache), verified by md5 and sha256, and downloaded when missing and
    ``download`` is True. ``flatten``: (N, 784) rows as in the notes, else NHWC.
    """
    return _load_idx_set("mnist", root, download, verify, flatten, np.dtype(dtype).type)


def fashion_mnist(root=None, download: bool = True, verify: bool = True, flatten: bool = True,
                  dtype=np.float32) -> Dataset:
    """Fashion-MNIST (Zalando): MNIST's format and sizes, 10 clothing classes. See :func:`mnist`."""
    return _load_idx_set("fashion_mnist", root, download, verify, flatten, np.dtype(dtype).type)


def copy_into_cache(name: str, folder) -> Path:
    """Copy a dataset's files from ``folder`` into the cache (for users with files elsewhere)."""
    dest = cache_dir() / name
    dest.mkdir(parents=True, exist_ok=True)
    for r in _IDX_SETS[name]["files"]:
        shutil.copy2(Path(folder) / r.filename, dest / r.filename)
    return dest
