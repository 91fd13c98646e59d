"""The safety screen every message passes before any retrieval.

Order: clean the text (zero-width and control characters), redact personal
details, triage red flags over the visitor's whole side of the conversation (even
an over-long message), then the length cap, then the policy guards. Crisis and
emergency outrank every guard: a message about an overdose gets 999 and the
crisis line, never "ask your pharmacist".

The result either ends the turn with a fixed reply (emergency, injection,
off-topic, too long) or lets it go on with lines that come before the answer
(urgent escalation, a minor-injuries referral, the safety lines of signs the
message came close to, medication and diagnosis notes) and says whether the
answer must leave out self-care instructions (exercise, stretching, loading,
weight-bearing) because they could contradict that advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.core import prompts
from assistant.core.settings import SafetySettings
from assistant.core.text import normalise_text
from assistant.safety import policy
from assistant.safety.privacy import redact
from assistant.safety.catalogue import load_catalogue
from assistant.safety.triage import EMERGENCY, URGENT, Triage, triage_conversation


@dataclass(frozen=True)
class Screening:
    """What the safety screen decided about one message (in its conversation)."""

    question: str  # cleaned and redacted: the only form used from here on
    triage: Triage
    policy: tuple[str, ...] = ()
    reply: str | None = None  # set when the turn ends here
    prefix: tuple[str, ...] = field(default_factory=tuple)  # lines before the answer
    no_self_care: bool = False  # the answer must not quote exercise or loading instructions

    @property
    def stops(self) -> bool:
        return self.reply is not None


def clean(message: str) -> str:
    return redact(" ".join(normalise_text(message).split())) if message else ""


def emergency_reply(verdict: Triage, s: SafetySettings) -> str:
    template = prompts.CRISIS_REPLY if verdict.reply == "crisis" else prompts.EMERGENCY_REPLY
    reply = template.format(emergency_number=s.emergency_number, crisis_line=s.crisis_line)
    if verdict.latest != EMERGENCY:  # the conversation reached emergency earlier; the new message is about something else
        reply = f"{prompts.STILL_EMERGENCY} {reply}"
    return reply


def screen(message: str, safety: SafetySettings, earlier: Sequence[str] = (), semantic=None) -> Screening:
    """Run the checks on a visitor's message; ``earlier`` are their previous messages, oldest first."""
    s = safety
    question = clean(message)
    visitor = [m for m in (*earlier, question) if m and m.strip()]
    verdict = triage_conversation([m[:50_000] for m in visitor], semantic)
    flags = policy.check(question[:50_000])

    if verdict.level == EMERGENCY:
        return Screening(question, verdict, flags, reply=emergency_reply(verdict, s))

    prefix: list[str] = []
    if verdict.level == URGENT:
        if "urgent" in verdict.replies:
            prefix.append(prompts.URGENT_PREFIX.format(
                urgent_service=s.urgent_service, urgent_contact=s.urgent_contact, emergency_number=s.emergency_number))
        if "minor_injuries" in verdict.replies:
            prefix.append(prompts.INJURY_PREFIX.format(injury_service=s.injury_service))
    if verdict.caution:
        prefix.append(" ".join([prompts.CAUTION_LEAD, *verdict.safety_lines]))
    catalogue = load_catalogue()
    no_self_care = verdict.level == URGENT or any(catalogue[f].contradicts_self_care for f in verdict.caution)
    if len(question) > s.max_question_chars:
        reply = prompts.TOO_LONG.format(length=len(question), limit=s.max_question_chars)
        return Screening(question, verdict, flags, reply="\n\n".join([*prefix, reply]))
    if policy.INJECTION in flags:
        extra = [prompts.MEDICATION_REPLY] if policy.MEDICATION in flags else []
        return Screening(question, verdict, flags, reply="\n\n".join([*prefix, prompts.INJECTION_REPLY, *extra]))
    if policy.OFF_TOPIC in flags:
        return Screening(question, verdict, flags, reply="\n\n".join([*prefix, prompts.OFF_TOPIC_REPLY]))
    if policy.MEDICATION in flags:
        prefix.append(prompts.MEDICATION_REPLY)
    if policy.DIAGNOSIS in flags:
        prefix.append(prompts.DIAGNOSIS_PREFIX)
    return Screening(question, verdict, flags, prefix=tuple(prefix), no_self_care=no_self_care)
