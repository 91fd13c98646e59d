"""Scope and policy guards: diagnosis requests, medication, off-topic requests, prompt injection.

Deterministic patterns over the normalised message (the same normalising as
triage). Each guard that fires is reported by name in the Answer's ``policy``.
The same injection patterns screen article sentences, so instructions planted in
an article are never quoted or passed to a model.
"""

from __future__ import annotations

import re

from assistant.safety.triage import normalise

DIAGNOSIS, MEDICATION, OFF_TOPIC, INJECTION = "diagnosis_request", "medication", "off_topic", "prompt_injection"

_DIAGNOSIS = re.compile(
    r"\b(?:is (?:it|this|that|mine|my (?:\w+ ){1,3}?)(?:a |an |my )?(?:\w+ ){0,3}?(?:disc|slipped|herniat\w*|sciatica|tear|torn|fracture|broken|"
    r"arthritis|tendin\w*|bursitis|syndrome|sprain|strain|impingement|fasciitis|frozen shoulder|trapped nerve|serious|cancer)\b"
    r"|(?<!how )(?<!why )(?<!on earth )do i have (?!to\b|any\b|a (?:parking|referral|booking)\b)|(?<!how )(?<!why )(?<!on earth )(?<!how come )have i got (?!to\b)|what(?: is)? wrong with (?:me|my)|"
    r"diagnos(?:e|es|ing|is)\b|what (?:condition|injury|problem) (?:is it|is this|do i have|have i got)|which (?:one|condition) (?:is it|do i have)|"
    r"yes or no|tell me what (?:it is|i have|is wrong)|what (?:is|could be) causing (?:my|this)|what have i done to my|"
    r"is it (?:\w+ )?or (?:\w+ )?\?|do you think (?:it|it is|i have))"
)
_MEDICATION = re.compile(
    r"\b(?:ibuprofen|paracetamol|naproxen|co-?codamol|codeine|tramadol|gabapentin|pregabalin|amitriptyline|diclofenac|"
    r"aspirin|nurofen|voltarol|advil|motrin|tylenol|aleve|morphine|oramorph|diazepam|muscle relaxants?|anti-?inflammator\w*|nsaids?|painkillers?|"
    r"pain ?killers?|pain relief|pain meds|meds|medication|medicine|tablets?|pills?|doses?|dosage|prescri\w*|"
    r"steroid injections?|cortisone|opioids?|sertraline|antidepressants?|cream|gel)\b"
)
_MEDICATION_ASK = re.compile(
    r"\?|\b(?:should i|can i|could i|how much|how many|which|what|is it (?:ok|safe)|safe to|best|recommend|prescribe|"
    r"give me|take|taking|dose|dosage|mg)\b"
)
_OFF_TOPIC = re.compile(
    r"\b(?:python|javascript|java|c\+\+|sql|html|css|code|coding|script|program(?:me|ming)?|function|algorithm|"
    r"vote|voting|election|politic\w*|prime minister|president|parliament|labour|tory|tories|conservatives|brexit|"
    r"homework|maths|math|algebra|equation|essay|coursework|exam revision|capital of|recipe|weather|forecast|"
    r"football score|premier league|who won|joke|poem|lyrics|translate|bitcoin|crypto|stock market|shares|"
    r"horoscope|lottery|cover letter|\bcv\b|resume|job application|write (?:me|my) (?:a |an )?(?!exercise)|film|movie|netflix|boiler|router|wifi|mortgage|tax return)\b"
)
_HEALTH = re.compile(
    r"\b(?:pain|ache|aching|hurt\w*|sore|injur\w*|physio\w*|back|neck|knee|hip|shoulder|ankle|foot|feet|heel|elbow|"
    r"leg|arm|muscle|joint|tendon|exercise|stretch\w*|stiff\w*|swollen|sciatica|glute\w*|posture|appointment|book\w*|"
    r"clinic|session|treatment|massage|sprain|strain|run\w*|walk\w*|pregnan\w*|arthritis|numb\w*|tingl\w*)\b"
)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b(?:\s+\w+){0,4}?\s+(?:instructions?|rules|prompts?|guidelines|"
    r"directions|programming|restrictions|everything (?:above|before))"
    r"|\b(?:system|initial|hidden|original) (?:prompt|message|instructions?)"
    r"|\b(?:reveal|print|show|repeat|output|tell me|give me|what (?:are|is|were)) (?:\w+ ){0,3}?(?:your|the) "
    r"(?:instructions?|rules|prompt|system|guidelines|configuration)"
    r"|\byou are now\b|\bfrom now on,? you\b|\bact as (?:a |an |if )|\bpretend (?:to be|you are|you're)\b|\broleplay as\b"
    r"|\bdo anything now\b|\bdan mode\b|\bdeveloper mode\b|\bjailbreak\w*|\bno (?:rules|restrictions|filters)\b"
    r"|\brepeat (?:the |all )?(?:text|words|everything) (?:above|before)|\bstarting with ['\"]you are"
    r"|\bsystem override\b|\boverride:|\bset (?:the )?triage\b|\btriage level\b|\bnew instructions?\b|\bas an ai\b|\bassistant(?:s)? (?:must|should) (?:now )?(?:say|tell|answer)"
    r"|\b(?:tell|instruct|advise) (?:the |all )?(?:reader|readers|visitors?|users?|patients?) to\b"
)
_DAN = re.compile(r"\bDAN\b")


def check(message: str) -> tuple[str, ...]:
    """The guards a visitor's message trips, in a fixed order."""
    text = normalise(message)
    flags = []
    if _INJECTION.search(text) or _DAN.search(message):
        flags.append(INJECTION)
    if _DIAGNOSIS.search(text):
        flags.append(DIAGNOSIS)
    if any(_MEDICATION.search(s) and _MEDICATION_ASK.search(s) for s in re.split(r"(?<=[.!?])\s+|\n", text)):
        flags.append(MEDICATION)
    if INJECTION not in flags and _OFF_TOPIC.search(text) and not _HEALTH.search(text):
        flags.append(OFF_TOPIC)
    return tuple(flags)


def looks_like_injection(text: str) -> bool:
    """True for text that tries to instruct the assistant (used on article sentences too)."""
    return bool(_INJECTION.search(normalise(text)))


def strip_instructions(text: str) -> str:
    """Article text without sentences that try to instruct the assistant."""
    from assistant.core.text import text_pieces

    kept = [sep + sentence for sep, sentence in text_pieces(text) if not looks_like_injection(sentence)]
    return "".join(kept).strip()
