"""Real streaming in the chat: with an LLM answerer, the reply grows in the browser while the model writes.

The LLM is the scripted OpenAI-compatible server (tests/openai_stub.py) on loopback, writing one
word every 60 ms; the app is `python ui.py` with CLINIC_ANSWERER=openai pointed at it.
"""

from __future__ import annotations

import pytest
from browsing import ANSWER_TIMEOUT, SHOTS, ask, open_chat, start_ui
from openai_stub import OpenAIStub

pytestmark = [pytest.mark.model, pytest.mark.browser]

REPLY = (
    "The piriformis is a small muscle deep in the buttock that helps turn the hip outwards [1]. "
    "When the gluteal muscles are weak, the piriformis can end up doing extra work [1]. "
    "An overworked piriformis can become tight and sore [1]. "
    "Because the sciatic nerve runs close to it, this can cause pain into the buttock or leg [1]. "
    "Strengthening the glutes usually helps it settle [1]."
)

WATCH = """() => {
  window.__states = [];
  const note = () => {
    const chat = document.querySelector('#chat');
    const replies = chat ? chat.querySelectorAll('.bot') : [];
    const text = replies.length ? replies[replies.length - 1].innerText : '';
    const states = window.__states;
    if (!states.length || states[states.length - 1].text !== text) states.push({t: performance.now(), text});
  };
  new MutationObserver(note).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory):
    with OpenAIStub(script=[REPLY] * 4, word_delay_s=0.06) as stub:
        proc, base = start_ui(
            tmp_path_factory.mktemp("llm-web-data"),
            CLINIC_ANSWERER="openai",
            CLINIC_LLM_BASE_URL=stub.base_url,
            CLINIC_LLM_MODEL=stub.model,
        )
        try:
            yield base, stub
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_the_reply_grows_in_the_chat_as_the_model_writes_it(llm_app, screen):
    base, stub = llm_app
    page, name, _, _ = screen
    open_chat(page, base + "/")
    page.evaluate(WATCH)
    ask(page, "why does my piriformis hurt?")
    page.locator("#chat a[href*='/articles/']").first.wait_for(timeout=ANSWER_TIMEOUT)
    page.screenshot(path=str(SHOTS / f"streamed-answer-{name}.png"))
    states = page.evaluate("window.__states")
    assert stub.requests and stub.requests[-1].get("stream") is True, "the app did not ask the model to stream"
    texts = [s["text"] for s in states if "piriformis" in s["text"].lower()]
    growing = [t for a, t in zip(texts, texts[1:]) if len(t) > len(a) and t.startswith(a.rstrip("…").rstrip())]
    assert len(set(texts)) >= 4 and len(growing) >= 3, [t[:60] for t in texts]
    first = next(s["t"] for s in states if "piriformis" in s["text"].lower())
    assert states[-1]["t"] - first > 600, "the whole reply arrived at once"
    assert "[1]" in texts[-1] or page.locator("#chat .bot a").count() >= 1
