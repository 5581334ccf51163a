"""Figures for the model card: accuracy, confusion matrix, per-class precision and recall, and
the confidence threshold below which the app should ask a person."""

from __future__ import annotations

import numpy as np

from digitdesk.contract import NUM_CLASSES

# Accepted (not reviewed) predictions may be wrong at most this often on validation.
REVIEW_MAX_ERROR = 0.001


def confusion(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Rows: true digit, columns: predicted digit. Predictions of -1 (no digit) count nowhere."""
    cm = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    keep = y_pred >= 0
    np.add.at(cm, (y_true[keep], y_pred[keep]), 1)
    return cm


def report(y_true: np.ndarray, probs: np.ndarray, ok: np.ndarray | None = None) -> dict:
    """Accuracy and per-class figures. Rows with ``ok`` False (the app found no digit) count
    as errors."""
    pred = probs.argmax(axis=1)
    if ok is not None:
        pred = np.where(ok, pred, -1)
    cm = confusion(y_true, pred)
    support = np.bincount(y_true, minlength=NUM_CLASSES)
    predicted = cm.sum(axis=0)
    tp = np.diag(cm)
    return {
        "images": int(len(y_true)),
        "accuracy": float(np.mean(pred == y_true)),
        "errors": int(np.sum(pred != y_true)),
        "per_class": {
            str(c): {
                "precision": float(tp[c] / predicted[c]) if predicted[c] else 0.0,
                "recall": float(tp[c] / support[c]) if support[c] else 0.0,
                "support": int(support[c]),
            }
            for c in range(NUM_CLASSES)
        },
        "confusion_matrix": cm.tolist(),
    }


def review_threshold(y_true: np.ndarray, probs: np.ndarray, max_error: float = REVIEW_MAX_ERROR) -> dict:
    """The lowest max-softmax confidence at which accepted predictions are wrong at most
    ``max_error`` of the time on this (validation) set.

    Why this rule: a reader of cheques and forms cares about silent errors, not about how
    many digits it asks about; fixing the error rate of what is accepted is the promise the
    app can make, and the lowest such threshold sends the fewest digits to review.
    """
    conf = probs.max(axis=1)
    wrong = probs.argmax(axis=1) != y_true
    order = np.argsort(-conf, kind="stable")
    conf_s, wrong_s = conf[order], wrong[order]
    cum_err = np.cumsum(wrong_s) / np.arange(1, len(conf_s) + 1)
    # Accepting the top k by confidence; only cut between distinct confidence values.
    distinct = np.r_[conf_s[1:] < conf_s[:-1], True]
    good = np.flatnonzero((cum_err <= max_error) & distinct)
    k = int(good[-1]) + 1 if good.size else 0
    threshold = float(conf_s[k - 1]) if k else 1.0
    accepted = conf >= threshold if k else np.zeros_like(wrong)
    return {
        "review_threshold": threshold,
        "rule": f"lowest max-softmax confidence at which accepted validation predictions have "
                f"error rate <= {max_error:.3%}",
        "validation_accepted_fraction": float(accepted.mean()),
        "validation_accepted_error_rate": float(wrong[accepted].mean()) if accepted.any() else 0.0,
        "validation_errors_sent_to_review": int(np.sum(wrong & ~accepted)),
        "validation_errors_total": int(wrong.sum()),
    }
