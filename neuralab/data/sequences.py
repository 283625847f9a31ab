"""Small sequence data bundled for the recurrent-network lectures: a character corpus and daily prices.

* :func:`lectures_text` -- one paragraph (1,191 characters, 37 distinct) written for neuralab about the
  lectures' topics, for character-level language models;
* :func:`stock_daily` -- 500 synthetic trading days (``Open, High, Low, Volume, Close``), oldest first,
  made by :func:`make_stock_daily` (a seeded random walk), for the lectures' stock-prediction lab;
* :func:`char_vocab`, :func:`encode`, :func:`decode`, :func:`windows` -- the usual glue.

>>> text = lectures_text()
>>> chars, ids = char_vocab(text)
>>> x, y = windows(encode(text, chars), 25)     # inputs and next-character targets, 25 steps each
>>> x.shape, y.shape, len(chars)
((1166, 25), (1166, 25), 37)
>>> decode(x[0], chars), decode(y[0], chars)
('A neural network is a lon', ' neural network is a long')
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

__all__ = ["STOCK_COLUMNS", "char_vocab", "decode", "encode", "lectures_text", "make_stock_daily", "stock_csv_text",
           "stock_daily", "windows"]

_BUNDLED = Path(__file__).parent / "bundled"
_SHA256 = {
    "lectures.txt": "aee5defbbd9340a1d3fcaa73a4fee314287e57bffd7b05c5b35b24d66fc6698a",
    "stock_daily.csv": "e187f30e58ae4281f9a34746f88c8c5818c846443e78fee22f63cbf686e3d3a9",
}
#: the columns of :func:`stock_daily`, in the order of the lectures' CSV
STOCK_COLUMNS = ("Open", "High", "Low", "Volume", "Close")


def _read(name: str) -> bytes:
    from .idx import DataFormatError

    raw = (_BUNDLED / name).read_bytes()
    want = _SHA256[name]
    if hashlib.sha256(raw).hexdigest() != want:
        raise DataFormatError(f"{_BUNDLED / name}: sha256 does not match the bundled file's; reinstall neuralab")
    return raw


def lectures_text() -> str:
    """The bundled paragraph (``data/bundled/lectures.txt``) as one string, line breaks as spaces."""
    return " ".join(_read("lectures.txt").decode("utf-8").split())


def char_vocab(text: str):
    """``(chars, index)``: the sorted distinct characters and ``{char: position}``."""
    chars = sorted(set(text))
    return chars, {c: i for i, c in enumerate(chars)}


def encode(text: str, chars) -> np.ndarray:
    """Character ids (int64) of ``text`` in the vocabulary ``chars``; unknown characters raise ValueError."""
    index = {c: i for i, c in enumerate(chars)}
    try:
        return np.array([index[c] for c in text], dtype=np.int64)
    except KeyError as e:
        raise ValueError(f"encode: character {e.args[0]!r} is not in the vocabulary") from None


def decode(ids, chars) -> str:
    """The string of character ids ``ids``."""
    return "".join(chars[int(i)] for i in np.asarray(ids).reshape(-1))


def windows(series, steps: int, target=None):
    """Sliding windows for next-step prediction: ``x[i] = series[i:i+steps]``.

    Without ``target``: ``y[i] = series[i+1:i+steps+1]`` (the next element at
    every step, for language models). With ``target`` (a column index of a 2-D
    series): ``y[i] = series[i+steps, target]`` (the value right after the
    window, the lectures' stock regression). Returns copies.
    """
    s = np.asarray(series)
    steps = int(steps)
    if steps < 1 or len(s) <= steps:
        raise ValueError(f"windows: need 1 <= steps < len(series), got steps={steps} for {len(s)} entries")
    n = len(s) - steps
    idx = np.arange(steps)[None, :] + np.arange(n)[:, None]
    x = s[idx]
    if target is None:
        return x, s[idx + 1]
    if s.ndim != 2:
        raise ValueError(f"windows: target= needs a 2-D series (steps, columns), got shape {s.shape}")
    return x, s[steps:, int(target)].copy()


def make_stock_daily(days: int = 500, seed: int = 2017) -> np.ndarray:
    """Synthetic daily prices ``(days, 5)`` in :data:`STOCK_COLUMNS` order, oldest day first.

    Close follows a geometric random walk (drift 0.03 %, volatility 1.2 % a
    day) from 800; each day opens near the previous close, high and low lie
    above and below both, and volume is log-normal around 1.5 million, larger
    on days that move more. Values are rounded as written in the CSV (prices
    to cents, volume to whole shares).
    """
    rng = np.random.default_rng(seed)
    ret = 0.0003 + 0.012 * rng.standard_normal(days)
    close = 800.0 * np.exp(np.cumsum(ret))
    prev = np.concatenate([[800.0], close[:-1]])
    open_ = prev * (1 + 0.004 * rng.standard_normal(days))
    top, bottom = np.maximum(open_, close), np.minimum(open_, close)
    high = top * (1 + np.abs(0.005 * rng.standard_normal(days)))
    low = bottom * (1 - np.abs(0.005 * rng.standard_normal(days)))
    volume = 1.5e6 * np.exp(0.3 * rng.standard_normal(days) + 20 * np.abs(ret - 0.0003))
    out = np.stack([open_, high, low, volume, close], axis=1)
    out[:, [0, 1, 2, 4]] = np.round(out[:, [0, 1, 2, 4]], 2)
    out[:, 3] = np.round(out[:, 3])
    return out


def stock_daily(dtype=np.float32) -> np.ndarray:
    """The bundled ``data/bundled/stock_daily.csv`` (made by :func:`make_stock_daily`) as a ``(500, 5)`` array.

    The file starts with the comment line ``# Open,High,Low,Volume,Close``, so
    ``np.loadtxt(path, delimiter=",")`` reads it as the lectures' lab does.
    """
    import io

    return np.loadtxt(io.BytesIO(_read("stock_daily.csv")), delimiter=",", dtype=dtype)


def stock_csv_text(days: int = 500, seed: int = 2017) -> str:
    """The CSV text of :func:`make_stock_daily` (how ``stock_daily.csv`` was written)."""
    rows = ["# " + ",".join(STOCK_COLUMNS)]
    for o, h, lo, v, c in make_stock_daily(days, seed):
        rows.append(f"{o:.2f},{h:.2f},{lo:.2f},{int(v)},{c:.2f}")
    return "\n".join(rows) + "\n"
