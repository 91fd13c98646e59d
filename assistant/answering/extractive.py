"""The default answerer's plan: the article's own sentences and list items that answer the question, first.

No language model writes anything. The question's intent (cost, opening hours, how
long, is it serious ...) and the article's headings say where the answer is;
every sentence and list item of the best passages is scored for fit by meaning (its vector,
kept with the chunk at ingest, against the question's vector, which search already computed),
by the words it shares with the question, by whether it has the shape of the answer asked for
(a price, a time, a span of weeks), and by the fit learned from the answer sets (``fit.py``).
The best one leads; a list is quoted with its lead-in; a few supporting sentences follow in
reading order. Only sentences that make sense on their own
are eligible ("It ..." pointing at nothing, "click below", exercise steps that
follow another step are not).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from assistant.answering.exercises import exercise_menu, missing_steps, name_steps, named_exercise, steps_in_order
from assistant.answering.intent import WARNING_SECTION, asks_recovery, each_asked, heading_cue, intents, recovery_span, unit_cue
from assistant.answering.lists import WARNING_UNIT, Scored, direct_first, list_block, support_list, unsaid, warning_items, with_rest
from assistant.answering.quotes import (
    ASKING_WORDS, DEPENDENT_START, HOW_WORDS, PAGE_TALK, POINTS_BACK, STEP, Block, cut_item, instructs,
    is_self_care, item_key, item_ok, overlap, pairs, passage_units, standalone, terms,
)
from assistant.answering.subjects import services, subjects
from assistant.core.records import Passage, SearchHit
from assistant.core.text import Unit, plain, split_sentences

__all__ = ["Block", "is_self_care", "plan", "score_units", "standalone"]

# --------------------------------------------------------------------------- the plan

_SEEK_HELP = re.compile(r"^(?:see|seek|book|contact|call|ask|get (?:help|advice|checked))\b", re.I)
_URGENT_WORDS = re.compile(r"\b(?:urgent\w*|emergenc\w*|a&e|999|serious|worr\w*|dangerous|red flags?|warning)\b", re.I)

#: Words a supporting list may add beyond an answer's budget: a short list reads faster than its words suggest.
LIST_ALLOWANCE = 40

#: Answers with a recognisable shape: for these the best article's every section is looked through.
SHAPED = frozenset({"cost", "hours", "duration", "pain"})

#: Answers whose shape is precise (a price, a time of day, "around 3 out of 10"): a unit with it is not buried by
#: where its section sits ("usually" and "within" are how long's shape, and too common for that).
PRECISE = frozenset({"cost", "hours", "pain"})

#: What a unit's score is made of: fit by meaning and by the question's words, a phrase shared, the answer's shape
#: (cue), a heading about what was asked, an instruction answering "why", a span of recovery answering "how long",
#: a warning sign not asked about, and where it sits (article rank, passage rank, unit index, passage score).
FEATURES = ("meaning", "lexical", "phrase", "cue", "heading", "instruction", "recovery", "warning", "article", "position",
            "index", "passage", "learned")

#: How a unit's score is made from them (tuned on bench/answers.py; the learned fit's scale is learned with it: 1).
WEIGHTS = {"meaning": 0.3, "lexical": 0.3, "phrase": 0.1, "cue": 0.15, "heading": 0.1, "instruction": -0.15,
           "recovery": 0.2, "warning": -0.35, "article": -0.08, "position": -0.02, "index": -0.004, "passage": 0.1, "learned": 1.0}

#: Sentences scoring this close to the lead answer as well as it: they come before an on-point list.
TIED = 0.15

#: Answers looked for in every section of the best article: those with a shape, and "it is common", "does not mean
#: you have re-injured it" ("have I set myself back?" is answered under "What helps").
_LOOKED_FOR = SHAPED | {"serious", "rest", "sessions"}

#: Questions an instruction does not answer: why it happens, what it is.
_NOT_TOLD = frozenset({"cause", "what_is"})


def _fits(passage: Passage, units: Sequence[Unit], query_vector) -> list[float | None]:
    """Each unit's fit by meaning: its vector against the question's (given several, the question's and its asking
    sentences', their mean)."""
    vectors = passage.units
    if query_vector is None or vectors is None or len(vectors) != len(units):
        return [None] * len(units)
    fits = np.asarray(vectors) @ np.atleast_2d(np.asarray(query_vector)).T
    return [float(v) for v in fits.mean(axis=1)]


def _learned(passage: Passage, units: Sequence[Unit], query_vector, fit) -> list[float]:
    """Each unit's learned fit (``fit(question vectors, unit vectors)``), 0 without a model or vectors."""
    vectors = passage.units
    if fit is None or query_vector is None or vectors is None or len(vectors) != len(units):
        return [0.0] * len(units)
    return [float(v) for v in fit(np.atleast_2d(np.asarray(query_vector)), np.asarray(vectors))]


def score_units(
    question: str, hits: Sequence[SearchHit], query_vector=None, max_articles: int = 2, max_passages: int = 3,
    said: frozenset[str] = frozenset(), no_self_care: bool = False, asked: str | None = None,
    weights: Mapping[str, float] | None = None, fit=None,
) -> list[Scored]:
    """Every quotable unit of the best passages, scored for how well it answers ``question``.

    ``fit``: the learned fit (``fit.LearnedFit``), or None for the hand-made scores alone.
    ``asked`` is the visitor's own words when ``question`` is a follow-up rewritten with its topic:
    what kind of answer is wanted comes from them ("is the ITB stretch OK for it?" asks yes or no).
    """
    wanted = intents(asked or question)
    primary = wanted[0] if wanted else None
    # a message of several questions ("what is it? and why does my leg tingle?") wants the shape of each answer
    cued = (primary, *(i for i in each_asked(asked or question) if i != primary)) if primary else ()
    q_terms = terms(question) - HOW_WORDS  # "how long each time?" asks for a span, not for the word "time"
    q_pairs = pairs(asked or question)
    urgent_words = bool(_URGENT_WORDS.search(question))
    recovery = primary == "duration" and asks_recovery(asked or question)
    top = hits[0].score if hits else 0.0
    services_asked = subjects(asked or question) & services()  # the clinic's services the question names
    raw: list[tuple[Unit, tuple[Unit, ...], Passage, int, int, float | None, frozenset[str], dict[str, float]]] = []
    for rank, hit in enumerate(hits[:max_articles]):
        if rank and hit.score < 0.75 * top:
            break  # far behind the best article: off the point
        # the answer may sit in a section search ranked lower: the best article's other sections offer units
        # with the answer's shape, or with a word asked about that the title and the best sections lack
        wide = not rank
        known = terms(hit.title).union(*(terms(p.text) for p in hit.passages[:max_passages])) if wide else frozenset()
        for p_rank, passage in enumerate(hit.passages[: None if wide else max_passages]):
            extra = p_rank >= max_passages
            units = passage_units(passage.text)
            fits = _fits(passage, units, query_vector)
            learned_fits = _learned(passage, units, query_vector, fit)
            heading = passage.section.split(" > ")[-1]
            head_terms = terms(passage.section)
            warning = bool(WARNING_SECTION.search(heading))
            (warned, listed), cut = warning_items(units), cut_item(passage.text, units)
            if primary in ("serious", "when_to_see"):
                listed = set()  # "does it need looking at?": such a list's "see a physio promptly if ..." answers
            previous: tuple[Unit, float | None] | None = None
            previous_learned = 0.0  # a sentence joined to the one before it keeps the better learned fit of the two
            for unit, meaning, learned in zip(units, fits, learned_fits):
                if unit.text in said or plain(unit.text) in said:
                    previous = None
                    continue
                if unit.kind == "sentence" and standalone(unit.text) is None:
                    # "Hold for 20 to 30 seconds." only makes sense after the step before: quote them together
                    pair = _continuation(previous, unit)
                    if pair is None:
                        previous = None
                        continue
                    unit, meaning = pair[0], max((f for f in (meaning, pair[1]) if f is not None), default=None)
                    learned = max(learned, previous_learned)
                    previous = (unit, meaning)  # a third step can follow the pair
                else:
                    previous = (unit, meaning) if unit.kind == "sentence" else None
                previous_learned = learned
                if unit.kind != "sentence" and (not item_ok(unit.text) or item_key(unit) == cut):
                    continue
                if extra and not _worth_a_look(wanted[:2], unit.text, q_terms, known, heading, services_asked):
                    continue
                if no_self_care and is_self_care(unit.text):
                    continue
                f = dict.fromkeys(FEATURES, 0.0)
                f["phrase"] = float(bool(q_pairs & pairs(unit.text)))
                shaped = False
                for kind in cued:
                    if unit_cue(kind, unit.text) and not (kind in SHAPED and _SEEK_HELP.match(plain(unit.text))) \
                            and not (kind == "cause" and heading_cue("helps", heading) and not heading_cue("cause", heading)):
                        f["cue"] = 1.0  # "see a physio if it has not improved after a few weeks" is not how long it takes
                        shaped = kind == primary and primary in PRECISE
                        break
                # an article's title is not a heading about one thing ("Tennis elbow: why the outside of your
                # elbow hurts" is not where the causes are); "how much pain is OK when I do the exercises?" is
                # answered by the pain guide, not under the "Exercises to try" heading its second intent names
                if " > " in passage.section and any(heading_cue(i, heading) for i in wanted[:1 if primary == "pain" else 2]):
                    f["heading"] = 1.0
                if primary in _NOT_TOLD and STEP.match(plain(unit.text)):
                    f["instruction"] = 1.0  # "why does it hurt first thing?" is not answered by "stretch before you get up"
                if recovery and recovery_span(unit.text) and not _SEEK_HELP.match(plain(unit.text)):
                    f["recovery"] = 1.0  # "how long will it take?" is answered by how long getting better takes
                if (warning or unit.item in warned or WARNING_UNIT.search(unit.text)) and not (urgent_words or "serious" in wanted):
                    f["warning"] = 1.0  # warning signs answer "is it serious?", not "is it worth seeing someone?"
                elif unit.item in listed and not urgent_words:
                    f["warning"] = -1.0  # a sign by its list alone: one unless the visitor describes it (below)
                f["article"] = float(rank)
                f["position"] = float(min(p_rank, max_passages) if shaped else p_rank)
                f["index"] = float(unit.index)
                f["passage"] = passage.score
                f["learned"] = learned
                raw.append((unit, tuple(units), passage, rank, p_rank, meaning, q_terms & (terms(unit.text) | head_terms), f))
    if primary in PRECISE and any(rank == 0 and f["cue"] for *_, rank, _, _, _, f in raw):
        # the best article gives the price, the time, the pain guide itself: another article's (the knee
        # osteoarthritis pain guide for kneecap pain) is not preferred to it by its shape or its heading
        for *_, rank, _, _, _, f in raw:
            if rank:
                f["cue"] = f["heading"] = 0.0
    fits = [f for *_, f, _, _ in raw if f is not None]
    lo, hi = (min(fits), max(fits)) if fits else (0.0, 1.0)
    weight = _rarity(q_terms, [shared for *_, shared, _ in raw])
    whole = sum(weight.values())
    w = WEIGHTS if weights is None else weights
    out = []
    for unit, units, passage, rank, p_rank, meaning, shared, f in raw:
        f["meaning"] = (meaning - lo) / (hi - lo) if meaning is not None and hi > lo else 0.5
        f["lexical"] = sum(weight[t] for t in shared) / whole if whole else 0.0
        if f["warning"] < 0:
            # under "Seek help sooner": "Get your knee assessed" does not answer "should I push through it?", while
            # "pain spreading down your arm with pins and needles" answers one who tells of a tingling arm
            f["warning"] = float(meaning is None or f["meaning"] < 0.5)
        score = sum(w.get(k, 0.0) * v for k, v in f.items())
        out.append(Scored(unit, units, passage, rank, p_rank, score, f, score - w.get("learned", 0.0) * f["learned"]))
    return sorted(out, key=lambda s: s.score, reverse=True)


def _rarity(q_terms: frozenset[str], shared: Sequence[frozenset[str]]) -> dict[str, float]:
    """Each question word's weight: rarer among the candidate units, heavier ("arc" in "what does painful arc
    mean?" says more about which unit answers than "shoulder", which half the article's units share)."""
    n = len(shared)
    return {t: math.log(1.0 + (n + 1) / (1 + sum(t in s for s in shared))) for t in q_terms}


#: A yes or no said outright, wherever it sits in the article ("There is no need to force yourself to sit bolt upright").
_VERDICT = re.compile(r"\b(?:no need to|need not|not (?:usually |always )?(?:needed|necessary|recommended))\b", re.IGNORECASE)

def _worth_a_look(asked: Sequence[str], text: str, q_terms: frozenset[str], known: frozenset[str], heading: str = "",
                  services_asked: frozenset[str] = frozenset()) -> bool:
    """A unit from a section search ranked lower is considered when its section's heading is about what was
    asked ("Why does it happen?" for "how have I got tennis elbow?"), when it has the answer's shape (a price,
    a span of weeks), when it is about a clinic service the question names (``services_asked``), or when it names
    something the question asks about that neither the title nor the best sections mention ("should he wear a
    neck collar?" and "soft collars are not recommended")."""
    # a yes or no asks about its next intent: "could it be the pillow?" asks about a cause; an exercise named in one
    # ("she says to do the stretch where ... is that a good idea?") is what it asks about, not a wish for exercises
    topical = tuple(i for i in asked[1:2] if i != "exercises") if asked[:1] == ("yes_no",) else asked[:1]
    if any(heading_cue(i, heading) for i in topical) or ("helps" in asked and heading_cue("helps", heading)):
        return True  # "should I just rest it?" is answered under "What helps"
    if any(i in _LOOKED_FOR and unit_cue(i, text) for i in asked[:2]) or (tuple(asked[:1]) == ("yes_no",) and _VERDICT.search(text)):
        return True  # "is that right?" after "I sit dead straight all day": "There is no need to force yourself ..."
    if services_asked and subjects(text) & services_asked:
        return True  # "would I be allowed to come in with him?": "You are welcome to bring a friend ..."
    return bool((q_terms - known - ASKING_WORDS) & terms(text))


def _continuation(previous: tuple[Unit, float | None] | None, unit: Unit) -> tuple[Unit, float | None] | None:
    """A dependent sentence joined to the quotable sentence just before it (same paragraph), or None."""
    if previous is None or unit.index != previous[0].index + 1 or unit.paragraph != previous[0].paragraph:
        return None
    text = plain(unit.text)
    words = text.split()
    if not words or not (DEPENDENT_START.match(text) or POINTS_BACK.search(text)) or PAGE_TALK.search(text) or instructs(text):
        return None
    if len(words) > 40 or text[-1] not in ".!":
        return None
    first = previous[0]
    joined = Unit(f"{first.text} {text}", "sentence", unit.index, first.start, unit.end, None, first.paragraph)
    return joined, previous[1]


def _fuller(scored: Sequence[Scored]) -> dict[str, str]:
    """A step quoted with the dependent sentences that follow it ("Hold for 30 to 45 seconds."), where they
    were joined: the step alone leaves out how long to hold or how often to repeat."""
    joined = {}
    for s in scored:
        if s.unit.kind == "sentence" and s.unit.start is not None:
            key = (s.passage.chunk_id, s.unit.start)
            if len(s.unit.text) > len(joined.get(key, "")):
                joined[key] = s.unit.text
    return {plain(s.unit.text): plain(joined[(s.passage.chunk_id, s.unit.start)])
            for s in scored if s.unit.kind == "sentence" and s.unit.start is not None
            and joined[(s.passage.chunk_id, s.unit.start)] != s.unit.text}


def plan(
    question: str, hits: Sequence[SearchHit], query_vector=None, max_sentences: int = 4, max_words: int = 120,
    said: frozenset[str] = frozenset(), no_self_care: bool = False, asked: str | None = None,
    weights: Mapping[str, float] | None = None, fit=None,
) -> list[Block]:
    """The answer's blocks in the order they are read: the best answer first, then support in reading order."""
    menu = None if no_self_care else exercise_menu(question, hits, asked=asked)
    if menu is not None and not any(line in said for line in menu.lines[1:]):
        return [menu]
    scored = score_units(question, hits, query_vector, said=said, no_self_care=no_self_care, asked=asked, weights=weights, fit=fit)
    if not scored:
        return []
    best = scored[0]
    fuller = _fuller(scored)
    asked_terms = terms(question) - ASKING_WORDS
    named = None if no_self_care else named_exercise(question, hits, asked=asked)
    if named is not None and not any(named.lines[0].endswith(x) for x in said):
        lead = named
    elif best.unit.kind == "sentence":
        lead = Block((fuller.get(plain(best.unit.text), plain(best.unit.text)),), best.passage, best.article_rank, (best.passage_rank, best.unit.index), best.score)
    else:
        lead = with_rest(list_block(best, scored, asked=asked_terms), best, scored, asked=asked_terms)
    lead, rest_of_list = direct_first(lead, best, intents(asked or question), asked_terms)
    chosen = [lead]
    used = {(best.passage.chunk_id, best.unit.list_id)} if lead.is_list or rest_of_list else set()
    seen_terms = [terms(" ".join(lead.lines))]
    words = lead.words
    floor = best.base - 0.35
    extra_list, on_point = support_list(best, scored, intents(asked or question), floor, asked_terms) if not lead.is_list else (None, False)
    if rest_of_list is not None:
        extra_list, on_point = rest_of_list, True
    if said:
        lead, extra_list = unsaid(lead, said) or lead, extra_list and unsaid(extra_list, said)
        chosen[0] = lead

    def add_sentences(least: float) -> None:
        nonlocal words
        for s in scored[1:]:
            if len(chosen) >= max_sentences:
                break
            if s.base < least:
                continue  # far below the best by the hand-made score (the order is by the whole score)
            if s.unit.kind != "sentence":
                continue  # lists are quoted whole: the lead, or the one support list
            if (s.passage.chunk_id, s.unit.list_id) in used and s.unit.list_id is not None:
                continue
            text = fuller.get(plain(s.unit.text), plain(s.unit.text))
            t = terms(text)
            if any(overlap(t, other) > 0.5 for other in seen_terms) or any(
                    text in line or split_sentences(text)[0] in line for b in chosen for line in b.lines):
                continue
            n = len(text.split())
            if words + n > max_words:
                continue
            chosen.append(Block((text,), s.passage, s.article_rank, (s.passage_rank, s.unit.index), s.score))
            seen_terms.append(t)
            words += n

    if extra_list is not None and on_point:  # under a heading about what was asked: it comes before other support
        add_sentences(best.base - TIED)  # but not before sentences that answer as well as the lead
        chosen.append(extra_list)
        seen_terms.append(terms(" ".join(extra_list.lines)))
        words += extra_list.words
        extra_list = None
    add_sentences(floor)
    if extra_list is not None and not any(overlap(terms(" ".join(extra_list.lines)), t) > 0.5 for t in seen_terms):
        if words + extra_list.words <= max_words + LIST_ALLOWANCE:
            chosen.append(extra_list)
    chosen += missing_steps(chosen)
    return name_steps(steps_in_order([lead, *sorted(chosen[1:], key=lambda b: (b.article_rank, b.position))]))

