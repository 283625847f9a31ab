"""PyTorch's map-style Dataset/TensorDataset and the DataLoader over them (issue 9)."""
import numpy as np
import pytest

from neuralab import data

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_tensor_dataset_indexes_every_array():
    ds = data.TensorDataset(X, Y)
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi, X[3])
    assert yi == 3
    with pytest.raises(ValueError, match="array 0 has 10 samples but array 1 has 9"):
        data.TensorDataset(X, Y[:9])
    with pytest.raises(ValueError, match="scalar"):
        data.TensorDataset(np.float32(1.0))


def test_dataloader_over_a_tensor_dataset_equals_the_array_loader():
    a = list(data.DataLoader(X, Y, batch_size=3, shuffle=True, seed=4))
    b = list(data.DataLoader(data.TensorDataset(X, Y), batch_size=3, shuffle=True, seed=4))
    assert len(a) == len(b) == 4
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


class Squares(data.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.array([float(i)]), "y": i * i}


def test_dataloader_over_any_map_style_dataset_stacks_the_fields():
    batches = list(data.DataLoader(Squares(), batch_size=3))
    assert [b["y"].tolist() for b in batches] == [[0, 1, 4], [9, 16, 25], [36]]
    assert batches[0]["x"].shape == (3, 1)
    shuffled = list(data.DataLoader(Squares(), batch_size=3, shuffle=True, seed=1, drop_last=True))
    seen = sorted(int(v) for b in shuffled for v in b["y"])
    assert len(shuffled) == 2 and len(seen) == 6 and set(seen) <= {i * i for i in range(7)}


def test_every_sample_once_per_epoch_and_a_new_order_each_epoch():
    ld = data.DataLoader(data.TensorDataset(X, Y), batch_size=4, shuffle=True, seed=0)
    e1 = np.concatenate([yb for _, yb in ld])
    e2 = np.concatenate([yb for _, yb in ld])
    assert sorted(e1) == sorted(e2) == list(range(10))
    assert not np.array_equal(e1, e2)


def test_bad_loaders_are_errors():
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(X, Y, batch_size=0)
    with pytest.raises(TypeError, match="not a dataset and y"):
        data.DataLoader(Squares(), Y)
    with pytest.raises(NotImplementedError, match="__getitem__"):
        data.Dataset()[0]
    with pytest.raises(ValueError, match="cannot be stacked"):
        data.default_collate([np.zeros(2), np.zeros(3)])


def test_the_split_container_keeps_its_name_as_splits():
    ds = data.iris()
    assert isinstance(ds, data.Splits) and not isinstance(ds, data.Dataset)
