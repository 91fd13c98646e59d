"""The reception console at /staff/: answers for callers, article search, gaps and escalations."""

from __future__ import annotations

import gradio as gr

from assistant.app import operations
from assistant.app.gaps import content_gaps
from assistant.app.render import (
    citation_url, escape_markdown, link, passage_markdown, safe_url, section_tail, source_label, sources_text,
    whole_sentences,
)
from assistant.app.services import Services
from assistant.app.web.format import banner_html
from assistant.core.records import Answer, SearchHit, SearchResult, article_path, public_name

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
    """The answer as plain text to read out or paste, with numbered sources."""
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "Sources:", *sources_text(answer.citations)]
    return "\n".join(lines)


def quoted(markdown: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in markdown.splitlines())


def excerpts_markdown(answer: Answer, app_links: bool = False) -> str:
    """Each cited passage in full (its lists and bold kept), under a link to the cited section."""
    if not answer.citations:
        return "_No article was used for this reply._"
    parts = []
    for c in answer.citations:
        head = link(escape_markdown(f"[{c.n}] {source_label(c)}"), citation_url(c, app_links))
        parts.append(f"**{head}**\n\n{quoted(passage_markdown(c.passage))}")
    return "\n\n".join(parts)


def hit_url(hit: SearchHit, app_links: bool = False) -> str:
    public = safe_url(hit.url)
    if public and not app_links:
        return public
    return article_path(public_name(hit.name, hit.source), hit.passage.anchor)


def results_markdown(result: SearchResult, app_links: bool = False) -> str:
    """Search hits: the title as a link, the section (without the title again), whole sentences."""
    if not result.hits:
        return "_No good source in the articles for this search._"
    parts = []
    for h in result.hits:
        tail = section_tail(h.section, h.title)
        head = f"**{h.rank}. {link(escape_markdown(h.title), hit_url(h, app_links))}**"
        head += f" — {escape_markdown(tail)}" if tail else ""
        parts.append(f"{head}\n\n{quoted(passage_markdown(whole_sentences(h.passage.text)))}")
    return "\n\n".join(parts)


def gaps_markdown(gaps) -> str:
    if not gaps:
        return "_Nothing yet._"
    blocks = []
    for g in gaps:
        when = g.latest[:16].replace("T", " ")
        noun = "question" if g.count == 1 else "questions"
        examples = "\n".join(f"- {escape_markdown(e)}" for e in g.examples)
        blocks.append(f"**{escape_markdown(g.topic)}** · {g.count} {noun} · latest {when} UTC\n\n{examples}")
    return "\n\n".join(blocks)


def escalations_markdown(rows) -> str:
    if not rows:
        return "_Nothing yet._"
    return "\n\n".join(
        f"**{r['created'][:16].replace('T', ' ')} UTC** · {escape_markdown(r['triage'])} · "
        f"{escape_markdown(r['channel'])}\n\n{quoted(escape_markdown(r['question']))}"
        for r in rows
    )


CSS = """
/* five short tabs fit a 390-px phone, so none hides behind an overflow menu (Gradio measures the
   hidden copies of the tab buttons too, hence every button in the tab bar) */
#staff-tabs .tab-container button { padding: 6px 10px !important; }
/* the reply is read out: full contrast, though not editable */
#staff-reply textarea { color: inherit !important; opacity: 1 !important; -webkit-text-fill-color: currentColor; }
#staff-ask-row, #staff-search-row { flex-wrap: nowrap !important; align-items: flex-end; gap: 8px; }
#staff-ask, #staff-search-go { min-width: 88px !important; max-width: 140px; }
@media (max-width: 480px) {
  #staff-title h2 { font-size: 1.1rem; }
  #staff-tabs .tab-container button { padding: 6px 7px !important; font-size: 0.9rem !important; }
}
"""


def build_staff(services: Services) -> gr.Blocks:
    """The console; the app puts it behind a login."""
    s = services.settings
    app_links = s.web.article_links == "app"
    ready: dict[str, str] = {}

    def ask(question: str):
        question = (question or "").strip()
        if not question:
            return gr.update(value="", visible=False), "", ""
        with services.gate.slot():
            answer = services.assistant.ask(question).answer
        operations.record(services, answer, "staff")
        warning = banner_html(answer, s)
        return gr.update(value=warning, visible=bool(warning)), reply_text(answer), excerpts_markdown(answer, app_links)

    def search(query: str, k: float):
        query = (query or "").strip()
        if not query:
            return ""
        return results_markdown(services.retriever.search(query, k=int(k)), app_links)

    def common() -> str:
        if not ready:
            for q in COMMON_QUESTIONS:
                ready[q] = services.assistant.ask(q).text()
        return "\n\n".join(f"**{escape_markdown(q)}**\n\n{escape_markdown(a)}" for q, a in ready.items())

    def gaps() -> str:
        return gaps_markdown(content_gaps(services))

    def escalations() -> str:
        return escalations_markdown(services.log.escalations())

    with gr.Blocks(title=f"{s.clinic.name} reception console") as demo:
        gr.Markdown(f"## {escape_markdown(s.clinic.name)} — reception", elem_id="staff-title")
        with gr.Tabs(elem_id="staff-tabs"):
            with gr.Tab("Answer"):
                with gr.Row(elem_id="staff-ask-row"):
                    question = gr.Textbox(label="Caller's question", elem_id="staff-question", lines=1, max_lines=4, scale=4)
                    go = gr.Button("Answer", variant="primary", elem_id="staff-ask", scale=1)
                banner = gr.HTML("", elem_id="staff-banner", visible=False)
                reply = gr.Textbox(label="Reply to read out or paste", lines=6, buttons=["copy"], interactive=False,
                                   elem_id="staff-reply")
                with gr.Accordion("What the reply rests on", open=True):
                    sources = gr.Markdown(elem_id="staff-sources")
                go.click(ask, question, [banner, reply, sources], api_visibility="private")
                question.submit(ask, question, [banner, reply, sources], api_visibility="private")
            with gr.Tab("Search"):
                with gr.Row(elem_id="staff-search-row"):
                    query = gr.Textbox(label="Search the articles", elem_id="staff-search", scale=4)
                    find = gr.Button("Search", variant="primary", elem_id="staff-search-go", scale=1)
                k = gr.Slider(1, 10, value=5, step=1, label="Results")
                results = gr.Markdown(elem_id="staff-results")
                query.submit(search, [query, k], results, api_visibility="private")
                find.click(search, [query, k], results, api_visibility="private")
            with gr.Tab("FAQ"):
                common_md = gr.Markdown(elem_id="staff-common")
                gr.Button("Refresh").click(lambda: (ready.clear(), common())[1], None, common_md, api_visibility="private")
            with gr.Tab("Gaps"):
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
