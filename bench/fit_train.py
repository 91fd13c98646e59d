"""Train the learned fit of a sentence to a question (assistant/answering/fit.py), and measure it honestly.

Every answer set question (bench/data/answers/*.jsonl) names the phrase a good answer must state. Each
question is asked once through the whole assistant (bundled corpus, real model); every unit the extractive
answerer scores for it is kept with its hand-made features, its vector (the one kept with the chunk at
ingest) and whether it holds the phrase (a list's unit: whether the list it would bring does), together with the question's vector. The fit is a bilinear form
``q A Bᵀ u + q·diag(d)·u`` (A, B of rank ``--rank``) added to the hand-made score; it is learned with a
softmax loss that puts the fact-holding units first, and an L2 penalty (``--penalty``).

Measured with each set left out (``--check``): the fit is learned from the other sets only, and the set's
answers are made again with and without it (only the extractive answerer is replayed) and counted as
bench/answers.py counts them. ``--strict`` also leaves out every question of the other sets whose fact is
one the left-out set asks for, to show how much of the gain needs the fact to have been seen.

    python bench/fit_train.py                        # learn from every set, write assistant/answering/data/
    python bench/fit_train.py --check all            # leave each set out in turn (about 12 minutes)
    python bench/fit_train.py --check holdout37 --strict --no-write

torch (installed with sentence-transformers) does the training; the product reads the arrays with numpy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from answers import states  # noqa: E402  (the benchmark's own test of "the fact is stated")

SETS = ROOT / "bench" / "data" / "answers"
#: The model's rank, its L2 penalty, the softmax temperature (that of the hand-made scores) and the training.
RANK, PENALTY, TEMPERATURE, EPOCHS, RATE = 16, 1e-3, 0.05, 300, 0.01


def history(item: dict) -> list[dict]:
    return [{"role": "user", "content": h} for h in item.get("history", [])]


def normal(text: str) -> str:
    return " ".join(text.lower().split())


def answer_sets() -> list[Path]:
    return sorted(p for p in SETS.glob("*.jsonl") if p.stem.startswith(("dev", "holdout")))


def _unit_vector(scored) -> np.ndarray | None:
    """The vector kept at ingest for a scored unit (the first sentence's, for a sentence joined to the next)."""
    from assistant.core.text import split_units

    vectors = scored.passage.units
    units = split_units(scored.passage.text)
    if vectors is None or len(units) != len(vectors):
        return None
    for unit, vector in zip(units, vectors):
        if unit.start is not None and unit.start == scored.unit.start:
            return np.asarray(vector, np.float32)
    return None


def _quoted(scored, every) -> str:
    """What the answer quotes when ``scored`` leads it: a list item or lead-in brings its list (with the lead-in
    and the sentence after it that speaks of its items), a sentence itself. A unit is labelled by this text."""
    from assistant.answering.lists import list_block

    if scored.unit.kind == "sentence":
        return scored.unit.text
    block = list_block(scored, every)
    return " ".join([*block.lines, block.after or ""])


class Recording:
    """The extractive answerer, keeping what each question asked of it (to answer it again with another fit) and
    every unit it scored: text, features, vector, with the question's vector."""

    def __init__(self, answerer, extractive):
        self.answerer, self.extractive = answerer, extractive
        self.name = answerer.name
        self.calls: list[tuple[tuple, dict]] = []
        self.scorings: list[tuple[np.ndarray | None, list]] = []

    def stream(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        original = self.extractive.score_units

        def spy(question, hits, query_vector=None, *a, **k):
            out = original(question, hits, query_vector, *a, **k)
            q = None if query_vector is None else np.atleast_2d(np.asarray(query_vector, np.float32)).mean(axis=0)
            self.scorings.append((q, [(_quoted(s, out), dict(s.features), _unit_vector(s)) for s in out]))
            return out

        self.extractive.score_units = spy
        try:
            return (yield from self.answerer.stream(*args, **kwargs))
        finally:
            self.extractive.score_units = original


def gather(assistant, items: list[dict]) -> tuple[list[dict], list[dict]]:
    """The questions the extractive answerer answered (with how it was asked), and each scoring with a
    fact-holding unit among others: hand-made features, unit vectors, the question's vector, labels."""
    from assistant.answering import extractive

    answerer = assistant.extractive
    answered, groups = [], []
    for item in items:
        if item["kind"] == "not_covered" or not item.get("must_include"):
            continue
        recording = Recording(answerer, extractive)
        assistant.extractive = recording
        try:
            answer = assistant.ask(item["question"], history(item)).answer
        finally:
            assistant.extractive = answerer
        if answer.triage != "routine" or not recording.calls:
            continue
        answered.append({**item, "call": recording.calls[-1], "stated": states(answer.answer, item["must_include"])})
        phrases = [normal(p) for group in item["must_include"] for p in group]
        for q, call in recording.scorings:
            if q is None or not call or any(v is None for *_, v in call):
                continue
            y = np.array([any(p in normal(text) for p in phrases) for text, _, _ in call])
            if y.any() and not y.all():
                x = np.array([[f[k] for k in extractive.FEATURES] for _, f, _ in call], np.float32)
                groups.append({"set": item["_set"], "fact": item.get("fact"), "x": x, "u": np.stack([v for *_, v in call]),
                               "q": q, "y": y})
    return answered, groups


def learn(groups: list[dict], model_id: str, rank: int = RANK, penalty: float = PENALTY, epochs: int = EPOCHS,
          temperature: float = TEMPERATURE, rate: float = RATE, seed: int = 0):
    """The fit that, added to the hand-made scores, puts the fact-holding units first (softmax loss, Adam)."""
    import torch

    from assistant.answering import extractive
    from assistant.answering.fit import LearnedFit

    torch.manual_seed(seed)
    weights = np.array([0.0 if k == "learned" else extractive.WEIGHTS.get(k, 0.0) for k in extractive.FEATURES], np.float32)
    width, n, dim = max(g["x"].shape[0] for g in groups), len(groups), groups[0]["q"].shape[0]
    index, known, vectors = np.zeros((n, width), np.int64), {}, []
    mask, labels, base = np.zeros((n, width), bool), np.zeros((n, width), bool), np.zeros((n, width), np.float32)
    for i, g in enumerate(groups):  # the units' vectors once each: a sentence is a candidate for many questions
        for j, v in enumerate(g["u"]):
            index[i, j] = known.setdefault(v.tobytes(), len(known))
            if index[i, j] == len(vectors):
                vectors.append(v)
        k = g["x"].shape[0]
        mask[i, :k], labels[i, :k], base[i, :k] = True, g["y"], g["x"] @ weights
    units, questions = torch.from_numpy(np.stack(vectors)), torch.from_numpy(np.stack([g["q"] for g in groups]))
    index, mask, labels, base = (torch.from_numpy(a) for a in (index, mask, labels, base))
    a = torch.zeros(dim, rank, requires_grad=True)
    b = (0.05 * torch.randn(dim, rank)).requires_grad_()
    d = torch.zeros(dim, requires_grad=True)
    optimiser = torch.optim.Adam([a, b, d], lr=rate)
    rows = torch.arange(n)[:, None]
    for _ in range(epochs):
        optimiser.zero_grad()
        score = base + ((questions @ a) @ (units @ b).T + (questions * d) @ units.T)[rows, index]
        score = (score / temperature).masked_fill(~mask, -1e9)
        loss = (torch.logsumexp(score, 1) - torch.logsumexp(score.masked_fill(~labels, -1e9), 1)).mean()
        (loss + penalty * (a.pow(2).sum() + b.pow(2).sum() + d.pow(2).sum())).backward()
        optimiser.step()
    return LearnedFit(a.detach().numpy().copy(), b.detach().numpy().copy(), d.detach().numpy().copy(), model_id)


def top_one(groups: list[dict], fit) -> float:
    """The share of scorings whose best unit holds the fact."""
    from assistant.answering import extractive

    weights = np.array([0.0 if k == "learned" else extractive.WEIGHTS.get(k, 0.0) for k in extractive.FEATURES])
    hits = [g["y"][int(np.argmax(g["x"] @ weights + (fit(g["q"], g["u"]) if fit is not None else 0.0)))] for g in groups]
    return float(np.mean(hits)) if hits else 0.0


def answer_again(answerer, item: dict, fit) -> bool:
    """Whether the extractive answer, made again with ``fit`` (None: without), states the fact."""
    args, kwargs = item["call"]
    before, answerer.fit = answerer.fit, fit
    try:
        stream = answerer.stream(*args, **kwargs)
        while True:
            next(stream)
    except StopIteration as done:
        return states(done.value.text, item["must_include"])
    finally:
        answerer.fit = before


def check(answerer, answered, groups, names, model_id, strict: bool, **kw) -> dict:
    print("| set left out | questions | best unit holds the fact (without / with) | fact stated (without / with) |")
    print("| --- | --- | --- | --- |")
    totals, rows = np.zeros(3, dtype=int), {}
    for name in names:
        facts = {g["fact"] for g in groups if g["set"] == name}
        fit = learn([g for g in groups if g["set"] != name and not (strict and g["fact"] in facts)], model_id, **kw)
        held = [i for i in answered if i["_set"] == name]
        test = [g for g in groups if g["set"] == name]
        without, with_ = sum(answer_again(answerer, i, None) for i in held), sum(answer_again(answerer, i, fit) for i in held)
        totals += [without, with_, len(held)]
        rows[name] = [without, with_, len(held)]
        print(f"| {name} | {len(held)} | {top_one(test, None):.0%} / {top_one(test, fit):.0%} | {without} / {with_} |", flush=True)
    print(f"| all{' (strict)' if strict else ''} | {totals[2]} | | {totals[0]} / {totals[1]} |")
    return {"strict": strict, "sets": rows, "without": int(totals[0]), "with": int(totals[1]), "questions": int(totals[2])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", type=Path, help="answer sets to learn from (default: every dev and holdout set)")
    parser.add_argument("--check", nargs="*", default=[], help="sets to leave out in turn and measure ('all': every set)")
    parser.add_argument("--strict", action="store_true", help="also leave out the other sets' questions on the same facts")
    parser.add_argument("--rank", type=int, default=RANK)
    parser.add_argument("--penalty", type=float, default=PENALTY)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--no-write", action="store_true", help="measure only; keep the bundled model")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: assistant/answering/data/)")
    args = parser.parse_args(argv)

    from assistant.answering.fit import DEFAULT_PATH
    from assistant.app import operations
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    paths = args.sets or answer_sets()
    items = [{**json.loads(line), "_set": p.stem} for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    settings = Settings(_env_file=None, data_dir=Path(tempfile.mkdtemp(prefix="clinic-fit-")), answer_learned_fit=False)
    services = Services(settings)
    operations.ingest(services)
    assistant, model_id = services.assistant, services.embedder.model_id
    started = time.perf_counter()
    answered, groups = gather(assistant, items)
    print(f"{len(answered)} questions answered by the extractive answerer; {len(groups)} scorings with a fact-holding "
          f"unit among others ({time.perf_counter() - started:.0f} s)")
    kw = {"rank": args.rank, "penalty": args.penalty, "epochs": args.epochs}
    names = [p.stem for p in paths] if args.check == ["all"] else args.check
    checked = check(assistant.extractive, answered, groups, names, model_id, args.strict, **kw) if names else None
    if args.no_write:
        return 0
    fit = learn(groups, model_id, **kw)
    out = args.out or DEFAULT_PATH
    fit.save(out)
    meta = {"trained": datetime.date.today().isoformat(), "model_id": model_id, **kw, "sets": [p.stem for p in paths],
            "questions": len(answered), "scorings": len(groups), "top_unit_holds_fact": {"without": top_one(groups, None),
            "with (trained on these)": top_one(groups, fit)}, "left_out_check": checked}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out} and {out.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
