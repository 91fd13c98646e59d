"""The learned fit: how well a sentence of an article answers a question, by their vectors.

Fit by meaning (the cosine of the question's vector and the sentence's) says a sentence is about what was
asked; it does not say the sentence answers it. "Should I just stand all day now?" is close to every
sentence about standing desks; the one that answers it is "Alternating between sitting and standing
works best." The learned fit is a bilinear form over the same vectors (``q A Bᵀ u + q·diag(d)·u``, with
A and B of low rank), trained on the answer sets' questions (bench/data/answers: questions written by
people who read the articles but not the code, each naming the sentence a good answer states) to put the
sentence that answers first among the units the answerer scores (``bench/fit_train.py``, which also
measures it with each set left out of its training). Its score is one feature of a unit's score
(``extractive.FEATURES``), added to the hand-made ones; it writes nothing and chooses only among the
article's own sentences.

The model is a few numpy arrays in ``data/learned-fit.npz``, loaded once by the composition root; it is
used only with the embedding model whose vectors it was trained on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Where the trained model is kept (written by bench/fit_train.py).
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "learned-fit.npz"


@dataclass(frozen=True, eq=False)
class LearnedFit:
    """``fit(questions, units)``: each unit's learned fit to the question (the mean over the question's vectors)."""

    a: np.ndarray  # (dimension, rank)
    b: np.ndarray  # (dimension, rank)
    d: np.ndarray  # (dimension,)
    model_id: str  # the embedding model whose vectors it was trained on

    @property
    def dimension(self) -> int:
        return int(self.d.shape[0])

    def __call__(self, questions: np.ndarray, units: np.ndarray) -> np.ndarray:
        q = np.atleast_2d(np.asarray(questions, dtype=np.float32))
        u = np.atleast_2d(np.asarray(units, dtype=np.float32))
        if q.shape[1] != self.dimension or u.shape[1] != self.dimension:
            return np.zeros(len(u), dtype=np.float32)  # other vectors than it was trained on: no opinion
        return ((q @ self.a) @ (u @ self.b).T + (q * self.d) @ u.T).mean(axis=0)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, a=self.a.astype(np.float32), b=self.b.astype(np.float32), d=self.d.astype(np.float32),
                            model_id=np.array(self.model_id))
        tmp.replace(path)


def load_fit(model_id: str, dimension: int, path: Path = DEFAULT_PATH) -> LearnedFit | None:
    """The learned fit for vectors of ``model_id`` (None, with a warning, when there is none for them)."""
    try:
        with np.load(path) as data:
            fit = LearnedFit(np.asarray(data["a"], np.float32), np.asarray(data["b"], np.float32),
                             np.asarray(data["d"], np.float32), str(data["model_id"]))
    except (OSError, KeyError, ValueError) as exc:
        log.warning("no learned answer fit (%s): answers use the hand-made scores alone; python bench/fit_train.py makes one", exc)
        return None
    if fit.model_id != model_id or fit.dimension != dimension:
        log.warning("the learned answer fit was trained on %s vectors, not %s: not used", fit.model_id, model_id)
        return None
    return fit
