"""Which ink makes which digit: cut hypotheses scored by the model, best path by dynamic programming.

The marks that may hold digits are over-segmented into *pieces*: a mark wider than a digit is
cut at the minima of its vertical ink projection (touching digits meet where there is little
ink). Any run of neighbouring pieces that could be one digit (not too wide, tall enough, no gap
between its pieces) is a *candidate*; every candidate goes through the model's own
normalisation and all of them are classified in one batch. The reading is the sequence of
candidates covering the pieces that maximises the summed log-probabilities plus a small
geometric prior, so a broken digit is read whole when its parts make a better digit together,
and touching digits are cut where the model sees two good digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..preprocess import NoInkError
from .candidate_inputs import normalize_many
from .marks import DIGIT, Mark

# A mark wider than this (in digit heights) may hold touching digits and gets cut hypotheses.
CUT_WIDTH = 0.85
# Narrowest piece a cut may leave (digit heights): a "1" is about this narrow.
MIN_PIECE = 0.14
MAX_CUTS = 5
# A candidate wider than this (digit heights) is penalised: one digit rarely is.
WIDE = 1.0
# Pieces further apart than this (digit heights) cannot be parts of one digit.
MAX_GAP = 0.2
MAX_PIECES = 4
# Pieces shorter than this (digit heights) are fragments: a 5's bar, the top of a broken 4.
FRAGMENT = 0.6
# Cost (log-probability) of leaving a piece out of the reading: cheap for slivers, dear for ink
# as tall as a digit.
SKIP_SMALL, SKIP_BIG = -1.0, -8.0
# Neighbouring digits may overlap by this share of the narrower one for free; beyond, each
# share of overlap costs OVERLAP_COST (log-probability): parts that overlap belong together.
OVERLAP_FREE, OVERLAP_COST = 0.3, 4.0
# Reading part of a mark as a digit costs PARTIAL_COST per digit-height its mark falls short
# of SEVERAL digit-heights wide (the width of two touching digits).
PARTIAL_COST, SEVERAL = 5, 1.6
# Price of each digit read, so that two good halves do not beat one good whole by a hair.
PER_DIGIT = -0.15


@dataclass(frozen=True)
class Piece:
    mark: Mark
    x0: int     # columns [x0, x1) of the mark that belong to this piece
    x1: int
    y0: int     # rows of the piece's own ink
    y1: int

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Candidate:
    first: int      # pieces [first, last) of the reading order
    last: int
    image: np.ndarray | None = None
    box: tuple[int, int, int, int] = (0, 0, 0, 0)   # x, y, w, h in the (upright) ink
    prior: float = 0.0
    probs: np.ndarray | None = None

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probs))

    @property
    def confidence(self) -> float:
        return float(self.probs[self.digit])

    def score(self) -> float:
        return math.log(max(self.confidence, 1e-6)) + self.prior + PER_DIGIT


def _rows_of(cols_mask: np.ndarray, y0: int) -> tuple[int, int]:
    rows = np.flatnonzero(cols_mask.any(axis=1))
    return y0 + int(rows[0]), y0 + int(rows[-1]) + 1


def cut_pieces(owner: np.ndarray, mark: Mark, height: float) -> list[Piece]:
    """The mark itself, or its parts between the likeliest cuts if it is wide enough to be several."""
    if mark.w <= CUT_WIDTH * height:
        return [Piece(mark, mark.x0, mark.x1, mark.y0, mark.y1)]
    box = owner[mark.y0 : mark.y1, mark.x0 : mark.x1] == mark.label
    profile = box.sum(axis=0).astype(np.float32)
    smooth = np.convolve(profile, np.ones(3, dtype=np.float32) / 3, mode="same")
    margin = max(2, int(MIN_PIECE * height))
    spacing = max(3, int(0.2 * height))
    inner = np.arange(margin, mark.w - margin)
    if inner.size == 0:
        return [Piece(mark, mark.x0, mark.x1, mark.y0, mark.y1)]
    s = smooth[inner]
    left = smooth[inner - 1]
    right = smooth[np.minimum(inner + 1, mark.w - 1)]
    minima = inner[(s <= left) & (s <= right)]
    chosen: list[int] = []
    most = max(MAX_CUTS, int(2.5 * mark.w / height))
    for c in sorted(minima.tolist(), key=lambda c: (smooth[c], abs(c - mark.w / 2))):
        if len(chosen) >= most:
            break
        if all(abs(c - o) >= spacing for o in chosen):
            chosen.append(c)
    bounds = [0] + sorted(chosen) + [mark.w]
    pieces = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        part = box[:, a:b]
        if not part.any():
            continue
        y0, y1 = _rows_of(part, mark.y0)
        pieces.append(Piece(mark, mark.x0 + a, mark.x0 + b, y0, y1))
    return pieces


def _may_join(a: Piece, b: Piece, height: float) -> bool:
    """Whether neighbouring pieces could be parts of one digit.

    Parts cut from one mark may; so may pieces that overlap or touch horizontally or where one
    is a fragment (shorter than a digit). Two whole, full-height marks side by side are two
    digits: trying them as one costs a model call and invites a confident wrong merge.
    """
    if a.mark is b.mark:
        return True
    if min(a.y1 - a.y0, b.y1 - b.y0) < FRAGMENT * height:
        return True
    return min(a.x1, b.x1) - max(a.x0, b.x0) >= -1


def _partial_cost(parts: list[Piece], height: float) -> float:
    """Cost of reading only part of a mark as a digit: cutting one piece of ink into several
    digits needs the ink to be wide enough to hold several. A half of a 0 or 4 reads as a
    confident 1 to a digit model, so the cut itself must be paid for."""
    spans: dict[int, list] = {}     # each mark's columns among the parts, in order of first part
    for q in parts:
        s = spans.get(id(q.mark))
        if s is None:
            spans[id(q.mark)] = [q.mark, q.x0, q.x1]
        else:
            s[1], s[2] = min(s[1], q.x0), max(s[2], q.x1)
    cost = 0.0
    for m, x0, x1 in spans.values():
        if x0 > m.x0 or x1 < m.x1:
            cost -= PARTIAL_COST * max(0.0, SEVERAL - m.w / height)
    return cost


def candidates(pieces: list[Piece], height: float) -> list[Candidate]:
    """Every run of neighbouring pieces that could be one digit."""
    out = []
    n = len(pieces)
    for i in range(n):
        x0, x1 = pieces[i].x0, pieces[i].x1
        y0, y1 = pieces[i].y0, pieces[i].y1
        for j in range(i + 1, min(n, i + MAX_PIECES) + 1):
            if j > i + 1:
                p = pieces[j - 1]
                if p.x0 - x1 > MAX_GAP * height:
                    break
                if not _may_join(pieces[j - 2], p, height):
                    break
                x0, x1 = min(x0, p.x0), max(x1, p.x1)
                y0, y1 = min(y0, p.y0), max(y1, p.y1)
            w, h = x1 - x0, y1 - y0
            if w > 1.6 * height:
                break
            if h < 0.45 * height:
                continue
            prior = -3.0 * max(0.0, w / height - WIDE)
            prior += _partial_cost(pieces[i:j], height)
            out.append(Candidate(i, j, prior=prior))
    return out


def _own_ink(cand: Candidate, pieces: list[Piece], owner: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The candidate's own ink (its pieces' pixels, nothing else) and its top-left corner."""
    parts = pieces[cand.first : cand.last]
    x0 = min(p.x0 for p in parts)
    x1 = max(p.x1 for p in parts)
    y0 = min(p.y0 for p in parts)
    y1 = max(p.y1 for p in parts)
    own = owner[y0:y1, x0:x1]
    keep = np.zeros(own.shape, dtype=bool)
    for p in parts:
        keep[:, p.x0 - x0 : p.x1 - x0] |= own[:, p.x0 - x0 : p.x1 - x0] == p.mark.label
    return np.where(keep, ink[y0:y1, x0:x1], 0.0), x0, y0


def render_all(cands: list[Candidate], pieces: list[Piece], owner: np.ndarray, ink: np.ndarray) -> None:
    """Each candidate's own ink, normalised like MNIST (sets ``image`` and ``box``; a candidate
    without ink gets an impossible prior). All at once: the same inputs as one at a time."""
    made = [_own_ink(c, pieces, owner, ink) for c in cands]
    for c, (_, x0, y0), result in zip(cands, made, normalize_many([m[0] for m in made])):
        if isinstance(result, NoInkError):
            c.prior = -math.inf
            continue
        c.image, (bx, by, bw, bh) = result
        c.box = (x0 + bx, y0 + by, bw, bh)


def _span(c: Candidate, pieces: list[Piece]) -> tuple[int, int]:
    parts = pieces[c.first : c.last]
    return min(p.x0 for p in parts), max(p.x1 for p in parts)


def _between(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Cost of reading two neighbouring spans as two digits: digits side by side overlap little."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    narrower = max(1, min(a[1] - a[0], b[1] - b[0]))
    return OVERLAP_COST * max(0.0, overlap / narrower - OVERLAP_FREE)


def best_path(n: int, cands: list[Candidate], pieces: list[Piece], height: float) -> list[Candidate]:
    """The candidates covering pieces 0..n-1 (some may be skipped) with the highest total score.

    Dynamic programming over candidates ordered by their last piece; a step from one digit to
    the next pays for how much the two overlap horizontally.
    """
    live = [c for c in cands if c.image is not None and math.isfinite(c.prior)]
    nodes: list[tuple[int, int, float, Candidate | None, tuple[int, int] | None]] = []
    for c in live:
        nodes.append((c.first, c.last, c.score(), c, _span(c, pieces)))
    for i, p in enumerate(pieces):
        skip = SKIP_SMALL if (p.y1 - p.y0) < 0.5 * height else SKIP_BIG
        nodes.append((i, i + 1, skip, None, None))
    nodes.sort(key=lambda t: t[1])
    by_last: dict[int, list[int]] = {}
    best = [-math.inf] * len(nodes)
    back = [-1] * len(nodes)
    for k, (first, last, score, cand, span) in enumerate(nodes):
        if first == 0:
            best[k] = score
        for m in by_last.get(first, ()):
            v = best[m] + score
            if span is not None and nodes[m][4] is not None:
                v -= _between(nodes[m][4], span)
            if v > best[k]:
                best[k], back[k] = v, m
        by_last.setdefault(last, []).append(k)
    ends = [k for k in by_last.get(n, ()) if math.isfinite(best[k])]
    if not ends:
        return []
    k = max(ends, key=lambda e: best[e])
    path = []
    while k >= 0:
        if nodes[k][3] is not None:
            path.append(nodes[k][3])
        k = back[k]
    return path[::-1]


class _Lattice:
    """:func:`best_path`'s graph (candidates, then one skip node per piece) for bounding paths.

    A candidate's score is at most ``prior + PER_DIGIT`` (its log-confidence is at most 0), so
    the best path through a candidate not yet scored can be bounded from above and compared
    with a path already known: :func:`scored_candidates`.
    """

    def __init__(self, n: int, cands: list[Candidate], pieces: list[Piece], height: float):
        spans = [_span(c, pieces) for c in cands]
        count = len(cands)
        self.n, self.count = n, count
        self.first = [c.first for c in cands] + list(range(n))
        self.last = [c.last for c in cands] + list(range(1, n + 1))
        self.skips = [SKIP_SMALL if (p.y1 - p.y0) < 0.5 * height else SKIP_BIG for p in pieces]
        ending: list[list[int]] = [[] for _ in range(n + 1)]
        for k, last in enumerate(self.last):
            ending[last].append(k)
        size = count + n
        self.preds: list[list[tuple[int, float]]] = [[] for _ in range(size)]
        self.succs: list[list[tuple[int, float]]] = [[] for _ in range(size)]
        for k in range(size):
            for m in ending[self.first[k]]:
                cost = _between(spans[m], spans[k]) if m < count and k < count else 0.0
                self.preds[k].append((m, cost))
                self.succs[m].append((k, cost))
        self.order = sorted(range(size), key=self.last.__getitem__)

    def forward(self, scores: list[float]) -> list[float]:
        """Best value of a path from piece 0 up to and including each node (-inf: excluded)."""
        best = [-math.inf] * len(scores)
        first, preds = self.first, self.preds
        for k in self.order:
            s = scores[k]
            if s == -math.inf:
                continue
            b = 0.0 if first[k] == 0 else -math.inf
            for m, cost in preds[k]:
                v = best[m] - cost
                if v > b:
                    b = v
            best[k] = b + s
        return best

    def through(self, scores: list[float]) -> list[float]:
        """Best value of a whole path through each node."""
        ahead = self.forward(scores)
        behind = [-math.inf] * len(scores)
        last, succs, n = self.last, self.succs, self.n
        for k in reversed(self.order):
            s = scores[k]
            if s == -math.inf:
                continue
            b = 0.0 if last[k] == n else -math.inf
            for m, cost in succs[k]:
                v = behind[m] - cost
                if v > b:
                    b = v
            behind[k] = b + s
        return [a + b - s if s != -math.inf else -math.inf for a, b, s in zip(ahead, behind, scores)]

    def best(self, scores: list[float]) -> float:
        ahead = self.forward(scores)
        return max((ahead[k] for k, last in enumerate(self.last) if last == self.n), default=-math.inf)


# Slack for float rounding when a bound is compared with a path's value.
_SLACK = 1e-6


def scored_candidates(n: int, cands: list[Candidate], pieces: list[Piece], height: float, score) -> list[Candidate]:
    """The candidates :func:`best_path` needs, scored; ``score(some)`` renders and classifies
    some candidates (sets ``image`` and ``probs``, or an impossible prior).

    Scoring is most of segmentation's cost, and most candidates cannot be on the best path. First
    the candidates on the paths that would be best if every candidate read with certainty are
    scored; then every other candidate whose best path, at that bound, cannot reach the best path
    now known is left out. It lies on no path as good as the best, so :func:`best_path` over the
    rest returns the same path (ties included: a left-out candidate never ties). On the tuning
    cheques about a third of the candidates are scored, most amounts in one batch.
    """
    count = len(cands)
    lattice = _Lattice(n, cands, pieces, height)
    bound = [c.prior + PER_DIGIT for c in cands] + lattice.skips
    through = lattice.through(bound)
    top = max(through[:count], default=-math.inf)
    first = [i for i in range(count) if through[i] >= top - _SLACK]
    score([cands[i] for i in first])
    exact = list(bound)
    known = [-math.inf] * count + lattice.skips
    for i in first:
        c = cands[i]
        exact[i] = known[i] = c.score() if c.probs is not None and math.isfinite(c.prior) else -math.inf
    done = set(first)
    floor = lattice.best(known) - _SLACK
    through = lattice.through(exact)
    rest = [cands[i] for i in range(count) if i not in done and through[i] >= floor]
    if rest:
        score(rest)
    return [c for c in cands if c.probs is not None]


def digit_pieces(owner: np.ndarray, marks: list[Mark], height: float) -> list[Piece]:
    """Pieces of every digit mark, in reading order (left to right by centre)."""
    pieces = []
    for m in marks:
        if m.kind == DIGIT:
            pieces.extend(cut_pieces(owner, m, height))
    pieces.sort(key=lambda p: p.cx)
    return pieces
