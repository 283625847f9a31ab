"""The lectures' layers as Modules: Dense, Conv2D, pooling, Flatten, Dropout, BatchNorm,
Maxout, PReLU, the activation layers and a model Ensemble.

Conventions (those of the notes and of TF 1.x): a dense layer computes
``y = x @ W + b`` with ``W`` of shape ``(in, out)``; images are NHWC and conv
kernels ``(KH, KW, Cin, Cout)``; weights default to Xavier/Glorot uniform
(``tf.contrib.layers.xavier_initializer()``, ``tf.layers.dense``), biases to 0.
Layers given ``in_features=None`` (or ``in_channels``/``num_features=None``)
create their weights from the first input, which may be a placeholder with an
unknown batch dimension::

    X = nl.placeholder((None, 784))
    model = Sequential(Dense(None, 256, activation="relu"), Dropout(0.3), Dense(256, 10))
    logits = model(X)                      # builds fc weights of shape (784, 256)
"""
from __future__ import annotations

import functools

import numpy as np

from .._core.errors import ShapeError
from .._core.op import fmt_shape
from .._core.tensor import Tensor
from ..ops import elementwise as E, linalg as L, reduce as R, shape as S
from . import init as _init
from .module import Module, ModuleList, Parameter, _check_known

__all__ = [
    "ELU", "SELU", "AvgPool2D", "BatchNorm", "Conv2D", "Dense", "Dropout", "Ensemble", "Flatten",
    "FullyConnected", "LeakyReLU", "Linear", "LogSoftmax", "MaxPool2D", "Maxout", "PReLU", "ReLU", "Sigmoid",
    "Softmax", "Softplus", "Tanh", "get_activation",
    "Conv2DTranspose", "ConvTranspose2D",
]

_ACTIVATION_NAMES = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "softplus", "softmax", "log_softmax")


def get_activation(activation):
    """Resolve an ``activation=`` argument: None/"linear" -> None, a name -> the function
    from :mod:`neuralab.functional.activations`, a callable (or a Module) -> itself.

    Names: "relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "softplus",
    "softmax", "log_softmax".
    """
    if activation is None:
        return None
    if isinstance(activation, str):
        key = activation.strip().lower().replace("-", "_")
        if key in ("linear", "identity", "none", ""):
            return None
        if key not in _ACTIVATION_NAMES:
            raise ValueError(f"unknown activation {activation!r}; expected one of "
                             + ", ".join(repr(n) for n in _ACTIVATION_NAMES) + ", a callable or None")
        from ..functional import activations

        return getattr(activations, key)
    if callable(activation):
        return activation
    raise TypeError(f"activation must be a name, a callable or None, got {type(activation).__name__}")


def _act_name(activation) -> str | None:
    if activation is None:
        return None
    if isinstance(activation, str):
        return activation
    if isinstance(activation, Module):
        return repr(activation)
    return getattr(activation, "__name__", type(activation).__name__)


def _get_init(spec, default):
    """An initializer from ``spec``: None -> ``default``, a name -> ``init.get(name)``,
    a number -> a constant fill, a callable ``(shape, dtype=None, rng=None)`` -> itself."""
    if spec is None:
        return default
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return functools.partial(_init.constant, value=float(spec))  # (picklable, unlike a lambda)
    return _init.get(spec)


def _draw(fn, shape, dtype, rng, who):
    arr = np.asarray(fn(tuple(shape), dtype=dtype, rng=rng))
    if arr.shape != tuple(shape):
        raise ShapeError(f"{who}: the initializer returned shape {fmt_shape(arr.shape)}, "
                         f"expected {fmt_shape(tuple(shape))}")
    return Parameter(arr, dtype=dtype)


_t = Tensor.from_data  # arrays and numbers become Tensors; tf.Tensor-like objects give theirs


def _pair(v, name):
    """An int, a pair or TF's ``[1, a, b, 1]`` -> ``(a, b)`` of positive ints."""
    if isinstance(v, (int, np.integer)):
        v = (int(v), int(v))
    else:
        v = tuple(int(a) for a in v)
        if len(v) == 4 and v[0] == 1 and v[3] == 1:
            v = v[1:3]
    if len(v) != 2 or min(v) < 1:
        raise ValueError(f"{name} must be a positive int or a pair of them, got {v!r}")
    return v


def _int_or_pair(v, name):
    if v is None:
        return None
    p = _pair(v, name)
    return p[0] if p[0] == p[1] else p


class _Activated(Module):
    """Shared by layers with an ``activation=`` argument.

    The resolved activation is the public attribute ``activation``: a function,
    None, or a Module (then a registered child, so its parameters belong to the
    layer). Setting it to None switches the activation off (pre-activations).
    """

    def _set_activation(self, activation):
        self._act_given = activation if isinstance(activation, str) else None
        self.activation = get_activation(activation)

    def _init_weighted(self, bias, activation, weight_init, bias_init, dtype, rng):
        """The setup Dense and Conv2D share: initializers, dtype, empty weight/bias slots, activation."""
        self.use_bias = bool(bias)
        self._weight_init = _get_init(weight_init, _init.xavier_uniform)
        self._bias_init = _get_init(bias_init, _init.zeros)
        self._rng = rng
        if dtype is not None:
            self.to(dtype)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        self._set_activation(activation)

    @property
    def built(self) -> bool:
        """Whether the weights exist (False until a lazy layer sees its first input)."""
        return self.weight is not None

    def _make_weights(self, kernel_shape, n_out):
        """Draw the kernel of ``kernel_shape`` and, with a bias, the bias of ``n_out`` values."""
        d = self._float_dtype()
        who = type(self).__name__
        self.weight = _draw(self._weight_init, tuple(kernel_shape), d, self._rng, who)
        if self.use_bias:
            self.bias = _draw(self._bias_init, (n_out,), d, self._rng, who)

    def _activate(self, y):
        act = self.activation
        return y if act is None else act(y)

    def _act_repr(self) -> str:
        act = self.activation
        if act is None or isinstance(act, Module):
            return ""
        given = self._act_given
        label = given if given is not None and get_activation(given) is act else _act_name(act)
        return f", activation={label}"


# ------------------------------------------------------------------------------- dense
class Dense(_Activated):
    """Fully connected layer ``y = activation(x @ W + b)`` with ``W`` of shape ``(in, out)``.

    ``in_features=None`` builds ``W`` from the last dimension of the first
    input; ``Dense(out)`` with a single argument means ``Dense(None, out)``.
    ``weight_init``/``bias_init`` take an initializer function
    ``(shape, dtype=None, rng=None) -> array``, a name from :mod:`neuralab.nn.init`
    ("he_normal", "xavier", ...) or a number; the defaults are Xavier/Glorot
    uniform and zeros. ``dtype`` (default float32) is the parameters' dtype,
    ``rng`` a seed or Generator for the initial values. The resolved
    activation is the attribute ``activation`` (None for a linear layer).
    Aliases: ``Linear``, ``FullyConnected``.

    >>> layer = Dense(784, 256, activation="relu", weight_init="he_normal")
    >>> layer.weight.shape, layer.bias.shape
    ((784, 256), (256,))
    """

    def __init__(self, in_features=None, out_features=None, bias=True, activation=None, weight_init=None,
                 bias_init=None, *, dtype=None, rng=None):
        super().__init__()
        if out_features is None:
            in_features, out_features = None, in_features
        if out_features is None or int(out_features) <= 0:
            raise ValueError(f"Dense: out_features must be a positive integer, got {out_features!r}")
        self.in_features = None if in_features is None else int(in_features)
        self.out_features = int(out_features)
        self._init_weighted(bias, activation, weight_init, bias_init, dtype, rng)
        if self.in_features is not None:
            self._build(self.in_features)

    def _build(self, in_features: int):
        self.in_features = int(in_features)
        self._make_weights((self.in_features, self.out_features), self.out_features)

    def _materialize(self, state):
        if not self.built and "weight" in state and np.ndim(state["weight"]) == 2:
            self._build(np.shape(state["weight"])[0])

    def forward(self, x):
        """``activation(x @ W + b)`` over the last axis of ``x``."""
        x = _t(x)
        name = type(self).__name__
        if not self.built:
            self._build(_check_known(name, x, -1, "in_features"))
        n = x.shape[-1] if x.shape else None
        if x.shape is not None and (not x.shape or (n is not None and n != self.in_features)):
            raise ShapeError(f"{name}(in_features={self.in_features}): expected inputs of shape (..., "
                             f"{self.in_features}), got {fmt_shape(x.shape)}")
        y = L.matmul(x, self.weight)
        if self.bias is not None:
            y = E.add(y, self.bias)
        return self._activate(y)

    def extra_repr(self):
        s = f"in_features={self.in_features}, out_features={self.out_features}"
        if not self.use_bias:
            s += ", bias=False"
        return s + self._act_repr()


Linear = Dense
FullyConnected = Dense


# ------------------------------------------------------------------------- convolution
class Conv2D(_Activated):
    """2-D convolution over NHWC images: ``y = activation(conv2d(x, W) + b)``.

    ``W`` has shape ``(KH, KW, in_channels, out_channels)`` (TF's HWIO),
    ``b`` shape ``(out_channels,)``. ``padding`` is "SAME" (output H/stride,
    default, as in the notes' ``conv_layer``) or "VALID". ``in_channels=None``
    takes the channel count from the first input. Initializers as in :class:`Dense`
    (fans count ``KH * KW * C``). ``dilation`` (int or pair) spaces the taps apart
    (atrous convolution, :func:`neuralab.functional.conv2d`).

    >>> conv = Conv2D(1, 32, 3)                   # the notes' conv1 on 28x28x1 MNIST images
    >>> conv(np.zeros((8, 28, 28, 1), np.float32)).shape
    (8, 28, 28, 32)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding="SAME", bias=True,
                 activation=None, weight_init=None, bias_init=None, *, dilation=1, dtype=None, rng=None):
        super().__init__()
        who = type(self).__name__  # (also Conv2DTranspose's)
        self.dilation = _int_or_pair(dilation, f"{who}: dilation")  # atrous taps (1: plain)
        if int(out_channels) <= 0:
            raise ValueError(f"{who}: out_channels must be a positive integer, got {out_channels!r}")
        self.in_channels = None if in_channels is None else int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _pair(kernel_size, f"{who}: kernel_size")
        self.stride = _int_or_pair(stride, f"{who}: stride")
        pad = str(padding).upper()
        if pad not in ("SAME", "VALID"):
            raise ValueError(f"{who}: padding must be 'SAME' or 'VALID', got {padding!r}")
        self.padding = pad
        self._init_weighted(bias, activation, weight_init, bias_init, dtype, rng)
        if self.in_channels is not None:
            self._build(self.in_channels)

    def _build(self, in_channels: int):
        self.in_channels = int(in_channels)
        kh, kw = self.kernel_size
        self._make_weights((kh, kw, self.in_channels, self.out_channels), self.out_channels)

    def _materialize(self, state):
        if not self.built and "weight" in state and np.ndim(state["weight"]) == 4:
            self._build(np.shape(state["weight"])[2])

    def forward(self, x):
        """Convolve the NHWC batch ``x``, add the bias, apply the activation."""
        x = _t(x)
        who = type(self).__name__
        if x.shape is not None and len(x.shape) != 4:
            raise ShapeError(f"{who}: expected NHWC inputs of rank 4, got shape {fmt_shape(x.shape)} "
                             "(reshape images to (N, H, W, C), e.g. x.reshape(-1, 28, 28, 1))")
        if not self.built:
            self._build(_check_known(who, x, -1, "in_channels"))
        c = x.shape[-1] if x.shape is not None else None
        if c is not None and c != self.in_channels:
            raise ShapeError(f"{who}(in_channels={self.in_channels}): input of shape {fmt_shape(x.shape)} "
                             f"has {c} channels")
        y = self._convolve(x)
        if self.bias is not None:
            y = E.add(y, self.bias)
        return self._activate(y)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
             f"padding={self.padding!r}" + (f", dilation={self.dilation}" if self.dilation != 1 else ""))
        if not self.use_bias:
            s += ", bias=False"
        return s + self._act_repr()

    def _convolve(self, x):
        """The convolution of the NHWC batch ``x`` with the kernel (dilation 1: neuralab.conv2d itself)."""
        from ..functional.conv import conv2d

        return conv2d(x, self.weight, stride=self.stride, padding=self.padding, dilation=self.dilation)


class _Pool2D(Module):
    def __init__(self, ksize=2, stride=None, padding="VALID"):
        super().__init__()
        self.ksize = _int_or_pair(ksize, f"{type(self).__name__}: ksize")
        self.stride = _int_or_pair(stride, f"{type(self).__name__}: stride")
        pad = str(padding).upper()
        if pad not in ("SAME", "VALID"):
            raise ValueError(f"{type(self).__name__}: padding must be 'SAME' or 'VALID', got {padding!r}")
        self.padding = pad

    def extra_repr(self):
        return f"ksize={self.ksize}, stride={self.stride if self.stride is not None else self.ksize}, " \
               f"padding={self.padding!r}"


class MaxPool2D(_Pool2D):
    """Max pooling over NHWC windows (``tf.nn.max_pool``); ``stride`` defaults to ``ksize``.

    >>> MaxPool2D(2)(np.zeros((1, 28, 28, 32), np.float32)).shape
    (1, 14, 14, 32)
    """

    def forward(self, x):
        """The maximum of each window, per channel."""
        from ..ops.conv import max_pool2d

        return max_pool2d(_t(x), ksize=self.ksize, stride=self.stride, padding=self.padding)


class AvgPool2D(_Pool2D):
    """Average pooling over NHWC windows (``tf.nn.avg_pool``); ``stride`` defaults to ``ksize``."""

    def forward(self, x):
        """The mean of each window, per channel."""
        from ..ops.conv import avg_pool2d

        return avg_pool2d(_t(x), ksize=self.ksize, stride=self.stride, padding=self.padding)


class Flatten(Module):
    """Reshape ``(N, d1, d2, ...)`` to ``(N, d1 * d2 * ...)`` (the notes' ``tf.reshape(x, [-1, 7*7*64])``)."""

    def forward(self, x):
        """Keep the batch axis, flatten the rest (the batch may be unknown, the rest must be known)."""
        x = _t(x)
        shape = x.shape
        if shape is None or len(shape) < 1:
            raise ShapeError(f"Flatten: expected an input with a batch axis, got shape "
                             f"{fmt_shape(shape) if shape is not None else '(unknown rank)'}")
        rest = shape[1:]
        if all(d is not None for d in rest):
            return S.reshape(x, (-1, int(np.prod(rest, dtype=np.int64))))
        if shape[0] is not None:
            return S.reshape(x, (shape[0], -1))
        raise ShapeError(f"Flatten: input of shape {fmt_shape(shape)} has an unknown batch size and unknown "
                         "feature dimensions")


# ------------------------------------------------------------------------ regularization
class Dropout(Module):
    """Inverted dropout: in training, zero each unit with probability ``rate`` and scale the
    rest by ``1 / (1 - rate)``; the identity in eval mode (``model.eval()``).

    ``rate`` is the probability of *dropping* (Keras/PyTorch); TF 1.x's
    ``keep_prob`` of the notes is ``1 - rate`` ("keep_prob 0.7 on training, but
    1 for testing" becomes ``Dropout(0.3)`` plus ``model.eval()``). ``rate``
    may also be a Tensor (a placeholder fed at run time). ``rng``: a seed or
    Generator for the masks (default: neuralab's global generator).

    >>> drop = Dropout(0.5)
    >>> x = nl.tensor(np.ones((2, 4)))
    >>> drop.eval()(x) is x     # inference: unchanged
    True
    >>> sorted(set(drop.train()(x).numpy().ravel().tolist()))   # training: dropped (0) or scaled by 1/(1 - rate)
    [0.0, 2.0]
    """

    def __init__(self, rate=0.5, rng=None):
        super().__init__()
        if not isinstance(rate, Tensor):
            rate = float(rate)
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"Dropout: rate must be in [0, 1), got {rate}")
        self.rate = rate
        # one Generator for the layer's life: an int seed makes the sequence of masks repeat,
        # not every mask equal
        self.rng = np.random.default_rng(int(rng)) if isinstance(rng, (int, np.integer)) else rng

    def forward(self, x, training=None):
        """``dropout(x, rate)`` in training mode, ``x`` itself in eval mode.

        ``training`` overrides the module's mode for this call; a bool Tensor
        (a placeholder, TF1's ``train_mode``) selects at run time.
        """
        flag = self.training if training is None else training
        if flag is False or (not isinstance(self.rate, Tensor) and self.rate == 0.0):
            return x
        from ..functional.regularization import dropout

        return dropout(_t(x), self.rate, training=flag, rng=self.rng)

    def extra_repr(self):
        return f"rate={self.rate}" if not isinstance(self.rate, Tensor) else "rate=<tensor>"


class BatchNorm(Module):
    """Batch normalization (Ioffe & Szegedy 2015) over every axis but ``axis`` (channels last).

    Training mode normalizes with the batch's mean and variance
    ``y = gamma (x - mu_B) / sqrt(sigma_B^2 + eps) + beta`` and updates the
    running statistics ``running = momentum * running + (1 - momentum) * batch``;
    eval mode uses the running statistics. ``gamma``/``beta`` (shape ``(C,)``)
    are parameters, ``running_mean``/``running_var`` buffers. Works after Dense
    ``(N, C)`` and Conv2D ``(N, H, W, C)`` layers. ``decay=`` is accepted as
    TF's name for ``momentum``; ``num_features=None`` builds from the first
    input. In a compiled training step the running statistics are updated on
    every call (the assigns are stateful).

    >>> bn = BatchNorm(3)              # e.g. after Dense(784, 3)
    >>> y = bn(nl.tensor(np.array([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]])))
    >>> y.numpy().round(3)             # per feature: mean 0, variance 1 (up to eps)
    array([[-1., -1., -1.],
           [ 1.,  1.,  1.]])
    """

    def __init__(self, num_features=None, momentum=0.9, eps=1e-3, axis=-1, *, decay=None, dtype=None):
        super().__init__()
        if decay is not None:
            momentum = decay
        momentum = float(momentum)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum (decay) must be in [0, 1], got {momentum}")
        if not float(eps) > 0:
            raise ValueError(f"BatchNorm: eps must be positive, got {eps}")
        self.num_features = None if num_features is None else int(num_features)
        self.momentum = momentum
        self.eps = float(eps)
        self.axis = int(axis)
        if dtype is not None:
            self.to(dtype)
        self.register_parameter("gamma", None)
        self.register_parameter("beta", None)
        self.register_buffer("running_mean", None)
        self.register_buffer("running_var", None)
        if self.num_features is not None:
            self._build(self.num_features)

    @property
    def decay(self) -> float:
        """TF's name for ``momentum``."""
        return self.momentum

    @property
    def built(self) -> bool:
        """Whether gamma/beta and the running statistics exist."""
        return self.gamma is not None

    def _build(self, c: int):
        from .module import Buffer

        d = self._float_dtype()
        self.num_features = int(c)
        self.gamma = Parameter(_init.ones((c,), dtype=d))
        self.beta = Parameter(_init.zeros((c,), dtype=d))
        self.running_mean = Buffer(_init.zeros((c,), dtype=d))
        self.running_var = Buffer(_init.ones((c,), dtype=d))

    def _materialize(self, state):
        if not self.built:
            for k in ("gamma", "beta", "running_mean", "running_var"):
                if k in state and np.ndim(state[k]) == 1:
                    self._build(np.shape(state[k])[0])
                    return

    def forward(self, x, training=None):
        """Normalize ``x`` with batch statistics (training) or running statistics (eval).

        ``training`` overrides the module's mode for this call; a bool Tensor
        (a placeholder, TF1's ``is_training``) selects at run time.
        """
        from ..functional.regularization import batch_norm

        x = _t(x)
        if not self.built:
            self._build(_check_known("BatchNorm", x, self.axis, "num_features"))
        shape = x.shape
        if shape is not None:
            if not -len(shape) <= self.axis < len(shape):
                raise ShapeError(f"BatchNorm: axis {self.axis} is out of range for an input of shape "
                                 f"{fmt_shape(shape)}")
            c = shape[self.axis]
            if c is not None and c != self.num_features:
                raise ShapeError(f"BatchNorm(num_features={self.num_features}): input of shape {fmt_shape(shape)} "
                                 f"has {c} features along axis {self.axis}")
        flag = self.training if training is None else training
        if flag is True and shape is not None and all(d is not None for d in shape) \
                and int(np.prod(shape)) == shape[self.axis]:  # one value per feature: variance 0, output beta
            raise ShapeError(f"BatchNorm: training needs more than one value per feature for batch statistics, got "
                             f"an input of shape {fmt_shape(shape)}; use a batch of 2 or more, or eval mode")
        return batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var, training=flag,
                          momentum=self.momentum, eps=self.eps, axis=self.axis)

    def extra_repr(self):
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}, axis={self.axis}"


# --------------------------------------------------------------------------- activations
class Maxout(Module):
    """Maxout layer (Goodfellow et al. 2013): ``max_k(x @ W_k + b_k)`` over ``num_pieces`` pieces.

    A :class:`Dense` layer ``linear`` to ``out_features * num_pieces`` units
    (pieces of one output side by side) followed by
    :func:`neuralab.functional.maxout`. ``in_features=None`` builds lazily.

    >>> Maxout(784, 256, num_pieces=2).linear.weight.shape
    (784, 512)
    """

    def __init__(self, in_features, out_features, num_pieces=2, bias=True, weight_init=None, bias_init=None,
                 *, dtype=None, rng=None):
        super().__init__()
        if int(num_pieces) < 1:
            raise ValueError(f"Maxout: num_pieces must be a positive integer, got {num_pieces!r}")
        self.out_features = int(out_features)
        self.num_pieces = int(num_pieces)
        self.linear = Dense(in_features, self.out_features * self.num_pieces, bias=bias, weight_init=weight_init,
                            bias_init=bias_init, dtype=dtype, rng=rng)

    @property
    def in_features(self):
        """The input size (None until a lazy layer is built)."""
        return self.linear.in_features

    def forward(self, x):
        """The maximum over each unit's ``num_pieces`` linear pieces."""
        from ..functional.activations import maxout

        return maxout(self.linear(x), self.num_pieces, axis=-1)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, num_pieces={self.num_pieces}"

    def __repr__(self):
        return f"Maxout({self.extra_repr()})"


class PReLU(Module):
    """Parametric ReLU ``max(alpha x, x)`` with a learned slope (He et al. 2015).

    ``weight`` (the slopes ``alpha``) has shape ``(num_parameters,)``: one
    slope shared by all units, or one per feature/channel (the last axis),
    initialized to ``init``.

    >>> PReLU()(nl.tensor([-4.0, 2.0]))
    Tensor([-1.,  2.], dtype=float32, requires_grad=True)
    """

    def __init__(self, num_parameters=1, init=0.25, *, dtype=None):
        super().__init__()
        if int(num_parameters) < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}")
        if dtype is not None:
            self.to(dtype)
        self.num_parameters = int(num_parameters)
        self.init = float(init)
        self.weight = Parameter(_init.constant((self.num_parameters,), self.init, dtype=self._float_dtype()))

    def forward(self, x):
        """``x`` where positive, ``alpha * x`` elsewhere."""
        from ..functional.activations import prelu

        x = _t(x)
        if self.num_parameters > 1:
            c = x.shape[-1] if x.shape else None
            if c is not None and c != self.num_parameters:
                raise ShapeError(f"PReLU(num_parameters={self.num_parameters}): input of shape {fmt_shape(x.shape)} "
                                 f"has {c} features on its last axis")
        return prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}, init={self.init}"


class _Activation(Module):
    """An activation function as a layer (no state)."""

    _fn_name = ""
    _kw: tuple = ()

    def forward(self, x):
        """Apply the activation elementwise (or along ``axis`` for softmax)."""
        from ..functional import activations

        fn = getattr(activations, self._fn_name)
        return fn(_t(x), **{k: getattr(self, k) for k in self._kw})

    def extra_repr(self):
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._kw)


class ReLU(_Activation):
    """``max(0, x)`` (lecture 10-1)."""

    _fn_name = "relu"


class LeakyReLU(_Activation):
    """``x if x > 0 else alpha * x``."""

    _fn_name = "leaky_relu"
    _kw = ("alpha",)

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = float(alpha)


class ELU(_Activation):
    """``x if x > 0 else alpha * (exp(x) - 1)`` (Clevert et al. 2015)."""

    _fn_name = "elu"
    _kw = ("alpha",)

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = float(alpha)


class SELU(_Activation):
    """Scaled ELU with the self-normalizing constants (Klambauer et al. 2017)."""

    _fn_name = "selu"


class Sigmoid(_Activation):
    """``1 / (1 + exp(-x))``."""

    _fn_name = "sigmoid"


class Tanh(_Activation):
    """``tanh(x)``."""

    _fn_name = "tanh"


class Softplus(_Activation):
    """``log(1 + exp(x))``, the smooth ReLU."""

    _fn_name = "softplus"


class Softmax(_Activation):
    """``exp(x) / sum(exp(x))`` along ``axis``: logits to probabilities."""

    _fn_name = "softmax"
    _kw = ("axis",)

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = int(axis)


class LogSoftmax(_Activation):
    """``x - logsumexp(x)`` along ``axis`` (stable log-probabilities)."""

    _fn_name = "log_softmax"
    _kw = ("axis",)

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = int(axis)


# ------------------------------------------------------------------------------ ensembles
class Ensemble(Module):
    """Independently trained classifiers combined by averaging their predictions (seed 003:
    "build networks independently, train each, combine", a 2%~5% improvement).

    ``members`` are modules returning logits (or probabilities with
    ``from_logits=False``). ``combine="mean_prob"`` averages the members'
    softmax probabilities; ``"mean_logits"`` averages the logits and then
    applies softmax. Calling the ensemble returns the combined probabilities;
    :meth:`predict` returns the class indices.

    >>> members = [Dense(4, 3) for _ in range(3)]               # each trained on its own
    >>> ens = Ensemble(members)
    >>> ens.eval().predict(np.ones((2, 4), np.float32)).shape   # class indices
    (2,)
    """

    _COMBINE = ("mean_prob", "mean_logits")

    def __init__(self, members, combine="mean_prob", from_logits=True, axis=-1):
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("Ensemble: needs at least one member")
        if combine not in self._COMBINE:
            raise ValueError(f"Ensemble: combine must be one of {self._COMBINE}, got {combine!r}")
        if combine == "mean_logits" and not from_logits:
            raise ValueError("Ensemble: combine='mean_logits' needs members that return logits")
        self.members = ModuleList(members)
        self.combine = combine
        self.from_logits = bool(from_logits)
        self.axis = int(axis)

    def predict_proba(self, x):
        """The combined class probabilities for ``x``."""
        from ..functional.activations import softmax

        outs = [m(x) for m in self.members]
        n = len(outs)
        if self.combine == "mean_logits":
            total = outs[0]
            for o in outs[1:]:
                total = E.add(total, o)
            return softmax(E.multiply(total, 1.0 / n), axis=self.axis)
        probs = [softmax(o, axis=self.axis) if self.from_logits else _t(o) for o in outs]
        total = probs[0]
        for p in probs[1:]:
            total = E.add(total, p)
        return E.multiply(total, 1.0 / n) if n > 1 else total

    def forward(self, x):
        """Same as :meth:`predict_proba`."""
        return self.predict_proba(x)

    def predict(self, x):
        """The index of the most probable class of each example."""
        return R.argmax(self.predict_proba(x), axis=self.axis)

    def extra_repr(self):
        return f"combine={self.combine!r}"


# --------------------------------------------------------------- transposed convolution
class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution over NHWC images: ``y = activation(conv2d_transpose(x, W) + b)``.

    The upsampling layer of DCGAN generators and convolutional autoencoders
    (Keras' ``Conv2DTranspose``, TF's ``tf.layers.conv2d_transpose``; alias
    ``ConvTranspose2D``, PyTorch's name): a :class:`Conv2D` (same arguments)
    whose convolution is transposed. ``W`` has shape ``(KH, KW, out_channels,
    in_channels)``, TF's layout, ``b`` shape ``(out_channels,)``. Output size
    (Keras' rule): "SAME" (default) ``H * stride``, "VALID" ``H * stride +
    max(k - stride, 0)`` with ``k`` the (dilated) kernel size; see
    :func:`neuralab.functional.conv2d_transpose`.

    >>> up = Conv2DTranspose(64, 32, 5, stride=2)   # DCGAN: 7x7x64 -> 14x14x32
    >>> up(np.zeros((8, 7, 7, 64), np.float32)).shape
    (8, 14, 14, 32)
    >>> up.weight.shape
    (5, 5, 32, 64)
    """

    def _build(self, in_channels: int):
        self.in_channels = int(in_channels)
        kh, kw = self.kernel_size
        self._make_weights((kh, kw, self.out_channels, self.in_channels), self.out_channels)

    def _materialize(self, state):
        if not self.built and "weight" in state and np.ndim(state["weight"]) == 4:
            self._build(np.shape(state["weight"])[3])

    def _convolve(self, x):
        """The transposed convolution of the NHWC batch ``x`` with the kernel (output size by Keras' rule)."""
        from ..functional.conv import conv2d_transpose

        return conv2d_transpose(x, self.weight, None, stride=self.stride, padding=self.padding,
                                dilation=self.dilation)


ConvTranspose2D = Conv2DTranspose
