"""The lecture's character-RNN labs on the native LSTM (``neuralab.nn.LSTM``): hello-RNN, a character
sequence, a long text with stacked LSTMs, and the daily-price regression.

* hello-RNN: one-hot ``"hihell"`` in, ``"ihello"`` out (each character predicts
  the next), an LSTM of 5 units and a Dense layer, Adam (lr 0.1), 50 iterations;
* char-seq: the same on a sentence of our own, its own vocabulary;
* long char-RNN: windows of 32 characters over the bundled paragraph
  (``neuralab.data.lectures_text()``), Embedding -> 2 stacked LSTM layers ->
  Dense, Adam; then greedy generation from its first characters;
* stock: 7-day windows of the bundled synthetic daily prices (min-max scaled on
  the training days), an LSTM regressing the next close, tested on the last 30%
  of the days against the persistence forecast (tomorrow = today).

``--quick`` trains the long text and the stock model for fewer steps.
"""
from __future__ import annotations

import os

import numpy as np

import neuralab as nl
from neuralab import data, nn, optim
from neuralab import functional as F

from ..core import experiment

SENTENCE = " if you want to learn, train a net"


class CharModel(nn.Module):
    """(Embedding or one-hot input) -> LSTM (``layers`` stacked) -> Dense over the vocabulary, per time step."""

    def __init__(self, vocab, hidden, embed=None, layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed) if embed else None
        self.rnn = nn.LSTM(embed or vocab, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Dense(hidden, vocab)
        self.vocab = vocab

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        out, _ = self.rnn(x)
        return nl.reshape(self.head(out), (-1, self.vocab))


def learn_string(text, hidden, iters, seed):
    """Train on one string (one-hot inputs ``text[:-1]``, targets ``text[1:]``); returns (prediction, losses)."""
    chars, _ = data.char_vocab(text)
    ids = data.sequences.encode(text, chars)
    x = np.eye(len(chars), dtype=np.float32)[ids[:-1]][None]
    y = ids[1:]
    nl.seed(seed)
    model = CharModel(len(chars), hidden)
    opt = optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for _ in range(iters):
        with nl.enable_grad():
            loss = F.softmax_cross_entropy(model(x), y)
        opt.apply_gradients(nl.gradients(loss, model.parameters()))
        losses.append(float(loss.numpy()))
    pred = data.sequences.decode(np.argmax(model(x).numpy(), axis=1), chars)
    return pred, losses


def long_text(steps, seed, seq=32, batch=32):
    """Train the stacked char-LSTM on the bundled paragraph; returns (accuracy, losses, generated text)."""
    from neuralab.train import Trainer

    text = data.lectures_text()
    chars, _ = data.char_vocab(text)
    ids = data.sequences.encode(text, chars)
    x, y = data.windows(ids, seq)
    nl.seed(seed)
    model = CharModel(len(chars), 128, embed=16, layers=2)
    tr = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=1e-2))
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        j = rng.integers(0, len(x), batch)
        loss, _ = tr.train_step(x[j], y[j].reshape(-1))
        losses.append(loss)
    model.eval()
    with nl.no_grad():
        hits = sum(int(np.sum(np.argmax(model(x[i:i + 256]).numpy(), axis=1) == y[i:i + 256].reshape(-1)))
                   for i in range(0, len(x), 256))
        gen = list(ids[:seq])
        for _ in range(120):
            out = model(np.array(gen[-seq:])[None]).numpy()
            gen.append(int(np.argmax(out[-1])))
    return hits / y.size, losses, data.sequences.decode(gen, chars)


def stock(steps, seed, window=7):
    """LSTM regression of the next close; returns (rmse, persistence rmse, mean-forecast rmse, losses, test series)."""
    from neuralab.train import Trainer

    s = data.stock_daily().astype(np.float32)
    cut = int(len(s) * 0.7)
    lo, hi = s[:cut].min(axis=0), s[:cut].max(axis=0)
    z = (s - lo) / (hi - lo + 1e-7)
    x, y = data.windows(z, window, target=4)
    n_train = cut - window
    xtr, ytr, xte, yte = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    class Reg(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(5, 16, batch_first=True)
            self.head = nn.Dense(16, 1)

        def forward(self, inp):
            out, _ = self.rnn(inp)
            return self.head(out[:, -1])

    nl.seed(seed)
    model = Reg()
    tr = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=1e-2), loss="mse")
    losses = [tr.train_step(xtr, ytr)[0] for _ in range(steps)]
    model.eval()
    with nl.no_grad():
        pred = model(xte).numpy().ravel()
    rmse = float(np.sqrt(np.mean((pred - yte) ** 2)))
    persist = float(np.sqrt(np.mean((xte[:, -1, 4] - yte) ** 2)))
    mean = float(np.sqrt(np.mean((ytr.mean() - yte) ** 2)))
    return rmse, persist, mean, losses, (yte, pred)


@experiment("rnn", "Character RNNs on the native LSTM: hello-RNN, char-seq, a long text, stock prices",
            "The lecture series' RNN labs (after the notes' 'NN LEGO play: recurrent network'): hello-RNN learns "
            "'ihello' from 'hihell', a character sequence, a long character RNN with stacked LSTM cells, and stock "
            "prediction from daily prices.", seeds=(1, 1))
def run(ctx):
    r = ctx.result
    seed = ctx.seeds[0]
    hello, hello_loss = learn_string("hihello", 5, 50, seed)
    r.check("hello-RNN prediction from 'hihell'", "ihello", hello, kind="equal")
    seq, seq_loss = learn_string(SENTENCE, 16, 100, seed)
    r.check("char-seq prediction (the sentence shifted by one)", SENTENCE[1:], seq, kind="equal")
    steps = 150 if ctx.quick else 1500
    acc, long_loss, gen = long_text(steps, seed)
    ctx.log(f"long text: next-character accuracy {acc:.3f}; generated {gen[:80]!r}")
    text = data.lectures_text()
    r.finding("The stacked char-LSTM learns the paragraph: next-character accuracy above 0.8 (quick) / 0.95 (full)",
              acc > (0.8 if ctx.quick else 0.95), f"{acc:.3f} after {steps} steps")
    r.finding("Its loss falls from about ln(vocabulary) to below 0.5", long_loss[0] > 3.0 and
              float(np.mean(long_loss[-10:])) < 0.5, f"{long_loss[0]:.2f} -> {np.mean(long_loss[-10:]):.3f}")
    prefix = len(os.path.commonprefix([gen, text]))
    r.note(f"generated from the first 32 characters: {gen!r} (the first {prefix} characters match the paragraph)")
    rmse, persist, mean, stock_loss, (yte, pred) = stock(150 if ctx.quick else 1000, seed)
    r.finding("The stock LSTM forecasts far better than the training mean and close to persistence "
              "(on a random walk, tomorrow = today is nearly the best forecast)",
              rmse < 0.5 * mean and rmse < 1.5 * persist,
              f"test RMSE {rmse:.4f}, persistence {persist:.4f}, mean {mean:.4f} (scaled prices)")
    r.table("Results", ["lab", "result"], [["hello-RNN", hello], ["char-seq", seq],
                                          ["long text: next-char accuracy", acc],
                                          ["stock: test RMSE / persistence RMSE", rmse / persist]])
    r.data.update(hello=hello, seq=seq, long_acc=acc, generated=gen, stock={"rmse": rmse, "persistence": persist,
                                                                               "mean": mean})
    with ctx.figure("rnn_losses", "Training loss of the hello-RNN, the char-seq, the stacked char-LSTM and the "
                    "stock LSTM", ncols=2, figsize=(10, 3.5)) as (fig, (a, b)):
        a.semilogy(hello_loss, label="hello-RNN")
        a.semilogy(seq_loss, label="char-seq")
        a.semilogy(np.convolve(long_loss, np.ones(10) / 10, mode="valid"), label="long text (smoothed)")
        a.semilogy(stock_loss, label="stock (mse)")
        a.set_xlabel("step")
        a.legend(fontsize=8)
        b.plot(yte, label="close (test days)")
        b.plot(pred, label="LSTM forecast")
        b.set_xlabel("test day")
        b.set_ylabel("scaled close")
        b.legend(fontsize=8)
