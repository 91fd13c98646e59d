"""Exercises in an answer: the article's exercises by name for "which exercises?", and one exercise's steps
for "how do I do the Nordics?" (pure functions over the search hits).

An exercise is a section under an "Exercises to try" heading; its name is the section's heading and its
how-to is its first instruction, with the steps that follow while the first only sets up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.answering.intent import asking_part, asks_measure, heading_cue, intents
from assistant.answering.quotes import PAGE_TALK, STEP, Block, passage_units, standalone, terms
from assistant.answering.subjects import mentioned_terms
from assistant.core.records import Passage, SearchHit
from assistant.core.text import plain

_CAUTION = re.compile(r"^(?:avoid|do not|don't|never)\b", re.IGNORECASE)
#: A sentence about the whole set ("Aim to do these exercises two or three times a day"), not one exercise's step.
_ABOUT_ALL = re.compile(r"\b(?:these|the|all (?:of )?(?:these|the|your)|each of (?:these|the)) (?:exercises|stretches|moves)\b|"
                        r"\beach exercise\b", re.IGNORECASE)


def exercise_name(section: str) -> str | None:
    """The exercise a section is ("Glute bridge" in "... > Exercises to try > Glute bridge"), or None when the
    section does not sit under an exercises heading."""
    parts = section.split(" > ")
    return parts[-1] if len(parts) >= 3 and heading_cue("exercises", parts[-2]) else None


def steps_in_order(blocks: list[Block]) -> list[Block]:
    """An exercise's step quoted after the lead but written before it goes first: "Hold a resistance band ... with
    your elbows tucked into your sides." then "Slowly rotate your forearms outwards ..."."""
    lead, rest = blocks[0], blocks[1:]
    if lead.is_list or exercise_name(lead.passage.section) is None:
        return blocks
    before = [b for b in rest if not b.is_list and b.passage.chunk_id == lead.passage.chunk_id and b.position < lead.position]
    return [*before, lead, *(b for b in rest if b not in before)] if before else blocks


def missing_steps(blocks: Sequence[Block]) -> list[Block]:
    """The steps of an exercise that an answer quoting some of its steps would skip: "Lie on your back ..." and
    "Gently draw the lower knee ..." without "Cross the ankle of the sore side over the opposite knee" in between is
    not how the stretch is done, nor is "Try 5 to 10 repetitions." without the steps before it. Returned as blocks
    in the answer's order (a step per sentence)."""
    out = []
    for chunk_id in {b.passage.chunk_id for b in blocks if not b.is_list and exercise_name(b.passage.section)}:
        quoted = [b for b in blocks if not b.is_list and b.passage.chunk_id == chunk_id]
        sentences = [u for u in passage_units(quoted[0].passage.text) if u.kind == "sentence"]
        text = " ".join(line for b in quoted for line in b.lines)
        covered = [i for i, u in enumerate(sentences) if plain(u.text) in text]
        if not covered:
            continue
        # a step quoted alone ("Try 5 to 10 repetitions.") needs the steps before it in its paragraph: the exercise
        # is read from its first step
        first = covered[0]
        if any(STEP.match(plain(sentences[i].text)) and not _ABOUT_ALL.search(sentences[i].text) for i in covered):
            first = next(i for i, u in enumerate(sentences) if u.paragraph == sentences[covered[0]].paragraph) - 1
        for u in sentences[first + 1:covered[-1]]:
            said = plain(u.text)
            if said not in text and standalone(said) is not None and u.paragraph == sentences[covered[0]].paragraph:
                at = quoted[0]
                out.append(Block((said,), at.passage, at.article_rank, (at.position[0], u.index), at.score))
    return out


def name_steps(blocks: list[Block]) -> list[Block]:
    """The first step quoted from an exercise's section carries the exercise's name, as the article heads it
    ("Seated nerve slider: Slowly straighten the knee ..."): a step without its name cannot be found again.
    A note from the section that is not a step is quoted as it is, without a name it does not need."""
    named, out = set(), []
    for block in blocks:
        name = exercise_name(block.passage.section)
        if block.is_list or name is None or name in named:
            out.append(block)
            continue
        if block.lines[0].startswith(f"{name}: "):  # already under its name
            named.add(name)
            out.append(block)
            continue
        if not STEP.match(block.lines[0]) or _CAUTION.match(block.lines[0]) or _ABOUT_ALL.search(block.lines[0]):
            # a note ("Strength gains usually take six to twelve weeks"), a caution after the last exercise
            # ("Avoid side-lying leg lifts early on") or a word about them all ("Aim to do these exercises two or
            # three times a day") reads on its own
            out.append(block)
            continue
        named.add(name)
        out.append(replace(block, lines=(f"{name}: {block.lines[0]}",)))
    return out


#: Words that say what kind of exercise it is, not which one ("Nordic curls (later stage)": "Nordic" names it).
_KIND_WORDS = terms("stretch stretches exercise exercises strengthening strength stage early later easy simple gentle "
                    "raise raises hold holds lift lifts")


def _names_it(name: str, title: str, q_terms: frozenset[str]) -> bool:
    """Whether the question names this exercise: by all its words, or by a word of its own that is neither the
    article's subject nor a body part ("how do you do Nordics?" names "Nordic curls"; "stretches for my
    glutes?" does not name "Glute bridge")."""
    own = terms(name) - terms(title) - _KIND_WORDS - terms(" ".join(mentioned_terms(name)))
    return bool(own & q_terms) or bool(terms(name) and terms(name) <= q_terms)


def _how_to(passage: Passage, max_words: int = 40, max_steps: int = 2) -> str | None:
    """An exercise's how-to: its first instruction (else its first sentence), with the steps after it while
    the first only sets up ("Sit with the sore foot across your other knee. Pull your toes back ...")."""
    sentences = [u for u in passage_units(passage.text) if u.kind == "sentence"]
    quotable = [i for i, u in enumerate(sentences) if standalone(u.text)]
    if not quotable:
        return None
    at = next((i for i in quotable if STEP.match(plain(sentences[i].text))), quotable[0])
    steps = [standalone(sentences[at].text)]
    for u in sentences[at + 1:]:
        text = plain(u.text)
        if (len(steps) >= max_steps or u.paragraph != sentences[at].paragraph or text[-1:] not in ".!"
                or PAGE_TALK.search(text) or len(" ".join([*steps, text]).split()) > max_words
                or (max_steps <= 2 and len(steps[0].split()) >= 12)):
            break
        steps.append(text)
    return " ".join(steps)


#: "I forgot to ask how you actually do it": asks for the steps, even after "what's a nerve slider?".
_DO_IT = r"\bhow (?:you|i|we|to|they) (?:\w+ ){0,2}?(?:do|does|perform) (?:it|this|that|them|these|those|one)\b"
_HOW = re.compile(r"\bhow (?:do|should|can|would|to|does)\b|\bshow me\b|\bwhat is the right way\b|" + _DO_IT, re.IGNORECASE)


def named_exercise(question: str, hits: Sequence[SearchHit], asked: str | None = None) -> Block | None:
    """For "how do you actually do the Nordics?": that exercise's steps, under its name, leading the answer."""
    text = asked or question
    first = intents(text)[:1]
    if (not hits or not _HOW.search(text) or asks_measure(text) or first == ("cause",)
            or (first == ("what_is",) and not re.search(_DO_IT, text, re.IGNORECASE))):
        return None  # "how does sitting affect them?" asks why, not how to do the sit-to-stand
    q_terms = terms(question)
    for rank, passage in enumerate(hits[0].passages):
        name = exercise_name(passage.section)
        if name is None or not _names_it(name, hits[0].title, q_terms):
            continue
        steps = _how_to(passage, max_words=60, max_steps=4)
        if steps:
            return Block((f"{name}: {steps}",), passage, 0, (rank, 0), 1.0)
    return None


_IS_THERE = re.compile(r"\b(?:is|are) there (?:\w+ ){0,3}?(?:exercises?|stretch\w*|moves?)\b", re.IGNORECASE)
#: One exercise told by what you do in it ("the stretch where you pull your toes back towards you"): not a request for them all.
_DESCRIBED = re.compile(r"\b(?:the|that|this) (?:\w+ )?(?:one|stretch|exercise|move)\b,? (?:where|when) you\b", re.IGNORECASE)


def exercise_menu(question: str, hits: Sequence[SearchHit], max_items: int = 6, asked: str | None = None) -> Block | None:
    """For "which exercises?": the best article's exercises by name, each with its first step, as a list.

    Only when the question asks for exercises in general, not about one of them by name
    ("how long do I hold the calf stretch?" is answered from that exercise's own text).
    """
    wanted = intents(asked or question)
    if "exercises" not in intents(asking_part(asked or question)) or _DESCRIBED.search(asked or question):
        return None  # "I stretch every night but it comes back. What am I missing?" does not ask for a list
    # "is there an exercise that stops it coming back?" asks for exercises, not for a yes or no
    judged = {"serious", "duration"} | (set() if _IS_THERE.search(asking_part(asked or question)) else {"yes_no"})
    if (not hits or not wanted or wanted[0] != "exercises" or judged & set(wanted)
            or asks_measure(asked or question)):
        return None  # "is the ITB stretch OK?", "how much pain is OK during the exercises?" do not ask for a list
    q_terms = terms(question)
    parent, items = None, []
    for passage in hits[0].passages:
        name = exercise_name(passage.section)
        if name is None:
            continue
        if _names_it(name, hits[0].title, q_terms):
            return None  # asked about this exercise
        first = _how_to(passage)
        if first and all(name != n for n, _ in items):
            parent = parent or passage.section.split(" > ")[-2]
            items.append((name, first))
    if len(items) < 2:
        return None
    anchor = next((p for p in hits[0].passages if p.section.split(" > ")[-1] == parent), None)
    source = anchor or next(p for p in hits[0].passages if p.section.split(" > ")[-2:-1] == [parent])
    lines = (f"{parent}:", *(f"{name}: {first}" for name, first in items[:max_items]))
    return Block(lines, source, 0, (0, 0), 1.0, is_list=True)
