"""The red-flag catalogue (``data/redflags.yaml``) as typed records, loaded once.

One reviewed file says, for every warning sign, its level, the reply it needs,
its clinical sources, a conditional safety line, precise patterns, lay exemplars
and hard negatives. The pattern detector (``triage.py``), the semantic detector
(``semantic.py``), the hazard log and the tests all read it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("data") / "redflags.yaml"

EMERGENCY, URGENT, ROUTINE = "emergency", "urgent", "routine"
SEVERITY = {ROUTINE: 0, URGENT: 1, EMERGENCY: 2}
#: The replies a flag can need, and which level each belongs to.
REPLIES = {"crisis": EMERGENCY, "emergency": EMERGENCY, "urgent": URGENT, "minor_injuries": URGENT}


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the flag and the field."""


@dataclass(frozen=True)
class Rule:
    """One way a flag fires: a clause pattern, plus findings that must also be present."""

    any: tuple[re.Pattern[str], ...]
    with_: tuple[re.Pattern[str], ...] = ()
    unless: re.Pattern[str] | None = None
    #: said anywhere in the visitor's messages, it explains the sign away ("losing weight on purpose, slimming club")
    explained_by: re.Pattern[str] | None = None
    history: bool = False  # past-tense clauses count (a history of cancer is the point)
    with_history: bool = False  # the `with` findings may be in the past (osteoporosis diagnosed last year)
    negation_inside: bool = False  # a negation inside the matched words cancels it ("calf, not swollen")


@dataclass(frozen=True)
class Flag:
    id: str
    level: str
    reply: str
    category: str
    title: str
    sources: tuple[str, ...]
    safety_line: str
    rules: tuple[Rule, ...]
    exemplars: tuple[str, ...]
    hard_negatives: tuple[str, ...]
    #: exercise, stretching or loading advice could make this worse: an answer near it leaves such advice out
    contradicts_self_care: bool = False


@dataclass(frozen=True)
class Catalogue:
    flags: tuple[Flag, ...]
    version: int
    past: re.Pattern[str] | None = None  # clauses about the past (fragment PAST): acute signs there do not count

    def __getitem__(self, flag_id: str) -> Flag:
        for flag in self.flags:
            if flag.id == flag_id:
                return flag
        raise KeyError(flag_id)


def _expand(pattern: str, fragments: dict[str, str], where: str) -> re.Pattern[str]:
    def sub(match: re.Match) -> str:
        name = match.group(1)
        if name not in fragments:
            raise CatalogueError(f"{where}: unknown fragment %{name}%")
        return f"(?:{fragments[name]})"

    text = re.sub(r"%([A-Z_]+)%", sub, pattern)
    try:
        # whole words only: "end it" is not in "bend it", "foot" is not in "football"
        # (a plural or third-person "s" is allowed: "pain" matches "pains", "wipe" matches "wipes")
        return re.compile(rf"(?<![\w])(?:{text})(?:e?s)?(?:(?<![\w])|(?![\w]))")
    except re.error as exc:
        raise CatalogueError(f"{where}: bad pattern {pattern!r}: {exc}") from exc


def _rule(spec: dict, fragments: dict[str, str], where: str) -> Rule:
    if not spec.get("any"):
        raise CatalogueError(f"{where}: a rule needs at least one `any` pattern")
    # one alternation per rule: a clause is scanned once, not once per pattern
    joined = "|".join(f"(?:{p})" for p in spec["any"])
    return Rule(
        any=(_expand(joined, fragments, where),),
        with_=tuple(_expand(p, fragments, where) for p in spec.get("with", ())),
        unless=_expand(spec["unless"], fragments, where) if spec.get("unless") else None,
        explained_by=_expand(spec["explained_by"], fragments, where) if spec.get("explained_by") else None,
        history=bool(spec.get("history", False)),
        with_history=bool(spec.get("with_history", False)),
        negation_inside=bool(spec.get("negation_inside", False)),
    )


def _fragments(raw: dict) -> dict[str, str]:
    """The fragments, each with the fragments it names (%NAME%) written out."""
    raw = {k: str(v) for k, v in raw.items()}
    done: dict[str, str] = {}

    def resolve(name: str, via: tuple[str, ...]) -> str:
        if name in done:
            return done[name]
        if name in via:
            raise CatalogueError(f"fragment {name}: refers to itself through {' -> '.join(via)}")
        if name not in raw:
            raise CatalogueError(f"fragment {via[-1]}: unknown fragment %{name}%")
        text = re.sub(r"%([A-Z_]+)%", lambda m: f"(?:{resolve(m.group(1), (*via, name))})", raw[name])
        done[name] = text
        return text

    for name in raw:
        resolve(name, ())
    return done


def parse(data: dict) -> Catalogue:
    """Validate and compile a catalogue document (raises CatalogueError naming the flag)."""
    fragments = _fragments(data.get("fragments") or {})
    flags, seen = [], set()
    for raw in data.get("flags") or ():
        fid = raw.get("id") or "?"
        if fid in seen:
            raise CatalogueError(f"flag {fid}: listed twice")
        seen.add(fid)
        level, reply = raw.get("level"), raw.get("reply")
        if level not in (EMERGENCY, URGENT):
            raise CatalogueError(f"flag {fid}: level must be emergency or urgent, not {level!r}")
        if REPLIES.get(reply) != level:
            raise CatalogueError(f"flag {fid}: reply {reply!r} does not fit level {level}")
        for field, minimum in (("exemplars", 15), ("hard_negatives", 5), ("sources", 1)):
            if len(raw.get(field) or ()) < minimum:
                raise CatalogueError(f"flag {fid}: needs at least {minimum} {field}")
        if not re.match(r"If\b", str(raw.get("safety_line", ""))):
            raise CatalogueError(f"flag {fid}: safety_line must be one conditional sentence starting with 'If'")
        flags.append(
            Flag(
                id=fid, level=level, reply=reply, category=str(raw.get("category") or fid), title=str(raw["title"]),
                sources=tuple(raw["sources"]), safety_line=str(raw["safety_line"]),
                rules=tuple(_rule(r, fragments, f"flag {fid}") for r in raw.get("rules") or ()),
                exemplars=tuple(str(e) for e in raw["exemplars"]),
                hard_negatives=tuple(str(h) for h in raw["hard_negatives"]),
                contradicts_self_care=bool(raw.get("contradicts_self_care", False)),
            )
        )
    if not flags:
        raise CatalogueError("the catalogue has no flags")
    past = _expand(fragments["PAST"], fragments, "fragment PAST") if "PAST" in fragments else None
    return Catalogue(flags=tuple(flags), version=int(data.get("version", 1)), past=past)


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    """The catalogue, read and compiled once per file."""
    return parse(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
