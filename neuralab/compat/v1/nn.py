"""``tf.nn``: activations, dropout, convolution/pooling and the losses from logits (TF 1.x semantics)."""
from __future__ import annotations

import numpy as np

from ... import ops as O
from ...functional import activations as A, conv as FC, losses as L, regularization as R
from ...ops import conv as C, indexing as I, shape as S
from ..._core.op import Op, Spec
from ..._core.random import get_rng
from ..._core.tensor import Tensor
from . import _base, _types
from ._base import as_tensor, seeded_rng
from .array_ops import _axis, _const_value, _keep, _static, _unsupported, sigmoid, tanh  # noqa: F401  (tf.nn.sigmoid/tanh)
from .missing import module_getattr

__getattr__ = module_getattr(__name__, "tf.nn")


def relu(features, name=None):
    """tf.nn.relu: max(0, x)."""
    return A.relu(as_tensor(features))


def relu6(features, name=None):
    """tf.nn.relu6: min(max(0, x), 6)."""
    return O.minimum(A.relu(as_tensor(features)), 6.0)


def leaky_relu(features, alpha=0.2, name=None):
    """tf.nn.leaky_relu: x if x > 0 else alpha * x (TF's default alpha is 0.2)."""
    return A.leaky_relu(as_tensor(features), alpha)


def elu(features, name=None):
    """tf.nn.elu: x if x > 0 else exp(x) - 1."""
    return A.elu(as_tensor(features))


def selu(features, name=None):
    """tf.nn.selu: scaled ELU (Klambauer et al. 2017)."""
    return A.selu(as_tensor(features))


def softplus(features, name=None):
    """tf.nn.softplus: log(1 + exp(x))."""
    return A.softplus(as_tensor(features))


def softsign(features, name=None):
    """tf.nn.softsign: x / (1 + |x|)."""
    x = as_tensor(features)
    return O.divide(x, O.add(1.0, O.abs(x)))


def softmax(logits, axis=None, name=None, dim=None):
    """tf.nn.softmax(logits, axis=-1)."""
    ax = _axis(axis, dimension=dim)
    return A.softmax(as_tensor(logits), axis=-1 if ax is None else ax)


def log_softmax(logits, axis=None, name=None, dim=None):
    """tf.nn.log_softmax(logits, axis=-1)."""
    ax = _axis(axis, dimension=dim)
    return A.log_softmax(as_tensor(logits), axis=-1 if ax is None else ax)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """tf.nn.dropout(x, keep_prob): keeps each unit with probability keep_prob and scales it by 1/keep_prob.

    ``keep_prob`` may be a number or a tensor (a placeholder fed 0.7 in training
    and 1 in evaluation, as in the notes); ``rate = 1 - keep_prob`` is accepted
    too. A fresh mask is drawn every time the node runs. ``noise_shape``: the
    mask's shape, broadcast against x (``[batch, 1, 1, channels]`` drops whole
    feature maps); a list whose entries may be tensors, or a 1-D int tensor.
    """
    if rate is None:
        if keep_prob is None:
            raise ValueError("tf.nn.dropout: give keep_prob (or rate)")
        kp = as_tensor(keep_prob)
        if isinstance(kp, Tensor):
            if kp.data is None and kp.shape is None:
                kp = O.reshape(kp, ())  # a placeholder of unknown shape: keep_prob is a scalar
            rate = O.subtract(1.0, kp) if kp.data is None else 1.0 - float(np.asarray(kp.data))
        else:
            if not 0.0 < float(kp) <= 1.0:
                raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got {kp}")
            rate = 1.0 - float(kp)
    else:
        rate = as_tensor(rate)
    ns = None if noise_shape is None else _shape_arg(noise_shape)
    return R.dropout(as_tensor(x), rate, training=True, rng=seeded_rng(seed), noise_shape=ns)


def _nhwc(fn, data_format):
    if data_format not in (None, "NHWC"):
        _unsupported(fn, f"with data_format={data_format!r}", "use NHWC tensors (tf.transpose to [0, 2, 3, 1])")


def _strides(fn, strides):
    if strides is None:
        return 1
    s = [int(v) for v in np.asarray(strides).reshape(-1)]
    if len(s) == 4 and (s[0] != 1 or s[3] != 1):
        _unsupported(fn, f"with strides={s} in the batch or channel axis", "use strides=[1, sh, sw, 1]")
    return s if len(s) > 1 else s[0]


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",  # noqa: A002
           dilations=None, name=None, filters=None):
    """tf.nn.conv2d(input NHWC, filter HWIO, strides=[1, s, s, 1], padding="SAME" | "VALID", dilations=[1, d, d, 1]).

    ``dilations`` > 1 spaces the filter taps apart (atrous convolution), see :func:`neuralab.functional.conv2d`.
    """
    _nhwc("tf.nn.conv2d", data_format)
    w = filter if filter is not None else filters
    rate = 1 if dilations is None else _strides("tf.nn.conv2d(dilations=...)", dilations)
    return FC.conv2d(as_tensor(input), as_tensor(w), stride=_strides("tf.nn.conv2d", strides), padding=padding,
                     dilation=rate)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """tf.nn.atrous_conv2d: stride-1 convolution with the filter taps ``rate`` cells apart (dilation ``rate``)."""
    return FC.conv2d(as_tensor(value), as_tensor(filters), stride=1, padding=padding, dilation=int(rate))


def _shape_entries(t):
    """What is known of a 1-D integer tensor's values when the graph is built (TF's constant_value_as_shape):
    a list of ints and None (unknown entries), or None when even its length is unknown.

    Follows Const nodes, ``tf.shape(x)`` (x's static sizes), ``tf.stack``/``tf.concat`` of such entries,
    ``tf.shape(x)[i]`` and casts.
    """
    if not isinstance(t, Tensor):
        return [int(v) for v in np.asarray(t).reshape(-1)]
    if t.data is not None:
        return [int(v) for v in t.numpy().reshape(-1)]
    c = _const_value(t)
    if c is not None:
        return [int(v) for v in np.asarray(c).reshape(-1)]
    op = t._op
    if isinstance(op, S.ShapeOf):
        shp = op.inputs[0].shape
        return None if shp is None else list(shp)
    if isinstance(op, S.Concatenate) and op.axis in (0, -1):
        parts = [_shape_entries(i) for i in op.inputs]
        return None if any(p is None for p in parts) else [e for p in parts for e in p]
    if isinstance(op, S.ExpandDims) and t.shape == (1,):
        return [_scalar_entry(op.inputs[0])]
    if type(op).__name__ == "Cast":
        return _shape_entries(op.inputs[0])
    if t.shape is None or t.shape[0] is None:
        return None
    return [None] * t.shape[0]


def _scalar_entry(t):
    """A scalar integer tensor's value when it is known at build time, else None."""
    if not isinstance(t, Tensor) or t.data is not None:
        return int(np.asarray(t.data if isinstance(t, Tensor) else t))
    c = _const_value(t)
    if c is not None:
        return int(np.asarray(c))
    op = t._op
    if type(op).__name__ == "Cast":
        return _scalar_entry(op.inputs[0])
    idx = getattr(op, "index", None) if isinstance(op, S.Getitem) else None
    if isinstance(idx, tuple) and len(idx) == 1 and isinstance(idx[0], (int, np.integer)):
        entries = _shape_entries(op.inputs[0])
        if entries is not None and -len(entries) <= idx[0] < len(entries):
            return entries[idx[0]]
    return None


def _shape_arg(shape):
    """A TF shape argument (a list whose entries may be tensors, or a 1-D int tensor) for neuralab: ints where
    they are known when the graph is built, scalar tensors elsewhere (the whole tensor when even its length
    is unknown)."""
    if isinstance(shape, (list, tuple)):
        out = []
        for e in shape:
            v = as_tensor(e)
            k = _scalar_entry(v) if isinstance(v, Tensor) else _types.dimension_value(v)
            out.append(v if k is None and isinstance(v, Tensor) else k)
        return out
    t = as_tensor(shape)
    if not isinstance(t, Tensor):
        return list(np.asarray(t).reshape(-1))
    entries = _shape_entries(t)
    if entries is None:
        return t
    return [e if e is not None else S.getitem(t, (i,)) for i, e in enumerate(entries)]


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",  # noqa: A002
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """tf.nn.conv2d_transpose(value NHWC, filter (KH, KW, out, in), output_shape, strides, padding).

    The gradient of conv2d with respect to its input, applied to ``value``
    (:func:`neuralab.functional.conv2d_transpose`). ``output_shape`` is a list
    (entries may be tensors, e.g. ``tf.shape(x)[0]``) or a 1-D int tensor such as
    ``tf.stack([tf.shape(x)[0], 14, 14, 64])``; sizes known when the graph is
    built (constants, static sizes) give the result its static shape, as in TF.
    """
    _nhwc("tf.nn.conv2d_transpose", data_format)
    x = as_tensor(value if value is not None else input)
    w = as_tensor(filter if filter is not None else filters)
    if output_shape is None:
        raise ValueError("tf.nn.conv2d_transpose: output_shape is required (a list or 1-D tensor of 4 sizes)")
    rate = 1 if dilations is None else _strides("tf.nn.conv2d_transpose(dilations=...)", dilations)
    return FC.conv2d_transpose(x, w, _shape_arg(output_shape), stride=_strides("tf.nn.conv2d_transpose", strides),
                               padding=padding, dilation=rate)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,  # noqa: A002
                     dilations=None):
    """tf.nn.depthwise_conv2d: each input channel convolved with its own ``M`` filters (filter (KH, KW, C, M)).

    One conv2d with a block-diagonal filter: C times the arithmetic of a grouped kernel (fine for small C).
    """
    _nhwc("tf.nn.depthwise_conv2d", data_format)
    r = rate if rate is not None else dilations
    r = 1 if r is None else _strides("tf.nn.depthwise_conv2d(rate=...)", r)
    return FC.depthwise_conv2d(as_tensor(input), as_tensor(filter), stride=_strides("tf.nn.depthwise_conv2d",
                                                                                    strides),
                               padding=padding, dilation=r)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """tf.nn.separable_conv2d: depthwise_conv2d followed by a 1x1 conv2d with ``pointwise_filter`` (1, 1, C*M, out)."""
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, rate=rate, data_format=data_format,
                         dilations=dilations)
    return C.conv2d(as_tensor(y), as_tensor(pointwise_filter), stride=1, padding="VALID")


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """tf.nn.max_pool(value, ksize=[1, k, k, 1], strides=[1, s, s, 1], padding)."""
    return C.max_pool2d(as_tensor(value if value is not None else input), list(ksize), list(strides), padding)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """tf.nn.avg_pool(value, ksize, strides, padding) (SAME averages over real cells only, like TF)."""
    return C.avg_pool2d(as_tensor(value if value is not None else input), list(ksize), list(strides), padding)


def bias_add(value, bias, data_format=None, name=None):
    """tf.nn.bias_add: value + bias along the last axis."""
    return O.add(as_tensor(value), as_tensor(bias))


def xw_plus_b(x, weights, biases, name=None):
    """tf.nn.xw_plus_b: matmul(x, weights) + biases."""
    return O.add(O.matmul(as_tensor(x), as_tensor(weights)), as_tensor(biases))


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """tf.nn.softmax_cross_entropy_with_logits: one loss per example, -sum(labels * log_softmax(logits)).

    As in TF 1.x, no gradient flows into ``labels`` (use the ``_v2`` version for that).
    """
    _named_only(_sentinel, "softmax_cross_entropy_with_logits")
    return _softmax_xent(O.stop_gradient(as_tensor(labels)), logits, dim if axis is None else axis)


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=None, name=None, dim=None):
    """tf.nn.softmax_cross_entropy_with_logits_v2: per-example losses; gradients flow into labels too."""
    _named_only(_sentinel, "softmax_cross_entropy_with_logits_v2")
    ax = axis if axis is not None else (dim if dim is not None else -1)
    return _softmax_xent(as_tensor(labels), logits, ax)


def _softmax_xent(labels, logits, axis):
    x = as_tensor(logits)
    lab = labels
    if not isinstance(lab, Tensor):
        lab = Tensor(np.asarray(lab), dtype=x.dtype)
    elif lab.dtype != x.dtype:
        lab = O.cast(lab, x.dtype)
    if x.shape is not None and lab.shape is not None and len(lab.shape) != len(x.shape) and axis in (-1, len(
            x.shape) - 1):
        # TF flattens both to [rows, classes] matrices and gives the loss the logits' outer shape, so labels of
        # another rank with the same rows work (the tutorials' ``labels=tf.stop_gradient([y_one_hot])``)
        shp = tuple(-1 if s is None else s for s in x.shape)
        lab = O.reshape(lab, shp if shp.count(-1) <= 1 else O.shape_of(x))
    return L.softmax_cross_entropy(x, lab, axis=axis, reduction="none")


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """tf.nn.sparse_softmax_cross_entropy_with_logits: per-example losses for integer class labels."""
    _named_only(_sentinel, "sparse_softmax_cross_entropy_with_logits")
    lab = as_tensor(labels)
    if not isinstance(lab, Tensor):
        lab = Tensor(np.asarray(lab))
    return L.softmax_cross_entropy(as_tensor(logits), lab, reduction="none")


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """tf.nn.sigmoid_cross_entropy_with_logits: elementwise max(x, 0) - x z + log(1 + exp(-|x|))."""
    _named_only(_sentinel, "sigmoid_cross_entropy_with_logits")
    return L.binary_cross_entropy_with_logits(as_tensor(logits), as_tensor(labels), reduction="none")


def l2_loss(t, name=None):
    """tf.nn.l2_loss: sum(t ** 2) / 2."""
    x = as_tensor(t)
    return O.multiply(0.5, O.sum(O.square(x)))


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """tf.nn.moments: (mean, variance) over ``axes``."""
    x = as_tensor(x)
    ax = tuple(int(a) for a in axes)
    mean = O.mean(x, axis=ax, keepdims=True)
    var = O.mean(O.square(O.subtract(x, O.stop_gradient(mean))), axis=ax, keepdims=True)
    if not _keep(keepdims, keep_dims):
        mean, var = O.squeeze(mean, ax), O.squeeze(var, ax)
    return mean, var


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """tf.nn.batch_normalization: (x - mean) / sqrt(variance + eps) * scale + offset."""
    inv = O.divide(1.0, O.sqrt(O.add(as_tensor(variance), variance_epsilon)))
    if scale is not None:
        inv = O.multiply(inv, as_tensor(scale))
    y = O.multiply(O.subtract(as_tensor(x), as_tensor(mean)), inv)
    return y if offset is None else O.add(y, as_tensor(offset))


# ---------------------------------------------------------------------------------------
# embeddings, candidate sampling and the sampled losses (word2vec)
# ---------------------------------------------------------------------------------------

def _ids(ids, what="ids"):
    """Integer ids as a neuralab tensor or array (int64 unless already an integer tensor)."""
    t = as_tensor(ids)
    if isinstance(t, Tensor):
        if t.dtype.kind not in "iu":
            raise TypeError(f"{what} must be an integer tensor, got {t.dtype}")
        return t
    a = np.asarray(t)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got {a.dtype}")
    return a.astype(np.int64, copy=False)


def _shard_table(params, ids, partition_strategy):
    """One table and the ids into it for a list of shards (TF's 'mod' and 'div' partitioning)."""
    shards = [as_tensor(p) for p in params]
    sizes = [p.shape[0] if p.shape is not None else None for p in shards]
    if any(n is None for n in sizes):
        raise ValueError("tf.nn.embedding_lookup: with several params shards, each shard's first dimension must be "
                         "known")
    table = O.concatenate(shards, axis=0)
    if partition_strategy == "div":  # shard i holds a contiguous run of ids: concatenated, they are in order
        return table, ids
    n = len(shards)  # 'mod': id i lives in shard i % n at row i // n
    offsets = Tensor(np.cumsum([0] + sizes[:-1]).astype(np.int64))
    i64 = ids if not isinstance(ids, Tensor) or ids.dtype == np.int64 else O.cast(ids, np.int64)
    return table, O.add(I.take(offsets, O.mod(i64, n)), O.floor_divide(i64, n))


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """tf.nn.embedding_lookup: the rows ``params[ids]`` (shape ``ids.shape + params.shape[1:]``).

    neuralab's gather (:func:`neuralab.take`): its gradient is a scatter-add
    into the table, and an id outside the table raises an error naming it.
    ``params`` may be a list of shards split by ``partition_strategy`` ('mod':
    id i in shard i % n, 'div': contiguous runs), as TF partitions them.
    ``max_norm`` clips each looked-up row to that L2 norm.
    """
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    idx = _ids(ids)
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Need at least one param")
        if len(params) == 1:
            table = as_tensor(params[0])
        else:
            table, idx = _shard_table(params, idx, partition_strategy)
    else:
        table = as_tensor(params)
    y = I.take(table, idx)
    if max_norm is not None:
        nd = np.ndim(idx) if not isinstance(idx, Tensor) else len(idx.shape)
        axes = tuple(range(nd, len(y.shape)))
        norm = O.sqrt(O.sum(O.square(y), axis=axes, keepdims=True))
        y = O.divide(O.multiply(y, float(max_norm)), O.maximum(norm, float(max_norm)))
    return y


class _CandidateSampler(Op):
    """TF's candidate samplers: ``num_sampled`` classes drawn from [0, range_max) each time the node runs.

    Input ``true_classes`` (int64, (batch, num_true)). Outputs, as TF's
    ``*_candidate_sampler`` ops: ``sampled`` (int64, (num_sampled,)),
    ``true_expected_count`` (shaped like true_classes) and
    ``sampled_expected_count`` (num_sampled,), float32. Distributions:
    ``log_uniform`` (Zipfian, P(k) = log((k + 2) / (k + 1)) / log(range_max + 1),
    drawn as floor(exp(u log(range_max + 1))) - 1) and ``uniform`` (1 / range_max).
    With ``unique`` the draws are repeated until num_sampled distinct classes came
    up, and the expected count of a class after those T tries is
    1 - (1 - P(k))^T; without it, num_sampled P(k). A compat node (not registered).
    """

    nin = 1
    nout = 3
    differentiable = False
    nondiff_inputs = (0,)
    nondeterministic = True
    type = "LogUniformCandidateSampler"

    def __init__(self, num_sampled, unique, range_max, dist, seed):
        super().__init__(num_sampled=num_sampled, unique=unique, range_max=range_max, dist=dist, seed=seed)

    def _rng(self):
        """neuralab's generator without a seed; with one (TF's graph and op seeds) a generator per Session,
        started from the seed, so a new session repeats the draws as in TF."""
        if self.seed is None:
            return get_rng()
        sess = _base.RUNNING.session
        store = sess._rngs if sess is not None else self.__dict__.setdefault("_own", {})
        rng = store.get(self)
        if rng is None:
            rng = store[self] = np.random.default_rng(list(self.seed))
        return rng

    def _prob(self, k):
        if self.dist == "uniform":
            return np.full(np.shape(k), 1.0 / self.range_max)
        k = np.asarray(k, dtype=np.float64)
        return np.log((k + 2.0) / (k + 1.0)) / np.log(self.range_max + 1.0)

    def _draw(self, rng, n):
        u = rng.random(n)
        if self.dist == "uniform":
            return np.minimum((u * self.range_max).astype(np.int64), self.range_max - 1)
        return (np.floor(np.exp(u * np.log(self.range_max + 1.0))).astype(np.int64) - 1) % self.range_max

    def forward(self, xp, true_classes):
        rng = self._rng()
        n = self.num_sampled
        if not self.unique:
            sampled = self._draw(rng, n)
            tries = None
        else:
            picked, seen, tries = [], set(), 0
            while len(picked) < n:
                for v in self._draw(rng, 2 * (n - len(picked)) + 8).tolist():
                    tries += 1
                    if v not in seen:
                        seen.add(v)
                        picked.append(v)
                        if len(picked) == n:
                            break
            sampled = np.asarray(picked, dtype=np.int64)

        def expected(k):
            p = self._prob(k)
            if tries is None:
                return (p * n).astype(np.float32)
            return (-np.expm1(tries * np.log1p(-np.minimum(p, 1.0 - 1e-16)))).astype(np.float32)

        return sampled, expected(true_classes), expected(sampled)

    def infer(self, true_classes):
        return (Spec((self.num_sampled,), np.dtype(np.int64)), Spec(true_classes.shape, np.dtype(np.float32)),
                Spec((self.num_sampled,), np.dtype(np.float32)))

    def backward(self, grads):
        return (None,)


def _candidate_sampler(dist, true_classes, num_true, num_sampled, unique, range_max, seed):
    n, r = int(num_sampled), int(range_max)
    if n < 1 or r < 1:
        raise ValueError(f"candidate sampler: num_sampled ({n}) and range_max ({r}) must be positive")
    if unique and n > r:
        raise ValueError(f"candidate sampler: cannot draw {n} unique classes out of range_max={r}")
    tc = _ids(true_classes, "true_classes")
    if not isinstance(tc, Tensor):
        tc = Tensor(tc)
    if tc.dtype != np.int64:
        tc = O.cast(tc, np.int64)
    tc = O.reshape(tc, (-1, int(num_true)))
    attrs = dict(num_sampled=n, unique=bool(unique), range_max=r, dist=dist, seed=_base.op_seed(seed))
    if _types.MODE.eager:
        out = _CandidateSampler(**attrs).forward(np, tc.data)
        return CandidateSamples(*(_types.wrap(Tensor(a)) for a in out))
    out = _CandidateSampler.apply(tc, **attrs)
    return CandidateSamples(*_types.wrap(out))


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """tf.nn.log_uniform_candidate_sampler: (sampled, true_expected_count, sampled_expected_count), Zipfian.

    P(k) = log((k + 2) / (k + 1)) / log(range_max + 1): small ids (frequent words, when the vocabulary is
    sorted by frequency) are drawn most. A new draw every time the node runs; seeded like TF's random ops.
    """
    return _candidate_sampler("log_uniform", true_classes, num_true, num_sampled, unique, range_max, seed)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """tf.nn.uniform_candidate_sampler: like log_uniform_candidate_sampler with P(k) = 1 / range_max."""
    return _candidate_sampler("uniform", true_classes, num_true, num_sampled, unique, range_max, seed)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """tf.nn.compute_accidental_hits: (indices, ids, weights) of the sampled candidates equal to a true class.

    Computed when the graph is built, so both arguments must be known then (constants; the sampled
    losses mask their hits at run time themselves, with remove_accidental_hits=True).
    """
    tc = np.asarray(_static(true_classes, "tf.nn.compute_accidental_hits(true_classes)")).reshape(-1, int(num_true))
    sc = np.asarray(_static(sampled_candidates, "tf.nn.compute_accidental_hits(sampled_candidates)")).reshape(-1)
    rows, cols = np.nonzero((tc[:, :, None] == sc[None, None, :]).any(axis=1))
    return (Tensor(rows.astype(np.int32)), Tensor(cols.astype(np.int64)),
            Tensor(np.full(rows.shape, -np.finfo(np.float32).max, np.float32)))


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
                    subtract_log_q, remove_accidental_hits, partition_strategy, seed):
    """TF's _compute_sampled_logits: logits of the true and the sampled classes, and their labels.

    For inputs h (batch, dim), true classes t (batch, num_true) and sampled
    classes s (num_sampled,): logits h.w_t + b_t and h.w_s + b_s, each minus
    log(expected count) (``subtract_log_q``: the correction that makes them
    estimate the full softmax/logistic model), sampled logits of classes equal
    to a true class pushed to -FLT_MAX (``remove_accidental_hits``), labels
    1/num_true for the true classes and 0 for the sampled ones.
    """
    num_true = int(num_true)
    x = as_tensor(inputs)
    lab = _ids(labels, "labels")
    lab = lab if isinstance(lab, Tensor) else Tensor(lab)
    lab = O.reshape(lab if lab.dtype == np.int64 else O.cast(lab, np.int64), (-1, num_true))
    if sampled_values is None:
        sampled_values = _candidate_sampler("log_uniform", lab, num_true, num_sampled, True, num_classes, seed)
    sampled, true_q, sampled_q = (O.stop_gradient(as_tensor(v)) if isinstance(as_tensor(v), Tensor)
                                  else Tensor(np.asarray(v)) for v in sampled_values)
    if sampled.dtype != np.int64:
        sampled = O.cast(sampled, np.int64)
    wlist = weights if isinstance(weights, (list, tuple)) else [weights]
    blist = biases if isinstance(biases, (list, tuple)) else [biases]
    # one gather per table (so one scatter-add into it in the backward pass): sampled ids first, whose count
    # is known, then the batch's true ids
    n = int(num_sampled)
    all_ids = O.concatenate([O.reshape(sampled, (-1,)), O.reshape(lab, (-1,))], axis=0)
    all_w = as_tensor(embedding_lookup(wlist, all_ids, partition_strategy))
    all_b = as_tensor(embedding_lookup(blist, all_ids, partition_strategy))
    dim = all_w.shape[1] if all_w.shape is not None and len(all_w.shape) == 2 else None
    if dim is None:
        raise ValueError(f"sampled losses: weights must be 2-D (num_classes, dim) with a known dim, got {all_w.shape}")
    samp_w, samp_b = S.getitem(all_w, (slice(0, n),)), S.getitem(all_b, (slice(0, n),))  # (num_sampled, dim)
    true_w = O.reshape(S.getitem(all_w, (slice(n, None),)), (-1, num_true, dim))  # (batch, num_true, dim)
    true_b = O.reshape(S.getitem(all_b, (slice(n, None),)), (-1, num_true))  # (batch, num_true)
    true_logits = O.add(O.sum(O.multiply(O.expand_dims(x, 1), true_w), axis=-1), true_b)
    samp_logits = O.add(O.matmul(x, O.transpose(samp_w)), samp_b)
    if remove_accidental_hits:
        hit = O.any(O.equal(O.expand_dims(lab, 2), O.reshape(sampled, (1, 1, -1))), axis=1)  # (batch, num_sampled)
        samp_logits = O.add(samp_logits, O.where(hit, float(-np.finfo(np.float32).max), 0.0))
    if subtract_log_q:
        true_logits = O.subtract(true_logits, O.log(O.cast(true_q, true_logits.dtype)))
        samp_logits = O.subtract(samp_logits, O.log(O.cast(sampled_q, samp_logits.dtype)))
    logits = O.concatenate([true_logits, samp_logits], axis=1)
    targets = O.concatenate([O.multiply(O.ones_like(true_logits), 1.0 / num_true), O.zeros_like(samp_logits)], axis=1)
    return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """tf.nn.nce_loss: noise-contrastive estimation (Gutmann & Hyvarinen 2010; Mnih & Teh 2012), one loss per
    example.

    A logistic regression telling the true classes (label 1/num_true) from
    ``num_sampled`` noise classes (label 0) drawn by the log-uniform sampler,
    on the logits of :func:`_sampled_logits` (log Q subtracted): the sum over
    the true and sampled classes of ``sigmoid_cross_entropy_with_logits``.
    ``weights`` (num_classes, dim) (or a list of shards), ``biases`` (num_classes,),
    ``labels`` (batch, num_true) ints, ``inputs`` (batch, dim).
    """
    logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                      sampled_values, True, remove_accidental_hits, partition_strategy, None)
    per_class = L.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return O.sum(per_class, axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, partition_strategy="mod",
                         name="sampled_softmax_loss", seed=None):
    """tf.nn.sampled_softmax_loss (Jean et al. 2015): softmax cross-entropy over the true classes and
    ``num_sampled`` sampled ones (log-uniform sampler, log Q subtracted, accidental hits removed by default),
    one loss per example. Arguments as :func:`nce_loss`; an estimate of the full softmax loss for training.
    """
    logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                      sampled_values, True, remove_accidental_hits, partition_strategy, seed)
    return L.softmax_cross_entropy(logits, O.stop_gradient(targets), axis=-1, reduction="none")


# ---------------------------------------------------------------------------------------
# ranking, normalization and the remaining losses
# ---------------------------------------------------------------------------------------

class _Named(tuple):
    """A tuple with TF's field names (what TF returns as a namedtuple); also built from one iterable, so
    Session.run can return one of the same type with the values."""

    __slots__ = ()
    _fields = ()

    def __new__(cls, *items):
        if len(items) == 1 and len(cls._fields) != 1:
            items = tuple(items[0])
        if len(items) != len(cls._fields):
            raise TypeError(f"{cls.__name__} takes {len(cls._fields)} items, got {len(items)}")
        return super().__new__(cls, items)

    def __getattr__(self, name):
        try:
            return self[type(self)._fields.index(name)]
        except ValueError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}") from None

    def __repr__(self):
        return type(self).__name__ + "(" + ", ".join(f"{f}={v!r}" for f, v in zip(self._fields, self)) + ")"


class TopKV2(_Named):
    """What tf.nn.top_k returns: (values, indices)."""

    _fields = ("values", "indices")


class CandidateSamples(_Named):
    """What the candidate samplers return: (sampled_candidates, true_expected_count, sampled_expected_count)."""

    _fields = ("sampled_candidates", "true_expected_count", "sampled_expected_count")


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002
    """tf.nn.top_k: the ``k`` largest entries along the last axis and their indices (int32), largest first;
    equal values in order of increasing index."""
    values, indices = O.top_k(as_tensor(input), int(_static(k, 'k')), sorted=sorted)
    return TopKV2(_types.wrap(values), _types.wrap(O.cast(indices, np.int32)))


def in_top_k(predictions, targets, k, name=None):
    """tf.nn.in_top_k: for each row, whether the target's prediction is among the ``k`` largest.

    TF's tie rule: the target counts as in the top k when fewer than k
    predictions are strictly larger than it (so ties at the boundary are all
    in); a non-finite target prediction is never in.
    """
    p = as_tensor(predictions)
    t = _ids(targets, "targets")
    t = t if isinstance(t, Tensor) else Tensor(t)
    t = O.reshape(t if t.dtype == np.int64 else O.cast(t, np.int64), (-1, 1))
    target_p = O.take_along_axis(p, t, axis=1)  # (batch, 1)
    above = O.sum(O.cast(O.greater(p, target_p), np.int32), axis=1)
    return O.logical_and(O.less(above, int(_static(k, 'k'))), O.reshape(O.isfinite(target_p), (-1,)))


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """tf.nn.l2_normalize: x / sqrt(max(sum(x ** 2, axis), epsilon)) (all axes when ``axis`` is None)."""
    ax = _axis(axis, dimension=dim)
    x = as_tensor(x)
    sq = O.sum(O.square(x), axis=ax, keepdims=True)
    return O.multiply(x, O.divide(1.0, O.sqrt(O.maximum(sq, float(epsilon)))))


def zero_fraction(value, name=None):
    """tf.nn.zero_fraction: the fraction of entries equal to zero (activation sparsity summaries)."""
    x = as_tensor(value)
    return O.mean(O.cast(O.equal(x, 0), np.float32))


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """tf.nn.log_poisson_loss: exp(c) - z c for log-rate c and counts z, elementwise; with
    ``compute_full_loss`` plus Stirling's approximation of log(z!) (z log z - z + log(2 pi z) / 2, for z > 1)."""
    c, z = as_tensor(log_input), as_tensor(targets)
    loss = O.subtract(O.exp(c), O.multiply(z, c))
    if not compute_full_loss:
        return loss
    zs = O.maximum(z, 1.0)  # (log of values <= 1 is never used: those entries get 0)
    stirling = O.add(O.subtract(O.multiply(zs, O.log(zs)), zs), O.multiply(0.5, O.log(O.multiply(2 * np.pi, zs))))
    return O.add(loss, O.where(O.greater(z, 1.0), stirling, O.zeros_like(stirling)))


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """tf.nn.weighted_cross_entropy_with_logits: sigmoid cross-entropy whose positive term is weighted by
    ``pos_weight`` q, in TF's stable form (1 - z) x + (1 + (q - 1) z) (log(1 + exp(-|x|)) + max(-x, 0))."""
    z = as_tensor(labels if labels is not None else targets)
    x = as_tensor(logits)
    q = as_tensor(pos_weight)
    lw = O.add(1.0, O.multiply(O.subtract(q, 1.0), z))
    soft = O.add(A.softplus(O.negative(O.abs(x))), O.maximum(O.negative(x), 0.0))
    return O.add(O.multiply(O.subtract(1.0, z), x), O.multiply(lw, soft))


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002
    """tf.nn.lrn / local_response_normalization (Krizhevsky et al. 2012), over the channel axis of NHWC input:
    x / (bias + alpha * sum_{|c' - c| <= depth_radius} x[..., c'] ** 2) ** beta."""
    x = as_tensor(input)
    r = int(depth_radius)
    c = x.shape[-1] if x.shape is not None else None
    if c is None:
        raise ValueError(f"tf.nn.lrn: the channel axis must be known, got shape {x.shape}")
    sq = O.pad(O.square(x), [(0, 0)] * (len(x.shape) - 1) + [(r, r)])
    win = None
    for i in range(2 * r + 1):
        part = S.getitem(sq, (Ellipsis, slice(i, i + c)))
        win = part if win is None else O.add(win, part)
    return O.divide(x, O.power(O.add(float(bias), O.multiply(float(alpha), win)), float(beta)))


def crelu(features, name=None, axis=-1):
    """tf.nn.crelu: concat(relu(x), relu(-x)) along ``axis`` (twice the channels)."""
    x = as_tensor(features)
    return O.concatenate([A.relu(x), A.relu(O.negative(x))], axis=int(axis))


def swish(features, name=None):
    """tf.nn.swish: x * sigmoid(x)."""
    x = as_tensor(features)
    return O.multiply(x, O.sigmoid(x))


def _named_only(sentinel, fname):
    if sentinel is not None:
        raise ValueError(f"Only call `{fname}` with named arguments (labels=..., logits=..., ...)")


__all__ = ["atrous_conv2d", "avg_pool", "batch_normalization", "bias_add", "compute_accidental_hits", "conv2d",
           "conv2d_transpose", "crelu", "depthwise_conv2d", "dropout", "elu", "embedding_lookup", "in_top_k", "l2_loss",
           "l2_normalize", "leaky_relu", "local_response_normalization", "log_poisson_loss", "log_softmax",
           "log_uniform_candidate_sampler", "lrn", "max_pool", "moments", "nce_loss", "relu", "relu6",
           "sampled_softmax_loss", "selu", "separable_conv2d", "sigmoid", "sigmoid_cross_entropy_with_logits",
           "softmax", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2", "softplus",
           "softsign", "sparse_softmax_cross_entropy_with_logits", "swish", "tanh", "top_k",
           "uniform_candidate_sampler", "weighted_cross_entropy_with_logits", "xw_plus_b", "zero_fraction"]
_types.export(globals(), default_names={
    "relu": "Relu", "relu6": "Relu6", "leaky_relu": "LeakyRelu", "elu": "Elu", "selu": "Selu", "softplus": "Softplus",
    "softsign": "Softsign", "softmax": "Softmax", "log_softmax": "LogSoftmax", "dropout": "dropout", "conv2d": "Conv2D",
    "max_pool": "MaxPool", "avg_pool": "AvgPool", "bias_add": "BiasAdd", "xw_plus_b": "xw_plus_b",
    "softmax_cross_entropy_with_logits": "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2": "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits": "SparseSoftmaxCrossEntropyWithLogits",
    "sigmoid_cross_entropy_with_logits": "logistic_loss", "l2_loss": "L2Loss", "batch_normalization": "batchnorm",
    "atrous_conv2d": "convolution", "conv2d_transpose": "conv2d_transpose", "depthwise_conv2d": "depthwise",
    "separable_conv2d": "separable_conv2d", "embedding_lookup": "embedding_lookup", "nce_loss": "nce_loss",
    "sampled_softmax_loss": "sampled_softmax_loss", "in_top_k": "in_top_k", "l2_normalize": "l2_normalize",
    "zero_fraction": "zero_fraction", "log_poisson_loss": "log_poisson_loss", "crelu": "CRelu", "swish": "swish",
    "weighted_cross_entropy_with_logits": "logistic_loss", "local_response_normalization": "LRN",
    "log_uniform_candidate_sampler": "LogUniformCandidateSampler",
    "uniform_candidate_sampler": "UniformCandidateSampler"})
lrn = local_response_normalization

from . import rnn_cell  # noqa: E402  (tf.nn.rnn_cell)
from .rnn import (  # noqa: E402, F401  (re-exported as tf.nn.*)
    bidirectional_dynamic_rnn, dynamic_rnn, static_bidirectional_rnn, static_rnn,
)
__all__ += ["bidirectional_dynamic_rnn", "dynamic_rnn", "rnn_cell", "static_bidirectional_rnn", "static_rnn"]
