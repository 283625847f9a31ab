"""Checkpoints as safetensors files: nested dicts of arrays, written atomically, checked on load.

File layout (a valid ``.safetensors`` file any reader can open):

* one tensor per array leaf, named by its dotted path (``"model.dense1.W"``,
  list items by index: ``"opt.moments.0"``);
* header metadata ``"neuralab.tree"``: JSON describing the nesting (dicts with
  str/int keys, lists, tuples) and holding every non-array leaf (ints, floats,
  strings, bools, None) by value;
* header metadata ``"neuralab.sha256"``: SHA-256 of the tensor payload together
  with the rest of the header (tensor names, dtypes, shapes, offsets and the
  tree), so a flipped bit anywhere in the file, or a truncated file, is refused
  with a :class:`CheckpointError` naming the path and what is wrong.

``save`` writes a temporary file in the same folder, flushes and fsyncs it,
renames it over the target with ``os.replace`` (atomic) and fsyncs the folder:
a crash or an exception mid-way leaves the previous checkpoint intact. A
temporary file left by a writer that was killed (its process is gone) is
removed by the next save into that folder. ``save(..., keep=K)`` keeps the
K - 1 previous versions beside the newest (``last.safetensors``,
``last.1.safetensors``, ...), and :func:`load_newest` falls back to them when
the newest is missing or corrupt.

``safetensors`` is an optional dependency, imported only when these functions run.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import struct
import warnings

import numpy as np

from .._core.errors import NeuralabError

_FORMAT = "neuralab-checkpoint"
_VERSION = "1"
_KEY_FORMAT = "format"
_KEY_VERSION = "neuralab.version"
_KEY_TREE = "neuralab.tree"
_KEY_SHA = "neuralab.sha256"
_CHUNK = 1 << 22  # bytes per write() call


class CheckpointError(NeuralabError, ValueError):
    """A checkpoint file that cannot be trusted: truncated, corrupted, or not a checkpoint."""


class CheckpointDirError(NeuralabError, OSError):
    """A checkpoint folder that cannot be used: a file, not writable, or without room for a checkpoint."""


class CheckpointWarning(UserWarning):
    """A checkpoint was read from an older version because the newest is missing or corrupt."""


def _safetensors():
    try:
        import safetensors.numpy as stn  # noqa: PLC0415 - optional dependency, imported lazily
        from safetensors import SafetensorError  # noqa: PLC0415
    except ImportError as e:
        raise ImportError("neuralab.io: checkpoints need the optional 'safetensors' package; "
                          "install it with `pip install safetensors`") from e
    return stn, SafetensorError


# ---------------------------------------------------------------------------------------
# nested structure <-> (tensors, JSON tree)
# ---------------------------------------------------------------------------------------

def _as_array(x):
    from .._core.tensor import Tensor

    if isinstance(x, Tensor):
        if x.data is None:
            raise TypeError("symbolic tensor (a graph value has no data to save)")
        return x.numpy()
    if isinstance(x, np.ndarray):
        return x
    if type(x).__module__.startswith("cupy"):
        from ..backend import to_numpy

        return to_numpy(x)
    return None


def _flatten(obj, prefix, tensors, where):
    """Return the JSON node for ``obj``; array leaves go to ``tensors`` under dotted names."""
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} ({type(k).__name__}) at "
                                f"{where or 'the top level'}")
            name = f"{prefix}.{k}" if prefix else str(k)
            items.append([k, _flatten(v, name, tensors, name)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        nodes = [_flatten(v, f"{prefix}.{i}" if prefix else str(i), tensors, f"{where}[{i}]")
                 for i, v in enumerate(obj)]
        return {"tuple" if isinstance(obj, tuple) else "list": nodes}
    scalar = isinstance(obj, np.generic)  # (checked first: np.float64 is also a Python float)
    if not scalar and (obj is None or isinstance(obj, (bool, int, float, str))):
        return {"value": obj}
    try:
        arr = np.asarray(obj) if scalar else _as_array(obj)
    except TypeError as e:
        raise TypeError(f"save: cannot store {where!r}: {e}") from None
    if arr is None:
        raise TypeError(f"save: cannot store {where!r} of type {type(obj).__name__}; values must be arrays, "
                        "Tensors, numbers, strings, None, or dicts/lists/tuples of them")
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"save: cannot store {where!r}: arrays of dtype {arr.dtype} are not supported")
    if not prefix or prefix == "__metadata__":
        raise ValueError(f"save: {where!r} is not a valid tensor name")
    if prefix in tensors:
        raise ValueError(f"save: two entries map to the tensor name {prefix!r} (a key containing '.' "
                         "clashes with a nested key); rename one of them")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    tensors[prefix] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # (keeps 0-d arrays 0-d)
    node = {"tensor": prefix}
    if scalar:
        node["scalar"] = True
    return node


def _rebuild(node, arrays, path):
    if "dict" in node:
        return {k: _rebuild(v, arrays, path) for k, v in node["dict"]}
    if "list" in node:
        return [_rebuild(v, arrays, path) for v in node["list"]]
    if "tuple" in node:
        return tuple(_rebuild(v, arrays, path) for v in node["tuple"])
    if "value" in node:
        return node["value"]
    if "tensor" in node:
        name = node["tensor"]
        if name not in arrays:
            raise CheckpointError(f"checkpoint {path}: corrupt: the structure refers to tensor {name!r}, "
                                  "which the file does not hold")
        a = arrays[name]
        return a[()] if node.get("scalar") else a
    raise CheckpointError(f"checkpoint {path}: corrupt: unknown structure node {node!r}")


def _unflatten_dotted(arrays):
    """Nested dicts from dotted names (for safetensors files written by other programs)."""
    out: dict = {}
    for name, a in arrays.items():
        parts = name.split(".")
        d = out
        for p in parts[:-1]:
            nxt = d.setdefault(p, {})
            if not isinstance(nxt, dict):  # "a" and "a.b" both present: keep the flat name
                d = None
                break
            d = nxt
        if d is None or parts[-1] in d:
            out[name] = a
        else:
            d[parts[-1]] = a
    return out


# ---------------------------------------------------------------------------------------
# header parsing and the checksum
# ---------------------------------------------------------------------------------------

def _parse(data: bytes, path):
    """(header dict, payload memoryview) of a safetensors byte string, checking its framing."""
    if len(data) < 8:
        raise CheckpointError(f"checkpoint {path}: truncated: the file has {len(data)} bytes, fewer than the "
                              "8-byte header length field")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise CheckpointError(f"checkpoint {path}: truncated or corrupt: the header claims {n} bytes but the "
                              f"file has only {len(data) - 8} after the length field")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint {path}: corrupt header (not valid JSON: {e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"checkpoint {path}: corrupt header (not a JSON object)")
    payload = memoryview(data)[8 + n:]
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            lo, hi = (int(v) for v in info["data_offsets"])
        except (TypeError, KeyError, ValueError):
            raise CheckpointError(f"checkpoint {path}: corrupt header entry for tensor {name!r}") from None
        end = max(end, hi)
    if len(payload) < end:
        raise CheckpointError(f"checkpoint {path}: truncated: the tensors need {end} bytes of data but the file "
                              f"holds {len(payload)}")
    if len(payload) > end:
        raise CheckpointError(f"checkpoint {path}: corrupt: {len(payload) - end} unexpected bytes after the "
                              "tensor data")
    return header, payload


def _digest(header: dict, payload) -> str:
    """SHA-256 of the payload and the canonical header without the checksum entry itself."""
    h = dict(header)
    meta = dict(h.get("__metadata__") or {})
    meta.pop(_KEY_SHA, None)
    h["__metadata__"] = meta
    canon = json.dumps(h, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    s = hashlib.sha256()
    s.update(struct.pack("<Q", len(canon)))
    s.update(canon)
    s.update(payload)
    return s.hexdigest()


# ---------------------------------------------------------------------------------------
# atomic write
# ---------------------------------------------------------------------------------------

def _write_chunk(f, chunk) -> None:
    f.write(chunk)


def _fsync_dir(folder: str) -> None:
    """Make the rename durable: fsync the folder (POSIX; best effort where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse fsync on folders
            os.fsync(fd)
    finally:
        os.close(fd)


#: temporary files of :func:`_atomic_write` (and :func:`check_dir`'s probe): ``.<name>.<pid>.<8 hex>.tmp``
_TMP_NAME = re.compile(r"^\.(?P<base>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie counts as dead; where it cannot be told, alive)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (PermissionError: another user's live process)
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def clean_stale_temps(folder) -> list:
    """Remove temporary files that writers killed mid-save left in ``folder``; returns the removed paths.

    Only files named like this module's temporaries whose writer process is no
    longer alive are removed, so a save running in another process is never
    disturbed.
    """
    folder = os.fspath(folder)
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _TMP_NAME.match(name)
        if m is None or _pid_alive(int(m.group("pid"))):
            continue
        p = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            os.unlink(p)
            removed.append(p)
    return removed


def version_path(path, i: int) -> str:
    """The i-th older version of checkpoint ``path``: ``last.safetensors`` -> ``last.<i>.safetensors`` (i >= 1)."""
    path = os.fspath(path)
    if i == 0:
        return path
    base, ext = os.path.splitext(path)
    return f"{base}.{i}{ext}"


def versions(path) -> list:
    """The existing versions of ``path``, newest first: ``[path, last.1..., last.2..., ...]`` (path only if present)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    base, ext = os.path.splitext(os.path.basename(path))
    pat = re.compile(re.escape(base) + r"\.(\d+)" + re.escape(ext) + "$")
    found = []
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            m = pat.match(name)
            if m and int(m.group(1)) > 0:
                found.append(int(m.group(1)))
    out = [path] if os.path.exists(path) else []
    return out + [version_path(path, i) for i in sorted(found)]


def _atomic_write(path: str, data: bytes, keep: int = 1) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    clean_stale_temps(folder)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            mv = memoryview(data)
            for i in range(0, len(mv), _CHUNK):
                _write_chunk(f, mv[i:i + _CHUNK])
            f.flush()
            os.fsync(f.fileno())
        if keep > 1 and os.path.exists(path):
            # shift the older versions (each rename is atomic; a crash in between leaves only whole files)
            for i in range(keep - 1, 1, -1):
                if os.path.exists(version_path(path, i - 1)):
                    os.replace(version_path(path, i - 1), version_path(path, i))
            os.replace(path, version_path(path, 1))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    for old in versions(path)[keep:]:  # versions beyond ``keep`` (left by a run with a larger keep)
        with contextlib.suppress(OSError):
            os.unlink(old)
    _fsync_dir(folder)


def check_dir(directory, need_bytes: int = 0) -> str:
    """Make sure checkpoints can be written into ``directory`` (created if missing); returns its path.

    Raises :class:`CheckpointDirError` naming the folder when it is a file,
    cannot be created or written, or has fewer than ``need_bytes`` bytes free,
    so a run finds out before training instead of at its first save.
    """
    d = os.fspath(directory)
    if os.path.exists(d) and not os.path.isdir(d):
        raise CheckpointDirError(f"checkpoint folder {d} is a file, not a folder")
    try:
        os.makedirs(d, exist_ok=True)
    except OSError as e:
        raise CheckpointDirError(f"cannot create the checkpoint folder {d}: {e.strerror or e}") from None
    probe = os.path.join(d, f".neuralab-probe.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(probe, "wb") as f:
            f.write(b"neuralab")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise CheckpointDirError(f"cannot write into the checkpoint folder {d}: {e.strerror or e}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(probe)
    if need_bytes:
        free = shutil.disk_usage(d).free
        if free < need_bytes:
            raise CheckpointDirError(f"checkpoint folder {d} has {free / 2**20:.1f} MiB free, but a checkpoint "
                                     f"needs about {need_bytes / 2**20:.1f} MiB")
    return d


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------

def _as_state(o):
    """Replace objects that have a ``state_dict()`` method by their state dict (recursively in dicts)."""
    if isinstance(o, dict):
        return {k: _as_state(v) for k, v in o.items()}
    sd = getattr(o, "state_dict", None)
    if callable(sd) and not isinstance(o, type):
        return _as_state(sd())
    return o


def save(obj: dict, path, keep: int = 1) -> None:
    """Save a (nested) dict of arrays/Tensors and plain values to ``path`` as a safetensors file.

    Arrays, Tensors and NumPy scalars become tensors named by their dotted
    path (``{"model": {"W": w}}`` -> ``"model.W"``; list items by index);
    ints, floats, strings, bools and None are kept by value in the header's
    JSON metadata, together with the nesting (dicts with str or int keys,
    lists, tuples), so :func:`load` returns the same structure. A SHA-256 of
    the tensor payload and header is stored and checked on load.

    The write is atomic: a temporary file in the same folder is written,
    flushed and fsynced, then renamed over ``path`` (``os.replace``) and the
    folder fsynced. If anything fails mid-way the previous file is untouched.
    Temporary files of writers that were killed mid-save are removed first.
    ``keep=K`` keeps the K - 1 previous versions as ``<name>.1<ext>`` (the
    newest older one), ``<name>.2<ext>``, ... (see :func:`load_newest`).

    Objects with a ``state_dict()`` (a Module, an optimizer, a Trainer) are
    saved as their state dict, at the top or as values: ``save({"model": model,
    "optimizer": opt}, path)``; restore with ``model.load_state_dict(load(path)["model"])``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save({"model": {"W": np.ones((3, 2), np.float32), "b": np.zeros(2, np.float32)}, "step": 100}, path)
    """
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ValueError(f"save: keep must be an integer >= 1 (the number of versions kept), got {keep!r}")
    obj = _as_state(obj)
    if not isinstance(obj, dict):
        raise TypeError(f"save: expected a dict of name -> array (or an object with state_dict()), "
                        f"got {type(obj).__name__}")
    stn, _ = _safetensors()
    path = os.fspath(path)
    tensors: dict = {}
    tree = _flatten(obj, "", tensors, "")
    meta = {_KEY_FORMAT: _FORMAT, _KEY_VERSION: _VERSION,
            _KEY_TREE: json.dumps(tree, separators=(",", ":"), ensure_ascii=True)}
    first = stn.save(tensors, metadata=meta)
    header, payload = _parse(first, path)
    meta[_KEY_SHA] = _digest(header, payload)
    data = stn.save(tensors, metadata=meta)
    header2, payload2 = _parse(data, path)
    if _digest(header2, payload2) != meta[_KEY_SHA]:  # the layout must not depend on the metadata
        raise CheckpointError(f"checkpoint {path}: internal error: the checksum changed on re-serialization")
    _atomic_write(path, data, keep)


def load(path) -> dict:
    """Load a checkpoint written by :func:`save`: the same nested structure, arrays as NumPy arrays.

    The checksum is verified first: a truncated file, a flipped bit in the data
    or header, or a file that is not a safetensors file raises
    :class:`CheckpointError` naming the path and the problem. Plain safetensors
    files from other programs (no neuralab metadata) load as nested dicts split
    at the dots of their tensor names.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save({"model": {"W": np.ones((3, 2), np.float32)}, "step": 100}, path)
    >>> state = load(path); state["model"]["W"].shape, state["step"]
    ((3, 2), 100)
    """
    stn, SafetensorError = _safetensors()
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    header, payload = _parse(data, path)
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise CheckpointError(f"checkpoint {path}: corrupt header (metadata is not a JSON object)")
    ours = meta.get(_KEY_FORMAT) == _FORMAT or _KEY_TREE in meta or _KEY_SHA in meta
    if ours:
        want = meta.get(_KEY_SHA)
        if want is None:
            raise CheckpointError(f"checkpoint {path}: corrupt: the checksum entry is missing")
        got = _digest(header, payload)
        if got != want:
            raise CheckpointError(f"checkpoint {path}: checksum mismatch (stored sha256 {want[:16]}..., "
                                  f"computed {got[:16]}...): the file is corrupted")
        if meta.get(_KEY_VERSION) != _VERSION:
            raise CheckpointError(f"checkpoint {path}: unsupported format version {meta.get(_KEY_VERSION)!r} "
                                  f"(this neuralab reads version {_VERSION})")
    try:
        arrays = stn.load(data)
    except SafetensorError as e:
        raise CheckpointError(f"checkpoint {path}: not a readable safetensors file: {e}") from None
    if not ours:
        return _unflatten_dotted(arrays)
    try:
        tree = json.loads(meta[_KEY_TREE])
    except (KeyError, TypeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint {path}: corrupt structure metadata: {e}") from None
    return _rebuild(tree, arrays, path)


def load_newest(path):
    """``(state, path_read)``: :func:`load` of ``path``, or of its newest readable older version.

    When ``path`` is missing (a save was interrupted between its renames) or
    unreadable (truncated, corrupted), the versions kept by ``save(...,
    keep=K)`` are tried newest first and a :class:`CheckpointWarning` names
    what was wrong and which file was read. Raises :class:`CheckpointError`
    (or ``FileNotFoundError`` when no version exists) if none can be read.
    """
    path = os.fspath(path)
    cands = versions(path)
    if not cands:
        raise FileNotFoundError(f"no checkpoint at {path}")
    problems = [] if cands[0] == path else [f"{path}: missing"]
    for c in cands:
        try:
            state = load(c)
        except (CheckpointError, OSError) as e:
            problems.append(f"{c}: {_reason(e, c)}")
            continue
        if problems:
            warnings.warn(f"checkpoint {problems[0]}; resuming from the older {c}", CheckpointWarning, stacklevel=2)
        return state, c
    raise CheckpointError("no readable checkpoint: " + "; ".join(problems))


def _reason(e, path) -> str:
    msg = str(e)
    prefix = f"checkpoint {path}: "
    return msg[len(prefix):] if msg.startswith(prefix) else msg


__all__ = ["CheckpointDirError", "CheckpointError", "CheckpointWarning", "check_dir", "clean_stale_temps", "load",
           "load_newest", "save", "version_path", "versions"]
