"""The lectures' workloads, written once per implementation, for ``compare.py`` and ``profile_step.py``.

Every builder returns ``step()``: one training step (or one forward+backward for ``sum``) on
fixed batches, with the work done before it returns (a Python float is read back where the
framework is asynchronous). Implementations:

- ``compiled``: neuralab, a hand-written ``neuralab.compile`` step (model, loss, gradients, Adam/SGD);
- ``trainer``: neuralab's ``Trainer.train_step`` (the same, plus the accuracy count and batch prep);
- ``torch``: PyTorch eager (zero_grad, forward, loss, backward, step), NCHW for the CNNs;
- ``numpy``: a hand-written NumPy forward/backward/update (im2col convolutions, in-place Adam);
- ``jax``: ``jax.jit`` of the whole step with a hand-written Adam (skipped when JAX is absent).

Workloads (float32; batch 100 unless said):

- ``xor``: 2-(5x10)-1 sigmoid net (ten hidden layers of five), binary cross-entropy, SGD lr 0.1, the 4 XOR points;
- ``mlp512``: 784-512x4-10 ReLU, softmax cross-entropy, Adam 1e-3;
- ``mlp256``: 784-256-256-10 ReLU, Adam 1e-3;
- ``cnn``: the lecture CNN: conv 3x3 1->32 SAME + ReLU + max-pool 2, conv 3x3 32->64 SAME + ReLU +
  max-pool 2, fc 7*7*64 -> 10, Adam 1e-3;
- ``cnn_lab``: the TensorBoard lab's CNN: conv 5x5 1->32 and 5x5 32->64 (SAME, ReLU, max-pool 2),
  fc 3136 -> 1024 ReLU, fc 1024 -> 10, Adam 1e-4;
- ``sum``: ``c = sum(x*y + z)`` at (3000, 4000), forward and the three gradients.
"""
from __future__ import annotations

import math

import numpy as np

WORKLOADS = ("xor", "mlp512", "mlp256", "cnn", "cnn_lab", "sum")
IMPLS = ("compiled", "trainer", "torch", "numpy", "jax")
BATCH = 100
NBATCH = 4  # distinct batches cycled through

CNN_SPECS = {  # (kernel, fc hidden sizes, lr)
    "cnn": (3, [], 1e-3),
    "cnn_lab": (5, [1024], 1e-4),
}
MLP_SPECS = {"mlp512": [512] * 4, "mlp256": [256, 256]}
XOR_DEPTH, XOR_WIDTH = 10, 5


def data(workload):
    """Fixed inputs: a list of (x, y) batches (MNIST when the files are there, else random of the same sizes)."""
    if workload == "xor":
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
        return [(x, np.array([[0], [1], [1], [0]], np.float32))]
    if workload == "sum":
        rng = np.random.default_rng(0)
        return [tuple(rng.standard_normal((3000, 4000), dtype=np.float32) for _ in range(3))]
    try:
        from neuralab import data as nd

        ds = nd.mnist(download=False)
        x, y = ds.x_train[: BATCH * NBATCH], ds.y_train[: BATCH * NBATCH].astype(np.int64)
    except Exception:  # noqa: BLE001 - no files: random data of the same sizes times the same
        rng = np.random.default_rng(0)
        x = rng.random((BATCH * NBATCH, 784), dtype=np.float32)
        y = rng.integers(0, 10, BATCH * NBATCH)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if workload.startswith("cnn"):
        x = x.reshape(-1, 28, 28, 1)
    return [(x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]) for i in range(NBATCH)]


def _cycle(batches):
    state = {"i": 0}

    def nxt():
        b = batches[state["i"] % len(batches)]
        state["i"] += 1
        return b

    return nxt


# ---------------------------------------------------------------------------------------------
# neuralab
# ---------------------------------------------------------------------------------------------

def neuralab_model(workload):
    """(model, loss name, optimizer name, lr) for a workload."""
    from neuralab import nn

    if workload == "xor":
        layers, n = [], 2
        for _ in range(XOR_DEPTH):
            layers.append(nn.Dense(n, XOR_WIDTH, activation="sigmoid"))
            n = XOR_WIDTH
        return nn.Sequential(*layers, nn.Dense(n, 1, activation="sigmoid")), "binary_cross_entropy", "sgd", 0.1
    if workload in MLP_SPECS:
        layers, n = [], 784
        for h in MLP_SPECS[workload]:
            layers.append(nn.Dense(n, h, activation="relu"))
            n = h
        return nn.Sequential(*layers, nn.Dense(n, 10)), "softmax_cross_entropy", "adam", 1e-3
    k, hidden, lr = CNN_SPECS[workload]
    layers = [nn.Conv2D(1, 32, k, activation="relu"), nn.MaxPool2D(2, padding="SAME"),
              nn.Conv2D(32, 64, k, activation="relu"), nn.MaxPool2D(2, padding="SAME"), nn.Flatten()]
    n = 7 * 7 * 64
    for h in hidden:
        layers.append(nn.Dense(n, h, activation="relu"))
        n = h
    return nn.Sequential(*layers, nn.Dense(n, 10)), "softmax_cross_entropy", "adam", lr


def build_neuralab(workload, impl):
    """(step, the compiled function, the arrays its first call is given)."""
    import neuralab as nl

    nl.seed(0)
    batches = data(workload)
    if workload == "sum":
        x, y, z = batches[0]

        @nl.compile
        def f(x, y, z):
            c = nl.sum(x * y + z)
            return c, nl.gradients(c, [x, y, z])

        def step():
            c, _ = f(x, y, z)
            return float(c.numpy())

        return step, f, [x, y, z]
    model, loss, opt, lr = neuralab_model(workload)
    if impl == "trainer":
        from neuralab.train import Trainer

        t = Trainer(model, optimizer=opt, loss=loss, lr=lr)
        nxt = _cycle(batches)

        def step():
            return t.train_step(*nxt())[0]

        return step, t._train, list(t._prep(*batches[0]))
    from neuralab import functional as F
    from neuralab.train.loop import make_optimizer

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(opt, params, lr=lr)
    lossfn = F.losses.softmax_cross_entropy if loss == "softmax_cross_entropy" else F.losses.binary_cross_entropy

    @nl.compile
    def train(x, y):
        cost = lossfn(model(x), y)
        optimizer.apply_gradients(nl.gradients(cost, params))
        return cost

    nxt = _cycle(batches)

    def step():
        return float(train(*nxt()).numpy())

    return step, train, list(batches[0])


# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------

def build_torch(workload, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    batches = data(workload)
    nn = torch.nn
    if workload == "sum":
        x, y, z = (torch.from_numpy(a).requires_grad_() for a in batches[0])

        def step():
            for t in (x, y, z):
                t.grad = None
            c = (x * y + z).sum()
            c.backward()
            return float(c)

        return step
    if workload == "xor":
        layers, n = [], 2
        for _ in range(XOR_DEPTH):
            layers += [nn.Linear(n, XOR_WIDTH), nn.Sigmoid()]
            n = XOR_WIDTH
        model = nn.Sequential(*layers, nn.Linear(n, 1), nn.Sigmoid())
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        lossfn = nn.functional.binary_cross_entropy
        conv = False
    elif workload in MLP_SPECS:
        layers, n = [], 784
        for h in MLP_SPECS[workload]:
            layers += [nn.Linear(n, h), nn.ReLU()]
            n = h
        model = nn.Sequential(*layers, nn.Linear(n, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        lossfn = nn.functional.cross_entropy
        conv = False
    else:
        k, hidden, lr = CNN_SPECS[workload]
        layers = [nn.Conv2d(1, 32, k, padding=k // 2), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(32, 64, k, padding=k // 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
        n = 7 * 7 * 64
        for h in hidden:
            layers += [nn.Linear(n, h), nn.ReLU()]
            n = h
        model = nn.Sequential(*layers, nn.Linear(n, 10))
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        lossfn = nn.functional.cross_entropy
        conv = True
    tb = []
    for x, y in batches:
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if conv else x)
        tb.append((xt, torch.from_numpy(y)))
    nxt = _cycle(tb)

    def step():
        xb, yb = nxt()
        opt.zero_grad(set_to_none=True)
        loss = lossfn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------------------------------------
# hand-written NumPy
# ---------------------------------------------------------------------------------------------

def _glorot(rng, fan_in, fan_out, shape):
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape).astype(np.float32)


class _NpAdam:
    """In-place Adam over a list of arrays (bias correction folded into two scalars)."""

    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.p, self.lr, self.b1, self.b2, self.eps, self.t = params, lr, b1, b2, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads):
        self.t += 1
        c1, s2 = 1 - self.b1 ** self.t, math.sqrt(1 - self.b2 ** self.t)
        for p, g, m, v, tmp in zip(self.p, grads, self.m, self.v, self.tmp):
            m *= self.b1
            np.multiply(g, 1 - self.b1, out=tmp)
            m += tmp
            v *= self.b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - self.b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += self.eps * s2
            np.divide(m, tmp, out=tmp)
            tmp *= -self.lr * s2 / c1
            p += tmp


def _softmax_xent(logits, y):
    """Mean cross-entropy over integer labels and its gradient with respect to the logits."""
    z = logits - logits.max(1, keepdims=True)
    e = np.exp(z)
    s = e.sum(1, keepdims=True)
    n = len(y)
    loss = float(np.log(s).sum() / n - z[np.arange(n), y].sum() / n)
    g = e / s
    g[np.arange(n), y] -= 1.0
    g /= n
    return loss, g


def _windows(xpad, k, oh, ow):
    n, _, _, c = xpad.shape
    s = xpad.strides
    return np.lib.stride_tricks.as_strided(xpad, (n, oh, ow, k, k, c), (s[0], s[1], s[2], s[1], s[2], s[3]))


class _NpConvPool:
    """conv k x k SAME (stride 1) + bias + ReLU + 2x2 max-pool on NHWC, by im2col and one GEMM each way."""

    def __init__(self, rng, k, cin, cout, h):
        self.k, self.cin, self.cout, self.h = k, cin, cout, h
        self.w = _glorot(rng, k * k * cin, k * k * cout, (k * k * cin, cout))
        self.b = np.zeros(cout, np.float32)
        self.p = k // 2

    def forward(self, x):
        n, h, k, p = x.shape[0], self.h, self.k, self.p
        xpad = np.zeros((n, h + 2 * p, h + 2 * p, self.cin), np.float32)
        xpad[:, p:p + h, p:p + h] = x
        self.cols = _windows(xpad, k, h, h).reshape(n * h * h, -1)  # copies (the view is not contiguous)
        z = self.cols @ self.w
        z += self.b
        np.maximum(z, 0, out=z)
        a6 = z.reshape(n, h // 2, 2, h // 2, 2, self.cout)
        out = a6.max(axis=(2, 4))
        self.mask = a6 == out[:, :, None, :, None, :]
        self.mask &= a6 > 0
        return out

    def backward(self, gout, need_input=True):
        n, h, k, p = gout.shape[0], self.h, self.k, self.p
        gz = (self.mask * gout[:, :, None, :, None, :]).reshape(n * h * h, self.cout)
        gw = self.cols.T @ gz
        gb = gz.sum(0)
        if not need_input:
            return None, gw, gb
        gcols = (gz @ self.w.T).reshape(n, h, h, k, k, self.cin)
        gpad = np.zeros((n, h + 2 * p, h + 2 * p, self.cin), np.float32)
        for i in range(k):
            for j in range(k):
                gpad[:, i:i + h, j:j + h] += gcols[:, :, :, i, j]
        return gpad[:, p:p + h, p:p + h], gw, gb


def build_numpy(workload):
    rng = np.random.default_rng(0)
    batches = data(workload)
    nxt = _cycle(batches)
    if workload == "sum":
        x, y, z = batches[0]

        def step():
            b = np.multiply(x, y)
            np.add(b, z, out=b)
            c = float(b.sum())
            gx, gy, gz = y.copy(), x.copy(), np.ones_like(z)
            return c + 0.0 * float(gx[0, 0] + gy[0, 0] + gz[0, 0])

        return step
    if workload.startswith("cnn"):
        k, hidden, lr = CNN_SPECS[workload]
        convs = [_NpConvPool(rng, k, 1, 32, 28), _NpConvPool(rng, k, 32, 64, 14)]
        sizes = [7 * 7 * 64] + hidden + [10]
        act = "relu"
    elif workload == "xor":
        convs, sizes, act, lr = [], [2] + [XOR_WIDTH] * XOR_DEPTH + [1], "sigmoid", 0.1
    else:
        convs, sizes, act, lr = [], [784] + MLP_SPECS[workload] + [10], "relu", 1e-3
    ws = [_glorot(rng, a, b, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    params = [q for c in convs for q in (c.w, c.b)] + ws + bs
    adam = _NpAdam(params, lr) if workload != "xor" else None

    def step():
        xb, yb = nxt()
        h = xb
        for c in convs:
            h = c.forward(h)
        hs = [h.reshape(len(xb), -1)]
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = hs[-1] @ w
            z += b
            last = i == len(ws) - 1
            if act == "sigmoid":
                np.negative(z, out=z)
                np.exp(z, out=z)
                z += 1
                np.reciprocal(z, out=z)
            elif not last:
                np.maximum(z, 0, out=z)
            hs.append(z)
        if act == "sigmoid":  # binary cross-entropy on the sigmoid output
            pr = np.clip(hs[-1], 1e-7, 1 - 1e-7)
            loss = float(-np.mean(yb * np.log(pr) + (1 - yb) * np.log(1 - pr)))
            g = (pr - yb) / (pr * (1 - pr)) / len(yb)
        else:
            loss, g = _softmax_xent(hs[-1], yb)
        gws, gbs = [None] * len(ws), [None] * len(ws)
        for i in range(len(ws) - 1, -1, -1):
            if act == "sigmoid":
                g = g * hs[i + 1] * (1 - hs[i + 1])
            elif i < len(ws) - 1:
                g = g * (hs[i + 1] > 0)
            gws[i] = hs[i].T @ g
            gbs[i] = g.sum(0)
            if i > 0 or convs:
                g = g @ ws[i].T
        gconv = []
        if convs:
            g = g.reshape(-1, 7, 7, 64)
            for j in range(len(convs) - 1, -1, -1):
                g, gw, gb = convs[j].backward(g, need_input=j > 0)
                gconv = [gw, gb] + gconv
        grads = gconv + gws + gbs
        if adam is None:
            for p_, g_ in zip(params, grads):
                p_ -= lr * g_
        else:
            adam.step(grads)
        return loss

    return step


# ---------------------------------------------------------------------------------------------
# JAX
# ---------------------------------------------------------------------------------------------

def build_jax(workload):
    import jax
    import jax.numpy as jnp

    batches = data(workload)
    key = jax.random.PRNGKey(0)
    if workload == "sum":
        x, y, z = (jnp.asarray(a) for a in batches[0])
        f = jax.jit(jax.value_and_grad(lambda x, y, z: jnp.sum(x * y + z), argnums=(0, 1, 2)))

        def step():
            c, g = f(x, y, z)
            jax.block_until_ready(g)
            return float(c)

        return step

    def glorot(key, shape, fan_in, fan_out):
        a = math.sqrt(6.0 / (fan_in + fan_out))
        return jax.random.uniform(key, shape, jnp.float32, -a, a)

    params = []
    if workload.startswith("cnn"):
        k, hidden, lr = CNN_SPECS[workload]
        for cin, cout in ((1, 32), (32, 64)):
            key, sub = jax.random.split(key)
            params += [glorot(sub, (k, k, cin, cout), k * k * cin, k * k * cout), jnp.zeros(cout, jnp.float32)]
        sizes = [7 * 7 * 64] + hidden + [10]
    elif workload == "xor":
        sizes, lr = [2] + [XOR_WIDTH] * XOR_DEPTH + [1], 0.1
    else:
        sizes, lr = [784] + MLP_SPECS[workload] + [10], 1e-3
    for a, b in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        params += [glorot(sub, (a, b), a, b), jnp.zeros(b, jnp.float32)]
    nconv = 4 if workload.startswith("cnn") else 0

    def forward(ps, x):
        h = x
        for i in range(0, nconv, 2):
            h = jax.lax.conv_general_dilated(h, ps[i], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
            h = jax.nn.relu(h + ps[i + 1])
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")
        h = h.reshape(h.shape[0], -1)
        dense = ps[nconv:]
        for i in range(0, len(dense), 2):
            h = h @ dense[i] + dense[i + 1]
            if workload == "xor":
                h = jax.nn.sigmoid(h)
            elif i < len(dense) - 2:
                h = jax.nn.relu(h)
        return h

    def loss(ps, x, y):
        out = forward(ps, x)
        if workload == "xor":
            p = jnp.clip(out, 1e-7, 1 - 1e-7)
            return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))
        return -jnp.mean(jax.nn.log_softmax(out)[jnp.arange(out.shape[0]), y])

    if workload == "xor":
        @jax.jit
        def train(ps, state, x, y):
            val, gs = jax.value_and_grad(loss)(ps, x, y)
            return [p - lr * g for p, g in zip(ps, gs)], state, val
        state = None
    else:
        b1, b2, eps = 0.9, 0.999, 1e-8

        @jax.jit
        def train(ps, state, x, y):
            m, v, t = state
            val, gs = jax.value_and_grad(loss)(ps, x, y)
            t = t + 1
            m = [b1 * a + (1 - b1) * g for a, g in zip(m, gs)]
            v = [b2 * a + (1 - b2) * g * g for a, g in zip(v, gs)]
            c1, s2 = 1 - b1 ** t, jnp.sqrt(1 - b2 ** t)
            ps = [p - lr * s2 / c1 * a / (jnp.sqrt(b) + eps * s2) for p, a, b in zip(ps, m, v)]
            return ps, (m, v, t), val
        state = ([jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params], jnp.float32(0))
    jb = [(jnp.asarray(x), jnp.asarray(y)) for x, y in batches]
    nxt = _cycle(jb)
    box = {"ps": params, "st": state}

    def step():
        box["ps"], box["st"], val = train(box["ps"], box["st"], *nxt())
        return float(val)

    return step
