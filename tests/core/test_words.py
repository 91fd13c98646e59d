"""Visitors' words for the articles' words (assistant/core/data/synonyms.yaml)."""

from assistant.core.words import with_synonyms


def test_a_visitors_word_brings_the_articles_word_along():
    assert with_synonyms("does it have to come from my doctor?").split()[-2:] == ["gp", "referral"]
    assert "pelvic girdle pain" in with_synonyms("getting out of the car with my SPD")
    assert with_synonyms("can I book myself in?").endswith("referral")
    assert with_synonyms("felt a pop at the back of my thigh").endswith("hamstring")
    assert with_synonyms("got rear-ended at the lights, neck is sore").endswith("whiplash")
    # a phrase may be a pattern: a bump on the M53 or the A41 is a road accident, a bump on the head is not
    assert with_synonyms("3 weeks since a bump on the m53, neck stiff again").endswith("whiplash")
    assert "whiplash" not in with_synonyms("a bump on the head at football")
    assert with_synonyms("only a little bump in the asda car park, barely a scratch").endswith("whiplash")
    assert with_synonyms("someone nudged the back of my car at 5mph").endswith("whiplash")
    assert "whiplash" not in with_synonyms("I parked the car in the car park and walked")
    # "could it still start hurting later?" is what the whiplash article answers with "or the next day"
    assert with_synonyms("felt fine at the time, could my neck still start hurting later?").endswith("the next day")
    assert "damaging your joint" in with_synonyms("he says walking is just wearing the joint away faster")
    assert "damaging your joint" in with_synonyms("am I wearing my knees out doing these?")
    assert "damaging your joint" in with_synonyms("surely I'm grinding them down further?")
    assert with_synonyms("why does my heel hurt so much when i first get out of bed?").endswith("overnight")
    # the side of the bottom that aches is the buttock; "my bum muscles" (the glutes) is left to the glutes article
    assert with_synonyms("deep ache in my right bum cheek when driving").endswith("buttock")
    assert "buttock" not in with_synonyms("are my bum muscles weak?")
    # "go through her doctor first" asks about a referral, whoever's doctor it is
    assert with_synonyms("does she have to go through her doctor first?").endswith("gp referral")
    assert with_synonyms("do I need to see my doc first?").endswith("gp referral")
    # a neck brace is what the articles call a soft collar; how many sessions is their likely number
    assert with_synonyms("mum's found an old foam neck brace, should i wear it?").endswith("soft collars")
    assert with_synonyms("roughly how many sessions will I need all in?").endswith("number of sessions")
    assert "number of sessions" not in with_synonyms("how many goes of each stretch?")
    assert with_synonyms("can weak bum muscles give you knee pain?").endswith("glutes")


def test_whole_words_only_and_nothing_said_twice():
    assert with_synonyms("sore again today, have I hurt it again?").endswith("re-injured")
    assert with_synonyms("spent the weekend up the allotment").endswith("gardening")
    assert with_synonyms("I make myself sit dead straight all day").endswith("upright")
    assert with_synonyms("my ankle hurts") == "my ankle hurts"
    assert with_synonyms("the doctor referral letter from my GP") == "the doctor referral letter from my GP"
    assert "gp" not in with_synonyms("the docket number").split()  # "doc" is a word, not a prefix
