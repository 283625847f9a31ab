"""Search spaces: TOML parsing, errors that name the setting, and the narrowing rule's closed forms."""
import math

import pytest

from neuralab.tune.space import Choice, Grid, Int, LogUniform, SearchSpace, Uniform, hparam_string


def test_parse_every_kind_and_fixed_values():
    s = SearchSpace.from_dict({"space": {
        "lr": {"log_uniform": [1e-4, 1e-1]}, "dropout": {"uniform": [0, 0.5]},
        "batch_size": {"int": [16, 128], "log": True}, "layers": {"choice": ["256,256", "512,512,512,512"]},
        "optimizer": {"grid": ["adam", "sgd"]}, "seed": 3}})
    assert s.params == {"lr": LogUniform(1e-4, 1e-1), "dropout": Uniform(0.0, 0.5),
                        "batch_size": Int(16, 128, log=True), "layers": Choice(["256,256", "512,512,512,512"]),
                        "optimizer": Grid(["adam", "sgd"])}
    assert s.fixed == {"seed": 3}
    assert SearchSpace.from_dict(s.to_dict()) == s  # the form stored with a study reads back the same
    assert s.size() is None
    assert SearchSpace({"layers": {"choice": ["a", "b", "c"]}, "optimizer": {"grid": [1, 2]}}).size() == 6


@pytest.mark.parametrize("spec, msg", [
    ({"lr": {"log_uniform": [0, 1]}}, r"lr: log_uniform on a log scale needs bounds > 0, got \[0, 1\]"),
    ({"lr": {"uniform": [1, 1]}}, r"lr: uniform needs low < high, got \[1.0, 1.0\]"),
    ({"lr": {"uniform": [0, 1], "choice": [1]}}, "lr: expected exactly one of"),
    ({"dropout": [0, 0.5]}, r"dropout: a list is ambiguous; write \{choice = \[...\]\}"),
    ({"batch_size": {"int": [1.5, 4]}}, "batch_size: int bounds must be integers, got low = 1.5"),
    ({"layers": {"choice": []}}, "layers: choice needs a non-empty list"),
    ({"layers": {"choice": ["a", "a"]}}, "layers: choice lists a value twice"),
    ({"lr": {"uniform": [0, 1], "log": True}}, "lr: `log` applies to int only"),
    ({"seed": 1}, "every setting is fixed"),
    ({"momentum": {"uniform": [0, 1]}}, "unknown setting 'momentum'; tunable: batch_size, dropout, layers, lr, seed"),
])
def test_errors_name_the_setting(spec, msg):
    with pytest.raises(ValueError, match=msg):
        SearchSpace(spec, allowed=["lr", "dropout", "batch_size", "layers", "seed"])


def test_load_toml_file(tmp_path):
    p = tmp_path / "space.toml"
    p.write_text('lr = {log_uniform = [1e-4, 1e-1]}\nlayers = {choice = ["256,256", "512"]}\n')
    assert SearchSpace.load(str(p)).params["layers"] == Choice(["256,256", "512"])
    p.write_text("lr = {log_uniform = [1e-4, ")
    with pytest.raises(ValueError, match=r"--space: cannot parse .*space.toml"):
        SearchSpace.load(str(p))
    with pytest.raises(FileNotFoundError, match="--space: file .*nothere.toml not found"):
        SearchSpace.load(str(tmp_path / "nothere.toml"))


def test_grid_needs_grids_or_choices():
    with pytest.raises(ValueError, match="--sampler grid needs every parameter to be a grid or a choice; lr is "
                                         "log_uniform"):
        SearchSpace({"lr": {"log_uniform": [1e-3, 1e-1]}, "layers": {"grid": ["1", "2"]}}).grid()


def test_narrow_uniform_spans_the_kept_trials_plus_a_tenth_each_side():
    s = SearchSpace({"dropout": {"uniform": [0.0, 1.0]}})
    ranked = [{"dropout": v} for v in (0.4, 0.6, 0.1, 0.9, 0.2, 0.3, 0.7, 0.8)]  # best first; keep 2 of 8
    p = s.narrow(ranked).params["dropout"]
    assert (p.low, p.high) == pytest.approx((0.3, 0.7))


def test_narrow_to_a_quarter_around_the_best_and_clipped():
    s = SearchSpace({"dropout": {"uniform": [0.0, 1.0]}})
    p = s.narrow([{"dropout": 0.5}, {"dropout": 0.1}]).params["dropout"]  # keep 1: widened to a quarter
    assert (p.low, p.high) == pytest.approx((0.375, 0.625))
    p = s.narrow([{"dropout": 0.02}, {"dropout": 0.5}]).params["dropout"]  # at the edge: shifted inside
    assert (p.low, p.high) == pytest.approx((0.0, 0.25))


def test_narrow_log_uniform_works_on_logarithms():
    s = SearchSpace({"lr": {"log_uniform": [1e-5, 1e-1]}})  # 4 decades
    p = s.narrow([{"lr": 1e-3}, {"lr": 1e-5}, {"lr": 1e-1}, {"lr": 1e-2}]).params["lr"]
    # keep 1 (a quarter of 4): one decade centred on 1e-3 in log space
    assert (math.log10(p.low), math.log10(p.high)) == pytest.approx((-3.5, -2.5))


def test_narrow_int_rounds_outwards_and_collapses_to_a_value():
    s = SearchSpace({"batch_size": {"int": [10, 50]}, "lr": {"uniform": [0, 1]}})
    p = s.narrow([{"batch_size": 30, "lr": 0.5}, {"batch_size": 12, "lr": 0.1}]).params["batch_size"]
    assert (p.low, p.high) == (25, 35)  # 30 +- a quarter of 40 / 2
    s = SearchSpace({"batch_size": {"int": [1, 4]}, "lr": {"uniform": [0, 1]}})
    n = s.narrow([{"batch_size": 2, "lr": 0.5}])
    assert n.params["batch_size"] == Int(1, 3)
    tiny = SearchSpace({"batch_size": {"int": [2, 3]}, "lr": {"uniform": [0, 1]}})
    assert tiny.narrow([{"batch_size": 2, "lr": 0.5}]).params["batch_size"] == Int(2, 3)


def test_narrow_choices_keep_the_winners_in_order_and_fix_a_single_one():
    s = SearchSpace({"layers": {"choice": ["a", "b", "c", "d"]}, "opt": {"grid": ["x", "y"]}})
    ranked = [{"layers": "c", "opt": "x"}, {"layers": "a", "opt": "x"}, {"layers": "b", "opt": "y"},
              {"layers": "d", "opt": "y"}, {"layers": "d", "opt": "x"}, {"layers": "d", "opt": "y"},
              {"layers": "d", "opt": "y"}, {"layers": "d", "opt": "y"}]
    n = s.narrow(ranked)  # keep the best 2
    assert n.params == {"layers": Choice(["a", "c"])}
    assert n.fixed == {"opt": "x"}
    assert n.narrow([{"layers": "c"}]).params == {} and n.narrow([{"layers": "c"}]).fixed == {"opt": "x", "layers": "c"}


def test_narrowing_never_leaves_the_old_range_and_keeps_the_best():
    import random

    r = random.Random(0)
    s = SearchSpace({"lr": {"log_uniform": [1e-5, 1e-1]}, "d": {"uniform": [0, 0.5]}, "b": {"int": [8, 512]}})
    for _ in range(50):
        ranked = [{"lr": 10 ** r.uniform(-5, -1), "d": r.uniform(0, 0.5), "b": r.randint(8, 512)}
                  for _ in range(r.randint(1, 12))]
        n = s.narrow(ranked, keep=r.choice([0.1, 0.25, 1.0]))
        for k, old in s.params.items():
            new = n.params.get(k, n.fixed.get(k))
            lo, hi = (new.low, new.high) if hasattr(new, "low") else (new, new)
            assert old.low <= lo <= ranked[0][k] * (1 + 1e-12) and ranked[0][k] <= hi * (1 + 1e-12) <= old.high * (
                1 + 1e-12)
            if hasattr(new, "low") and k != "b":
                assert (math.log(hi / lo) if k == "lr" else hi - lo) >= 0.25 * (
                    math.log(old.high / old.low) if k == "lr" else old.high - old.low) * (1 - 1e-9)


def test_hparam_string_is_a_safe_folder_name():
    assert hparam_string({"lr": 0.001234, "layers": "256,256", "batch_norm": True}) == \
        "lr=0.00123,layers=256x256,batch_norm=True"
    assert hparam_string({"init": "a/b c"}) == "init=a_b_c"
