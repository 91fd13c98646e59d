"""`clinic-assistant ask` with the real bundled model on the bundled corpus."""

from __future__ import annotations

import json
import re

import pytest
from conftest import CORPUS

from assistant.app.cli import main
from assistant.answering.extractive import LIST_ALLOWANCE, standalone
from assistant.app import operations
from assistant.app.services import Services
from assistant.core.settings import Settings
from assistant.core.text import plain, split_units

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("ask-data")
    operations.ingest(Services(Settings(data_dir=data, corpus_dir=CORPUS, _env_file=None)))
    return data


@pytest.fixture(scope="module")
def assistant(data_dir):
    return Services(Settings(data_dir=data_dir, corpus_dir=CORPUS, _env_file=None)).assistant


def cited_runs(answer: str) -> list[tuple[str, int]]:
    """(quoted text, n) for each run of the body that ends with its citation [n] (the closing is left out)."""
    body = answer.rsplit("\n\n", 1)[0]
    return [(m.group(1).strip(), int(m.group(2))) for m in re.finditer(r"(.+?)\s*\[(\d+)\]", body, re.S)]


def test_ask_piriformis_prints_a_readable_cited_answer(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "ask", "why does my piriformis hurt?"]) == 0
    out = capsys.readouterr().out
    assert "Sources:" in out and "[1]" in out
    assert re.search(r"\[1\] .* \((glutes-and-lower-back-pain|piriformis-syndrome)\.md\)", out)  # named, no server path


@pytest.mark.parametrize(
    "question",
    [
        "why does my piriformis hurt?",
        "my heel hurts first thing in the morning",
        "what should I wear to my appointment?",
        "is it safe to exercise with knee arthritis?",
        "how long does a sprained ankle take to get better",
        "my neck is stiff from working on my laptop",
    ],
)
def test_answers_are_two_to_six_whole_quoted_sentences(assistant, question):
    answer = assistant.ask(question).answer
    assert answer.grounded and answer.answerer == "extractive"
    by_n = {c.n: c for c in answer.citations}
    runs = cited_runs(answer.answer)
    units = [(u, n) for text, n in runs for u in split_units(text)]
    # short enough for a phone: the answerer's word budget and the allowance a supporting list gets (a list item
    # may be two or three sentences, so sentences are not what is counted)
    words = sum(len(text.split()) for text, _ in runs)
    assert runs and len(units) >= 2 and words <= 120 + LIST_ALLOWANCE, answer.answer
    for unit, n in units:
        name = by_n[n].section.split(" > ")[-1] + ": "  # an exercise's first step carries its heading
        if unit.text == name.rstrip():
            continue  # a list without a lead-in of its own is introduced by its section's heading
        text = unit.text[len(name):] if unit.text.startswith(name) else unit.text
        assert plain(text) in plain(by_n[n].passage), (unit.text, by_n[n].passage)
        assert "#" not in unit.text and "http" not in unit.text
    first = units[0][0]
    assert first.kind != "sentence" or standalone(first.text) == first.text  # no dangling "it" to open with
    assert answer.answer.rstrip().endswith("01632 960000.")
    for c in answer.citations:
        assert c.article_path.startswith("/articles/") and c.url is None


def test_piriformis_answer_cites_the_glutes_or_piriformis_article(assistant):
    answer = assistant.ask("why does my piriformis hurt?").answer
    paths = [c.article_path for c in answer.citations]
    assert any("glutes-and-lower-back-pain" in p or "piriformis-syndrome" in p for p in paths)
    assert "piriformis" in answer.answer.lower()


def test_follow_up_about_exercises_stays_on_the_piriformis(assistant):
    first = assistant.ask("why does my piriformis hurt?").answer
    follow = assistant.ask(
        "what exercises help with that?",
        history=[{"role": "user", "content": first.question}, {"role": "assistant", "content": first.answer}],
    ).answer
    assert follow.grounded
    assert any("piriformis" in c.article_path or "glutes" in c.article_path for c in follow.citations), follow.citations
    alone = assistant.ask("what exercises help with that?").answer
    assert alone.search_query == "what exercises help with that?"


def test_a_follow_up_asking_about_what_the_first_reply_said_is_answered_by_it(assistant):
    story = "Went over on my ankle at five-a-side on Tuesday. It's swollen but I can walk on it ok."
    first = assistant.ask(story).answer
    assert "15 to 20 minutes" in first.answer  # the first reply gives the ice line
    history = [{"role": "user", "content": story}, {"role": "assistant", "content": first.answer}]
    follow = assistant.ask("should I be icing it? how long for each time?", history=history).answer.answer
    assert "15 to 20 minutes" in follow, follow
    # what the visitor asks anew brings back only its own lines: the rest of the first reply is not repeated
    assert "Raise the leg" not in follow and "Keep it moving" not in follow, follow


def test_a_price_question_naming_a_knee_is_answered_from_the_clinic_pages(assistant):
    answer = assistant.ask("Roughly how many sessions will I need for my knee, and when would I find out what "
                           "the whole thing will cost?").answer
    assert answer.citations[0].article_path.startswith("/articles/clinic-faq"), answer.citations
    assert "likely number of sessions at your first appointment" in answer.answer
    assert "sets of 10" not in answer.answer  # a knee exercise is no part of a price


def _user(*messages: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": m} for m in messages]


@pytest.mark.parametrize(
    "question, history, says, does_not_say",
    [
        pytest.param(  # "Examples include a weekend of painting a ceiling" says nothing without the sentence before it
            "Spent the bank holiday painting the kitchen ceiling and now my shoulder hurts when I lift my arm out to the "
            "side. Could the painting have done this?", [],
            "A sudden increase in overhead activity is a common trigger. Examples include", "Sunday and bank holidays",
            id="a cause with the sentence its examples illustrate"),
        pytest.param(
            "how many times a day should i be doing the turning and tilting ones?",
            _user("getting a stiff sore neck most days, on the laptop 8 hrs a day",
                  "found your page with the exercises on it, the head turns and side tilts"),
            "Aim to do these exercises two or three times a day", ": Aim to do these exercises",
            id="a word about all the exercises is not given one exercise's name"),
        pytest.param(
            "and sleeping? keep rolling onto it and waking up",
            _user("physio says I've got impingement in my right shoulder, it's been about 6 weeks now"),
            "pillow hugged in front of you", None, id="a follow-up about sleeping"),
        pytest.param(
            "Caller wants to know if she has to get a letter from her GP first before she can book in for her back.", [],
            "No, you do not need a GP referral", None, id="a caller's question about a GP letter is answered no"),
        pytest.param(
            "WFH and my neck is killing me - how high should my monitor actually be?", [],
            "top of the screen roughly at eye level", None, id="how high a screen should be"),
        pytest.param(
            "is that allowed?",
            _user("Booked my first appointment for next Tuesday, it's for my hamstring.",
                  "My mum wants to come in with me, I get a bit nervous at appointments."),
            "welcome to bring a friend or family member", None, id="bringing someone is about the clinic"),
        pytest.param(  # "- Build strength steadily." is from the second half of a long list: quoted under its lead-in
            "what else helps?",
            _user("I'm 17 and I've had pain round my kneecap for a couple of months. It's worse going down stairs and "
                  "after sitting in lessons."),
            re.compile(r"Things that often help with patellofemoral pain:\n(?:- .*\n)*- Build strength steadily\."), None,
            id="items of a long list keep their lead-in"),
        pytest.param(  # "how does ..." asks why here, not how to do the sit-to-stand
            "I work from home sat at the kitchen table 9 hours a day and my lower back's been aching for months. "
            "someone said its my glutes?? how does sitting affect them", [],
            "the glutes spend much of the day switched off", "Sit-to-stand:", id="how sitting affects the glutes"),
        pytest.param(  # the pain guide sits under "What helps", ten sections below the exercises
            "how much pain is ok when I'm doing exercises for my kneecap pain? dont want to make it worse", [],
            "around 3 out of 10 or less", None, id="how much pain is acceptable: the pain guide"),
        pytest.param(  # "Take breaks when driving" sits after the chunk boundary that cut "Things that help many people:"
            "anything I should do differently in the car while I'm driving?",
            _user("had whiplash last month", "I drive an hour to work and back every day"),
            "Take breaks when driving", None, id="the rest of a cut list when one of its items answers"),
        pytest.param(  # "... rather than straight away" says when symptoms start, it is not a warning line
            "my partner was rear-ended an hour ago and says he feels fine. could whiplash still come on later?", [],
            "come on a few hours after the accident", None, id="when whiplash comes on"),
        pytest.param(  # "Hold a resistance band ..." is an exercise's first step, not "Hold for 20 seconds" after one
            "my physio gave me a band for outward rotation for my shoulder, where do my elbows go?", [],
            "Outward rotation with a band: Hold a resistance band in both hands with your elbows bent at 90 degrees",
            None, id="an exercise's steps in the order they are written"),
        pytest.param(  # "encourages you to poke your chin forwards" says why as much as "because" does
            "I do my uni work on a laptop on the dining table and my neck aches every evening. why is that happening?", [],
            "A screen that is too low encourages you to poke your chin forwards", None,
            id="why, said with a verb of causing"),
        pytest.param(  # "Take breaks ...", "adjust ..." say what helps as much as "try" and "avoid" do
            "whiplash from a shunt last month and I commute 50 minutes by car. any tips for the drive?", [],
            "Take breaks when driving", None, id="what helps, said as an instruction"),
        pytest.param(  # a sentence that answers nearly as well as the lead is not crowded out by the list of triggers
            "took up hill walking and now the outer side of my hip aches at night when I lie on it. what's causing that?",
            [], "a combination of load and compression", None, id="a close second sentence before the list"),
        pytest.param(
            "how much pain is too much?",
            _user("I've got arthritis in my left knee and I've started the sit to stands and step-ups.",
                  "My knee aches a bit while I'm doing them."),
            "around 5 out of 10", None, id="how much pain is too much, as a follow-up"),
        pytest.param(  # "that" points at what the visitor last told, not at the pregnancy
            "is it alright to carry on with that?",
            _user("I'm 28 weeks pregnant with PGP at the front", "I swim breaststroke twice a week at the pool"),
            "swimming with a gentle kick rather than breaststroke", None, id="that, pointing at what was last told"),
        pytest.param(  # a message naming no body part tells what is happening now: "when I go back" is to sport
            "should I wear anything on it when I go back?",
            _user("Sprained my ankle at netball a month ago, the balance exercises have really helped.",
                  "Planning to play again next week."),
            "A brace or tape can offer extra support", "cannot bear weight", id="what the visitor last told, unpointed"),
        pytest.param(  # "better thought of as X than Y" answers a worry as "does not mean" does
            "Had an x-ray that shows osteoarthritis in my knee, I'm 61. Does that mean my knee is worn out and it's all "
            "downhill from here?", [],
            '"wear and repair" than "wear and tear"', None, id="a worry answered by what it is better thought of as"),
        pytest.param(  # "days or weeks" asks how long, though the exercises are named first
            "my shoulder hurts reaching overhead, physio says impingement. am I talking days or weeks before it eases?",
            [], "Improvement usually takes weeks to a few months", None, id="days or weeks asks how long"),
        pytest.param(
            "my outer elbow has hurt lifting the kettle for three weeks, bought a strap from the chemist. when is it "
            "worth me actually coming in?", [],
            "See a physiotherapist if your elbow pain has not started to improve", None, id="when it is worth coming in"),
        pytest.param(  # "hurt it again" is the visitor's word for "re-injured"
            "my neck was on the mend after the crash but it's sore again today. have I hurt it again?", [],
            "does not mean you have re-injured your neck", None, id="hurt it again, said for re-injured"),
        pytest.param(  # "so can she ..." asks yes or no about stopping them, not for a list of exercises
            "so can she just stop the exercises and keep using the tape?",
            _user("My 15 year old gets sore kneecaps going down stairs.", "The school physio taped her knee and it helps."),
            "not a replacement for it", "Exercises to try:", id="a yes or no opened with so"),
        pytest.param(  # "could it just be the pillow?" asks what caused it
            "stayed over at my sister's on a thin lumpy pillow and woke up with a stiff sore neck. could it just be the "
            "pillow?", [],
            "unfamiliar pillow", None, id="could it just be the pillow"),
        pytest.param(  # "It is worth seeing ..." stands on its own: its "it" points at nothing before it
            "my back and bottom flare up every few months then settle again. worth getting it looked at or do I just "
            "live with it?", [],
            "It is worth seeing a physiotherapist if your back, hip or buttock pain keeps coming back", None,
            id="it is worth seeing"),
        pytest.param(  # the kneecap article's own pain guide, not the knee osteoarthritis one
            "like what number out of 10 is ok?",
            _user("got pain round my kneecap from walking, the physio said i can keep doing my exercises as long as its not "
                  "too painful", "not sure what counts as too painful"),
            "around 3 out of 10", "5 out of 10", id="the topic's own pain guide"),
        pytest.param(  # "These aches usually ease ..." speaks of the list before it: quoted with it, never alone
            "I sit at a desk doing spreadsheets all day and get a dull achy lower back by about 3pm, it goes off once I get "
            "up and walk round. is that a worrying sign or just from sitting too long?", [],
            "keyboard or mouse\n\nThese aches usually ease when you move", None, id="the sentence after a list"),
        pytest.param(  # "what would X set me back?" asks the price, whatever X is
            "roughly what would the first session set me back? no private health through work so it's all me", [],
            "£65", None, id="what the first appointment would set me back"),
        pytest.param(  # "dead straight" is the visitor's "bolt upright"; "that" is what was last told
            "is that right or is it making it worse?",
            _user("started an office job, back and neck sore by 4 every day", "i sit dead straight all day like my dad always said"),
            "no need to force yourself to sit bolt upright", None, id="sitting dead straight"),
        pytest.param(  # the ankle and the knee are places in the stretch: the sore bum is what it is for
            "the stretch for my sore bum where you lie down, cross your ankle over the other knee and pull it in - how "
            "long do I hold it and how many times?", [],
            "Hold for 20 to 30 seconds and repeat 2 to 3 times", None, id="a stretch told by where the ankle goes"),
        pytest.param(  # a long story spreads its meaning thin: the arthritis guide falls just under the floor
            "daddy's got arthritis in his left hip and has his own da's old walking stick now but we cant agree which hand "
            "hes meant to hold it in lol. does it matter?", [],
            "held in the hand opposite the sore leg", None, id="which hand the stick goes in"),
        pytest.param(  # two questions: what it is, and why the leg tingles
            "the physio thinks it's piriformis syndrome. what is that exactly? and how come my leg tingles if it's a "
            "muscle in my bum", [],
            "the sciatic nerve nearby can become sensitive", None, id="what it is and why"),
        pytest.param(  # "in the room with me" asks whether someone may come in, as "come in with me" does
            "can my husband come in the room with me? hes driving me and i dont want him sat in the car for an hour",
            _user("booked in for thursday for my knee, first time ever at a physio"),
            "welcome to bring a friend or family member", None, id="in the room with me"),
        pytest.param(  # the follow-up asks about the condition, not about every body part the story named
            "so should i just stay in bed all week then?",
            _user("Been told I've got sciatica, pain from my bum right down to my calf on the right side. The GP has "
                  "signed me off for a week."),
            "Bed rest tends to slow recovery", None, id="a follow-up about bed rest"),
        pytest.param(  # the story drowns the question below the relevance floor: the asking sentence is searched alone
            "Caller is ringing for her mum (in her 80s, lives in Saltash) who doesn't use the internet - what's the "
            "number mum should ring to get herself booked in?", [],
            "call the clinic on 01632 960000", None, id="a phone number behind a long story"),
        pytest.param(  # an exercise's steps are quoted whole, the crossed ankle between lying down and drawing the knee in
            "how do i stretch that muscle deep in my bum (piriformis?) lying on my back? and how long do i hold it", [],
            "Cross the ankle of the sore side over the opposite knee", None, id="every step of the stretch"),
        pytest.param(  # "what can I change" asks what helps, as "anything I can change" does
            "I drive a black cab round town all day and get a deep ache in one bum cheek, GP thinks it's piriformis. What "
            "can I change while I'm working?", [],
            "Stand up and move every 30 minutes", None, id="what can I change"),
        pytest.param(  # a question about getting into the building, whatever brought the visitor to need it
            "My mum's in a wheelchair at the moment after her hip replacement. Are there steps to get into the clinic?", [],
            "step-free", "couldn't find", id="steps to get into the clinic"),
        pytest.param(  # "a long job" asks how long
            "My mum has pain on the outside of her hip, they've called it gluteal tendinopathy. She's doing her exercises "
            "every day. Is this going to be a few weeks or is it a long job?", [],
            re.compile(r"^Improvement often takes several months"), None, id="a few weeks or a long job"),
        pytest.param(  # the visitor's own class is where they met the stretch; the item that says no leads
            "my pilates class does a stretch where you pull your knee across your body, should I carry on doing that one?",
            _user("Physio says the pain on the outside of my hip is gluteal tendinopathy. It's worse on stairs."),
            re.compile(r"^Avoid stretching into compression\. Stretches that pull the knee across the body"), None,
            id="a stretch met in the visitor's own class"),
        pytest.param(  # a yes or no about a cause looks in the section on causes, below the best ones
            "Stopped at a Travelodge for work this week and woke up with a stiff neck both mornings. Could it be the "
            "pillow?", [], "sleeping in an awkward position or on an unfamiliar pillow", None, id="could it be the pillow"),
        pytest.param(  # the insurer's question is told; the visitor asks about the x-ray
            "Low speed shunt in queuing traffic. Neck's stiff and sore but that's it. The insurance bloke asked if I'd "
            "had an x-ray, should I be getting one?", [],
            "do not need an X-ray", "insurer", id="the insurer asked about an x-ray"),
        pytest.param(  # a stretch named in a yes or no is what is asked about: the exercise section's pain guide is not
            "pain on the outside of my hip, worse lying on that side at night. woman at my pilates class says to do the "
            "stretch where you pull your knee across your body. is that a good idea?", [],
            re.compile(r"^Avoid stretching into compression"), None, id="a stretch someone recommended"),
        # the failures issue 12 was filed with
        pytest.param("my kneecap clicks, is it damaged?", [], "not usually a sign of damage", None,
                     id="issue 12: clicking is not page talk"),
        pytest.param("When can I play again?", _user("I strained my hamstring playing football on Saturday"),
                     "full strength and confidence in your hamstring before playing", "couldn't find",
                     id="issue 12: a follow-up without a pronoun"),
        pytest.param("Can I still go running?", _user("I have heel pain first thing in the mornings"),
                     "plantar fascia", "ITB", id="issue 12: a follow-up stays on the heel"),
    ],
)
def test_answers_state_what_was_asked(assistant, question, history, says, does_not_say):
    answer = assistant.ask(question, history=history).answer.answer
    assert (says.search(answer) if isinstance(says, re.Pattern) else says in answer), answer
    assert does_not_say is None or does_not_say not in answer, answer


def test_should_i_rest_it_is_answered_by_what_the_article_says_about_rest(assistant):
    answer = assistant.ask("piriformis playing up again, deep ache in one buttock. do I need to take a couple of weeks "
                           "off football and rest it?").answer.answer
    assert answer.startswith("Keeping gently active usually helps more than resting completely"), answer


def test_a_shunt_from_behind_is_answered_from_the_whiplash_article(assistant):
    answer = assistant.ask("someone bumped into the back of my car at the lights on monday, felt ok then, today my "
                           "neck is much worse. is that a bad sign?").answer
    assert answer.answer.startswith("Feeling worse on the second or third day is common"), answer.answer
    assert answer.citations[0].source.endswith("whiplash.md")


def test_why_is_not_answered_by_an_instruction(assistant):
    answer = assistant.ask("why is my heel pain SO bad the first few steps when I get out of bed and then gets better?")
    assert not answer.answer.answer.startswith("Gently move your ankle")  # what to do is not why it happens


def test_a_diagnosis_already_made_is_not_a_request_for_one(assistant):
    answer = assistant.ask("Caller has been diagnosed with gluteal tendinopathy and wants to know realistically how "
                           "long before she sees an improvement. She's three weeks into her exercises.").answer
    assert "diagnosis_request" not in answer.policy
    assert "several months" in answer.answer


def test_clutch_question_json_is_not_grounded(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "ask", "How do I replace the clutch on my car?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grounded"] is False and data["citations"] == []
    assert data["answer"].startswith("I couldn't find that in our articles")
    assert data["triage"] == "routine" and data["policy"] == [] and data["answerer"] == "extractive"


def test_ask_file_gives_one_json_line_per_question_in_order(data_dir, tmp_path, capsys):
    questions = tmp_path / "q.txt"
    questions.write_text("what should I wear?\n\nHow do I replace the clutch on my car?\nheel pain\n", encoding="utf-8")
    assert main(["--data-dir", str(data_dir), "ask", "--file", str(questions), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == [
        "what should I wear?",
        "How do I replace the clutch on my car?",
        "heel pain",
    ]
    assert [line["grounded"] for line in lines] == [True, False, True]


def test_emergency_question_from_the_command_line(data_dir, capsys):
    question = "my back hurts and I can't feel it when I wipe"
    assert main(["--data-dir", str(data_dir), "ask", question]) == 0
    out = capsys.readouterr().out
    assert "call 999" in out and "A&E" in out and "Sources:" not in out and "[1]" not in out
    assert main(["--data-dir", str(data_dir), "ask", question, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["triage"] == "emergency" and data["citations"] == [] and data["grounded"] is False


def test_a_question_about_a_service_is_answered_from_the_clinic_pages(assistant):
    # short, and after a message about a father's back: search alone finds nothing close enough
    answer = assistant.ask("would i be allowed to come in with him?",
                           history=_user("booking my dad in for his back, he hates anything medical")).answer
    assert answer.grounded, answer.answer
    assert answer.citations[0].name == "clinic-faq.md", answer.citations
    assert "You are welcome to bring a friend or family member" in answer.answer, answer.answer  # a lower section's line
