"""The safety screen every message passes before any retrieval.

Order: clean the text (zero-width and control characters), redact personal
details, triage red flags on the whole message (even an over-long one), then the
length cap, then the policy guards. The result either ends the conversation turn
with a fixed reply (emergency, injection, off-topic, too long) or lets it go on
with lines that must come before the answer (urgent escalation, medication and
diagnosis notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.safety import policy
from assistant.core import prompts
from assistant.safety.privacy import redact
from assistant.core.settings import SafetySettings
from assistant.safety.triage import EMERGENCY, URGENT, Triage, triage
from assistant.core.text import normalise_text

_CRISIS_RULES = {"suicide_self_harm", "overdose"}


@dataclass(frozen=True)
class Screening:
    """What the safety screen decided about one message."""

    question: str  # cleaned and redacted: the only form used from here on
    triage: Triage
    policy: tuple[str, ...] = ()
    reply: str | None = None  # set when the turn ends here
    prefix: tuple[str, ...] = field(default_factory=tuple)  # lines before the answer

    @property
    def stops(self) -> bool:
        return self.reply is not None


def screen(message: str, safety: SafetySettings) -> Screening:
    """Run the deterministic checks on a visitor's message."""
    cleaned = " ".join(normalise_text(message).split()) if message else ""
    question = redact(cleaned)
    verdict = triage(question[:50_000])
    flags = policy.check(question[:50_000])
    s = safety

    if verdict.level == EMERGENCY:
        template = prompts.CRISIS_REPLY if _CRISIS_RULES & set(verdict.rules) else prompts.EMERGENCY_REPLY
        reply = template.format(emergency_number=s.emergency_number, crisis_line=s.crisis_line)
        return Screening(question, verdict, flags, reply=reply)

    prefix: list[str] = []
    if verdict.level == URGENT:
        prefix.append(
            prompts.URGENT_PREFIX.format(
                urgent_service=s.urgent_service, urgent_contact=s.urgent_contact, emergency_number=s.emergency_number
            )
        )
    if len(cleaned) > s.max_question_chars:
        reply = prompts.TOO_LONG.format(length=len(cleaned), limit=s.max_question_chars)
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
    return Screening(question, verdict, flags, prefix=tuple(prefix))
