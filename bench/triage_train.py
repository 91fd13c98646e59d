"""Train the learned emergency detector: the labelled conversations' vectors, voted on by the nearest ones.

The patterns and the nearest-exemplar detector catch what the catalogue lists; each new writer's
messages still slipped past them about one time in ten (docs/safety.md). This model learns, from
every independent message set written so far (tests/data/triage/*.jsonl: writers briefed with
clinical sources, never with the rules) and the red-flag catalogue's exemplars and hard negatives,
what an emergency told in lay words looks like: it keeps every labelled conversation's vector, and a new
conversation scores the share of emergencies among its ``--k`` nearest, weighted by similarity. Its
thresholds are chosen by leave-one-set-out cross-validation (the catalogue is one more set): on a
set it never saw, at most ``--max-false`` of routine conversations are escalated, and at most
``--max-caution`` more get the nearest warning sign's safety line (the caution band).

    python bench/triage_train.py                 # writes assistant/safety/data/learned-*.npz
    python bench/triage_train.py --backends onnx-int8   # one backend only

A conversation's vector is the normalised mean of its visitor messages' vectors (the vectors
search and the semantic detector already make), exactly as ``assistant.safety.semantic`` scores it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests" / "data" / "triage"
OUT = ROOT / "assistant" / "safety" / "data"
RANK = {"routine": 0, "urgent": 1, "emergency": 2}


def load(paths: list[Path]) -> list[tuple[str, tuple[str, ...], int]]:
    """Every conversation of the sets, then the catalogue's lay exemplars (at their flag's level) and
    its hard negatives (routine: past events, negations, gym soreness, a minor shunt with a stiff neck)."""
    from assistant.safety.catalogue import load_catalogue

    items = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                items.append((path.stem, tuple(item["turns"]), RANK[item["level"]]))
    for flag in load_catalogue().flags:
        items += [("catalogue", (text,), RANK[flag.level]) for text in flag.exemplars]
        items += [("catalogue", (text,), 0) for text in flag.hard_negatives]
    return items


def features(embedder, items) -> np.ndarray:
    from assistant.safety.semantic import conversation_vector

    messages = list(dict.fromkeys(m for _, turns, _ in items for m in turns))
    vectors = dict(zip(messages, np.asarray(embedder.embed_documents(messages), dtype=np.float32)))
    return np.stack([conversation_vector([vectors[m] for m in turns]) for _, turns, _ in items])


def calibrate(held: np.ndarray, routine: np.ndarray, share: float) -> float:
    """The lowest score at which at most ``share`` of the routine conversations score as high or higher."""
    ranked = np.sort(held[routine])[::-1]
    return float(np.nextafter(ranked[int(share * len(ranked))], np.inf))


def train(embedder, paths: list[Path], max_false: float, max_caution: float, k: int, prior: float) -> tuple[dict, dict]:
    from assistant.safety.semantic import SCALE, neighbour_scores

    items = load(paths)
    x = features(embedder, items)
    stored = np.round(x * SCALE).astype(np.int8)  # as shipped: the held-out scores use what the product will read
    shipped = stored.astype(np.float32) / SCALE
    y = np.array([level for *_, level in items])
    groups = np.array([g for g, *_ in items])
    target = (y == 2).astype(np.float32)
    held = np.zeros(len(items))
    for group in sorted(set(groups)):  # leave one writer's set out: scored against everyone else's
        out = groups == group
        held[out] = neighbour_scores(x[out], shipped[~out], target[~out], k, prior)
    threshold = calibrate(held, y == 0, max_false)
    caution = calibrate(held, y == 0, max_caution)
    caught, near = held >= threshold, (held >= caution) & (held < threshold)
    model = {
        "vectors": stored, "emergency": target.astype(np.uint8), "k": np.int32(k),
        "prior": np.float32(prior), "threshold": np.float32(threshold), "caution": np.float32(caution),
        "model_id": np.array(embedder.model_id),
    }
    report = {
        "trained": datetime.date.today().isoformat(),
        "model": "nearest neighbours",
        "k": k,
        "prior": prior,
        "sets": sorted(set(groups.tolist())),
        "conversations": len(items),
        "emergency": int((y == 2).sum()),
        "threshold": round(threshold, 4),
        "caution": round(caution, 4),
        "held_out_emergency_recall": round(float(caught[y == 2].mean()), 4),
        "held_out_emergency_caution": round(float(near[y == 2].mean()), 4),
        "held_out_urgent_flagged": round(float(caught[y == 1].mean()), 4),
        "held_out_routine_flagged": round(float(caught[y == 0].mean()), 4),
        "held_out_routine_caution": round(float(near[y == 0].mean()), 4),
        "max_false": max_false,
        "max_caution": max_caution,
    }
    return model, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx-int8"])
    parser.add_argument("--max-false", type=float, default=0.005, help="held-out routine conversations escalated (default 0.5%%)")
    parser.add_argument("--max-caution", type=float, default=0.03, help="... given the nearest sign's safety line (default 3%%)")
    parser.add_argument("--k", type=int, default=7, help="neighbours that vote (default 7; see docs/safety.md)")
    parser.add_argument("--prior", type=float, default=0.5, help="added to the neighbours' weights (default 0.5)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    from assistant.core.settings import EmbeddingSettings
    from assistant.retrieval.embeddings import embedder_from_settings

    paths = sorted(SETS.glob("*.jsonl"))
    for backend in args.backends:
        embedder = embedder_from_settings(EmbeddingSettings(backend=backend))
        model, report = train(embedder, paths, args.max_false, args.max_caution, args.k, args.prior)
        path = args.out / f"learned-{backend}.npz"
        np.savez(path, **model)
        path.with_suffix(".json").write_text(json.dumps({"backend": backend, **report}, indent=2) + "\n", encoding="utf-8")
        print(backend, json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
