"""Lists in an answer (pure functions over scored units): a list quoted with its lead-in, its items across a
chunk boundary, the one list that may support a sentence, and a list item's sentence that answers on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from assistant.answering.intent import WARNING_SECTION, heading_cue, unit_cue
from assistant.answering.quotes import JUDGING_WORDS, Block, cut_item, item_key, standalone, terms
from assistant.core.records import Passage
from assistant.core.text import Unit, plain, split_sentences

#: A line that sends the reader somewhere urgently: a list with one is a list of warning signs.
WARNING_UNIT = re.compile(r"\b(?:999|a&e|nhs 111|same day|urgent\w*|emergency|(?<!rather than )straight away|(?:get|seek) help sooner)\b", re.I)


@dataclass(frozen=True)
class Scored:
    """A quotable unit of a passage with its score for the question and what the score is made of."""

    unit: Unit
    units: tuple[Unit, ...]  # all units of the passage (for lists)
    passage: Passage
    article_rank: int
    passage_rank: int
    score: float
    features: Mapping[str, float] = field(default_factory=dict)
    base: float = 0.0  # the score without the learned fit: what "close to the best" and "far below it" are measured in


def warning_items(units: Sequence[Unit]) -> tuple[set[int], set[int]]:
    """The list items (by ``Unit.item``) that are warning signs by what the rest of the item says ("You cannot bear
    weight, or the ankle looks deformed after the injury" goes on "Go to A&E or a minor injuries unit"), and those
    that are only by what their list says: every other item under "Seek help sooner in these situations:",
    including "Get your knee assessed"."""
    own = {u.item for u in units if u.item is not None and WARNING_UNIT.search(u.text)}
    lists = {u.list_id for u in units if u.list_id is not None and WARNING_UNIT.search(u.text)}
    return own, {u.item for u in units if u.item is not None and u.list_id in lists} - own


def unsaid(block: Block, said: frozenset[str]) -> Block | None:
    """A list without the items an earlier reply gave (its lead-in stays), or None when it has none left: a follow-up
    that asks again about one item of a list gets that item, not the whole list again."""
    if not block.is_list:
        return block
    items = [x for x in block.lines[block.head:] if not all(s in said for s in split_sentences(plain(x)))]
    if not items:
        return None
    return block if len(items) == len(block.lines) - block.head else replace(block, lines=(*block.lines[:block.head], *items))


def _warning_list(block: Block) -> bool:
    """A list of warning signs: under a warning heading, or with a line that says where to go urgently."""
    return bool(WARNING_SECTION.search(block.passage.section.split(" > ")[-1])) or any(WARNING_UNIT.search(x) for x in block.lines)


#: How a sentence that speaks of the list just before it starts ("These aches usually ease when you move ...").
_OF_THE_LIST = re.compile(r"^(?:these|those|all (?:of )?these|such)\b", re.IGNORECASE)


def _list_tail(units: Sequence[Unit], members: Sequence[Unit]) -> str | None:
    """The sentence after a list that speaks of its items, quoted with the list: alone, "These aches usually ease when
    you move" points at nothing; after the list of aches, it says something."""
    after = next((u for u in units if u.index > members[-1].index), None)
    if after is None or after.kind != "sentence" or after.paragraph == members[-1].paragraph:
        return None
    text = plain(after.text)
    if not _OF_THE_LIST.match(text) or standalone(text, leaning=True) is None:
        return None  # otherwise it must be quotable: whole, not a question, not page talk
    return text


def list_block(best: Scored, scored: Sequence[Scored], max_items: int = 6, asked: frozenset[str] = frozenset()) -> Block:
    """The list ``best`` belongs to, with its lead-in: all items if short, else the best-scoring ones, and first
    those that alone name a word of the question (``asked``: its terms): "the stairs are killing me" keeps
    "Take stairs one at a time" in a long list of tips."""
    list_id = best.unit.list_id
    cut = cut_item(best.passage.text, best.units)  # an item the chunk boundary cut after its bold head is left out
    members = [u for u in best.units if u.list_id == list_id and not (u.kind == "item" and item_key(u) == cut)]
    leadin = [u for u in members if u.kind == "leadin"]
    items: dict[int, list[Unit]] = {}
    for u in (u for u in members if u.kind == "item"):
        items.setdefault(item_key(u), []).append(u)
    keys = sorted(items)
    if len(keys) > max_items:
        by_unit = {s.unit.index: s.score for s in scored if s.passage.chunk_id == best.passage.chunk_id}
        named = {k: asked & terms(" ".join(u.text for u in items[k])) for k in keys}
        alone = {k: any(sum(t in other for other in named.values()) == 1 for t in named[k]) for k in keys}
        ranked = sorted(keys, key=lambda k: (alone[k], max(by_unit.get(u.index, -9) for u in items[k])), reverse=True)
        keys = sorted(ranked[:max_items])
    if leadin:
        lines = [leadin[0].text]
    elif best.passage.leadin and list_id == 0 and best.units[0].paragraph == members[0].paragraph:
        lines = [plain(best.passage.leadin)]  # the list the chunk starts inside: its lead-in is in the chunk before
    else:
        lines = _unmarked_leadin(best, members)
    headed = bool(lines) and not lines[0].endswith(":")
    lines += [" ".join(u.text for u in items[k]) for k in keys]
    return Block(tuple(lines), best.passage, best.article_rank, (best.passage_rank, min(u.index for u in members)),
                 best.score, is_list=True, after=_list_tail(best.units, members), headed=headed)


def _unmarked_leadin(best: Scored, members: Sequence[Unit]) -> list[str]:
    """What introduces a list whose lead-in does not end with ":": the sentence just before it ("Wear loose,
    comfortable clothing that lets your physiotherapist see ..." before what to wear for each body part), or, for a
    list that opens its chunk, its section's heading ("Set up your workstation:"), so no list is quoted from the
    middle of nowhere."""
    before = [u for u in best.units if u.index < members[0].index]
    if before:
        sentence = standalone(before[-1].text) if before[-1].kind == "sentence" else None
        return [sentence] if sentence and before[-1].paragraph == members[0].paragraph - 1 else []
    heading = best.passage.section.split(" > ")[-1]
    return [f"{heading}:"] if " > " in best.passage.section and heading[-1:].isalnum() else []


def with_rest(
    block: Block, best: Scored, scored: Sequence[Scored], margin: float = 0.1, most: int = 2, asked: frozenset[str] = frozenset(),
) -> Block:
    """A list cut by a chunk boundary: the items of the same list on the other side of the boundary that score
    close to the best, or name a word of the question (``asked``) the block does not, join ``block`` (at most
    ``most``): "Take breaks when driving ..." sits after the boundary that "Things that help many people:" and
    its first items sit before; so does "Take stairs one at a time" for "the stairs are killing me"."""
    head = block.lines[0] if block.lines and block.lines[0].endswith(":") else None
    if head is None or _warning_list(block):
        return block  # warning signs are quoted as the chunk has them: the answer's other lines say what was asked
    found: dict[str, tuple[str, int]] = {}  # line -> where it is read
    unnamed = asked - terms(" ".join(block.lines))
    naming = [s for s in scored if unnamed & terms(s.unit.text)]
    close = [s for s in scored if s.base >= best.base - margin]
    for s in [*naming, *close]:
        if len(found) >= most:
            break
        if s.unit.kind != "item" or s.passage.chunk_id == best.passage.chunk_id or s.passage.section != best.passage.section:
            continue
        other = list_block(s, scored, max_items=99)
        if not other.lines or other.lines[0] != head:
            continue
        line = next((x for x in other.lines[1:] if s.unit.text in x), None)
        if line is not None and line not in block.lines:
            found.setdefault(line, (s.passage.chunk_id, s.unit.index))
    if not found:
        return block
    extra = sorted(found, key=found.__getitem__)
    lines = [*extra, *block.lines[1:]] if plain(best.passage.leadin) == head else [*block.lines[1:], *extra]
    return Block((head, *lines), block.passage, block.article_rank, block.position, block.score, is_list=True, after=block.after)


def support_list(
    best: Scored, scored: Sequence[Scored], wanted: tuple[str, ...], floor: float, asked: frozenset[str] = frozenset(),
) -> tuple[Block | None, bool]:
    """The one list an answer led by a sentence may quote, with its lead-in ("Common triggers include:" after
    "it is mostly a problem of load" answers "why would he get this?"), and whether it is on the point.

    On the point: a list under a heading about what was asked, among the units worth quoting at all; it then
    comes before other support. Otherwise the best list close to the best unit, quoted only if there is room.
    Never a list of warning signs: they lead only when asked about."""
    nearby = None
    for s in scored[1:]:
        # a list in the best sentence's own section ("Common triggers include:" after "it is mostly a problem of
        # load") is looked at however its items score
        same = s.passage.chunk_id == best.passage.chunk_id
        if s.base < floor and not same:
            continue
        if s.unit.kind == "sentence":
            continue
        block = list_block(s, scored, asked=asked)
        heading = s.passage.section.split(" > ")[-1]
        if _warning_list(block):
            continue
        if any(heading_cue(i, heading) for i in wanted[:2]):
            return block, True
        if s.base < floor:
            continue
        if nearby is None and s.base >= best.base - 0.1:
            nearby = block
    return nearby, False


#: Questions one sentence answers ("how long am I out for?", "is it serious?"): when that sentence is a list item's,
#: it leads and its list follows.
ONE_LINE = frozenset({"duration", "serious", "yes_no", "rest", "when_to_see", "what_is"})
#: A list item of one sentence leads only when it says this much: "A walking stick, held in the hand opposite the sore
#: leg, can reduce pain on longer walks." answers "which hand should she hold it in?" (a question of no kind above).
ONE_LINE_WORDS = 10


def direct_first(
    lead: Block, best: Scored, wanted: Sequence[str], named: frozenset[str] = frozenset(),
) -> tuple[Block, Block | None]:
    """A one-line direct answer first, when it is a list item of a bold head and its sentences, or a whole sentence of
    its own: "Be patient with timescales. A mild hamstring strain may settle in a couple of weeks ..." opens the reply,
    not "Useful principles for recovering from a hamstring strain:" with the answer fourth down its items. The rest of the list (its lead-in
    and at least two other items) is returned to follow; a shorter list is left as it is."""
    # a yes or no about something the visitor names (``named``: the question's words, with a follow-up's topic and
    # what it points at) is answered by the item that says yes or no about it outright: "my class does a stretch where
    # you pull your knee across your body, should I carry on?" by "Stretches that pull the knee across the body ...
    # often make gluteal tendinopathy worse"; "is there anything I can do before I get up?" names nothing an item
    # could say yes or no to that its list's lead-in does not name too
    verdict = "yes_no" in wanted and unit_cue("yes_no", best.unit.text) and bool(
        named & terms(best.unit.text) - terms(lead.lines[0]) - JUDGING_WORDS)
    if (not lead.is_list or (wanted and wanted[0] not in ONE_LINE and not verdict) or best.unit.item is None
            or not lead.lines[0].endswith(":") or _warning_list(lead)):
        return lead, None  # a warning sign is never quoted as a statement: its list says when to get help
    line = next((x for x in lead.lines[1:] if best.unit.text in x), None)
    others = tuple(x for x in lead.lines[1:] if x != line)
    if line is None or len(others) < 2 or standalone(line) is None or (
            len(split_sentences(line)) < 2 and len(line.split()) < ONE_LINE_WORDS):
        return lead, None  # "growth spurts in teenagers" is not a reply on its own
    first = Block((line,), best.passage, best.article_rank, (best.passage_rank, best.unit.index), best.score)
    return first, Block((lead.lines[0], *others), lead.passage, lead.article_rank, lead.position, lead.score,
                        is_list=True, after=lead.after)
