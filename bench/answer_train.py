"""Would weights learned from the answer sets serve the default answerer better than its hand-tuned ones?

Each answer set question (bench/data/answers/*.jsonl) names the phrase a good answer must state. Every unit the
answerer scores for it (a sentence or list item of the passages found) is kept with its features
(``extractive.FEATURES``: fit by meaning, shared words, the answer's shape, heading, where it sits ...) and whether
it holds that phrase. The weights are those that put such units first (a listwise softmax loss), pulled towards
the hand-tuned ``extractive.WEIGHTS`` so that a set's few questions do not drag them far.

Leave one set out: for each set, weights learned from the other sets answer that set's questions, and the fact
stated is counted as bench/answers.py counts it, against the hand-tuned weights. Each question is asked once
through the whole assistant; answering it again with other weights replays only the extractive answerer.

    python bench/answer_train.py bench/data/answers/dev.jsonl ... [--temperature 0.05 0.15] [--pull 1 0.2]

Measured on twenty sets (docs/benchmarks.md): the learned weights put the fact-holding unit first more often,
but state the fact less often (1372 against 1379 of 1458), so the answerer keeps the hand-tuned ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from answers import states  # noqa: E402  (the benchmark's own test of "the fact is stated")
from fit_train import gather as record  # noqa: E402

#: The softmax's temperature: a unit scoring 0.05 above another is e times as likely to be the answer.
TEMPERATURE = 0.05
#: How hard the weights are pulled towards the hand-tuned ones (per question, times the squared distance).
PULL = 1.0


def gather(assistant, extractive, items: list[dict]) -> tuple[list[dict], list[dict]]:
    """The questions the extractive answerer answered, and each scoring with a fact-holding unit among others
    (fit_train.gather: the same recording, which also keeps the vectors this script does not need)."""
    return record(assistant, items)


def answer_again(answerer, item: dict, weights: dict[str, float]) -> bool:
    """Whether the extractive answer, made again with ``weights``, states the fact."""
    args, kwargs = item["call"]
    answerer.weights = weights
    stream = answerer.stream(*args, **kwargs)
    try:
        while True:
            next(stream)
    except StopIteration as done:
        return states(done.value.text, item["must_include"])


def learn(groups: list[dict], features: tuple[str, ...], prior: dict[str, float], temperature: float, pull: float,
          ) -> dict[str, float]:
    """Weights minimising the softmax loss of the fact-holding units, plus the pull towards ``prior``."""
    from scipy.optimize import minimize

    w0 = np.array([prior.get(k, 0.0) for k in features])

    def loss(w):
        total, grad = 0.0, np.zeros_like(w)
        for g in groups:
            s = g["x"] @ w / temperature
            s = s - s.max()
            p = np.exp(s)
            p /= p.sum()
            pos = p[g["y"]].sum()
            total -= np.log(pos + 1e-12)
            q = np.where(g["y"], p / (pos + 1e-12), 0.0)  # the positives' share of the softmax
            grad -= (q - p) @ g["x"] / temperature
        d = w - w0
        return total + pull * len(groups) * d @ d, grad + 2 * pull * len(groups) * d

    found = minimize(loss, w0, jac=True, method="L-BFGS-B")
    return {k: round(float(v), 4) for k, v in zip(features, found.x)}


def top_one(groups: list[dict], weights: dict[str, float], features: tuple[str, ...]) -> float:
    w = np.array([weights.get(k, 0.0) for k in features])
    return float(np.mean([g["y"][int(np.argmax(g["x"] @ w))] for g in groups])) if groups else 0.0


def leave_one_out(answerer, answered: list[dict], groups: list[dict], names: list[str], temperature: float, pull: float):
    """For each set, its questions answered with weights learned from the other sets, against the hand-tuned ones."""
    from assistant.answering import extractive

    features, prior = extractive.FEATURES, extractive.WEIGHTS
    print("| set | questions | top unit holds the fact (hand / learned) | fact stated (hand / learned) |")
    print("| --- | --- | --- | --- |")
    totals = np.zeros(3, dtype=int)
    for name in names:
        learned = learn([g for g in groups if g["set"] != name], features, prior, temperature, pull)
        test = [g for g in groups if g["set"] == name]
        held = [i for i in answered if i["_set"] == name]
        hand_ok = sum(answer_again(answerer, i, prior) for i in held)
        new_ok = sum(answer_again(answerer, i, learned) for i in held)
        totals += [hand_ok, new_ok, len(held)]
        print(f"| {name} | {len(held)} | {top_one(test, prior, features):.0%} / {top_one(test, learned, features):.0%} "
              f"| {hand_ok} / {new_ok} |")
    print(f"| all, each set by weights learned without it | {totals[2]} | | {totals[0]} / {totals[1]} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--temperature", type=float, nargs="+", default=[TEMPERATURE], help="several: each is tried")
    parser.add_argument("--pull", type=float, nargs="+", default=[PULL], help="several: each is tried")
    args = parser.parse_args(argv)

    from assistant.answering import extractive
    from assistant.app import operations
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    items = [{**json.loads(line), "_set": path.stem} for path in args.sets
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    services = Services(Settings(_env_file=None, data_dir=Path(tempfile.mkdtemp(prefix="clinic-train-"))))
    operations.ingest(services)
    assistant = services.assistant
    answerer = assistant.extractive
    started = time.perf_counter()
    answerer.weights = extractive.WEIGHTS
    answered, groups = gather(assistant, extractive, items)
    print(f"{len(answered)} questions answered by the extractive answerer; {len(groups)} scorings with a "
          f"fact-holding unit among others ({time.perf_counter() - started:.0f} s)")
    features, prior = extractive.FEATURES, extractive.WEIGHTS
    again = sum(answer_again(answerer, item, prior) for item in answered)
    print(f"fact stated: {sum(i['stated'] for i in answered)} as asked, {again} answered again with the same weights")
    names = [p.stem for p in args.sets]
    for temperature in args.temperature:
        for pull in args.pull:
            print(f"\ntemperature {temperature}, pull {pull}")
            leave_one_out(answerer, answered, groups, names, temperature, pull)
    weights = learn(groups, features, prior, args.temperature[0], args.pull[0])
    print("weights learned from every set:", json.dumps(weights))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
