"""Red-flag triage: the catalogue, both detectors, conversations, and the independent message sets.

The message sets in tests/data/triage/ were written by four independent writers
briefed with clinical sources, never with the rules (see BRIEF.md). The two
held-out sets were scored once, on first contact, before any fix (docs/safety.md);
since then they are regression sets like the rest. Every run writes
test-artifacts/triage-metrics.json.
"""

from __future__ import annotations

import csv
import json
import sys

import pytest
from conftest import ROOT

from assistant.core import prompts
from assistant.core.settings import SafetySettings
from assistant.safety.catalogue import CatalogueError, load_catalogue, parse
from assistant.safety.screen import screen
from assistant.safety.triage import triage, triage_conversation

sys.path.insert(0, str(ROOT / "bench"))
from triage_eval import Case, load, score  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = ("dev_a", "dev_b", "holdout_c", "holdout_d", "dev_e1", "dev_e2", "holdout_f1", "holdout_f2", "holdout_g1", "holdout_g2", "holdout_h1", "holdout_h2", "holdout_i1", "holdout_i2", "holdout_j1", "holdout_j2", "holdout_k1", "holdout_k2", "holdout_l1", "holdout_l2", "holdout_m1", "holdout_m2", "holdout_n1", "holdout_n2", "holdout_o1", "holdout_o2", "holdout_p1", "holdout_p2", "holdout_q1", "holdout_q2", "holdout_r1", "holdout_r2", "holdout_s1", "holdout_s2", "holdout_t1", "holdout_t2", "holdout_u1", "holdout_u2", "holdout_v1", "holdout_v2", "routine_w1", "routine_w2", "holdout_x1", "holdout_x2", "holdout_y1", "holdout_y2", "holdout_z1", "holdout_z2", "holdout_aa1", "holdout_aa2", "holdout_ab1", "holdout_ab2", "holdout_ac1", "holdout_ac2", "holdout_ad1", "holdout_ad2", "holdout_ae1", "holdout_ae2", "holdout_af1", "holdout_af2", "holdout_ag1", "holdout_ag2", "holdout_ah1", "holdout_ah2", "holdout_ai1", "holdout_ai2", "holdout_aj1", "holdout_aj2", "holdout_ak1", "holdout_ak2", "holdout_al1", "holdout_al2", "holdout_am1", "holdout_am2", "holdout_an1", "holdout_an2", "holdout_ao1", "holdout_ao2", "holdout_ap1", "holdout_ap2", "holdout_aq1", "holdout_aq2", "holdout_ar1", "holdout_ar2", "holdout_ar3", "holdout_ar4", "holdout_ar5")
ARTIFACTS = ROOT / "test-artifacts"


def legacy(name: str) -> list[Case]:
    with open(DATA / name, encoding="utf-8") as f:
        return [Case(f"{name}:{i}", r["level"], r["category"], (r["message"],)) for i, r in enumerate(csv.DictReader(f, delimiter="\t"))]


# --------------------------------------------------------------------------- the catalogue


def test_the_catalogue_covers_what_a_clinician_expects():
    catalogue = load_catalogue()
    categories = {f.category for f in catalogue.flags}
    brief = {  # every category of the writers' brief (tests/data/triage/BRIEF.md)
        "cauda_equina", "cord_compression", "fracture_dislocation", "major_trauma", "heart_attack", "stroke",
        "pulmonary_embolism", "sepsis", "meningitis", "vascular", "anaphylaxis", "breathing", "headache_emergency",
        "head_injury", "giant_cell_arteritis_vision", "neck_arterial", "compartment_syndrome", "child_fever_limp",
        "mental_health_crisis", "suspected_fracture", "progressive_neuro", "infection", "cancer_flag",
        "steroids_osteoporosis", "dvt", "giant_cell_arteritis", "tendon_rupture", "acute_swelling",
    }
    assert brief <= categories, brief - categories
    for flag in catalogue.flags:
        assert len(flag.exemplars) >= 15 and len(flag.hard_negatives) >= 5 and flag.sources, flag.id
        assert flag.safety_line.startswith("If") and flag.rules, flag.id


def test_a_malformed_catalogue_is_refused_naming_the_flag():
    good = {"fragments": {}, "flags": [{
        "id": "x", "level": "emergency", "reply": "urgent", "title": "t", "sources": ["s"], "safety_line": "If x.",
        "rules": [{"any": ["x"]}], "exemplars": ["e"] * 15, "hard_negatives": ["h"] * 5,
    }]}
    with pytest.raises(CatalogueError, match="flag x: reply 'urgent' does not fit level emergency"):
        parse(good)
    good["flags"][0]["reply"] = "emergency"
    good["flags"][0]["rules"] = [{"any": ["%NOPE%"]}]
    with pytest.raises(CatalogueError, match="flag x: unknown fragment %NOPE%"):
        parse(good)
    good["flags"][0]["rules"] = [{"any": ["%OUTER%"]}]
    good["fragments"] = {"INNER": "numb", "OUTER": "%INNER% bum"}
    assert parse(good).flags[0].rules[0].any[0].search("a numb bum")  # a fragment may use another
    good["fragments"] = {"A": "%B%", "B": "%A%"}
    with pytest.raises(CatalogueError, match="fragment A: refers to itself through A -> B"):
        parse(good)


def test_patterns_catch_most_of_the_catalogue_exemplars_and_few_hard_negatives():
    catalogue = load_catalogue()
    rank = {"routine": 0, "urgent": 1, "emergency": 2}
    exemplars = [(f, e) for f in catalogue.flags for e in f.exemplars]
    caught = sum(rank[triage(e).level] >= rank[f.level] for f, e in exemplars)
    negatives = [h for f in catalogue.flags for h in f.hard_negatives]
    escalated = [h for h in negatives if triage(h).level != "routine"]
    assert caught / len(exemplars) >= 0.70, caught
    assert len(escalated) / len(negatives) <= 0.01, escalated


# --------------------------------------------------------------------------- the independent sets


def test_every_independent_set_and_the_legacy_tables_pass_the_patterns():
    metrics = {}
    for name in SETS:
        result = score(load([DATA / "triage" / f"{name}.jsonl"]), lambda turns: triage_conversation(list(turns)).level)
        metrics[name] = result.summary()
        for level in ("emergency", "urgent"):  # the routine-only sets have none
            assert not result.total[level] or result.recall(level) == 1.0, [(c.id, got) for c, got in result.misses]
        assert result.false_escalation == 0.0, [(c.id, got) for c, got in result.false_alarms]
    for name in ("triage_cases.tsv", "triage_holdout.tsv"):
        cases = legacy(name)
        wrong = [(c.turns[0], triage(c.turns[0]).level) for c in cases if triage(c.turns[0]).level != c.level]
        metrics[name] = {"cases": len(cases), "exact_level_wrong": len(wrong)}
        assert not wrong, wrong
    total = sum(m["cases"] for m in metrics.values())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "triage-metrics.json").write_text(json.dumps({"messages": total, "sets": metrics}, indent=2))
    assert total >= 1500


@pytest.mark.parametrize(
    "message",
    [
        "no numbness down there and I can pee fine, just a stiff lower back",
        "I'm not suicidal, just fed up with this knee",
        "does saddle numbness mean I should go to A&E?",
        "my dad had a stroke last year, what exercises help his shoulder?",
        "sciatica down my left leg only",
        "I was rear-ended last week and my neck is sore, should I wear a collar?",
        "legs weak after leg day, is that normal?",
        "I had chest pain last year, it was reflux; now my knee hurts",
        "this sciatica is killing me, best stretches?",
        "what are the red flags for back pain?",
        "my knee hurts on long runs. someone said i should take shorter steps, shorter ones?",  # steps, not a leg
        "pregnant with SPD and desperate to keep up my swimming, is that ok?",  # keen, not in crisis
        "my son pulled his hamstring at 5 a side last night, he's limping about but can walk",  # the limp is explained
        "calf stretch for my heel, how long do i hold it? i've been doing it sat on the edge of the bed",  # the bed's edge
        "i stand with my hip stuck out when i'm cutting (hairdresser) and now the outside of it hurts",  # at work
        "went over on my ankle stepping off the bus last week, the bruise has spread to my toes",  # an ordinary step
        "physio says it's piriformis. why is my leg tingling if its a bum muscle",  # the muscle, not the skin there
        "tennis elbow since ripping the old decking up in the back garden, how long does it go on for?",  # a garden
        "my shoulder ultrasound came back saying small partial thickness tear in the rotator cuff. is a tear bad?",  # a report
        "what's your phone number, i'd rather ring, i'm hopeless with online things",  # hopeless at a task
        "do i need a gp letter? can never get an appointment at my surgery, it's hopeless",  # a service is hopeless
        "the parking near the hospital is hopeless, is there any at the clinic?",
        "the double chin exercise for my neck, how long do you hold it before you let go?",  # a chin tuck, not double vision
        "think i overdosed on lunges yesterday, thighs burning, normal doms?",  # a workout, not tablets
        # the pain hurts or hits a person, not another person (these were read as someone being hurt at home)
        "it hurts me to bend over to put my socks on",
        "my knee hurts me when i kneel at church",
        "rear ended this morning, feel fine. my mum reckons it'll hit me later, is that true?",
        # words that name a sign in another sense: time wasted, jeans, a son who helps
        "started my knee exercises 3 weeks ago, no difference yet. my daughter says i'm wasting my time",
        "what do I wear for my knee appointment? all i own is skinny jeans",
        "work near Temple Meads are buying me a standing desk because my lower back aches by 3pm",  # a place
        "Caller is 72 with arthritis in her hip. Her son has bought her a walking stick, which hand should it go in?",
        # a sprain swells, bruises and makes you limp: what needs an X-ray is four steps impossible or a tender bone
        "rolled my ankle stepping off a ladder yesterday, swollen, I'm hobbling round the house. how many days?",
        "went over on my ankle on a kerb 3 days ago, it's swollen and bruised down the side of my foot",
        "went over on my ankle stepping off the kerb last night, its swollen and I'm limping badly. how many days?",
        # work and sport named like signs: a joiner fitting ceilings, a fell runner
        "he's a joiner, been fitting ceilings on a new build estate and now his shoulder aches when he lifts his arm",
        "fell runner, since the race my achilles (back of the heel, above the bone) is sore and feels thick first thing",
        # a driver whose car was pulled out on (a whiplash story), and catching oneself in a habit
        "a car pulled out on me in my own car 9 days ago, low speed, and I've got whiplash. neck's too stiff to check my mirrors",
        "neck aches by the end of every day and I keep catching myself jutting my head forwards at the screen",
    ],
)
def test_past_negated_and_asked_about_signs_do_not_escalate(message):
    assert triage(message).level == "routine", triage(message).rules


@pytest.mark.parametrize("message", [
    "my husband is fitting on the floor and won't stop",
    "she's been fitting a few minutes now",
])
def test_a_fit_with_nothing_fitted_is_still_an_emergency(message):
    assert triage(message).level == "emergency" and "seizure" in triage(message).rules


def test_a_rider_pulled_out_on_and_a_foot_that_catches_still_escalate():
    assert triage("a van pulled out on me on my bike and I hit the road hard, can't move my leg").level == "emergency"
    assert "progressive_weakness" in triage("my foot keeps catching on the kerb and my back is killing me").rules


def test_a_bad_limp_with_a_tender_foot_bone_is_still_a_possible_fracture():
    message = "kicked a wall and the outside edge of my foot is swollen and bruised, limping badly"
    assert triage(message).level == "urgent" and "suspected_fracture" in triage(message).rules


@pytest.mark.parametrize("message", ["he hits me and my ribs hurt", "my wife hit me with a pan", "my dad kicks me when he's drunk"])
def test_a_person_hurting_someone_is_still_an_emergency(message):
    assert triage(message).level == "emergency" and "safeguarding_abuse" in triage(message).rules


def test_regional_words_and_softeners_are_read_as_the_patterns_expect():
    from assistant.safety.triage import prepare

    assert prepare("my heid is pounding") == "my head is pounding"
    assert "plaster cast" in prepare("she's had a stookie on since yesterday")
    assert prepare("ma da's been draggin his right fit") == "my dad been dragging his right foot"
    assert prepare("painkillers no touchin it") == "painkillers not touching it"
    assert prepare("swelled up inside 2 hours") == "swelled up within 2 hours"
    assert prepare("he's fit as a fiddle") == "he is fit as a fiddle"  # "fit" is a foot only after a side or an owner
    assert triage("ma da's been draggin his right fit since last week, his back's been bad, he's 70").level == "urgent"
    assert prepare("I hent passed water since last night") == "i have not passed water since last night"
    # a softener between a negation and its verb is dropped: "can't really feel" is "cannot feel"
    assert prepare("I can't really feel my legs properly") == "i cannot feel my legs properly"
    assert prepare("don't really see the point going on") == "do not see the point going on"
    assert prepare("both me legs feel heavy, I've messed mesel") == "both my legs feel heavy, i have messed myself"
    # "lately" brings a clause back to now; "is it true X can make you ..." asks about a sign
    assert triage("disc bulge diagnosed last year, lately my right arm has been getting weaker").level == "urgent"
    assert triage("is it true sciatica can make you incontinent?").level == "routine"
    # what follows "just" or "rather" after a negation is said, not denied: "not pain really, just pressure"
    assert triage("not pain really just pressure in the chest and breathless walking from the car").level == "emergency"
    assert triage("no pain in my chest, just a stiff neck from the desk").level == "routine"
    assert triage("no numbness, just weakness in both legs and back pain").level == "emergency"


def test_a_headache_ever_since_a_knock_to_the_head_is_an_emergency_but_a_brief_one_is_not():
    # NICE NG232: persistent headache since the injury -> emergency department
    assert triage("My son (15) took a knock to the head at rugby on Saturday and has had headaches since").level == "emergency"
    assert triage("banged my head on a cupboard this morning, bit of a headache since but fine otherwise").level == "routine"
    assert triage("I had a bang on the head 3 months ago and get headaches since, is physio any good?").level == "routine"


# --------------------------------------------------------------------------- conversations


SAFETY = SafetySettings()


def test_a_conversation_that_reached_emergency_stays_there():
    first = "my back hurts and I can't feel it when I wipe"
    verdict = triage_conversation([first, "ok but what stretches can I do for it at home?"])
    assert verdict.level == "emergency" and verdict.latest == "routine"
    checked = screen("ok but what stretches can I do for it at home?", SAFETY, earlier=[first])
    assert checked.stops and checked.reply.startswith(prompts.STILL_EMERGENCY) and "999" in checked.reply


def test_risk_facts_from_earlier_messages_combine_with_later_symptoms():
    assert triage("new back pain that's there all the time").level == "routine"
    verdict = triage_conversation(["I finished breast cancer treatment last year", "new back pain that's there all the time"])
    assert verdict.level == "urgent" and "cancer_history" in verdict.rules


def test_pieces_of_a_sign_spread_over_messages_are_put_together():
    messages = ["sciatica down both legs since friday", "also I haven't needed a wee all day and my tummy feels full"]
    assert triage_conversation(messages).level == "emergency"


@pytest.mark.parametrize(
    "message",
    ["I've taken all my co-codamol tablets, I just want it to stop", "how many paracetamol would it take to end it all?"],
)
def test_crisis_outranks_the_medication_guard(message):
    checked = screen(message, SAFETY)
    assert checked.triage.level == "emergency" and checked.triage.reply == "crisis"
    assert checked.stops and "999" in checked.reply and SAFETY.crisis_line in checked.reply
    assert prompts.MEDICATION_REPLY not in checked.reply


@pytest.mark.parametrize(
    "message",
    [
        "got rear ended at the lights this afternoon, now I can't turn my head at all either way",
        "car crash this morning, really bad pain right in the middle at the back of my neck",
    ],
)
def test_after_an_accident_a_neck_that_will_not_turn_or_hurts_in_the_midline_needs_a_and_e(message):
    assert triage(message).level == "emergency", triage(message).rules
    assert triage("rear ended three weeks ago, neck still stiff, can't turn my head fully to the left").level == "routine"


def test_urgent_and_injury_replies_come_first_and_forbid_self_care():
    checked = screen("went over on my ankle at football, couldn't walk on it and the bony bit is really tender", SAFETY)
    assert checked.triage.level == "urgent" and checked.triage.reply == "minor_injuries"
    assert checked.prefix[0].startswith("This should be checked today at a minor injuries unit")
    assert checked.no_self_care
    checked = screen("I'm 68 with osteoporosis and slipped on the ice, now sudden sharp pain in my back", SAFETY)
    assert checked.triage.level == "urgent" and checked.prefix[0].startswith("Some of what you describe")


@pytest.mark.parametrize(
    "message",
    [
        "been sitting on the edge of the bridge near mine thinking about it",
        "she has been cutting again, I saw her arms",
        "I've been cutting myself when it gets bad",
        "thinking about stepping in front of a bus on the way home",
    ],
)
def test_an_edge_or_cutting_that_is_a_crisis_still_is(message):
    # the edge of a bed and cutting hair are not; a bridge's edge and cutting oneself are
    assert triage(message).level == "emergency", triage(message).rules


def test_a_tearing_pain_escalates_while_a_scan_reports_tear_does_not():
    assert triage("had a scan last week and now sudden tearing pain in my back").level == "emergency"
    assert triage("sudden tearing pain in my back and chest").level == "emergency"


def test_tingling_of_the_saddle_area_escalates_while_a_bum_muscle_does_not():
    assert triage("my leg is tingling and so is my bum").level == "emergency"
    assert triage("tingling down my leg and round my bottom").level == "emergency"
    assert triage("why is my leg tingling if its a bum muscle").level == "routine"
    assert triage("how come my leg tingles if it's a muscle in my bum").level == "routine"


@pytest.mark.parametrize(
    "message",
    [
        "32 wks pregnant and the baby hasnt been moving much today",
        "34 weeks pregnant, baby has not been moving very much since this morning",
        "i'm 32 weeks with pgp. baby hasn't really been moving as much as normal today",
        "im 33 weeks and baby doesnt seem to be moving as much",
        "36 weeks, haven't felt her kick since yesterday",
        "pregnant with spd, the kicks have slowed right down today",
        "35 weeks, baby's movements feel different today, less strong",
        "28 wks and ive had a bit of bleeding with my pelvic pain",
        "pregnant, pelvic pain and now my waters might have gone",
    ],
)
def test_pregnancy_warning_signs_escalate_however_they_are_said(message):
    assert triage(message).level == "emergency", triage(message).rules


@pytest.mark.parametrize(
    "message",
    ["pregnant and the baby is moving loads, just sore hips", "pregnant and my gums bleed when i brush",
     "pregnant, baby kicking loads, sore pelvis",
     "my daughter is 30 weeks pregnant, she's not moving around much because of her pelvis, can you help?",
     "28 weeks pregnant and my legs cramp every few minutes at night, any stretches?"],
)
def test_a_lively_baby_or_bleeding_gums_in_pregnancy_do_not_escalate(message):
    assert triage(message).level == "routine", triage(message).rules


def test_an_aside_like_dont_judge_does_not_negate_the_sign():
    message = "punched a lad in the mouth last night (don't judge) and cut my knuckle on his teeth, it's swollen"
    assert triage(message).level == "urgent", triage(message).rules


def test_a_bump_on_the_roundabout_is_an_accident_for_the_neck_rule():
    message = "had a bump on the roundabout earlier. now i can't turn my head either way and there's bad pain in the middle"
    assert triage(message).level == "emergency", triage(message).rules


def test_cannot_get_comfy_at_night_with_a_shoulder_is_not_night_pain():
    turns = ["my shoulder hurts lifting my arm out to the side", "physio said impingement", "and at night? cant get comfy at all"]
    assert triage_conversation(turns).level == "routine"


def test_sitting_bolt_upright_is_a_breathing_sign_only_with_breathing_words():
    posture = "Sat 9 hours a day at a desk. Should I be forcing myself to sit bolt upright all day or am I wrecking my back?"
    assert triage(posture).level == "routine", triage(posture).rules
    assert triage("my nan is sitting bolt upright and her breathing is awful").level == "emergency"
    assert triage("he's sat bolt upright, can't lie flat, says he can't get his breath").level == "emergency"


def test_a_threat_reported_with_if_i_tell_anyone_is_not_a_hypothetical():
    message = "my mums boyfriend twisted my arm behind my back last night and he said if i tell anyone it'll be worse"
    assert triage(message).level == "emergency", triage(message).rules


@pytest.mark.parametrize("message", [
    "went over on my ankle, couldnt manage more than a couple of hops to the car",
    "rolled it at netball, the bony bit on the outside of my foot is swollen and bruised",
    "landed awkwardly off a wall, i can only hobble on my toes",
    "went over on my ankle, hobbled two steps and had to get carried off",
    "dropped a crate on my foot, hurts like mad to walk on",
    "grandad is 86, slipped on the ice and landed on his bum, now his low back is bad and he's hobbling",
])
def test_an_injury_that_stops_walking_or_hurts_on_the_bone_is_urgent(message):
    assert triage(message).level == "urgent", triage(message).rules


@pytest.mark.parametrize("message", [
    "i can never get a gp appointment and i feel hopeless",
    "everything feels hopeless since the accident",
    "tried everything for my back, it's hopeless, i can't go on like this",
])
def test_feeling_hopeless_is_still_urgent_when_a_service_is_named_too(message):
    assert triage(message).level in ("urgent", "emergency"), message
