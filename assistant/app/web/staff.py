"""The reception console at /staff/: answers for callers, article search, gaps and escalations."""

from __future__ import annotations

import gradio as gr

from assistant.core.records import Answer
from assistant.app.render import escape_markdown, safe_url, source_label, sources_text
from assistant.app.web.format import banner_html
from assistant.app import operations
from assistant.app.services import Services

COMMON_QUESTIONS = (
    "How do I book an appointment?",
    "Do I need a GP referral?",
    "What happens at the first appointment?",
    "What should I wear to my appointment?",
    "What is your cancellation policy?",
    "Do you do home visits?",
    "How much does physiotherapy cost?",
    "What are your opening hours?",
)


def reply_text(answer: Answer) -> str:
    """The answer as plain text to read out or paste, with numbered source links."""
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "Sources:", *sources_text(answer.citations)]
    return "\n".join(lines)


def excerpts_markdown(answer: Answer) -> str:
    """Each cited passage in full, for staff to check what the answer rests on."""
    if not answer.citations:
        return "_No article was used for this reply._"
    parts = []
    for c in answer.citations:
        url = safe_url(c.url)
        head = escape_markdown(f"[{c.n}] {source_label(c)}")
        parts.append((f"**[{head}]({url})**" if url else f"**{head}**") + f"\n\n{escape_markdown(c.passage)}")
    return "\n\n---\n\n".join(parts)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "_Nothing yet._"
    head = "| " + " | ".join(headers) + " |\n|" + "---|" * len(headers)
    body = "\n".join("| " + " | ".join(escape_markdown(str(c)).replace("\n", " ") for c in row) + " |" for row in rows)
    return f"{head}\n{body}"


def build_staff(services: Services) -> gr.Blocks:
    """The console; the app puts it behind a login."""
    s = services.settings
    ready: dict[str, str] = {}

    def ask(question: str):
        question = (question or "").strip()
        if not question:
            return "", "", ""
        with services.gate.slot():
            answer = services.assistant.ask(question).answer
        operations.record(services, answer, "staff")
        return banner_html(answer, s), reply_text(answer), excerpts_markdown(answer)

    def search(query: str, k: float):
        query = (query or "").strip()
        if not query:
            return ""
        result = services.retriever.search(query, k=int(k))
        if not result.hits:
            return "_No good source in the articles for this search._"
        return "\n\n".join(
            f"**{h.rank}. [{escape_markdown(h.title)}]({safe_url(h.url)})** — {escape_markdown(h.section)} "
            f"(score {h.score:.2f})\n\n> {escape_markdown(h.passage.text[:400])}"
            for h in result.hits
        )

    def common() -> str:
        if not ready:
            for q in COMMON_QUESTIONS:
                ready[q] = services.assistant.ask(q).text()
        return "\n\n".join(f"**{escape_markdown(q)}**\n\n{escape_markdown(a)}" for q, a in ready.items())

    def gaps() -> str:
        rows = [[g.topic, g.count, g.latest[:16].replace("T", " "), " / ".join(g.examples)] for g in services.log.gaps()]
        return _table(["topic", "questions", "latest", "examples"], rows)

    def escalations() -> str:
        rows = [[r["created"][:16].replace("T", " "), r["triage"], r["channel"], r["question"]] for r in services.log.escalations()]
        return _table(["when (UTC)", "level", "where", "message (redacted)"], rows)

    with gr.Blocks(title=f"{s.clinic.name} reception console") as demo:
        gr.Markdown(f"## {escape_markdown(s.clinic.name)} — reception console")
        with gr.Tab("Answer a caller"):
            question = gr.Textbox(label="Caller's question", elem_id="staff-question", lines=2)
            go = gr.Button("Get answer", variant="primary", elem_id="staff-ask")
            banner = gr.HTML("", elem_id="staff-banner")
            reply = gr.Textbox(label="Reply", lines=8, buttons=["copy"], interactive=False, elem_id="staff-reply")
            with gr.Accordion("Source excerpts", open=True):
                sources = gr.Markdown(elem_id="staff-sources")
            go.click(ask, question, [banner, reply, sources], api_visibility="private")
            question.submit(ask, question, [banner, reply, sources], api_visibility="private")
        with gr.Tab("Search"):
            query = gr.Textbox(label="Search the articles", elem_id="staff-search")
            k = gr.Slider(1, 10, value=5, step=1, label="Results")
            results = gr.Markdown(elem_id="staff-results")
            query.submit(search, [query, k], results, api_visibility="private")
            gr.Button("Search").click(search, [query, k], results, api_visibility="private")
        with gr.Tab("Common questions"):
            common_md = gr.Markdown(elem_id="staff-common")
            gr.Button("Refresh").click(lambda: (ready.clear(), common())[1], None, common_md, api_visibility="private")
        with gr.Tab("Content gaps"):
            gr.Markdown("Questions the assistant could not answer, or that got a thumbs-down, grouped by topic, "
                        "newest first: what to write about next.")
            gaps_md = gr.Markdown(elem_id="staff-gaps")
            gr.Button("Refresh").click(gaps, None, gaps_md, api_visibility="private")
        with gr.Tab("Escalations"):
            esc_md = gr.Markdown(elem_id="staff-escalations")
            gr.Button("Refresh").click(escalations, None, esc_md, api_visibility="private")
        demo.load(lambda: (common(), gaps(), escalations()), None, [common_md, gaps_md, esc_md], api_visibility="private")
    return demo


def build_staff_disabled() -> gr.Blocks:
    """What /staff/ shows when no login is configured."""
    with gr.Blocks(title="Reception console is off") as demo:
        gr.Markdown(
            "## The reception console is off\n\nSet `CLINIC_STAFF_USERNAME` and `CLINIC_STAFF_PASSWORD` "
            "and restart the app to turn it on.",
            elem_id="staff-off",
        )
    return demo
