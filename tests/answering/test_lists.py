"""Lists in an answer (assistant/answering/lists.py), on made-up passages: what introduces a list, and a list item's
sentence that answers on its own."""

from __future__ import annotations

from assistant.answering.extractive import plan
from assistant.answering.exercises import named_exercise
from assistant.core.records import Passage, SearchHit


def _hit(section: str, text: str, title: str = "Hamstring strain") -> SearchHit:
    passage = Passage(chunk_id="c", source="a.md", title=title, url=None, section=section, anchor=None, text=text)
    return SearchHit(rank=1, source="a.md", title=title, url=None, section=section, score=1.0, relevance=0.9,
                     passage=passage, passages=(passage,))


PRINCIPLES = (
    "Useful principles for recovering from a hamstring strain:\n\n"
    "- **Keep moving gently.** Walking and light activity within comfort help the muscle heal in a healthy way.\n"
    "- **Build strength before speed.** Return to running at low speed first, then gradually increase pace.\n"
    "- **Be patient with timescales.** A mild hamstring strain may settle in a couple of weeks, while a more severe "
    "strain can take several months."
)


def text_of(blocks) -> str:
    return "\n\n".join(b.text() for b in blocks)


def test_a_list_items_sentence_that_answers_how_long_leads_and_its_list_follows():
    blocks = plan("how long will my hamstring strain take to settle, roughly how many weeks?",
                  [_hit("Hamstring strain > What helps", PRINCIPLES)])
    assert blocks[0].lines == ("Be patient with timescales. A mild hamstring strain may settle in a couple of weeks, while a more severe strain can "
                               "take several months.",)
    rest = text_of(blocks[1:])
    assert "Useful principles for recovering from a hamstring strain:\n- Keep moving gently." in rest
    assert "couple of weeks" not in rest  # not quoted twice


def test_a_question_that_wants_the_list_still_gets_it_whole():
    blocks = plan("what helps a hamstring strain?", [_hit("Hamstring strain > What helps", PRINCIPLES)])
    assert blocks[0].is_list and blocks[0].lines[0] == "Useful principles for recovering from a hamstring strain:"


def test_a_list_without_a_colon_is_introduced_by_the_sentence_before_it():
    text = ("Wear loose, comfortable clothing that lets your physiotherapist see the area being assessed.\n\n"
            "- For a knee problem, shorts are ideal, or bring a pair to change into.\n"
            "- For a shoulder problem, a vest top is helpful.")
    blocks = plan("what should i wear, are shorts ok for a knee problem?", [_hit("FAQ > What should I wear?", text, "FAQ")])
    listed = next(b for b in blocks if b.is_list)
    assert listed.text().startswith("Wear loose, comfortable clothing that lets your physiotherapist see the area being "
                                    "assessed.\n- For a knee problem, shorts are ideal")


def test_a_list_that_opens_its_section_is_introduced_by_the_heading():
    text = ("- Adjust your chair so your feet rest flat on the floor.\n"
            "- Place your screen about an arm's length away, at eye level.\n"
            "- Keep your keyboard close, so your elbows rest near your sides.")
    blocks = plan("how should i set up my chair and screen?", [_hit("Desk work > What helps > Set up your workstation", text, "Desk work")])
    assert blocks[0].text().startswith("Set up your workstation:\n- Adjust your chair")


def test_how_you_actually_do_it_asks_for_the_steps_even_after_what_is_it():
    text = "Sit upright on a chair. Slowly straighten the knee of the sore leg while tilting your head back to look up."
    hit = _hit("Sciatica > Exercises to try > Seated nerve slider", text, "Sciatica")
    question = "What's a nerve slider? Physio mentioned one but I forgot to ask how you actually do it."
    block = named_exercise(question, [hit])
    assert block is not None and block.lines[0].startswith("Seated nerve slider: Sit upright on a chair. Slowly straighten")
    assert named_exercise("What's a nerve slider? is it a stretch?", [hit]) is None  # what it is, not how


def test_a_warning_sign_is_never_lifted_out_of_its_list():
    text = ("Seek help sooner in these situations:\n\n"
            "- **Your knee locks.** Get your knee assessed, as this is not typical of ITB syndrome.\n"
            "- **You cannot bear weight.** Go to A&E or a minor injuries unit.\n"
            "- **Your knee is hot and red.** Contact your GP or NHS 111 the same day.")
    blocks = plan("my knee locks sometimes when running, is that serious?", [_hit("ITB > When to see a physio", text, "ITB")])
    assert blocks[0].is_list and blocks[0].lines[0] == "Seek help sooner in these situations:"


WHEN_TO_SEE = (
    "A physiotherapist can help if your outer knee pain has not improved after two to three weeks of reducing your "
    "training.\n\n"
    "Seek help sooner in these situations:\n\n"
    "- **Your knee locks, gives way repeatedly or swells.** Get your knee assessed, as these symptoms are not typical "
    "of ITB syndrome.\n"
    "- **You cannot bear weight after a fall or twist.** Go to A&E or a minor injuries unit."
)
WHAT_HELPS = (
    "Mild discomfort is fine, but stop any exercise that sharply increases your pain.\n\n"
    "- **Run within a pain-free distance.** Stop the run before the pain typically starts."
)


def test_every_item_of_a_list_of_warning_signs_is_a_warning_sign_not_only_those_naming_where_to_go():
    from assistant.answering.extractive import score_units

    hits = [_hit("ITB syndrome > When to see a physio", WHEN_TO_SEE, "ITB syndrome"),
            _hit("ITB syndrome > What helps", WHAT_HELPS, "ITB syndrome")]
    scored = score_units("my outer knee hurts on long runs, should I just push through it?", hits)
    assessed = next(s for s in scored if s.unit.text.startswith("Get your knee assessed"))
    assert assessed.features["warning"] == 1.0  # its list's lead-in says "Seek help sooner"
    blocks = plan("my outer knee hurts on long runs, should I just push through it?", hits)
    assert not blocks[0].text().startswith(("Seek help", "Get your knee")), blocks[0].text()


def test_a_sign_of_such_a_list_that_the_visitor_describes_is_not_held_back():
    import dataclasses

    import numpy as np

    from assistant.answering.extractive import score_units
    from assistant.answering.quotes import passage_units

    text = ("Get help sooner in these situations:\n\n"
            "- Contact your GP or NHS 111 the same day if you have neck pain with a fever.\n"
            "- Speak to your GP or a physiotherapist soon if you have pain spreading down your arm with pins and needles.\n\n"
            "Some mild discomfort is fine, but stop if an exercise sharply increases your pain.")
    hit = _hit("Neck pain > When to see a physio", text, "Neck pain")
    units = passage_units(text)
    vectors = np.eye(len(units), dtype=np.float32)  # each unit its own direction
    arm = next(i for i, u in enumerate(units) if "pins and needles" in u.text)
    passage = dataclasses.replace(hit.passage, units=vectors)
    hit = dataclasses.replace(hit, passage=passage, passages=(passage,))
    question = "tingly feeling down my arm when i do my neck stretches. push through it or pack it in?"
    scored = score_units(question, [hit], query_vector=vectors[arm])
    described = next(s for s in scored if "pins and needles" in s.unit.text)
    assert described.features["warning"] == 0.0  # the visitor tells of this sign: it answers
    scored = score_units(question, [hit], query_vector=vectors[-1])
    assert next(s for s in scored if "pins and needles" in s.unit.text).features["warning"] == 1.0


def test_a_list_items_whole_sentence_that_answers_a_question_of_no_kind_leads():
    text = ("Other things that can help:\n\n"
            "- Supportive, cushioned footwear can ease the load on your joints.\n"
            "- A walking stick, held in the hand opposite the sore leg, can reduce pain on longer walks.\n"
            "- Heat or cold packs, used safely, can help ease pain and stiffness.\n"
            "- Low-impact activities such as cycling and swimming are often well tolerated.")
    blocks = plan("my mum has just got a walking stick for her bad knee. which hand should she be holding it in?",
                  [_hit("Hip and knee osteoarthritis > Other things that can help", text, "Hip and knee osteoarthritis")])
    assert blocks[0].lines == ("A walking stick, held in the hand opposite the sore leg, can reduce pain on longer walks.",)
    assert "Other things that can help:\n- Supportive" in text_of(blocks[1:])
    # a "what helps?" question wants the list itself
    blocks = plan("what helps knee arthritis?", [_hit("Hip and knee osteoarthritis > Other things that can help", text,
                                                      "Hip and knee osteoarthritis")])
    assert blocks[0].is_list
