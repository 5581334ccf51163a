"""How training/cascade.py picks a stage's threshold and what it reports (synthetic numbers)."""

import numpy as np
import pytest


def probs_for(labels: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Probabilities whose argmax is ``labels`` with max ``confidence`` (the rest spread evenly)."""
    p = np.repeat(((1 - confidence) / 9)[:, None], 10, axis=1)
    p[np.arange(len(labels)), labels] = confidence
    return p.astype(np.float32)


def test_threshold_is_the_lowest_confidence_where_the_stage_is_no_worse_than_the_full_model():
    from training.cascade import threshold

    y = np.zeros(10, dtype=int)
    conf = np.array([0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90])
    stage_pred = y.copy()
    stage_pred[5] = 1                        # the stage's first error, at 0.94
    full_pred = y.copy()                     # the full model is right everywhere
    t = threshold(y, probs_for(stage_pred, conf), probs_for(full_pred, np.full(10, 0.99)))
    assert t == pytest.approx(0.95)          # accept 0.99..0.95, not the 0.94 mistake

    full_pred[7] = 2                         # the full model errs too, later: still stop at the first
    t = threshold(y, probs_for(stage_pred, conf), probs_for(full_pred, np.full(10, 0.99)))
    assert t == pytest.approx(0.95)

    full_pred[0] = 3                         # an early full-model error makes room for the stage's
    t = threshold(y, probs_for(stage_pred, conf), probs_for(full_pred, np.full(10, 0.99)))
    assert t == pytest.approx(0.90)

    stage_pred[0] = 4                        # wrong at the very top: the stage answers nothing
    full_pred[0] = 0
    assert threshold(y, probs_for(stage_pred, conf), probs_for(full_pred, np.full(10, 0.99))) == 1.0


def test_combine_gives_each_row_to_the_first_sure_stage_else_the_full_model():
    from training.cascade import cascade_figures, combine

    y = np.array([0, 1, 2, 3])
    first = probs_for(np.array([0, 9, 9, 9]), np.array([0.99, 0.50, 0.50, 0.50]))
    second = probs_for(np.array([9, 1, 9, 9]), np.array([0.50, 0.97, 0.60, 0.50]))
    full = probs_for(np.array([0, 1, 2, 8]), np.array([0.95, 0.95, 0.95, 0.95]))
    combined, shares = combine([first, second], [0.98, 0.96], full)
    assert combined.argmax(1).tolist() == [0, 1, 2, 8]
    assert np.array_equal(combined[0], first[0]) and np.array_equal(combined[1], second[1])
    assert np.array_equal(combined[2:], full[2:])
    assert shares == [0.25, 0.25]
    figures = cascade_figures(y, [first, second], full, [0.98, 0.96], review=0.9)
    assert figures["cascade_accuracy"] == 0.75 and figures["full_accuracy"] == 0.75
    assert figures["read_by_stage"] == [0.25, 0.25]
    assert figures["status_ok_cascade"] == {"fraction": 1.0, "error_rate": 0.25}
