import numpy as np
import pytest
import torch.nn as nn

from gdl_utils.models import MLP
from gdl_utils.runtime import set_seed
from gdl_utils.training import fit, predict
from gdl_utils.training.crossval import cross_val_predict


def _data(rng):
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    return X, y


def test_out_of_fold_predictions_match_manual_loop(rng):
    X, y = _data(rng)
    folds = [
        (np.arange(20, 60), np.arange(0, 20)),
        (np.concatenate([np.arange(0, 20), np.arange(40, 60)]), np.arange(20, 40)),
        (np.arange(0, 40), np.arange(40, 60)),
    ]
    make = lambda: MLP(5, hidden_sizes=(8,))  # noqa: E731
    got = cross_val_predict(
        make,
        X,
        y,
        folds,
        loss_fn=nn.BCEWithLogitsLoss(),
        seed=3,
        epochs=60,
        lr=1e-2,
        verbose=False,
    )
    expected = np.empty((60, 1), dtype=np.float32)
    for k, (tr, te) in enumerate(folds):
        set_seed(3 + k)
        model = make()
        fit(
            model,
            (X[tr], y[tr]),
            loss_fn=nn.BCEWithLogitsLoss(),
            seed=3 + k,
            epochs=60,
            lr=1e-2,
            verbose=False,
        )
        expected[te] = predict(model, X[te])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    assert ((got[:, 0] > 0) == y).mean() > 0.7  # it learned something out of fold


def test_rows_outside_every_test_part_are_nan(rng):
    X, y = _data(rng)
    got = cross_val_predict(
        lambda: MLP(5),
        X,
        y,
        [(np.arange(10, 60), np.arange(0, 10))],
        loss_fn=nn.BCEWithLogitsLoss(),
        epochs=1,
        verbose=False,
    )
    assert np.isfinite(got[:10]).all() and np.isnan(got[10:]).all()


def test_bad_input(rng):
    X, y = _data(rng)
    with pytest.raises(ValueError, match="X has 60 rows .* y has 59"):
        cross_val_predict(lambda: MLP(5), X, y[:-1], [], loss_fn=nn.BCEWithLogitsLoss())
    with pytest.raises(ValueError, match="no folds"):
        cross_val_predict(lambda: MLP(5), X, y, [], loss_fn=nn.BCEWithLogitsLoss())


def test_seed_none_is_not_reproducible_but_runs(rng):
    X, y = _data(rng)
    folds = [(np.arange(20, 60), np.arange(0, 20))]
    runs = [
        cross_val_predict(
            lambda: MLP(5),
            X,
            y,
            folds,
            loss_fn=nn.BCEWithLogitsLoss(),
            epochs=2,
            verbose=False,
        )
        for _ in range(2)
    ]
    assert np.isfinite(runs[0][:20]).all() and not np.array_equal(runs[0], runs[1])
    seeded = [
        cross_val_predict(
            lambda: MLP(5),
            X,
            y,
            folds,
            loss_fn=nn.BCEWithLogitsLoss(),
            epochs=2,
            seed=4,
            verbose=False,
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(seeded[0], seeded[1])
