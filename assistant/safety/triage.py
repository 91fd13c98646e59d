"""Red-flag triage over the visitor's side of a conversation, before any retrieval.

Two detectors read the catalogue (``catalogue.py``): precise patterns, run here,
and a semantic detector (``semantic.py``) that compares each clause with the
catalogue's lay exemplars. Triage reads every message the visitor has sent, not
only the newest: a conversation that reached emergency stays there, and risk
facts from earlier messages (a cancer history, recent surgery, steroids, fever)
combine with later symptoms.

A pattern does not count in a clause where it is negated ("no numbness"), asked
about ("does saddle numbness mean ...?") or, for signs that are about now, in the
past ("a DVT five years ago"). The result is the most severe level found, the
flags behind it, and the flags a message came close to (the caution band).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.core.text import normalise_text
from assistant.safety.catalogue import EMERGENCY, ROUTINE, SEVERITY, URGENT, Catalogue, Flag, Rule, load_catalogue

__all__ = ["EMERGENCY", "URGENT", "ROUTINE", "Triage", "triage", "triage_conversation", "normalise", "prepare"]

# --------------------------------------------------------------------------- normalising

_TYPOS = {
    r"\bcant\b": "can't", r"\bcnt\b": "can't", r"\bcan not\b": "can't", r"\bcannot\b": "can't",
    r"\bdont\b": "don't", r"\bdoesnt\b": "doesn't", r"\bdidnt\b": "didn't", r"\bwont\b": "won't",
    r"\bim\b": "i'm", r"\bive\b": "i've", r"\bisnt\b": "isn't", r"\barent\b": "aren't",
    r"\bhavent\b": "haven't", r"\bhasnt\b": "hasn't", r"\bwasnt\b": "wasn't", r"\bcouldnt\b": "couldn't",
    r"\bwouldnt\b": "wouldn't", r"\bshouldnt\b": "shouldn't", r"\bhadnt\b": "hadn't", r"\bwerent\b": "weren't",
    r"\bu\b": "you", r"\bur\b": "your", r"\bmy self\b": "myself", r"\bmeself\b": "myself", r"\bhisself\b": "himself", r"\bbum hole\b": "bumhole",
    r"\bblad+[ae]r\b": "bladder", r"\bsadd?[el]l?e?\b": "saddle", r"\bosteop(?!en)\w*": "osteoporosis",
    r"\blegz\b": "legs", r"\bpins n needles\b": "pins and needles", r"\bpins & needles\b": "pins and needles",
    # texting: "numb n weak", "youve been sat"
    r"(?<=\w) n (?=\w)": " and ", r"\b(you|we|they)ve\b": r"\1 have",
    # Urdu and Punjabi words a relative may use: fever, child, years old ("bacha 2 saal ka hai, bukhar hai")
    r"\bbukhar\b": "fever", r"\bbach(?:ch)?[aie]y?\b": "child", r"\bsaal (?:ka|ki|ke|da|di|de)\b": "years old",
    r"\bdhee\b": "daughter", r"\bmunda\b": "son", r"\bkudi\b": "girl",
    # Ulster and Scots: "boke" (be sick), "jag" (a jab)
    r"\bbo(?:a)?ke\b": "sick", r"\bboking\b": "being sick", r"\bjag\b": "jab",
    # Doric and Highland words
    r"\bcanna\b": "cannot", r"\bfan (?=(?:i|he|she|ye|you|we|they|it)\b)": "when ", r"\befter\b": "after", r"\bdoon\b": "down",
    r"\bnoo\b": "now", r"\bfae\b": "from", r"\bsair\b": "sore", r"\bgreetin\b": "crying", r"\baffa\b": "awful",
    r"\bpeely[- ]?wally\b": "pale",
    # family words: Geordie, Welsh and Irish "my mam", "the bairn", Cumbrian "laal un" (little one), "my mom"
    r"\b(?:laal|lile|little|wee) un\b": "little one", r"\bmam\b": "mum", r"\bmammy\b": "mummy", r"\bbairn\b": "child", r"\bbairns\b": "children", r"\bmom\b": "mum",
    # Black Country "ay" (haven't, isn't): "ay had a wee since yesterday"; Jamaican "di" (the), "hip replace"
    r"\bay (?=had|been|got)": "haven't ", r"\bdi (?=\w)": "the ", r"\b(hip|knee|shoulder) replace\b": r"\1 replacement",
    r"\bfev(?:re|ah|er)\b": "fever", r"\boverdo(?:se|ze)\b": "overdose", r"\b(an?|the|my|his|her) overdoes\b": r"\1 overdose", r"\bcos\b": "because", r"\bcoz\b": "because",
    r"\bstrok\b": "stroke", r"\bsiatica\b": "sciatica", r"\bsigh ?att?ica\b": "sciatica", r"\bsciatic?a\b": "sciatica", r"\bwhats\b": "what's",
    r"(?<!at )(?<!playing )(?<!lawn )(?<!green )(?<!indoor )\bbowl(s)?\b(?! of\b)": r"bowel\1", r"\bbowles\b": "bowels",
    r"\bnumm?b?n[ae]ss?\b": "numbness", r"\bnumbess\b": "numbness", r"\bnumbnes\b": "numbness",
    r"\bnumm\b": "numb", r"\bnumbb\b": "numb", r"\btingl\w*": "tingling", r"\bpins and needels\b": "pins and needles",
    r"\bincontin\w*": "incontinence", r"\bsu[ie]?c[iu]?d[ae]l\b": "suicidal", r"\bsucide\b": "suicide",
    r"\bsuicde\b": "suicide", r"\bdizz?[iy]\w*": "dizzy", r"\bbreath?le?s+\w*": "breathless",
    r"\bbreth\w*": "breath", r"\bchesst\b": "chest", r"\bslured\b": "slurred", r"\bsholder\b": "shoulder",
    r"\bwipeing\b": "wiping", r"\bpeeing\b": "peeing", r"\bwee+\b": "wee", r"\burin\b": "urine",
    r"\berrection\b": "erection", r"\bma\b": "my", r"\bbaith\b": "both", r"\ban\b(?= \w+ (?:is|are|my)\b)": "and",
    r"\baw\b": "all", r"\bbk\b": "back", r"\bhes\b": "he is", r"\bshes\b": "she is", r"\bleggs\b": "legs",
    r"\bstomache\b": "stomach", r"\bhed\b": "head", r"\bheadach\b": "headache", r"\btemprature\b": "temperature",
    r"\bvommit\w*": "vomiting", r"\bvomitting\b": "vomiting", r"\bconfussed\b": "confused", r"\bunconcious\b": "unconscious",
    r"\bswolen\b": "swollen", r"\bswolled\b": "swollen", r"\bbreathe?ing\b": "breathing", r"\brite\b": "right",
    r"\bbacks\b": "back", r"\bnecks\b": "neck", r"\bpls\b": "please", r"\bplz\b": "please", r"\bthx\b": "thanks", r"\bprob\b": "probably", r"\babt\b": "about",
    r"\bw/": "with ", r"\bb4\b": "before", r"\b2day\b": "today", r"\b2nite\b": "tonight", r"\bnite\b": "night",
    # Scots: head, plaster cast, foot (after a side or an owner), dad, no, with, not ("no touchin it")
    r"\bheid\b": "head", r"\bstook(?:ie|y)\b": "plaster cast", r"\b(left|right|his|her|my) fit\b": r"\1 foot",
    r"\b(left|right|his|her|my) fits\b": r"\1 feet", r"\bnae\b": "no", r"\bwi\b": "with", r"\b(my|our|yer|your) da\b": r"\1 dad",
    r"\b(can|did|does|do|is|was|would|could|will|had|has|have|should)nae\b": r"\1n't", r"\bcannae\b": "can't", r"\bwullnae\b": "won't",
    r"\bno (touchin[g']?|helpin[g']?|workin[g']?|shiftin[g']?)\b": r"not \1",
    # northern "me" for "my" before a body part ("both me legs"), "mesel"
    r"\bme (?=(?:(?:left|right|good|bad) )?(?:legs?|back|feet|foot|knees?|arms?|hands?|bum|head|neck|hips?|chest|shoulders?|toes?|fingers?|wrists?|ankles?|elbows?|words|speech|eyes?|face|mouth|vision|sight)\b)": "my ",
    r"\bmesel\b": "myself",
    # Norfolk: "I hent passed water", "bin bad a week", "agin"
    r"\bon the huh\b": "lopsided", r"\bhent\b": "haven't", r"\bbin (?=bad|sore|poorly|ill|hurting|aching|killing|like)": "been ", r"\bagin\b": "again",
    # dropped g: "draggin", "bleedin'", "greetin"
    r"\b(dragg|tripp|touch|help|work|shift|bleed|limp|swell|burn|tingl|throbb|spew|bok|greet|shak|vomit|hurt|fall|go|do|com|gett|feel|walk|mov|breath|pass|sleep|wak|talk|slurr|see|los|slimm|cry)in'?(?=\W|$)": r"\1ing",
    # "inside 2 hours" is within them
    r"\binside (?:of )?(?=(?:an?|\d+|one|two|three|half an|a couple of|a few) (?:hours?|hrs?|mins?|minutes?)\b)": "within ",
}
_TYPO_RES = [(re.compile(k), v) for k, v in _TYPOS.items()]
_CONTRACTIONS = [
    (re.compile(r"\bcan't\b"), "cannot"), (re.compile(r"\bwon't\b"), "will not"), (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"), (re.compile(r"\bi'm\b"), "i am"), (re.compile(r"\b(i|you|we|they)'ve\b"), r"\1 have"),
    (re.compile(r"\b(i|you|he|she|we|they)'ll\b"), r"\1 will"), (re.compile(r"\b(i|you|he|she|we|they)'d\b"), r"\1 would"),
    (re.compile(r"\b(you|we|they)'re\b"), r"\1 are"),
    (re.compile(r"\b(it|that|there|what|he|she|who|where|here)'s (been|had|got|gone|done|taken|not been|not had)\b"), r"\1 has \2"),
    (re.compile(r"\b(it|that|there|what|he|she|who|where|here)'s\b"), r"\1 is"),
    # a softener between a negation and its verb: "cannot really feel my legs", "do not really see the point"
    (re.compile(r"\b(cannot|can not|could not|do not|does not|did not|will not|would not) (?:really|even|quite|properly|honestly|actually) "), r"\1 "),
]
_CLAUSE_SPLIT = re.compile(r"[.!?;\n]+|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b|\banyway\b|\|\|")


def normalise(message: str) -> str:
    """Lower case, plain apostrophes and spaces, common misspellings fixed (also used by the guards)."""
    text = unicodedata.normalize("NFKC", normalise_text(message)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    for pattern, replacement in _TYPO_RES:
        text = pattern.sub(replacement, text)
    text = re.sub(r"(\w)'s\b", r"\1", text)  # "sciatica's", "mum's", "back's": possessive or "is", dropped
    return re.sub(r"\s+", " ", text).strip()


def prepare(message: str) -> str:
    """The form the catalogue's patterns read: normalised, contractions expanded, no apostrophes."""
    text = unicodedata.normalize("NFKC", normalise_text(message)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    for pattern, replacement in _TYPO_RES:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"(\w)'s\b", r"\1", text)
    text = text.replace("'", "")
    return re.sub(r"[ \t]+", " ", text).strip()


_ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…)\s*")


def clauses(text: str) -> list[str]:
    """A message's clauses. Dots that trail off ("cant... finish... sentences") are pauses, not sentence ends."""
    text = _ELLIPSIS.sub(" ", text)
    return [c.strip(" ,") for c in _CLAUSE_SPLIT.split(text) if c and c.strip(" ,")]


# --------------------------------------------------------------------------- negation, questions, the past

_NEGATION = re.compile(
    r"\b(?:no|not(?! (?:just|only|judge|going to lie|gonna lie|to be dramatic|to worry you)\b)|never|without|none|nor|neither|(?<!from )nothing|free of|deny|denies|denied|"
    r"no sign of|no signs of|no problems? with|no issues? with|no trouble|no change in|no changes? (?:to|in|with)|"
    r"ruled out|negative for)\b"
)
#: "Never had/felt ... like it/before": the sign is there, unlike any before.
_NEVER_LIKE = re.compile(r"\bnever (?:had|felt|known|experienced)\b(?: \w+){0,5}? (?:like (?:it|this|that)|before)\b")
#: Turns that make a clause *about* a warning sign rather than a report of one.
_HYPOTHETICAL = re.compile(
    r"\b(?:what if|what (?:do |would |should )?(?:you|your physios?|the physios?|staff) (?:would |should )?do if (?:someone|somebody|anyone|a patient|people|a client)|(?<!tell )(?<!know )(?<!sure )if i (?:ever )?(?:get|got|have|had|notice|start|develop|feel)|(?:saw|seen|read|watched) (?:\w+ )?(?:on|online)\b|hypothetic\w*|revising|for (?:my|an|the) exams?\b|student (?:physio|nurse|doctor|paramedic)\w*|something (?:a )?physios? (?:can|could) help with|first aid (?:course|exam|training|class)|(?:nursing|uni|university|college) (?:assignment|essay|exam)|general knowledge|^what (?:is|are) (?:the )?\w+ test\b|(?:on|from) (?:tiktok|instagram|facebook|youtube|google|the internet)\b|(?:says?|said|told (?:me|us)) if(?! (?:i|you|we) (?:tell|told|say|said|grass|snitch))|in case|watch out for|look out for|"
    r"warning signs?|red flags?|(?:a |the )?signs? of|symptoms of|does \w+(?: \w+){0,8} mean|do \w+(?: \w+){0,8} mean|"
    r"^what (?:is|are) (?:a|an)\b|^what (?:is|are) the (?:difference|meaning|definition|signs|symptoms|causes)|^what causes|^what does|^how do (?:you|i) know if|"
    r"should i worry if|is it (?:serious|an emergency|bad) if|told me to (?:watch|look)|what (?:are|is) the (?:signs|symptoms)|"
    r"asked (?:me )?(?:about|if)|checked (?:me )?for|(?:said|told (?:me|us|him|her)|need|needs|have|has)(?: to)? check (?:\w+ )?for|screened for|leaflet|just curious|(?:know|heard|read|aware|understand) (?:that )?(?:\w+ ){1,4}?can be (?:serious|dangerous|an emergency|a sign)|"
    r"(?:can|could|does|do|would|will) (?:\w+ ){0,4}?cause|when should i (?:go|call|worry|see)|what should i look|"
    r"(?:only|just) (?:joking|kidding)|\bjk\b|^is it true|(?:can|could|does|do|would|will) (?:\w+ ){0,3}?(?:make (?:you|people|someone)|lead to|give you|turn into))\b"
)

#: A sign going on now, which a question's wording does not make hypothetical ("what does it mean when your chest
#: goes tight ... been like it half hr")
_ONGOING = re.compile(
    r"\b(?:been like (?:it|this|that)|going on|started|came on|begun|began)\W+(?:for )?(?:about |around |the (?:last|past) |a )?"
    r"(?:half (?:an )?(?:hour|hr)|an hour|\d+ ?(?:mins?|minutes|hours?|hrs?)|a few minutes|ten minutes|twenty minutes)\b|"
    r"\b(?:right now|at the moment|as (?:i|we) (?:type|speak|write))\b")


def _hypothetical(clause: str) -> bool:
    return bool(_HYPOTHETICAL.search(clause)) and not _ONGOING.search(clause)


@dataclass(frozen=True)
class Finding:
    """A flag that fired, and what made it fire."""

    flag: Flag
    detector: str  # "pattern", "semantic" or "learned"
    evidence: str  # the clause (or the exemplar it resembled)
    score: float = 1.0


@dataclass(frozen=True)
class Triage:
    """The verdict for a conversation (the visitor's messages so far)."""

    level: str = ROUTINE
    rules: tuple[str, ...] = ()  # the flags behind the level
    caution: tuple[str, ...] = ()  # flags a message came close to: their safety lines lead the answer
    reply: str | None = None  # "crisis", "emergency", "urgent" or "minor_injuries"
    replies: tuple[str, ...] = ()  # every reply kind the flags need, most serious first
    latest: str = ROUTINE  # the newest message's own level (for "still an emergency" replies)
    findings: tuple[Finding, ...] = field(default=(), repr=False, compare=False)

    @property
    def safety_lines(self) -> tuple[str, ...]:
        catalogue = load_catalogue()
        return tuple(catalogue[f].safety_line for f in self.caution)


#: "and" or "but" before a new subject ends a negation's reach
_NEW_SUBJECT = re.compile(
    r"\b(?:and|but|so|then|since|because|after|when|once)\s+(?=(?:my|his|her|their|our|the|i|it|he|she|we|they|now|has|have|is|are|was|got|looks|feels|seems|also|still)\b)"
)
#: "not pain really, just pressure": what comes after the contrast is said, not denied
_CONTRAST = re.compile(r"\b(?:just|only|rather|instead|more like)\b")
_NEGATED_LIST = re.compile(r"\b(?:no|not|never|without|nothing)\b.*\b(?:or|nor)\b")


def _negated(clause: str, start: int) -> bool:
    """A negation within the five words before ``start``, not across a comma, or a negated list
    reaching it ("no problems with the toilet or anything down below")."""
    before = _NEW_SUBJECT.split(clause[:start].rsplit(",", 1)[-1])[-1]  # "won't shift and his neck aches"
    before = _CONTRAST.split(before)[-1]
    if _NEVER_LIKE.search(clause):  # "never had a head pain like it" is a comparison, not a negation
        before = re.sub(r"\bnever\b", " ", before)
    words = before.split()
    return bool(_NEGATION.search(" ".join(words[-5:]))) or bool(_NEGATED_LIST.search(" ".join(words[-9:])))


def _matches(pattern: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    """Every match, overlapping ones too: "nothing works down there and it's numb round my back passage" has a
    negated match ("down there ... numb") and, inside it, one that is not ("numb ... back passage")."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        yield match
        position = match.start() + 1


def _present(pattern: re.Pattern[str], parts: Iterable[str], past: re.Pattern[str] | None = None) -> bool:
    """``pattern`` matches somewhere, not negated, not in a question about signs (nor in the past, given ``past``)."""
    return any(
        not _negated(c, m.start())
        for c in parts
        if not _hypothetical(c) and not (past is not None and past.search(c))
        for m in _matches(pattern, c)
    )


@dataclass(frozen=True)
class _Clause:
    text: str
    hypothetical: bool
    past: bool
    now: str  # what `unless` reads: the whole clause, or its part after "today" ("torn meniscus last year, today it locked")


_NOW = re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening|week)|since (?:yesterday|last night|this)|"
                  r"last night|right now|just now|(?:and|but) now|lately|recently|these days|anymore|any more|"
                  r"(?:(?<=year, )|(?<=years, )|(?<=year )|(?<=month, )|(?<=months, )|(?<=week, )|(?<=weeks, ))now\b"
                  r"(?! (?:fine|ok|okay|better|all|gone|sorted|healed|recovered|normal|good))|"
                  r"(?:hurt|hurts|hurting|sore|painful|agony|aching|ached|been bad) (?:ever )?since(?! (?:then|the|that|\w+ (?:years?|months?)))|"
                  r"(?:over|in) the (?:last|past) (?:few |couple of |\d+ )?(?:days|weeks))\b")
_ASIDE = re.compile(r"\([^()]*\)")  # "my knee (replaced last year) is hot": the aside does not make the clause past


def _prepare_clauses(parts: list[str], past: re.Pattern[str] | None) -> list[_Clause]:
    """Each clause with the checks every rule needs, computed once."""
    return [_Clause(c, _hypothetical(c), *_tense(c, past)) for c in parts]


def _tense(clause: str, past: re.Pattern[str] | None) -> tuple[bool, str]:
    """(about the past, the part about now). About the past: a past phrase not inside an aside, and no
    "today" or "since yesterday" after it ("had breast cancer 6 years ago ... today her legs keep giving way"
    is about now, and its "now" part is what a rule's `unless` reads)."""
    if past is None:
        return False, clause
    text = _ASIDE.sub(" ", clause)
    match = past.search(text)
    if match is None:
        return False, clause
    now = _NOW.search(text, match.end())
    if now is not None:
        return False, text[now.start():]
    # "can't walk on my heel anymore, noticed it today, slipped disc diagnosed last year": now, then the history
    if _NOW.search(text, 0, match.start()) is not None:
        return False, text[:match.start()]
    return True, clause


def _present_in(pattern: re.Pattern[str], parts: Sequence[_Clause], allow_past: bool) -> bool:
    return any(
        not _negated(c.text, m.start())
        for c in parts
        if not c.hypothetical and (allow_past or not c.past)
        for m in _matches(pattern, c.text)
    )


def _rule_fires(rule: Rule, parts: Sequence[_Clause]) -> str | None:
    """The clause that fires the rule, or None. Triggers are looked for first: they are the rare part."""
    for clause in parts:
        if clause.hypothetical or (clause.past and not rule.history):
            continue
        hit = False
        for pattern in rule.any:
            for match in _matches(pattern, clause.text):
                if _negated(clause.text, match.start()):
                    continue
                if rule.negation_inside and _NEGATION.search(match.group(0)):
                    continue
                hit = True
                break
            if hit:
                break
        if not hit:
            continue
        # `unless` reads the clause from its "today" on ("torn meniscus last year, today it locked"), or all of it for a
        # rule about history, whose past is the point ("my mum died of bone cancer 10 years ago and now my shoulder ...")
        if rule.unless is not None and _present(rule.unless, [clause.text if rule.history else clause.now]):
            continue
        if not all(_present_in(w, parts, rule.history or rule.with_history) for w in rule.with_):
            continue
        if rule.explained_by is not None and _present_in(rule.explained_by, parts, allow_past=True):
            return None
        return clause.text
    return None


def pattern_findings(parts: list[str], catalogue: Catalogue) -> list[Finding]:
    """Every flag whose rules fire on these clauses."""
    prepared = _prepare_clauses(parts, catalogue.past)
    found = []
    for flag in catalogue.flags:
        for rule in flag.rules:
            clause = _rule_fires(rule, prepared)
            if clause is not None:
                found.append(Finding(flag, "pattern", clause))
                break
    return found


# --------------------------------------------------------------------------- the verdict

_REPLY_ORDER = ("crisis", "emergency", "urgent", "minor_injuries")


def _verdict(findings: Sequence[Finding], caution: Sequence[Flag], latest: str) -> Triage:
    if not findings:
        return Triage(caution=tuple(dict.fromkeys(f.id for f in caution)), latest=latest)
    level = max((f.flag.level for f in findings), key=SEVERITY.__getitem__)
    top = [f for f in findings if f.flag.level == level]
    replies = tuple(r for r in _REPLY_ORDER if any(f.flag.reply == r for f in top))
    flag_ids = tuple(dict.fromkeys(f.flag.id for f in top))
    return Triage(
        level=level, rules=flag_ids, reply=replies[0], replies=replies, latest=latest,
        caution=tuple(dict.fromkeys(f.id for f in caution if f.id not in flag_ids)), findings=tuple(findings),
    )


def _level(findings: Sequence[Finding]) -> str:
    return max((f.flag.level for f in findings), key=SEVERITY.__getitem__, default=ROUTINE)


def _more(found: Sequence[Finding], extra: Sequence[Finding]) -> list[Finding]:
    """The extra findings of flags not found yet; the learned model's only when nothing found is an
    emergency (it is a safety net: its flag is a guess, the others' flags are what was said)."""
    have = {f.flag.id for f in found}
    emergency = any(f.flag.level == EMERGENCY for f in (*found, *extra) if f.detector != "learned")
    return [f for f in extra if f.flag.id not in have and not (f.detector == "learned" and emergency)]


def triage_conversation(messages: Sequence[str], semantic=None, catalogue: Catalogue | None = None) -> Triage:
    """The verdict for the visitor's messages, oldest first (the newest is the one being answered).

    ``semantic`` is an optional SemanticDetector; without it only the patterns run.
    """
    catalogue = catalogue or load_catalogue()
    prepared = [prepare(m[:50_000]) for m in messages if m and m.strip()]
    if not prepared:
        return Triage()
    per_message = [clauses(p) for p in prepared]
    everything = [c for parts in per_message for c in parts]
    findings = pattern_findings(everything, catalogue)
    latest_findings = pattern_findings(per_message[-1], catalogue) if len(per_message) > 1 else list(findings)
    caution: list[Flag] = []
    if semantic is not None:
        sem = semantic.assess([m[:50_000] for m in messages if m and m.strip()])
        findings += _more(findings, sem.findings)
        latest_findings += _more(latest_findings, sem.latest)
        caution = list(sem.caution)
    return _verdict(findings, caution, _level(latest_findings))


def triage(message: str, semantic=None) -> Triage:
    """The verdict for one message on its own."""
    return triage_conversation([message], semantic)
