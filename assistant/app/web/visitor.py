"""The visitor chat (at / and, compact, at /widget/): streaming, citations, banners, feedback."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import gradio as gr

from assistant.app.render import answer_markdown, escape_markdown
from assistant.app.web.format import banner_html, booking_html, notice_markdown, user_markdown
from assistant.app import operations
from assistant.app.services import Services
from assistant.app.web.limits import Busy
from assistant.core import prompts

log = logging.getLogger(__name__)

STARTERS = (
    "Why does my piriformis hurt?",
    "What helps heel pain in the morning?",
    "What should I wear to my first appointment?",
    "Do I need a GP referral?",
)

CSS = """
.gradio-container { max-width: 760px !important; margin: 0 auto !important; }
/* One screen: title and notice, the chat (it grows and scrolls), the question box, the actions.
   Nothing below the fold, so the box and Book/Call stay in reach after every answer. */
body:has(#chat) { height: 100%; overflow: hidden; }
.gradio-container:has(#chat) { height: 100dvh !important; min-height: 0 !important; display: flex !important;
  flex-direction: column; }
.gradio-container:has(#chat) > .main, .gradio-container:has(#chat) .main > .wrap,
.gradio-container:has(#chat) main.contain, .gradio-container:has(#chat) main.contain > .column {
  display: flex !important; flex-direction: column; flex: 1 1 auto; min-height: 0 !important; }
.gradio-container:has(#chat) main.contain > .column { gap: 8px; }
#chat { flex: 1 1 0 !important; min-height: 120px !important; height: auto !important; }
#notice { font-size: 0.85rem; line-height: 1.35; }
#notice p { margin: 0; }
#greeting p { margin: 0; font-weight: 600; }
#title h2 { margin: 0; }
#triage-banner .triage-banner { padding: 12px 14px; border-radius: 10px; font-size: 1.05rem; line-height: 1.4; }
#triage-banner .emergency { background: #b00020; color: #fff; font-size: 1.15rem; }
#triage-banner .emergency strong { color: #fff; }
#triage-banner .urgent strong { color: #1a1a1a; }
#triage-banner .urgent { background: #ffb300; color: #1a1a1a; }
#triage-banner a.call { display: inline-block; margin-top: 8px; padding: 10px 16px; border-radius: 8px;
  background: #fff; color: #b00020; font-weight: 700; text-decoration: none; }
#triage-banner .urgent a.call { color: #1a1a1a; }
#ask-row { flex-wrap: nowrap !important; gap: 8px; }
#ask-row #send { min-width: 72px !important; max-width: 96px; }
#cta .cta { display: flex; gap: 8px; }
#cta .cta a { flex: 1 1 0; min-width: 0; text-align: center; padding: 9px 8px; border-radius: 8px;
  background: #0b6e4f; color: #fff; text-decoration: none; font-weight: 600; }
#cta .cta a.phone { background: #e8f3ef; color: #0b6e4f; }
/* a short screen (a phone with its keyboard up): the conversation keeps the room, the notice stays */
@media (max-height: 560px) {
  #title { display: none !important; }
  #notice { font-size: 0.78rem; }
}
@media (max-width: 480px) {
  #title h2 { font-size: 1.15rem; }
  #cta .cta a { font-size: 0.92rem; padding: 8px 6px; }
}
"""

def theme():
    """System fonts only: the page makes no requests to font hosts (offline PCs, privacy)."""
    return gr.themes.Default(
        primary_hue="emerald", font=["system-ui", "Segoe UI", "Arial", "sans-serif"], font_mono=["monospace"]
    )


# resizes-content: when the phone's keyboard opens the page shrinks with it, so the box stays in view.
# The style is here, not in CSS, because Gradio scopes CSS to the blocks and the page margin is outside them.
HEAD = (
    '<meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content">'
    "<style>@media (max-width: 480px) { .gradio-container .main.fillable.app { padding: 8px !important; } }</style>"
)


def _liked(value) -> int:
    return 1 if value is True or value == "Like" else -1


def build_visitor(services: Services, compact: bool = False) -> gr.Blocks:
    """The chat page; ``compact`` is the version shown inside the widget's iframe."""
    s = services.settings
    channel = "widget" if compact else "web"
    app_links = s.web.article_links == "app"
    with gr.Blocks(title=f"{s.clinic.name} assistant", fill_height=True) as demo:
        if not compact:
            gr.Markdown(f"## {escape_markdown(s.clinic.name)} assistant", elem_id="title")
        greeting = gr.Markdown("", elem_id="greeting", visible=False)
        gr.Markdown(notice_markdown(s), elem_id="notice")
        banner = gr.HTML("", elem_id="triage-banner", visible=False)
        chat = gr.Chatbot(
            value=[],
            elem_id="chat",
            show_label=False,
            group_consecutive_messages=False,
            examples=[{"text": q} for q in STARTERS],
            feedback_options=("Like", "Dislike"),
            buttons=["copy"],
            latex_delimiters=[],
            placeholder="Ask about aches, pains, exercises or the clinic.",
            scale=1,
            height="100%",
            autoscroll=True,
        )
        with gr.Row(equal_height=True, elem_id="ask-row"):
            box = gr.Textbox(
                show_label=False,
                placeholder="Type your question…",
                elem_id="question",
                scale=5,
                lines=1,
                max_lines=3,
                container=False,
                max_length=s.safety.max_question_chars + 1000,
            )
            send = gr.Button("Send", variant="primary", elem_id="send", scale=0, min_width=72)
        gr.HTML(booking_html(s), elem_id="cta")
        ids = gr.State([])  # our message id for each chat entry (None for the visitor's)
        turns = gr.State([])  # the conversation as the assistant sees it

        def respond(message: str, chat_value: list, ids: list, turns: list):
            message = (message or "").strip()
            if not message:
                yield chat_value, "", gr.skip(), ids, turns
                return
            chat_value = [*(chat_value or []), {"role": "user", "content": user_markdown(message)},
                          {"role": "assistant", "content": "…"}]
            ids = [*ids, None, None]
            yield chat_value, "", gr.update(value="", visible=False), ids, turns
            gated = not services.breaker.is_open  # store known down: nothing to queue for
            try:
                if gated:
                    services.gate.acquire()
            except Busy:
                chat_value[-1] = {"role": "assistant", "content": escape_markdown(prompts.BUSY)}
                yield chat_value, "", gr.skip(), ids, turns
                return
            try:
                response = services.assistant.ask(message, turns)
                partial = ""
                for piece in response:
                    partial += piece
                    chat_value[-1] = {"role": "assistant", "content": escape_markdown(partial)}
                    yield chat_value, "", gr.skip(), ids, turns
                answer = response.answer
            except Exception as exc:  # noqa: BLE001 - the store or model failed: say so, keep serving
                log.warning("answer failed: %s: %s", type(exc).__name__, exc)
                phone = s.clinic.phone
                text = prompts.UNAVAILABLE.format(contact=f", or call us on {phone}" if phone else "")
                chat_value[-1] = {"role": "assistant", "content": escape_markdown(text)}
                yield chat_value, "", gr.skip(), ids, turns
                return
            finally:
                if gated:
                    services.gate.release()
            chat_value[-1] = {"role": "assistant", "content": answer_markdown(answer, app_links)}
            ids[-1] = operations.record(services, answer, channel)
            turns = [*turns, {"role": "user", "content": message}, {"role": "assistant", "content": answer.answer}]
            warning = banner_html(answer, s)
            yield chat_value, "", gr.update(value=warning, visible=bool(warning)), ids, turns

        outputs = [chat, box, banner, ids, turns]
        box.submit(respond, [box, chat, ids, turns], outputs, api_visibility="private")
        send.click(respond, [box, chat, ids, turns], outputs, api_visibility="private")

        def pick(evt: gr.SelectData) -> str:
            return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

        chat.example_select(pick, None, box, api_visibility="private").then(
            respond, [box, chat, ids, turns], outputs, api_visibility="private"
        )

        def feedback(ids: list, evt: gr.LikeData) -> None:
            message_id = ids[evt.index] if 0 <= evt.index < len(ids) else None
            if message_id is not None:
                services.log.feedback(message_id, _liked(evt.liked))

        chat.like(feedback, [ids], None, api_visibility="private")

        if compact:

            def greet(request: gr.Request):
                text = unquote(request.query_params.get("greeting", "")).strip()[:300] if request else ""
                return gr.update(value=escape_markdown(text), visible=bool(text))

            demo.load(greet, None, greeting, api_visibility="private")
    # No concurrency limit of Gradio's own: every answer waits for the one gate the API shares.
    demo.queue(default_concurrency_limit=None, max_size=s.web.queue_size or None)
    return demo
