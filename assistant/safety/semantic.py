"""The semantic red-flag detector: each clause compared with the catalogue's lay exemplars.

Patterns catch what they were written for; people describe the same warning sign
in words nobody listed. This detector embeds every clause of the visitor's
messages with the bundled model and finds the closest exemplar in the red-flag
catalogue. A clause that is very close to a warning sign's exemplars, and
clearly closer to them than to that catalogue's hard negatives (past events,
negations, gym soreness ...), raises that flag's level; one that is only fairly
close puts the flag in the caution band, so the answer leads with its
conditional safety line. Thresholds are calibrated in bench/triage_calibrate.py
on the development sets, recall first.

Exemplar and hard-negative vectors are computed once per catalogue and model and
kept beside the store (``triage-vectors-<hash>.npz``), so a restart does not
re-embed them.

A third check is learned from the writers: every conversation of the independent message
sets written so far (and the catalogue's exemplars and hard negatives) is kept as a vector
with its label (bench/triage_train.py). A new conversation's vector (the mean of its
messages' vectors, which this detector makes anyway) is compared with them; when the
nearest ones are mostly emergencies, the conversation as a whole reads like one. The
emergency flag whose exemplars are nearest then gives the reply (999, or 999 and the crisis
line); when the neighbours are only fairly often emergencies, that flag's safety line leads
the answer (the caution band). Nearest neighbours replaced a linear model in round T:
left out one writer's set at a time, they found 72% of its emergencies where the linear
model found 17%, at the same 0.5% of routine conversations escalated (docs/safety.md).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.core.embedding import Embedder, SpanEmbedder
from assistant.safety.catalogue import EMERGENCY, Catalogue, Flag, load_catalogue
from assistant.safety.triage import _HYPOTHETICAL, _NEGATION, Finding, prepare

log = logging.getLogger(__name__)

#: Calibrated on the development sets (bench/triage_calibrate.py); see docs/safety.md.
ESCALATE_AT = 0.80
CAUTION_AT = 0.62
MARGIN = 0.08
MIN_WORDS = 3
#: The learned model's caution band names a sign only when some clause comes at least this close to one of
#: its exemplars; below that the nearest sign is a guess ("can my husband come in with me? I'm a bit anxious"
#: got the domestic-abuse line). Its escalations do not depend on it.
LEARNED_NEAR = 0.45


#: The learned emergency model for each embedding backend (bench/triage_train.py); fp32 backends
#: share the torch one, int8 ones the onnx-int8 one (their vectors differ slightly).
_LEARNED = Path(__file__).resolve().parent / "data"


def neighbour_scores(queries: np.ndarray, vectors: np.ndarray, emergency: np.ndarray, k: int, prior: float) -> np.ndarray:
    """For each query vector, the share of emergencies among its ``k`` nearest labelled vectors, each weighted
    by its similarity; ``prior`` is added to the weights' sum, so that closer neighbours count for more than
    the same labels further away (and ties at "all emergencies" are broken by how close they are)."""
    sims = np.atleast_2d(queries) @ vectors.T
    k = min(k, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    weights = np.clip(np.take_along_axis(sims, nearest, axis=1), 1e-6, None)
    return (weights * emergency[nearest]).sum(axis=1) / (weights.sum(axis=1) + prior)


@dataclass(frozen=True)
class LearnedModel:
    """Labelled conversation vectors: emergency when the nearest ``k`` score at least ``threshold``."""

    vectors: np.ndarray  # one unit-length vector per labelled conversation
    emergency: np.ndarray  # whether each was an emergency (0 or 1)
    k: int
    prior: float
    threshold: float  # escalate from here
    caution: float  # the nearest sign's safety line from here
    model_id: str = ""  # the embedding model whose vectors it was trained on

    def score(self, vector: np.ndarray) -> float:
        return float(neighbour_scores(vector, self.vectors, self.emergency, self.k, self.prior)[0])


#: Stored vectors are int8 (a unit vector's numbers times 127): a quarter of the size, the same neighbours.
SCALE = 127.0


def load_learned(backend: str, folder: Path = _LEARNED) -> LearnedModel | None:
    """The learned model for ``backend`` (None, with a warning, when none was trained for it)."""
    name = "onnx-int8" if backend.endswith("int8") else "torch"
    path = folder / f"learned-{name}.npz"
    try:
        with np.load(path) as data:
            return LearnedModel(
                np.asarray(data["vectors"], dtype=np.float32) / SCALE, np.asarray(data["emergency"], dtype=np.float32),
                int(data["k"]), float(data["prior"]), float(data["threshold"]), float(data["caution"]), str(data["model_id"]),
            )
    except (OSError, KeyError, ValueError) as exc:
        log.warning("no learned emergency model for %s embeddings (%s): run python bench/triage_train.py", backend, exc)
        return None


def conversation_vector(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The normalised mean of the messages' vectors."""
    mean = np.mean(np.asarray(vectors, dtype=np.float32), axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


@dataclass(frozen=True)
class SemanticResult:
    findings: tuple[Finding, ...] = ()  # escalations over the whole conversation
    latest: tuple[Finding, ...] = ()  # escalations from the newest message alone
    caution: tuple[Flag, ...] = ()  # flags the conversation came close to


class SemanticDetector:
    """Nearest-exemplar search over the red-flag catalogue, clause by clause."""

    def __init__(
        self,
        embedder: Embedder,
        catalogue: Catalogue | None = None,
        cache_dir: Path | None = None,
        escalate_at: float = ESCALATE_AT,
        caution_at: float = CAUTION_AT,
        margin: float = MARGIN,
        learned: LearnedModel | None | bool = True,
    ):
        """``learned``: True loads the model trained for the embedder's backend; False or None runs without it."""
        self.embedder = embedder
        self._learned = learned
        self.catalogue = catalogue or load_catalogue()
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.escalate_at, self.caution_at, self.margin = escalate_at, caution_at, margin
        self._lock = threading.Lock()
        self._index: tuple[np.ndarray, np.ndarray, list[Flag]] | None = None
        self._emergency: np.ndarray | None = None  # which exemplars belong to emergency flags, with the index

    # ------------------------------------------------------------------ the exemplar index

    def _key(self) -> str:
        text = "\n".join(f"{f.id}\t{e}" for f in self.catalogue.flags for e in (*f.exemplars, "--", *f.hard_negatives))
        return hashlib.sha256(f"{self.embedder.model_id}\n{self._backend()}{text}".encode()).hexdigest()[:16]

    def _backend(self) -> str:
        """The backend, when not the original one: its vectors differ slightly, so they are cached apart."""
        backend = getattr(self.embedder, "backend", "torch")
        return "" if backend == "torch" else f"{backend}\n"

    def _build(self) -> tuple[np.ndarray, np.ndarray, list[Flag]]:
        owners = [f for f in self.catalogue.flags for _ in f.exemplars]
        exemplars = [e for f in self.catalogue.flags for e in f.exemplars]
        negatives = [h for f in self.catalogue.flags for h in f.hard_negatives]
        path = self.cache_dir / f"triage-vectors-{self._key()}.npz" if self.cache_dir else None
        if path is not None and path.is_file():
            try:
                data = np.load(path)
                if data["exemplars"].shape[0] == len(exemplars) and data["negatives"].shape[0] == len(negatives):
                    return data["exemplars"], data["negatives"], owners
            except (OSError, ValueError, KeyError):
                log.warning("ignoring an unreadable triage vector cache at %s", path)
        vectors = self.embedder.embed_documents([*exemplars, *negatives])
        ex, neg = np.asarray(vectors[: len(exemplars)]), np.asarray(vectors[len(exemplars) :])
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, exemplars=ex, negatives=neg)
                tmp.replace(path)
            except OSError as exc:
                log.warning("could not keep the triage vectors in %s: %s", path, exc)
        return ex, neg, owners

    def warm(self) -> None:
        """Embed the catalogue now rather than on the first message."""
        self._vectors()
        self.learned()

    def learned(self) -> LearnedModel | None:
        """The learned model, if it fits this embedder (same model, same dimension)."""
        if self._learned is True:
            model = load_learned(getattr(self.embedder, "backend", "torch"))
            if model is not None and (model.model_id != self.embedder.model_id or model.vectors.shape[1] != self.embedder.dimension):
                log.warning("the learned emergency model was trained on %s vectors, not %s: not used", model.model_id, self.embedder.model_id)
                model = None
            self._learned = model
        return self._learned or None

    def _vectors(self) -> tuple[np.ndarray, np.ndarray, list[Flag]]:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    index = self._build()
                    self._emergency = np.array([f.level == EMERGENCY for f in index[2]], dtype=bool)
                    self._index = index
        return self._index

    # ------------------------------------------------------------------ clauses

    def assess(self, messages: Sequence[str]) -> SemanticResult:
        """Compare each visitor message, whole and clause by clause, with the catalogue's exemplars.

        One forward pass per message gives its vector (the one search reuses) and its
        clauses' vectors (the mean of their contextual token vectors).
        """
        exemplars, negatives, flags = None, None, None
        findings, latest, caution = {}, {}, {}
        wholes: list[np.ndarray] = []
        nearest_emergency: tuple[float, Flag | None] = (-2.0, None)  # for the learned model's reply
        named = False  # whether that clause is nearer the sign than the hard negatives
        last = len(messages) - 1
        for index, message in enumerate(messages):
            spans = [
                (a, b) for a, b in clause_spans(message)
                if len(message[a:b].split()) >= MIN_WORDS and not _HYPOTHETICAL.search(message[a:b].lower())
            ]
            whole_ok = 3 <= len(message.split()) <= 60 and not _HYPOTHETICAL.search(message.lower())
            if not spans and not whole_ok:
                continue
            if exemplars is None:
                exemplars, negatives, flags = self._vectors()
            whole, parts = self._embed_message(message, spans)
            wholes.append(np.asarray(whole, dtype=np.float32))
            texts = [message[a:b] for a, b in spans]
            vectors = parts if len(spans) else np.zeros((0, exemplars.shape[1]), dtype=np.float32)
            if whole_ok:
                texts.append(message)
                vectors = np.vstack([vectors, whole[None, :]])
            if not len(texts):
                continue
            sims = vectors @ exemplars.T
            nearest = sims.argmax(axis=1)
            best = sims[np.arange(len(texts)), nearest]
            against = (vectors @ negatives.T).max(axis=1) if len(negatives) else np.full(len(texts), -1.0)
            if self._emergency.any():
                row, col = np.unravel_index(np.argmax(np.where(self._emergency[None, :], sims, -2.0)), sims.shape)
                if sims[row, col] > nearest_emergency[0]:
                    nearest_emergency = (float(sims[row, col]), flags[int(col)])
                    # a clause nearer the hard negatives than the sign ("can never get an appointment at my
                    # surgery" and the crisis line) names no sign for the caution band
                    named = bool(sims[row, col] > against[row])
            for i, text in enumerate(texts):
                flag, score = flags[int(nearest[i])], float(best[i])
                if score - float(against[i]) < self.margin:
                    continue
                plain = prepare(text)
                past = self.catalogue.past is not None and self.catalogue.past.search(plain)
                if score >= self.escalate_at and not past and not _NEGATION.search(plain):
                    finding = Finding(flag, "semantic", text, score)
                    findings.setdefault(flag.id, finding)
                    if index == last:
                        latest.setdefault(flag.id, finding)
                elif score >= self.caution_at:
                    caution.setdefault(flag.id, flag)
        model = self.learned() if wholes and nearest_emergency[1] is not None else None
        if model is not None:
            score = model.score(conversation_vector(wholes))
            flag = nearest_emergency[1]  # the emergency flag with the exemplar nearest to any clause
            if score >= model.threshold:
                finding = Finding(flag, "learned", messages[last], score)
                findings.setdefault(flag.id, finding)
                if len(wholes) == 1 or model.score(wholes[-1]) >= model.threshold:
                    latest.setdefault(flag.id, finding)
            elif score >= model.caution and nearest_emergency[0] >= LEARNED_NEAR and named:
                caution.setdefault(flag.id, flag)
        return SemanticResult(tuple(findings.values()), tuple(latest.values()), tuple(caution.values()))

    def _embed_message(self, message: str, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(self.embedder, SpanEmbedder):
            return self.embedder.embed_spans(message, spans)
        vectors = self.embedder.embed_documents([message, *(message[a:b] for a, b in spans)])
        return vectors[0], vectors[1:]


_SPLIT = re.compile(r"[.!?;\n]+|\b(?:but|however|although|though|except|anyway)\b", re.IGNORECASE)


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of a message's clauses (split as the patterns split them)."""
    spans, start = [], 0
    for match in _SPLIT.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip(" ,"))
        trail = len(piece.rstrip(" ,"))
        if trail > lead:
            out.append((a + lead, a + trail))
    return out
