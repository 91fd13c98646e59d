"""What a question asks for (cost, hours, how long, is it serious ...), and what an answer to it looks like.

Pure functions over text. ``intents(question)`` names the kinds of answer wanted;
``unit_cue(intent, text)`` says whether a sentence or list item has the shape of
such an answer (a price, a time of day, a span of weeks, "not usually serious");
``heading_cue(intent, heading)`` whether a section heading is about it. The
articles' headings are the map: "How much does physiotherapy cost?", "Exercises
to try", "When an X-ray may be needed".
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.core.text import split_sentences

#: A yes-or-no question passed on: "Caller asks whether ...", "wants to know if she has to ...".
_REPORTED = r"\b(?:know|asks?|asking|asked|wondering|wonders|checking) (?:if|whether)"
_WHEN = r"(?:weekends?|saturdays?|sundays?|evenings?|early|late|(?:after|before) work|lunch ?(?:time|break)|bank holidays?)"
_BOOKING = r"(?:appointments?|appts?|book\w*|slots?|you|clinic|come in|sessions?|seen|get in)"

#: "How much pain is OK?", "ok to keep running if it hurts a little bit?", "should I push through it?"
_PAIN = (r"\bhow much (?:pain|discomfort|hurt\w*|ache|aching|soreness)\b|\bhow much (?:is it |should it |can it )?(?:\w+ ){0,5}?(?:to )?(?:hurt|ache)\b|"
         r"\b(?:pain|discomfort|hurting|aching|soreness)\b (?:\w+ ){0,2}?(?:is )?(?:too much|(?:ok|okay|acceptable|allowed|fine) (?:during|while|when|to))\b|"
         r"\bhow much is too much\b|\b(?:what|which) (?:number|score|level) (?:out of (?:10|ten) )?(?:is|would be|counts as)\b|\bout of (?:10|ten) is (?:ok|okay|fine|acceptable|too much)\b|\bhow (?:sore|painful|achy|bad) is too (?:sore|painful|achy|bad|much)\b|\bpush (?:on )?through\b|\bthrough the pain\b|"
         r"\b(?:if|when|while|though) (?:it|they|that|this|my \w+) (?:still |only |just )?(?:hurts?|aches?|is (?:a bit |a little |slightly )?sore|twinges?) "
         r"(?:a (?:little |tiny |wee )?bit|a little|slightly|a touch)\b")
#: "Should I rest it completely?", "stop using my arm altogether?", "take a couple of weeks off the gym and rest it?"
_REST = (r"\b(?:rest(?:ing)? (?:it|them|up|completely|totally)\b|(?:complete|total|bed) rest|"
         r"(?:stop|stopping|give up|giving up) (?:\w+ ){0,3}?(?:altogether|completely|totally|entirely|for good)|(?:completely|totally|entirely) (?:stop|give up)|stop using|"
         r"(?:take|taking|have|having) (?:a |some |a few |a couple of |a couple |couple of |two |three |\d+ )?(?:weeks?|days?|months?|time) off|l[ai]e low|"
         r"(?:keep|keeping|stay|staying) off (?:it|them|my \w+|his \w+|her \w+|the \w+)(?: \w+)? (?:completely|altogether|totally|entirely)|crutches)")
#: "How many sessions will I need all in?" asks how many, whatever it will cost.
_SESSIONS = r"\bhow many (?:more )?(?:sessions|appointments|treatments|visits)\b|\bnumber of (?:sessions|appointments|treatments|visits)\b"
#: A question opening after a comma in a story: "my class does a stretch ..., should I carry on?" ("I run, do yoga
#: and swim" is told).
_COMMA_QUESTION = r"(?:is|are|can|could|do|does|should|would|will|am) (?:i|we|you|he|she|they|it|this|that|my|his|her|their)\b"

_Q = {
    "sessions": _SESSIONS,
    # "how much pain is OK?" asks about pain, not money
    "cost": r"\b(?:how much(?! (?:pain|discomfort|exercise|rest|walking|running|weight|activity|time|sleep|stretching|movement|longer|is too much)\b)(?! (?:\w+ ){0,7}?(?:hurt|ache|aching|pain|sore)\b)|"
            r"cost\w*|price\w*|charge\w*|fees?|pay|paying|£|expensive|cheap|afford|what(?:'ll| would| will| does| did) (?:\w+ ){1,4}?set (?:us|me|you|him|her|them) back|"
            r"(?:what(?:'s| is|s| will| would)?|how much(?: is)?) (?:the|it) (?:\w+ ){0,2}?total\b|in total\b|budget\w*|put aside|"
            r"what(?:'s| is|s|'ll| will| would) (?:be )?the damage|"
            r"what(?:'ll| will| would|ll)? (?:it|that|this|the whole thing) (?:all )?come to)\b",
    # "weekend", "early" and "late" ask about opening times only beside a booking word ("rest it all weekend?" does not)
    # "open plan office", "8 hours a day" and "close to my body" do not ask when the clinic is open
    "hours": rf"\b(?:opening|(?:are|is) (?:you|the clinic|it|the practice|reception) (?:\w+ )?(?:open|closed|shut)|"
             rf"open (?:on|at|until|till|til|late|early|from|over|during|in the|at the|today|tomorrow|now|yet|again|all|every|weekends?|saturdays?|sundays?|evenings?|bank holidays?)|open\?|"
             rf"(?:your|the|clinic|reception|surgery) (?:opening )?(?:hours|times)|(?:close|shut)(?: on| at| for| over)|closing time|(?:when|what time) (?:do|does) (?:you|the clinic|it|reception) (?:\w+ )?(?:close|shut|open|finish)|what time|when are you|(?:the )?(?:latest|earliest) (?:you|we|appointment|slot|time)\w*|what'?s the (?:latest|earliest))\b|"
             rf"\b{_WHEN}\b(?=.*\b{_BOOKING}\b)|\b{_BOOKING}\b(?=.*\b{_WHEN}\b)",
    "duration": r"\b(?:how long|how often|how frequently|how many (?:weeks|months|days|sessions|times)|when (?:will|can|should) (?:it|i|this)|"
                # "when will her legs actually get stronger?"
                r"when (?:will|would|do|does|should) (?:\w+ ){1,3}?(?:get|feel|be|become|start (?:to )?(?:get|feel)) (?:any )?(?:stronger|better|easier|less (?:sore|painful))|"
                r"recover\w*|heal\w*|(?:get|feel) better|go away|(?:days|weeks|months) or (?:days|weeks|months|years)|(?:it|this|that|they|these|pain|symptoms?|flare\w*) (?:usually |normally |typically |will |would |should )?lasts?\b|lasts? (?:for|long)|"
                r"take to|how much longer|back to(?! (?:the start|square one|the beginning))|play again|run again|return|go on for|drag on|"
                r"lasts? (?:ages|forever|for ever|for months|for years|months|years)|stuck with (?:it|this|that|them)|quick fix|"
                r"(?:is it|it's|its|it is) (?:just |normally |usually |always )?(?:this |so )?slow|(?:taking|take) (?:this|so) long|"
                # "am i in for the long haul?" ("clear up soon" is among the asked wordings below)
                r"long haul|"
                r"takes? (?:weeks|months|years|ages|a while)|time ?frames?|timelines?|how soon|(?:sorted|better|right|settled|gone) (?:in|within) (?:a |an )?(?:couple|few|\w+) (?:of )?(?:days|weeks|months)|"
                r"(?:once|twice|\w+ times) (?:a|per) (?:day|week) or (?:more|less|twice|two|three|so))\b",
    "serious": r"\b(?:serious|worr\w*|dangerous|damag\w*|normal|acceptable|bad sign|harm\w*|hurt the baby|concern\w*|is it bad|a bad one|how bad|"
               # "is pelvic pain in pregnancy actually common or am i just unlucky?"
               r"how common|(?:is|are) (?:it|this|that|they|these|\w+(?: \w+){0,5}) (?:actually |really |very |quite |that |even )?common|just unlucky|"
               r"set (?:myself|me|him|her|it|things) back|(?:for )?the rest of (?:my|his|her|your|their) life|permanent\w*|lasting damage|back to (?:the start|square one|the beginning)|undone|re-?injur\w*|"
               r"(?:is|was|could) (?:that|this|it) (?:be )?a sign\b|(?:hurt|injured|done) (?:it|myself|my \w+) again|"
               r"should i be worried|wear(?:ing|s)? (?:(?:it|them|the \w+|his \w+|her \w+|my \w+) )?(?:out|away|down)|worn (?:out|away|down)|wreck\w*|ruin\w*|(?:is|be|there's|there is|theres) (?:something|anything) (?:\w+ )?wrong with (?:my|his|her|the|it|your)|"
               r"(?:does|do|will) (?:that|this|it|these|those) mean (?:i (?:need|will need|have to|have)|(?:i will )?(?:need )?(?:surgery|an? op\w*|injections?)|(?:it is|its) (?:serious|bad|damaged|torn|broken)))\b",
    "cause": r"\b(?:why|cause\w*|caus\w*|reason|how (?:did|do|does) (?:i|it|this) (?:get|happen)|what makes|trigger\w*|"
             r"(?:bring|brings|brought) (?:\w+ ){0,3}?on\b|(?:set|sets|setting) (?:it|that|this|them) off|my (?:own )?fault|"
             r"how (?:does|do|can|could|would|might) (?:\w+ ){1,6}?(?:make|give) (?:\w+ ){0,3}?(?:hurt|ache|sore|pain\w*|weak\w*|stiff\w*|tight\w*)|"
             r"(?:coming|come|comes) from (?:my|the|his|her|your)|connected|linked|related|to do with|"
             r"how (?:does|can|could) (?:that|this|it) (?:even |actually )?(?:work|happen)|"
             r"how (?:does|do|can|could|would|might|will) (?:\w+ ){1,3}?affect|what (?:does|do|can|could|would) (?:\w+ ){1,3}?do to (?:my|your|the|his|her|them|it)\b|"
             r"(?:can|could|would|does|do|might|may) (?:a |an |the |my |that |this |it |all |sitting |sleeping |their |his |her |your |our )?(?:\w+ ){0,2}?(?:really |actually |even )?(?:have )?(?:do|done|cause|caused|brought on) (?:that|this|it)|"
             r"could (?:that|this|it) (?:just |really |actually |simply )?be (?:it|why|the reason|the cause|what|down to|from|because)|anything to do with|"
             r"(?:what(?:'s| is|s)|(?:could|might|would|can) (?:that|this|it|the \w+|my \w+|his \w+|her \w+) be|be|is (?:that|this|it)) (?:behind|at the root of) (?:it|this|that|them)|"
             r"(?:is|was) (?:it|this|that) (?:something|anything) (?:i|she|he|they|we|you) (?:did|done|have done|'ve done|caused)|"
             r"could (?:that|this|it) (?:just |really |actually |simply )?be (?:the|my|his|her|their|all the) \w+(?=\W*$)|"
             r"(?:is|was) (?:it|this|that) (?:just |really |actually )?(?:from|down to|because of) |"
             r"how (?:on earth |exactly |the hell )?(?:can|could|do|does|did|would|might|have|has) (?:you|i|one|someone|somebody|people|he|she|they|a person) (?:even )?(?:get|got|end up with|ended up with|develop|developed)\b|"
             # "can stress really give you neck pain?"
             r"(?:can|could|does|do|would|might|will) (?:\w+ ){1,3}?(?:really |actually |even )?(?:give|cause) (?:you|me|him|her|someone|people|them) (?:\w+ ){0,2}?(?:pain|aches?|headaches?|problems)\b|"
             r"(?:that|that is|thats|what is|whats|what's|be what(?:'s| is)?) (?:doing|causing) (?:it|this|that)|"
             # "is it the job that's done it?", "would that be what's done it?", "is it my setup doing it?"
             r"(?:that|that's|thats|that has|what|what's|whats|what has|which has|which) (?:done|did|caused|started|brought on) (?:it|this|that)\b|"
             r"(?:is|was|could|might|would) (?:it|that|this) (?:be )?(?:just )?(?:my|the|his|her|their|all the|this|that) (?:\w+ ){1,3}?(?:doing|causing) (?:it|this|that)|"
             r"(?:could|can|might|would) (?:the |my |a |all )?\w+ be (?:why|the (?:reason|cause)|to blame)|"
             r"what (?:have|has|did) (?:i|he|she|they|we) (?:\w+ )?(?:done|do) to (?:it|this|that|my|his|her|their)|"
             # "could the road be doing it?", "what's going on?"
             r"(?:could|can|might|would|is|was) (?:the |my |a |all (?:the |that |this )?|that |this )?(?:\w+ ){1,3}?be (?:what(?:'s| is)? )?(?:doing|causing|behind|triggering) (?:it|this|that|them)|"
             r"what(?:'s| is|s) (?:actually |really )?going on)\b",
    "helps": r"\b(?:help\w*|treat\w*|what can i do|what should i do|manage|ease|relie\w*|fix|cure|better|"
             r"how (?:am|are|is) (?:i|we|she|he|they|you) (?:meant|supposed) to|what (?:are|is|am) (?:\w+ ){0,3}?(?:meant|supposed) to be (?:doing|going)|changes? (?:\w+ ){0,2}?(?:i|we|she|he|they) (?:can|could|should|might) make|what (?:else )?(?:am|are) (?:i|we) (?:missing|doing wrong)|"
             r"how (?:do|can|should) i(?! (?:possibly )?have\b)|how (?:high|low|far|close|tall|big) (?:should|do|does|can|must|is)|best way|tips?|tricks?|hacks?|advice|sleep\w*|shoes|footwear|lift|carry|sit|pillow|"
             r"anything (?:i|we|she|he|they) (?:can|could|should) do|"
             r"(?:anything|something|things?|what) (?:\w+ ){0,2}?(?:i|we|she|he|they) (?:can|could|should|might) (?:change|tweak|adjust|do differently)|"
             # the same asked the other way round: "what can I change while I'm working?"
             r"what (?:can|could|should|might) (?:i|we|she|he|they) (?:change|tweak|adjust|do differently)|"
             r"rest(?:ing)?(?! of)|stop\w*|give up|pack (?:it |all of it |\w+ )?in|carry on|keep (?:going|running|doing|training)|"
             r"^(?:and )?(?:what|how) about|"
             r"still (?:go|run|play|work|train|exercise|do))\b",
    "exercises": r"\b(?:exercis\w*|stretch\w*|strengthen\w*|workout|routine|moves?|drills?|rehab\w*|"
                 r"how (?:do|should|can) (?:you|i|we|they) (?:actually |even |properly )?do (?:them|it|these|this|that|one))\b",
    "when_to_see": r"\b(?:when (?:should|do) (?:i|she|he|they|we) (?:see|book|get|go)|who (?:should|do|can|could|would) (?:i|she|he|they|we) (?:see|talk to|speak to|go to|ask)|(?:give|leave) it (?:a (?:bit|little|while) )?(?:longer|more time)|or (?:just |should i |do i )?book (?:in|an? (?:appointment|appt|assessment|session))|get (?:it|this|that|him|her|myself|them) (?:looked at|checked|seen)|wait (?:it out|and see)|at what (?:point|stage)|see (?:a|someone|somebody|the)|need (?:a|an) (?:physio|x-?ray|scan|gp|doctor)|"
                   r"worth (?:\w+ ){0,2}?(?:seeing|booking|coming|(?:an? )?(?:appointment|appt|session|visit))|when(?:'s| is) the (?:point|time) (?:i|we|he|she|they) (?:should|need to|ought to)|seeing (?:a|someone|somebody|the|anyone|anybody)|x-?ray|scan|mri|referr\w*|a&e|"
                   # "the GP says I've got tennis elbow?? How?" tells what the GP said: it does not ask when to see one
                   r"gp(?! (?:says|said|thinks|thought|reckons|reckoned|told|tells|diagnosed|mentioned|called it|calls it|put it down)\b))\b",
    "what_is": r"\b(?:what (?:actually |exactly |even |really )?(?:is|are|does) (?:a |an |the )?\w+\b(?! (?:\w+ )?(?:meant|supposed) to\b)|what (?:that|this|it|they|those) (?:actually |exactly |even |really )?(?:is|are)\b|whereabouts|what do you mean|what's|meaning|(?<!this )(?<!that )(?<!it )mean\b|"
               r"stands? for|short for|where (?:even |exactly |actually )?(?:is|are)\b)",
    # how much pain is acceptable, during exercise or activity: the articles' pain guides answer it
    "pain": _PAIN,
    "rest": _REST,
    # a yes-or-no question, asked or reported ("Caller asks whether ...", "wants to know if she has to ...")
    "yes_no": r"\b(?:a )?(?:good|bad) idea\b(?! (?:to|of|for)\b)|(?:^|[-–;:]\s*)(?:(?:so|and|but|ok|okay|right|well|then|also|oh)\b[,\s]+)?(?:is|are|can|could|do|does|did|should|would|will|has|have|am)\b|(?:^|[-–;:]\s*)(?:ok|okay|alright|safe|fine) to\b|"
              rf",\s*{_COMMA_QUESTION}|"  # after a story, behind a comma
              rf"{_REPORTED}\b",
}
_Q_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _Q.items()}

#: The shape of an answer of each kind, in a sentence or list item.
_CUE = {
    "sessions": r"\bsessions\b|\bnumber of (?:sessions|appointments|treatments|visits)\b",
    "cost": r"£\s?\d|\b\d+ ?(?:pounds|p)\b|\b(?:costs?|price|fee|charged?|free)\b",
    "hours": r"\b\d{1,2}(?::\d\d)? ?(?:am|pm)\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
             r"weekday|weekend|bank holiday|closed|open)\w*\b",
    "duration": r"\b(?:\d+|a few|a couple of|several|one|two|three|four|six|eight|twelve|half an|an)\b[\w\s-]{0,12}?"
                r"\b(?:days?|weeks?|months?|years?|minutes?|hours?|sessions?)\b|\b(?:usually|most people|within|recover\w*|settles?(?! (?:by|within) (?:the )?next (?:day|morning)))\b",
    "serious": r"\b(?:not (?:usually |normally |a sign|harmful|dangerous|serious)|rarely|usually (?:settles|improves|gets better|eases?|ease off|goes? away|calms? down)|one in (?:two|three|four|five|six|ten|\d+)|"
               r"nothing to worry|is common|are common|very common|harmless|normal|does not mean|doesn't mean|not damag\w*|serious|"
               r"better (?:thought of|described|understood|seen) as|(?:does not|doesn't|do not|don't) (?:usually )?involve|"
               r"(?:not|no|rarely|without) (?:\w+ ){0,3}?(?:lasting|permanent|long-term) (?:damage|harm|problems?))\b",
    "cause": r"\b(?:because|causes?(?! (?:pain|aching|an ache|stiffness|symptoms|discomfort|tenderness)\b)|caused|comes? from|happens? when|develops?|due to|linked (?:to|with)|triggered by|"
             r"result of|load|overload\w*|weak\w*|irritat\w*|compress\w*|tight\w*|stiffen\w*|factors?|triggers?|risk|more likely|"
             r"encourag\w*|leads? to|add to|(?:puts?|putting) (?:extra )?(?:strain|stress|pressure)|changes? (?:how|the way)|"
             r"contribut\w*|plays? a part)\b",
    "helps": r"\b(?:helps?|helpful|try|can ease|ease|relieve|keep|avoid|use|choose|place|put|staying active|reduce|improve|"
             r"take (?:regular |short |frequent )?breaks?|adjust|break up|spread|support your|swap|switch)\b",
    "exercises": r"\b(?:exercis\w*|stretch\w*|strengthen\w*|bridges?|clams?\w*|raises?|squats?|lunges?|curls?|holds?|"
                 r"repeat|times|reps|slides?|rolls?|tucks?|twists?|sliders?|planks?|balance)\b",
    "when_to_see": r"\b(?:(?:see|speak to|talk to) (?:a|your) (?:physio\w*|gp|doctor)|book|assessment|x-?ray|scan|urgent\w*|a&e|999|111|"
                   r"has not improved|not improv\w*|seek)\b|"
                   # "see a physio if your pain ...", not any condition ("use ice if it helps", "especially if you keep moving")
                   r"^(?=.*\b(?:physio\w*|gp|doctor|assess\w*|book\w*|seen|checked|help)\b).*\bif (?:it|your|you|the)\b",
    "what_is": r"\b(?:is an?|is the|are the|refers to|means|is (?:pain|irritation|inflammation|a condition))\b",
    "pain": r"\b(?:out of 10|pain guide|acceptable|settles? (?:by|within|back)|(?:mild|some|a little|small amount of) discomfort|usually fine)\b",
    "rest": r"\b(?:complete(?:ly)? rest|rest(?:ing)? completely|(?:long )?spells of rest|than rest(?:ing)?|rest alone|bed rest|"
            r"stopping everything|without stopping|(?:keep|keeping|stay|staying) (?:gently )?active)\b",
    "yes_no": r"^(?:yes|no|avoid|do not|don't|never)\b|\b(?:not recommended|is (?:fine|safe|ok|okay|acceptable)|no need to|need not)\b|\b(?:(?:often|usually|can|may|might|tends? to) make|makes) (?:\w+ ){0,3}?worse\b|\b(?:you (?:do not|don't|can|can't|cannot|should|should not)|not (?:usually|needed|necessary))\b",
}
_CUE_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _CUE.items()}

_HEADING = {
    "sessions": r"\b(?:sessions|cost|how many)\b",
    "cost": r"\b(?:cost|price|fee|charges?|pay|insurance)\b",
    "hours": r"\b(?:opening|hours|open)\b",
    "duration": r"\b(?:how long|how often|how frequently|recover\w*|outlook|return\w*|get(?:ting)? back|timescale|prognosis)\b",
    "serious": r"\b(?:serious|worry|worried|normal|damage|harm|safe)\b",
    "cause": r"\b(?:why|causes?|what causes|happen\w*)\b",
    "helps": r"\b(?:help\w*|treat\w*|what (?:can|should) you do|self|manag\w*|tips|advice|ease|set up|setting up|set-up)\b",
    "exercises": r"\b(?:exercis\w*|stretch\w*|strengthen\w*|to try)\b",
    "when_to_see": r"\b(?:when|seek|see a|book|urgent|x-?ray|scan|physio\w* help)\b",
    "what_is": r"\b(?:what is|what are|about)\b",
    "pain": r"\bpain (?:during|guide)\b",
    "rest": r"\b(?:help\w*|treat\w*|manag\w*|active)\b",
    "yes_no": r"^$",
}
_HEADING_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _HEADING.items()}

#: Sections about warning signs: quoted for "is it serious?" and "when should I see someone?", not otherwise.
WARNING_SECTION = re.compile(r"\b(?:urgent\w*|seek\w* (?:medical )?help|warning|red flags?|a&e|999|emergency|see a gp|doctor)\b", re.IGNORECASE)


#: Question phrases that say outright what is asked: "how long ... if I do the exercises?" asks how long.
#: "how long should I leave it / wait / give it / put up with it before ...?" asks when to see someone, not how long
#: getting better takes ("how long do I leave the ice on?" is how long)
_PUT_OFF = r"(?:should|do|can|must) (?:i|we|he|she|they) (?:leave(?! (?:it|them|that|this|the \w+|a \w+) on\b)|wait|give|put up|keep putting|carry on before)"
_ASKED = {
    "sessions": _SESSIONS,
    "pain": _PAIN,
    "rest": _REST,
    "duration": r"\bstuck with (?:it|this|that|them)\b|\b(?:to take|taking|takes) (?:this|so) long\b|\b(?:days|weeks|months) or (?:days|weeks|months|years)\b|\blasts? (?:ages|forever|for ever|for months|for years)\b|"
                r"\bhow long\b(?! " + _PUT_OFF + r")|\bhow (?:often|frequently)\b|\bhow many (?:weeks|months|days|times (?:a|per|each) (?:day|week))\b|\bwhen (?:will|can|should) (?:i|it|he|she|they) "
                r"(?:be (?:better|back|fit|ok|okay|right)|get better|heal|settle|play|run|go back|return)\b|"
                # "is this a few days job or am i looking at ages?", "when should he expect to notice a difference?"
                r"\b(?:a |an )?(?:few |couple of |one |two |three |\d+ )?(?:days?|weeks?|months?)(?:'s)? job\b|\ba long (?:job|one|process|road)\b|\blooking at (?:ages|weeks|months|years|a while|a long time)\b|"
                r"\b(?:months|weeks|years) and (?:months|weeks|years)\b|"
                # "is this gonna clear up soon?"; "if I'm good with my exercises will it clear up quickly or is this a slow
                # one?" asks how long
                r"\b(?:clear|settle|calm|ease|sort|die|wear)\w* (?:up |down |off |away |itself out )?(?:soon|quickly|any ?time soon)\b|\ba slow one\b|\btime ?scales?\b|"
                r"\b(?:when|how soon|how long (?:before|till|until)|expect to) (?:\w+ ){0,4}?(?:notice|see|feel) (?:a |any )?(?:\w+ )?(?:difference|improvement|results?|benefit)\b",
    "cost": r"\bwhat (?:would|will|does|did) (?:that|it|this) set (?:us|me|you|him|her|them) back\b|\bhow much (?:is|does|do|will|would|are|for|to)\b(?! too much\b)(?! (?:\w+ ){0,6}?(?:hurt|ache|aching|pain|sore)\b)|\bwhat (?:do|does|will) (?:you|it) (?:charge|cost)\b",
    "cause": r"\bwhy (?:do|does|is|am|are|did|would|has|have|can|does|isn'?t|doesn'?t|won'?t|hasn'?t|haven'?t|is not|does not|will not|has not)\b|\bhow (?:come|did i get|have i got|can i have)\b|"
             # a bare "How??" after what someone was told ("the GP says I've got tennis elbow?? How?")
             r"(?:^|[.?!]\s)how(?: so| exactly| though| then)?\s*\?+\s*$|"
             # "could the job have brought it on?", "what on earth did that?": a yes or no about a cause asks the cause
             r"\b(?:could|can|might|would|did|does|has|have) (?:\w+ ){0,4}?(?:brought (?:it|this|that|them) on|brought on|caused|triggered|set (?:it|this|that|them) off)\b|"
             r"\bwhat (?:on earth |the heck |else )?(?:did|caused|has done|'s done|would do|could do) (?:that|this|it)\b|"
             r"\b(?:could|can|might|would) (?:the |my |a |all (?:the |that |this )?|that |this )?(?:\w+ ){1,3}?be (?:what(?:'s| is)? )?(?:doing|causing|behind|triggering) (?:it|this|that|them)\b|"
             # "what is it about the laptop that does it?", "what about the set up is doing it?"
             r"\bwhat (?:is it |(?:'s|s) it |is there )?about (?:\w+ ){1,4}?(?:that|which|is|that's|thats) (?:does|did|causes|caused|makes|sets|brings|triggers|gives|doing|causing) (?:it|this|that|them|me|my)\b|"
             # "was it their rubbish pillows??": a cause named and asked about ("is it just your bum?" asks what they are)
             r"\bwas it (?:just |really |actually |all )?(?:the|their|my|his|her|your|our|those|these|that) (?!(?:same|best|right|wrong|worst|only|one|ones|kind|type|difference|normal|usual|end)\b)(?:\w+ ){0,2}?\w+\W*$",
    "when_to_see": r"\bwhen (?:should|do|must|would|shall) (?:i|we|he|she|they) (?:\w+ ){0,2}?(?:bother|trouble|contact|call|ring|phone) (?:a|the|my|you|someone|somebody|anyone)\b|\bat what (?:point|stage)\b|\b(?:now|yet|straight away|today) or (?:\w+ )?(?:wait|hold off|leave it)\b|\bhold off (?:a |for a |for )?(?:bit|while|little|few)\b|\b(?:time to come in|wait (?:a (?:bit|little|while) )?longer)\b|\bwhen (?:is|would) it (?:be )?worth\b|\b(?:give|leave) it (?:a (?:bit|little|while) )?(?:longer|more time)\b|\bor (?:just |should i |do i )?book (?:in|an? (?:appointment|appt|assessment|session))\b|\bput up with\b|\b(?:get|have) (?:it|this|that|him|her|them) (?:looked at|checked|seen)\b|\bwait (?:it out|and see)\b|\bwhen (?:should|do|must) (?:i|we|he|she|they) (?:\w+ ){1,3}?(?:book|come in|see (?:a|someone|somebody|you)|get (?:it )?(?:checked|seen|looked at))\b|\bhow long " + _PUT_OFF + r"\b|\bwhen (?:should|do) (?:i|she|he|they|we) (?:see|book|get (?:it )?(?:checked|seen)|go to)\b|"
                   r"\b(?:should|do) (?:i|she|he|they) (?:need to )?(?:see|be seeing) (?:a|someone|somebody|anyone|a doctor|a physio|the gp)\b",
    # "should I be worried I've hurt it again?" asks whether it is serious, not for a yes or no
    "serious": r"\b(?:should|do|need) (?:i|we|he|she|they) (?:\w+ )?(?:be )?(?:worried|concerned)\b|\bis (?:it|that|this) (?:something )?(?:to worry about|serious)\b|"
               r"\b(?:have|has|did) (?:i|he|she|they|we) (?:\w+ )?(?:hurt|injured|done|damaged) (?:it|myself|himself|herself|my \w+|his \w+|her \w+) again\b|"
               # "am i making a fuss or is something actually wrong?"
               r"\b(?:making|make|made) a fuss\b|\bover-?react\w*\b|\b(?:is|be) (?:there )?something (?:actually |really |properly |seriously )?wrong\b",
    "hours": r"\bwhat time\b|\bopening hours\b|\bare you open\b|\bwhen are you open\b|\bopen (?:on|at|until|till)\b",
    # "her GP letter says 'subacromial pain' and she wants to know what that means" asks what it is, not when to see one
    "what_is": r"\bwhat (?:that|this|it|they|those|these|the \w+) (?:actually |even |really |exactly )?(?:means?|meant|stands? for)\b|"
               r"\bwhat (?:does|do|did) (?:\w+ ){1,4}?(?:mean|stand for)\b|\bmeaning of\b|\bin plain english\b",
}
_ASKED_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _ASKED.items()}


#: A clause that opens like a question.
_QUESTION_START = re.compile(r"^(?:how|what|why|when|where|which|who|is|are|can|could|should|do|does|will|would)\b", re.IGNORECASE)
#: A sentence that asks without a question mark: a caller's question passed on ("... wants to know how long ..."),
#: or one that opens like a question.
_ASKS = re.compile(r"\b(?:wants? to know|wanted to know|would like to know|asks?|asking|asked|wonder\w*|checking)\b|"
                   + _QUESTION_START.pattern, re.IGNORECASE)


#: Where a clause ends inside a sentence: a dash between spaces ("glutes keep coming up at my pilates class - is it
#: just one big muscle?" asks about the muscle, not about pilates), or a comma before a question ("the insurance
#: bloke asked if I'd had an x-ray, should I be getting one?" asks whether to get one).
_CLAUSE_END = re.compile(rf"\s+[-–—]+\s+|,\s*(?={_COMMA_QUESTION})", re.IGNORECASE)


def _clauses(text: str) -> list[str]:
    return [c for s in split_sentences(text) for c in _CLAUSE_END.split(s) if c]


def asking_part(question: str) -> str:
    """The sentences that ask (ending with "?", else one that asks without it), or the last sentence: "When I do
    my exercises it aches. Should I stop?" asks whether to stop, not for exercises; "Caller ... wants to know how
    long before she sees an improvement. She's three weeks into her exercises." asks how long."""
    sentences, asking = [], []
    for sentence in split_sentences(" ".join(question.split())):
        clauses = _clauses(sentence)
        sentences += clauses
        if sentence.endswith("?"):
            # "does that mean it's getting worse, should I go to A&E??" asks both; "the insurance bloke asked if I'd
            # had an x-ray, should I be getting one?" asks only the second
            asking += [c for c in clauses if c.endswith("?") or _QUESTION_START.match(c)]
    asking = asking or [s for s in sentences if _ASKS.search(s)]
    return " ".join(asking or sentences[-1:])


#: Words that open a further question without changing it ("and why ...", "but is it ...").
_OPENING = re.compile(r"^(?:and|but|so|also|plus|oh|ok|okay)\b[,\s]*", re.IGNORECASE)


def each_asked(question: str) -> tuple[str, ...]:
    """What each of a message's questions asks first, in order, without repeats and without a bare yes or no: "what
    actually is that? and why is my leg tingling" asks what it is and why."""
    found: list[str] = []
    asking = [s for s in _clauses(" ".join(question.split())) if s.endswith("?") or _ASKS.search(_OPENING.sub("", s))]
    for sentence in asking if len(asking) > 1 else ():
        first = [k for k in intents(sentence) if k != "yes_no"][:1]
        if first and first[0] not in found:
            found.append(first[0])
    return tuple(found)


def asks(text: str) -> bool:
    """Whether a message asks anything (a question mark, or a sentence that asks without one), rather than tells."""
    return any(s.endswith("?") or _ASKS.search(s) for s in split_sentences(" ".join(text.split())))


#: Who or what was seen, named in a story ("the GP said", "the scan showed").
_SEEING = re.compile(r"\b(?:x-?rays?|scans?|mri|referr\w*|a&e|gp)\b", re.IGNORECASE)

#: A phrase written as one word ("a see-a-physio thing", "a wait-and-see job"): read as the phrase it is.
_PHRASE_CHAIN = re.compile(r"\b\w+(?:-\w+){2,}\b")


@lru_cache(maxsize=512)
def intents(question: str) -> tuple[str, ...]:
    """The kinds of answer the question asks for, most specific first (may be empty): what its asking
    sentences ask for comes first, then what the rest of the message adds."""
    q = _PHRASE_CHAIN.sub(lambda m: m.group(0).replace("-", " "), " ".join(question.split()))
    ask = asking_part(q)
    first = _intents(ask) if ask != q else ()
    # the story's "the GP said it's arthritis" or "the scan showed a small tear" tells what happened: only the
    # sentences that ask make it a question of when to see someone
    story = _SEEING.sub("", q)
    told = ("when_to_see",) if ask != q and story != q and not _Q_RE["when_to_see"].search(story) else ()
    return (*first, *(k for k in _intents(q) if k not in first and k not in told))


#: Questions that ask for a judgement, first in the sentence or passed on with nothing asked outright.
_JUDGEMENT = re.compile(r"(?:^|[-–;:]\s*)(?:should|can|could|is it (?:ok|okay|safe|alright|normal)|(?:ok|okay|alright|safe|fine) to|"
                        r"do i need|will)\b", re.IGNORECASE)
_REPORTED_JUDGEMENT = re.compile(_REPORTED + r" (?:\w+ )?(?:has|have|needs?|should|can|is|are)\b", re.IGNORECASE)


def _intents(q: str) -> tuple[str, ...]:
    found = [k for k, pattern in _Q_RE.items() if pattern.search(q)]
    order = ["sessions", "cost", "hours", "pain", "rest", "exercises", "duration", "when_to_see", "serious", "cause", "what_is", "helps", "yes_no"]
    # "should I do the ITB stretch?" asks for a judgement, not for exercises; so does a caller's question passed on
    # ("Caller wants to know if she has to get a letter from her GP"), when nothing else is asked outright
    if "yes_no" in found and (("?" not in q and _REPORTED_JUDGEMENT.search(q)) or _JUDGEMENT.search(q)):
        order.remove("yes_no")
        order.insert(0, "yes_no")
    asked = [k for k, pattern in _ASKED_RE.items() if pattern.search(q)]
    order = [*asked, *(k for k in order if k not in asked)]
    return tuple(k for k in order if k in found or k in asked)


def unit_cue(intent: str, text: str) -> bool:
    return bool(_CUE_RE[intent].search(text))


def heading_cue(intent: str, heading: str) -> bool:
    return bool(_HEADING_RE[intent].search(heading))


#: A span of recovery: "improvement usually takes weeks to a few months", "may settle in a couple of weeks".
_RECOVERY_SPAN = re.compile(
    r"\b(?:takes?|taking|settles?|settling|improv\w*|heal\w*|recover\w*|better|lasts?|goes on)\b\W+(?:[\w'-]+\W+){0,5}?"
    r"(?:days|weeks|months|years)\b|\b(?:days|weeks|months|years)\b\W+(?:[\w'-]+\W+){0,3}?to (?:settle|heal|recover|improve|build|get better)\b",
    re.IGNORECASE)
#: "How long" about something done now (hold a stretch, ice it, sit, wear a support), not about getting better.
_NOT_RECOVERY = re.compile(r"\b(?:hold\w*|ice|icing|heat|often|frequently|sit|sitting|stand|standing|wear\w*|minutes?|seconds?|"
                           r"times|reps|sets|each|per|every|rest|resting|wait\w*|put up|leave|stay (?:up|on)|how many goes|loosen\w*|ease off|first thing|"
                           r"keep (?:it|them|that|this|the \w+) on|peas|(?:cold|heat|ice|gel) packs?|hot water bottle)\b", re.IGNORECASE)


def asks_recovery(question: str) -> bool:
    """How long until it is better ("how long is this meant to take?"), not how long to hold, ice or sit."""
    ask = asking_part(question)
    return bool(_ASKED_RE["duration"].search(ask) or "duration" in intents(question)[:1]) and not _NOT_RECOVERY.search(ask)


def recovery_span(text: str) -> bool:
    return bool(_RECOVERY_SPAN.search(text))


_MEASURE = re.compile(r"\bhow (?:much|many|often|hard|far|long|heavy)\b", re.IGNORECASE)


def asks_measure(question: str) -> bool:
    """A question after a measure (how much pain, how many times, how hard): about the exercises, not for them."""
    return bool(_MEASURE.search(question))
