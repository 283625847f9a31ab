"""Helpers the experiments share: networks, training runs, small statistics."""
from __future__ import annotations

import functools

import numpy as np

import neuralab as nl
from neuralab import init as _init
from neuralab import nn, optim


def uniform_pm1(shape, dtype=None, rng=None):
    """``tf.random_uniform(shape, -1.0, 1.0)``: the XOR lab's weights."""
    return _init.uniform(shape, -1.0, 1.0, dtype=dtype, rng=rng)


def random_normal(shape, dtype=None, rng=None):
    """``tf.random_normal(shape)``: standard normal weights (and biases) of the MNIST lab's first networks."""
    return _init.normal(shape, std=1.0, dtype=dtype, rng=rng)


def scaled_normal(std):
    """``std * randn``: an initializer of plain normal weights with standard deviation ``std``."""
    return functools.partial(_init.normal, std=float(std))


def mlp(sizes, activation="relu", weight_init=None, bias_init=None, rng=None, dropout=0.0, batch_norm=False,
        out_activation=None, maxout_pieces=0):
    """``Dense(sizes[0] -> sizes[1]) -> [BatchNorm] -> activation -> [Dropout] -> ... -> Dense(-> sizes[-1])``.

    ``maxout_pieces > 0`` makes every hidden layer a :class:`~neuralab.nn.Maxout`
    of that many pieces; ``batch_norm`` puts a BatchNorm between each hidden
    Dense layer (then without bias) and its activation.
    """
    gen = nl.get_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        if last:
            layers.append(nn.Dense(a, b, activation=out_activation, weight_init=weight_init, bias_init=bias_init,
                                   rng=gen))
            break
        if maxout_pieces:
            layers.append(nn.Maxout(a, b, num_pieces=maxout_pieces, weight_init=weight_init, bias_init=bias_init,
                                    rng=gen))
        elif batch_norm:
            layers += [nn.Dense(a, b, bias=False, weight_init=weight_init, rng=gen), nn.BatchNorm(b),
                       _act_layer(activation)]
        else:
            layers.append(nn.Dense(a, b, activation=activation, weight_init=weight_init, bias_init=bias_init,
                                   rng=gen))
        if dropout:
            layers.append(nn.Dropout(dropout, rng=gen))
    return nn.Sequential(*layers)


def _act_layer(activation):
    if callable(activation) and not isinstance(activation, str):
        return nn.Lambda(activation)
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]()


def make_opt(name, params, lr, **kw):
    """An optimizer by short name: sgd, momentum, nesterov, adagrad, rmsprop, adam."""
    table = {"sgd": optim.SGD, "momentum": optim.Momentum, "nesterov": optim.Nesterov, "adagrad": optim.AdaGrad,
             "rmsprop": optim.RMSProp, "adam": optim.Adam}
    return table[name](params, lr=lr, **kw)


def train(model, data, *, optimizer="adam", lr=1e-3, epochs=1, batch_size=100, seed=0, x=None, y=None,
          callbacks=(), loss="softmax_cross_entropy", steps=None, validation=False, **opt_kw):
    """Train ``model`` on ``data`` (a Splits, or arrays ``x``/``y``); returns ``(trainer, history)``.

    ``steps``: train (at least) that many updates instead, in whole epochs.
    ``validation=True`` evaluates the test split after every epoch (``val_loss``,
    ``val_accuracy`` in the history).
    """
    from neuralab.train import Trainer

    xs = data.x_train if x is None else x
    ys = data.y_train if y is None else y
    opt = make_opt(optimizer, model.parameters(), lr, **opt_kw) if isinstance(optimizer, str) else optimizer
    tr = Trainer(model, optimizer=opt, loss=loss)
    if steps is not None:
        per = max(1, int(np.ceil(len(xs) / batch_size)))
        epochs = max(1, int(np.ceil(steps / per)))
    with np.errstate(all="ignore"):
        hist = tr.fit(xs, ys, epochs=epochs, batch_size=batch_size, seed=seed, verbose=0, callbacks=list(callbacks),
                      validation_data=(data.x_test, data.y_test) if validation else None)
    return tr, hist


def accuracy(model, x, y, batch_size=2000) -> float:
    """Test accuracy of ``model`` (eval mode) on ``(x, y)``."""
    was = model.training
    model.eval()
    try:
        with nl.no_grad(), np.errstate(all="ignore"):
            hits = 0
            for i in range(0, len(x), batch_size):
                out = model(nl.tensor(x[i:i + batch_size])).numpy()
                hits += int(np.sum(np.argmax(out, axis=-1) == y[i:i + batch_size]))
    finally:
        model.train(was)
    return hits / len(x)


def probabilities(model, x, batch_size=2000) -> np.ndarray:
    """Softmax probabilities of ``model`` (eval mode) on ``x``."""
    from neuralab.functional import softmax

    model.eval()
    with nl.no_grad():
        return np.concatenate([softmax(model(nl.tensor(x[i:i + batch_size]))).numpy()
                               for i in range(0, len(x), batch_size)])


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value)."""
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0


def pm(values, fmt=".4f") -> str:
    """``mean ± std`` of ``values`` as text (just the mean for one value)."""
    m, s = mean_std(values)
    return format(m, fmt) if len(values) == 1 else f"{format(m, fmt)} ± {format(s, fmt)}"


def subset(x, y, n, seed=0):
    """``n`` examples of ``(x, y)`` drawn without replacement, stratified by class."""
    if n >= len(x):
        return x, y
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per = {c: np.flatnonzero(y == c) for c in classes}
    take = []
    for c in classes:
        k = int(round(n * len(per[c]) / len(y)))
        take.extend(rng.choice(per[c], size=min(k, len(per[c])), replace=False))
    take = np.array(sorted(take))
    return x[take], y[take]
