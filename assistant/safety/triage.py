"""Red-flag triage: deterministic rules that run before any retrieval.

Each message is normalised (case, apostrophes, common misspellings), cut into
clauses, and checked against phrase patterns. A trigger preceded by a negation in
its clause ("no numbness", "not suicidal") does not count, and neither does one
inside a question *about* a warning sign ("does saddle numbness mean ...?").
Some rules need two findings anywhere in the message (a swollen calf *and*
breathlessness). The result is the most severe level found, with the rule ids.

The rules are deliberately over-inclusive: a false alarm costs a phone call, a
missed cauda equina costs a person's bladder. docs/safety.md lists every rule.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.core.text import normalise_text

EMERGENCY, URGENT, ROUTINE = "emergency", "urgent", "routine"
_SEVERITY = {ROUTINE: 0, URGENT: 1, EMERGENCY: 2}

# --------------------------------------------------------------------------- normalising

_TYPOS = {
    r"\bcant\b": "can't", r"\bcnt\b": "can't", r"\bcannot\b": "can't", r"\bcan not\b": "can't",
    r"\bdont\b": "don't", r"\bdoesnt\b": "doesn't", r"\bdidnt\b": "didn't", r"\bwont\b": "won't",
    r"\bim\b": "i'm", r"\bive\b": "i've", r"\bisnt\b": "isn't", r"\barent\b": "aren't",
    r"\bhavent\b": "haven't", r"\bhasnt\b": "hasn't", r"\bwasnt\b": "wasn't", r"\bcouldnt\b": "couldn't",
    r"\bu\b": "you", r"\bur\b": "your", r"\bmy self\b": "myself", r"\bbum hole\b": "bumhole",
    r"\bblad+[ae]r\b": "bladder", r"\bsadd?[el]l?e?\b": "saddle", r"\bosteop\w*": "osteoporosis",
    r"\blegz\b": "legs", r"\bpins n needles\b": "pins and needles", r"\bpins & needles\b": "pins and needles",
    r"\bfev(?:re|ah|er)\b": "fever", r"\boverdo(?:es|se|ze)\b": "overdose", r"\bcos\b": "because",
    r"\bstrok\b": "stroke", r"\bsiatica\b": "sciatica", r"\bsciatic?a\b": "sciatica", r"\bwhats\b": "what's", r"\bbowl(s)?\b": r"bowel\1", r"\bbowle?s\b": "bowels",
    r"\bnumm?b?n[ae]ss?\b": "numbness", r"\bnumbess\b": "numbness", r"\bnumbnes\b": "numbness",
    r"\bnumm\b": "numb", r"\btingl\w*": "tingling", r"\bpins and needels\b": "pins and needles",
    r"\bincontin\w*": "incontinence", r"\bsu[ie]?c[iu]?d[ae]l\b": "suicidal", r"\bsucide\b": "suicide",
    r"\bsuicde\b": "suicide", r"\bdizz?[iy]\w*": "dizzy", r"\bbreath?le?s+\w*": "breathless",
    r"\bbreth\w*": "breath", r"\bchesst\b": "chest", r"\bslured\b": "slurred", r"\bsholder\b": "shoulder",
    r"\bwipeing\b": "wiping", r"\bpeeing\b": "peeing", r"\bwee+\b": "wee", r"\burin\b": "urine",
    r"\berrection\b": "erection", r"\bma\b": "my", r"\bbaith\b": "both", r"\ban\b(?= \w+ (?:is|are|my)\b)": "and",
    r"\baw\b": "all", r"\bbk\b": "back", r"\bhes\b": "he is", r"\bshes\b": "she is", r"\bleggs\b": "legs", r"\bstomache\b": "stomach",
}
_TYPO_RES = [(re.compile(k), v) for k, v in _TYPOS.items()]
_CLAUSE_SPLIT = re.compile(r"[.!?;\n]+|\bbut\b|\bhowever\b|\balthough\b|\bthough\b")


def normalise(message: str) -> str:
    """Lower case, plain apostrophes and spaces, common misspellings fixed."""
    text = unicodedata.normalize("NFKC", normalise_text(message)).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    for pattern, replacement in _TYPO_RES:
        text = pattern.sub(replacement, text)
    text = re.sub(r"(\w)'s\b", r"\1", text)  # "sciatica's", "mum's", "back's": possessive or "is", dropped
    return re.sub(r"\s+", " ", text).strip()


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


# --------------------------------------------------------------------------- negation and hypotheticals

_NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nor|neither|nothing|free of|deny|denies|"
    r"don't|do not|doesn't|does not|didn't|haven't|hasn't|isn't|aren't|wasn't|weren't|"
    r"no sign of|no signs of|no problems? with|no issues? with|no trouble|no change in|no changes? (?:to|in|with))\b"
)
# Turns that mean the clause is *about* a warning sign rather than reporting one.
_HYPOTHETICAL = re.compile(
    r"\b(?:what if|if i (?:ever )?(?:get|got|have|had|notice|start|develop)|in case|watch out for|look out for|"
    r"warning signs?|red flags?|(?:a )?signs? of|symptoms of|does \w+(?: \w+){0,3} mean|do \w+(?: \w+){0,3} mean|"
    r"should i worry if|is it (?:serious|an emergency) if|told me to (?:watch|look)|"
    r"asked (?:me )?(?:about|if)|checked (?:me )?for|ruled out|screened for|leaflet|just curious|"
    r"(?:can|could|does|do|would|will) (?:\w+ ){0,4}?cause)\b"
)
_PAST_YEARS = "|".join(str(y) for y in range(1950, dt.date.today().year))
_TIME_PAST = re.compile(
    r"\b(?:\d+|a few|several|many|two|three|ten)\s+(?:years?|months?)\s+ago\b|\blast year\b|\byears ago\b|"
    rf"\b(?:back )?in (?:{_PAST_YEARS})\b|\bfully recovered\b"
)


@dataclass(frozen=True)
class Rule:
    """One warning sign: a trigger pattern, optionally needing a second finding in the message."""

    id: str
    level: str
    trigger: re.Pattern[str]
    with_: re.Pattern[str] | None = None  # must also appear, not negated, somewhere in the message
    unless: re.Pattern[str] | None = None  # in the same clause (and not negated), cancels the trigger
    negation_inside: bool = False  # also a negation inside the matched words ("calf, not swollen")
    note: str = ""


def _p(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_W = r"(?:\w+\W+)"  # one word and what follows it
_NUMB = (
    r"numb\w*|tingling|pins and needles|no feeling|can't (?:\w+ )?feel|lost (?:the )?feeling|loss of (?:feeling|sensation)|"
    r"dead feeling|(?:feels?|gone|went) (?:\w+ )?(?:dead|weird|funny|strange)|reduced (?:feeling|sensation)|altered sensation|"
    r"(?:doesn't|don't) feel like (?:mine|it mine|it is mine|my own)|isn't mine"
)
_SADDLE = (
    r"saddle|groin|genital\w*|private(?:s| parts| area)?|down there|between (?:my|the) legs|inner thighs?|back passage|"
    r"anus|bumhole|\bbum\b|bottom|backside|perine\w*|crotch|vagina\w*|penis|testic\w*|scrotum|lady bits|front bottom|nether"
)
_BACK = re.compile(r"\bback\b|spine|spinal|lumbar|sciatica|\bdisc\b|neck")
_FEVERISH = (
    r"fever\w*|temperature|\btemp\b|high temp|\b3[89](?:\.\d)?\s?(?:c\b|degrees)|shiver\w*|chills|shaking|"
    r"hot and cold(?! about)|sweats|sweating at night|night sweats|"
    r"feel(?:ing)? (?:really |very |so )?(?:unwell|ill|poorly|rough|awful|terrible|dreadful|rubbish)|flu[- ]?like|like flu|fluey"
)
_CANCER = r"cancer|tumou?r|leukaemia|leukemia|lymphoma|myeloma|melanoma|sarcoma|carcinoma|chemo\w*|radiotherapy"
_COUGH_BLOOD = r"cough\w* (?:up )?(?:\w+ ){0,3}?blood|blood when i cough"
_TOILET_SENSE = r"(?:can't|don't|cannot|no longer) (?:\w+ )?(?:know|feel|tell|sense|get the (?:feeling|urge|sensation))"

RULES: tuple[Rule, ...] = (
    # ---- emergency: cauda equina ------------------------------------------------------------
    Rule("saddle_numbness", EMERGENCY, _p(
        rf"(?:{_NUMB})\W+{_W}{{0,7}}?(?:{_SADDLE})",
        rf"(?:{_SADDLE})\W+{_W}{{0,7}}?(?:{_NUMB}|is numb|are numb|feels? numb)",
        r"can't (?:\w+ )?feel (?:it |anything |the (?:toilet )?paper |myself )?(?:\w+ )?when i wipe",
        r"can't (?:\w+ )?feel (?:the )?(?:toilet )?(?:paper|tissue)",
        r"numb (?:bum|bottom|backside|groin|crotch)",
    ), note="saddle, genital, inner-thigh or back-passage numbness"),
    Rule("bladder", EMERGENCY, _p(
        r"(?:can't|unable to|trouble|difficult\w*|struggl\w*|problems?|hard to|haven't been able to|not able to) (?:\w+ ){0,2}(?:pee|wee|urinate|pass (?:urine|water)|empty (?:my )?bladder)",
        r"(?:haven't|not|didn't) (?:\w+ ){0,2}(?:peed|weed|urinated|passed urine|been for a wee)|haven't been (?:to the (?:loo|toilet) )?all day",
        r"wet (?:myself|my ?self|the bed|my pants|my knickers|my trousers)|wetting (?:myself|the bed)|weeing myself|peed (?:myself|my (?:pants|knickers|trousers))|pissed myself",
        r"leak\w* (?:urine|wee|pee)|(?:urine|wee|pee) (?:leak\w*|keeps coming)|dribbl\w* (?:wee|pee|urine)",
        r"(?:lost|losing|no|loss of) control (?:of|over) (?:my )?bladder|bladder control",
        r"incontinence|urinary retention|retention of urine|\bretention\b",
        r"can't (?:hold|control|stop) (?:my )?(?:wee|pee|urine|water|bladder)",
        rf"{_TOILET_SENSE} (?:\w+ ){{0,3}}?(?:pee|wee|urinate|bladder)",
        r"bladder (?:has )?(?:changed|stopped|isn't working|not working|gone|feels? (?:weird|different|full))",
        r"(?:nothing|only a trickle|just a dribble|hardly anything) (?:\w+ )?(?:comes|coming|came) out",
    ), note="new trouble passing urine, retention or incontinence"),
    Rule("bowel", EMERGENCY, _p(
        r"(?:lost|losing|no|loss of|can't) control (?:of|over) (?:my )?(?:bowels?|poo|bum)",
        r"bowel (?:control|incontinence|accident)|faecal incontinence|fecal incontinence",
        r"can't (?:hold|control|stop) (?:my )?(?:poo|bowels?|number (?:2|two))|poo(?:ed|d|ped)? (?:myself|my pants|my trousers)|pooped myself|soiled (?:myself|my)|shat myself|shit myself",
        r"accidents? (?:with my bowels?|in my (?:pants|knickers|trousers|underwear))",
        rf"{_TOILET_SENSE} (?:\w+ ){{0,3}}?(?:when|if) i (?:need|want)",
        rf"{_TOILET_SENSE} (?:\w+ ){{0,4}}?(?:poo|number (?:2|two)|bowels?|toilet|loo)",
        r"bowels? (?:have )?(?:changed|stopped|not working|aren't working|gone)",
    ), note="loss of bowel control"),
    Rule("both_legs", EMERGENCY, _p(
        r"(?:both|two|2) (?:of my )?legs? (?:\w+ ){0,4}?(?:numb\w*|weak\w*|tingling|pins|dead|heavy|sciatica|shooting|pain|give way|giving way|gave way|can't feel)",
        r"(?:numb\w*|weak\w*|tingling|pins and needles|sciatica|shooting pain|pain) (?:\w+ ){0,4}?(?:both|two|2) (?:of my )?(?:legs|sides|thighs|calves|feet|buttocks)",
        r"(?:numb\w*|weak\w*|tingling|pins and needles|sciatica) (?:in|down|into) (?:both|each|my) (?:legs|feet)",
        r"my legs (?:are|feel|have gone|went|both) (?:\w+ ){0,2}?(?:numb|weak|dead|like jelly)",
        r"(?:both|my) feet (?:\w+ ){0,2}?(?:numb|dead|catching|dragging|slapping)|foot drop in both|both (?:\w+ )?feet (?:\w+ ){0,2}?(?:catch\w*|dragg\w*)",
        r"sciatica (?:on|in|down) both sides|bilateral sciatica|both (?:thighs|calves)",
    ), note="numbness, weakness or sciatica in both legs"),
    Rule("legs_giving_way", EMERGENCY, _p(
        r"legs (?:\w+ ){0,2}?(?:giving way|gave way|give way|buckl\w*|collaps\w*|gave out|giving out|(?:went|gone|going|go) from under me)",
        r"legs (?:won't|don't|can't|wouldn't) (?:hold|support|carry) me",
        r"(?:fell|fall|falling|collapsed) (?:\w+ ){0,3}because (?:of )?my legs",
        r"can't (?:stand|walk) (?:up )?because my legs",
    ), note="legs giving way"),
    Rule("erection_back", EMERGENCY, _p(r"erect\w*|can't get (?:it )?(?:up|hard)|impoten\w*"), with_=_BACK,
         note="new erection problems with back pain"),
    # ---- emergency: trauma ------------------------------------------------------------------
    Rule("major_trauma", EMERGENCY, _p(
        r"(?:fell|fall|fallen|falling|came|come|thrown|tumbled) (?:\w+ ){0,2}?(?:off|from|down|out of) (?:\w+ ){0,4}?(?:ladder|roof|height|scaffold\w*|horse|wall|balcony|tree|stairs|staircase|steps|loft|window|cliff|trampoline|bike|motorbike)",
        r"(?:car|road|traffic|motorway|motorbike|motorcycle|bike|cycling) (?:crash|accident|collision|smash)|\brta\b|\brtc\b|crashed (?:my|the|our) car|t-?boned|rear[- ]ended|pile[- ]?up|head[- ]on",
        r"(?:hit|knocked (?:down|over)|run over) by (?:a |an )?(?:car|van|lorry|truck|bus|vehicle|cyclist)",
        r"knocked off (?:my|a|the) (?:bike|motorbike)",
        r"(?:drove|crashed|went|smashed|ran|ploughed) into (?:the (?:back|side) of )?(?:my|our) (?:car|side|van)",
    ), with_=re.compile(r"pain|hurt|ache|aching|sore|stiff|injur|numb|tingl|worse|agony|\bback\b|neck|spine"),
        unless=_TIME_PAST, note="significant trauma: fall from height or road accident, with pain"),
    Rule("fragility_fall", EMERGENCY, _p(
        r"\b(?:fell|fall|fallen|tripped|slipped|stumbled|trip|slip|tumbled?|sat down hard|landed)\b|missed (?:a|the) (?:\w+ )?step|lost my (?:footing|balance)",
    ), with_=re.compile(r"osteoporosis|brittle bones|thin bones|weak bones|(?:on|taking|take|been on) (?:\w+ ){0,3}?steroids|prednisolon\w*|long[- ]term steroids"),
        unless=_TIME_PAST, note="a minor fall with osteoporosis or long-term steroids"),
    # ---- emergency: heart, lungs, brain ---------------------------------------------------------
    Rule("chest_pain", EMERGENCY, _p(
        r"chest (?:\w+ ){0,4}?(?:pain|tight\w*|pressure|heav\w*|crush\w*|hurts?|hurting|squeez\w*|ache|aching|discomfort|burning)",
        r"clutch\w* (?:at )?(?:his|her|my|their) chest",
        rf"(?:pain|tight\w*|pressure|heav\w*|crush\w*|squeez\w*|ache|aching|discomfort|burning|sore)\W+{_W}{{0,5}}?chest",
        r"(?:having|think i'm having|think i am having) a heart attack|angina",
    ), note="chest pain or tightness"),
    Rule("stroke", EMERGENCY, _p(
        r"(?:face|mouth|eye|lip)\W+(?:\w+\W+){0,2}?(?:droop\w*|dropp\w*|dropped|fallen|slipped|lopsided)|droop\w* (?:face|mouth|eye)|(?:one side of|half) (?:my |his |her )?face",
        r"slurr\w*|speech (?:is |has gone |went )?(?:slurred|garbled|funny|strange|weird)|can't (?:speak|talk|get (?:my )?words out)(?: properly)?|words (?:\w+ ){0,2}?(?:coming|come|came) out wrong",
        r"sudden(?:ly)? (?:\w+ ){0,3}?(?:lost|loss of|can't see|blind|blurred|double) (?:\w+ ){0,2}?(?:vision|sight|see)?|(?:lost|losing) (?:the )?(?:vision|sight) in (?:one|my) eye|blind in one eye|vision (?:suddenly )?(?:went|gone|blacked out)",
        r"sudden(?:ly)? (?:\w+ ){0,3}?(?:weak\w*|numb\w*|can't (?:lift|move)) (?:\w+ ){0,3}?(?:arm|hand|side|face)",
        r"(?:arm|hand|leg) (?:\w+ ){0,3}?(?:suddenly )?(?:went|gone|is|feels) (?:weak|numb|dead|floppy) (?:\w+ ){0,3}?(?:one side|same side|and (?:my )?face)",
        r"(?:one side|left side|right side) of (?:my )?body (?:\w+ ){0,2}?(?:weak|numb|dead|not working)",
        r"having a stroke|think (?:i'm|i am|it|it is|he|he is|she|she is) (?:having )?a stroke|sudden(?:ly)? confus\w*",
    ), note="stroke signs: face, arm, speech, sudden vision loss"),
    Rule("calf_clot_lungs", EMERGENCY, _p(r"calf|calves|lower leg|back of (?:my )?leg"),
        with_=re.compile(rf"breathless|short(?:ness)? of breath|out of breath|can't (?:catch my )?breath|struggling to breathe|hard to breathe|chest pain|pain in my chest|{_COUGH_BLOOD}"),
        note="swollen calf with breathlessness, chest pain or coughing blood"),
    Rule("coughing_blood", EMERGENCY, _p(_COUGH_BLOOD), note="coughing up blood"),
    # ---- emergency: mental health -------------------------------------------------------------
    Rule("suicide_self_harm", EMERGENCY, _p(
        r"suicid\w*|kill(?:ing)? myself|end\w* (?:it all|my life|things|everything)|take my (?:own )?life|(?:want|wanna|going) to die",
        r"don't want to (?:be here|live|be alive|wake up|go on)|(?:no|no point|no reason) (?:in )?(?:living|to live|going on)|point in (?:going on|living|carrying on)",
        r"better off (?:dead|without me)|can't go on|self[- ]?harm\w*|(?:hurt|hurting|harm|harming|cut|cutting) myself|made a plan",
    ), note="suicidal thoughts or self-harm"),
    Rule("overdose", EMERGENCY, _p(
        r"overdos\w*",
        r"(?:took|taken|swallowed|had) (?:\w+ ){0,2}?too many",
        r"(?:took|taken|swallowed) (?:a whole|the whole|all (?:of )?(?:my|her|his|their|the)|loads of|lots of|a full|an entire|a box of|a packet of|a bottle of) (?:\w+ ){0,3}?(?:pack\w*|box\w*|bottle|tablets|pills|painkillers|meds|medication|paracetamol|co-codamol|ibuprofen|\w+)",
        r"(?:took|taken|swallowed) (?:\S+ ){0,6}?on purpose",
    ), note="overdose"),
    Rule("neck_vascular", EMERGENCY, _p(
        r"dizzy|vertigo|room (?:is )?spinning|off balance|(?:drop|dropping|dropped|falling|fall) to the (?:floor|ground)|unsteady|double vision|seeing double|drop attacks?|blacked out|black out|fainted|passed out|collaps\w*",
        r"(?:trouble|difficulty|problems?|hard|can't|struggl\w*) (?:\w+ ){0,2}?(?:swallow\w*|speak\w*|talk\w*|words? out)|numb (?:face|lips)",
    ), with_=re.compile(r"neck|whiplash|cervical"),
        note="neck pain with dizziness, double vision, drop attacks, swallowing or speech trouble"),
    # ---- urgent --------------------------------------------------------------------------------
    Rule("fever_back", URGENT, _p(_FEVERISH), with_=re.compile(r"\bback\b|spine|spinal|neck"),
        note="back pain with fever or feeling unwell"),
    Rule("weight_loss", URGENT, _p(
        r"(?:lost|losing|lose|dropped|dropping|shed) (?:\w+ ){0,3}?(?:weight|kilos?|kg|stone|lbs|pounds)",
        r"weight (?:\w+ ){0,2}?(?:dropp\w*|falling|fallen|gone down|loss|coming off)",
        r"clothes (?:are |keep )?(?:hanging|falling) off me|clothes (?:are|feel) (?:\w+ )?(?:loose|baggy)",
    ), unless=re.compile(r"weight loss (?:drugs?|pills?|jabs?|injections?|products?|surgery|programme|plan)|trying to|diet\w*|on purpose|want to lose|need to lose|should lose|slimming|calorie|lose weight to|losing weight to|help (?:me )?lose|would losing|will losing|does losing"),
        note="unexplained weight loss"),
    Rule("cancer_history", URGENT, _p(
        rf"(?:\bi\b|i've|i have|\bhad\b|i was|history of|treated for|survivor|had treatment for|in remission from|clear of|all clear from)\W+{_W}{{0,4}}?(?:{_CANCER})",
        rf"(?:{_CANCER}) (?:\w+ ){{0,2}}?(?:survivor|in remission|history|years ago|yrs ago|last year|removed)",
    ), with_=re.compile(r"\bback\b|spine|spinal|neck|ribs?|bones?|hip|pain|ache|shoulder blades?"),
        unless=re.compile(r"\b(?:my|his|her) (?:mum|mother|dad|father|sister|brother|wife|husband|partner|friend|gran\w*|grand\w*|aunt|uncle)\b"),
        note="a history of cancer with new pain"),
    Rule("night_pain", URGENT, _p(
        r"no position|any position|every position|whatever position|changing position (?:doesn't|does not|won't) help|"
        r"nothing (?:helps|eases|works|touches it)|not eased|doesn't ease|won't ease|won't settle|doesn't settle|never lets up|"
        r"rest doesn't|resting doesn't|even (?:when )?(?:resting|lying (?:down|still))|unrelenting|pacing the house|"
        r"(?:lying|lying still|lying down|resting|rest|keeping still) (?:\w+ )?(?:doesn't|does not|won't|never) help",
    ), with_=re.compile(r"night|in bed|lying|asleep|sleep\w*|\b[1-5] ?am\b"), note="night pain not eased by rest or position"),
    Rule("hot_swollen_joint", URGENT, _p(
        r"(?:hot|red|warm|swollen|inflamed)\W+(?:\w+\W+){0,4}?(?:joint|knee|ankle|elbow|wrist|hip|shoulder|toe|finger)",
        r"(?:joint|knee|ankle|elbow|wrist|hip|shoulder|toe|finger)\W+(?:\w+\W+){0,5}?(?:hot|red|warm|swollen|inflamed)",
    ), with_=re.compile(_FEVERISH), negation_inside=True, note="a hot, swollen joint with fever"),
    Rule("calf_swelling", URGENT, _p(
        r"(?:swollen|swelling|hot|warm|red|tender|throbbing|puffy)\W+(?:\w+\W+){0,4}?(?:calf|calves)",
        r"(?:calf|calves)\W+(?:\w+\W+){0,5}?(?:swollen|swelling|hot|warm|red|tender|throbbing|puff\w*|bigger|massive)",
    ), negation_inside=True, note="one swollen, warm, painful calf"),
)

_AGE = re.compile(
    r"\b(?:i'm|i am|aged?|age|over)\s*(\d{2})\b|\b(\d{2})\s*(?:years? old|yo|y/o|yrs? old)\b|"
    r"\bin my (fifties|sixties|seventies|eighties|nineties)\b|^(\d{2})\b"
)


@dataclass(frozen=True)
class Triage:
    """The verdict for one message."""

    level: str = ROUTINE
    rules: tuple[str, ...] = field(default_factory=tuple)


def _negated(clause: str, start: int) -> bool:
    """A negation within the five words before ``start``, not across a comma."""
    before = clause[:start].rsplit(",", 1)[-1].split()[-5:]
    return bool(_NEGATION.search(" ".join(before)))


def _present(pattern: re.Pattern[str], parts: Iterable[str]) -> bool:
    """``pattern`` matches somewhere, not negated."""
    return any(not _negated(c, m.start()) for c in parts for m in pattern.finditer(c))


def _fires(rule: Rule, parts: list[str]) -> bool:
    if rule.with_ is not None and not _present(rule.with_, parts):
        return False
    for clause in parts:
        if _HYPOTHETICAL.search(clause):
            continue
        if rule.unless is not None and _present(rule.unless, [clause]):
            continue
        for match in rule.trigger.finditer(clause):
            if _negated(clause, match.start()):
                continue
            if rule.negation_inside and _NEGATION.search(match.group(0)):
                continue
            return True
    return False


def _age(text: str) -> int | None:
    match = _AGE.search(text)
    if not match:
        return None
    if match.group(3):
        return {"fifties": 50, "sixties": 60, "seventies": 70, "eighties": 80, "nineties": 90}[match.group(3)]
    return int(match.group(1) or match.group(2) or match.group(4))


def triage(message: str) -> Triage:
    """The most severe level any rule gives the message, and the rules that fired."""
    text = normalise(message)
    parts = clauses(text)
    fired = [rule for rule in RULES if _fires(rule, parts)]
    if any(r.id == "calf_clot_lungs" for r in fired) and not any(r.id == "calf_swelling" for r in fired):
        # the lung/chest finding alone fires its own rules; the calf rule needs a swollen calf
        fired = [r for r in fired if r.id != "calf_clot_lungs"]
    ids = [rule.id for rule in fired]
    if any(r.level == URGENT for r in fired) and re.search(r"\bback\b|spine", text):
        age = _age(text)
        if age is not None and age >= 50:
            ids.append("over_50_new_back_pain")
    level = max((r.level for r in fired), key=_SEVERITY.__getitem__, default=ROUTINE)
    return Triage(level=level, rules=tuple(ids))
