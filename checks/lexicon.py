"""Word lists the claim features are built from.

These are general-language lexicons (stance verbs, negators, number words, units, country names
and demonyms), not words taken from any particular article. Extend them freely; keep each list
about one idea.
"""

from __future__ import annotations

import re

__all__ = [
    "BOUND_WORDS",
    "ENTITY_ALIASES",
    "HEDGE_CUES",
    "HONORIFICS",
    "MEASURE_UNITS",
    "MONTHS",
    "NEGATIVE_STANCE",
    "NEGATORS",
    "NUMBER_WORDS",
    "POSITIVE_STANCE",
    "PREDICATE_ANTONYMS",
    "PREDICATE_SYNONYMS",
    "REFUTATION_CUES",
    "SCALES",
    "SPEECH_VERBS",
    "STOPWORDS",
    "UNIT_SYNONYMS",
    "VAGUE_AMOUNTS",
    "WEEKDAYS",
    "singular",
]

# English function words: left out of full-text queries and of relevance scores.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "nor",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "us",
        "via",
        "per",
        "s",
        "t",
        "said",
        "says",
        "say",
        "told",
        "tell",
        "according",
        "mr",
        "mrs",
        "ms",
        "dr",
        "whose",
        "upon",
        "amp",
        "rt",
        "http",
        "https",
        "www",
        "com",
        "pic",
        "twitter",
    ]
)

# Words that flip what follows. "n't" is handled by the tokenizer splitting contractions.
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "n't",
        "neither",
        "nor",
        "none",
        "nobody",
        "nothing",
        "nowhere",
        "cannot",
        "without",
    ]
)

# Stance lexicon: verb stems (matched with common endings) and fixed phrases.
POSITIVE_STANCE = (
    "welcom",
    "accept",
    "approv",
    "support",
    "endors",
    "agree",
    "allow",
    "permit",
    "embrac",
    "back",
    "favo",
    "authoriz",
    "authoris",
    "confirm",
    "open to",
    "in favour of",
    "in favor of",
    "sign off on",
    "green light",
    "green-light",
)
NEGATIVE_STANCE = (
    "reject",
    "rule out",
    "rules out",
    "ruled out",
    "ruling out",
    "oppos",
    "refus",
    "deni",
    "deny",
    "ban",
    "block",
    "forbid",
    "forbade",
    "prohibit",
    "condemn",
    "veto",
    "dismiss",
    "turn down",
    "turned down",
    "turns down",
    "cold water",
    "object to",
    "objects to",
    "objected to",
    "decline",
    "declining",
    "scrap",
    "cancel",
    "halt",
    "withdr",
    "refut",
    "disput",
    "debunk",
    "against",
)

SPEECH_VERBS = (
    "said|says|say|told|tells|wrote|writes|stated|states|claimed|claims|announced|announces|"
    "insisted|insists|argued|argues|added|warned|warns|tweeted|posted|declared|declares|"
    "explained|noted|reported|reports|confirmed|confirms|denied|denies|suggested|suggests|"
    "admitted|asserted|maintained|stressed|acknowledged|predicted"
)

HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "president",
        "prime",
        "minister",
        "chancellor",
        "premier",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "general",
        "gen",
        "col",
        "colonel",
        "capt",
        "captain",
        "senator",
        "sen",
        "rep",
        "representative",
        "governor",
        "gov",
        "mayor",
        "secretary",
        "ambassador",
        "judge",
        "justice",
        "leader",
        "chairman",
        "chairwoman",
        "chair",
        "ceo",
        "former",
        "vice",
        "deputy",
        "foreign",
        "defence",
        "defense",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "official",
        "officials",
        "managing",
        "editor",
        "the",
    ]
)

NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}

SCALES: dict[str, float] = {
    "hundred": 1e2,
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}

# Vague amounts: (low, high) multipliers of the scale that follows, or absolute ranges.
VAGUE_AMOUNTS: dict[str, tuple[float, float]] = {
    "several": (2, 9),
    "a few": (2, 5),
    "few": (2, 5),
    "a couple of": (2, 3),
    "many": (5, 99),
    "some": (2, 9),
}
# "dozens of", "hundreds of" ...: absolute ranges.
VAGUE_PLURALS: dict[str, tuple[float, float]] = {
    "dozens": (24, 99),
    "scores": (40, 99),
    "hundreds": (200, 999),
    "thousands": (2_000, 99_999),
    "tens of thousands": (20_000, 99_999),
    "hundreds of thousands": (200_000, 999_999),
    "millions": (2e6, 99e6),
    "billions": (2e9, 99e9),
}

# Prefixes that say how a figure is meant.
BOUND_WORDS: dict[str, str] = {
    "at most": "at_most",
    "up to": "at_most",
    "no more than": "at_most",
    "not more than": "at_most",
    "fewer than": "at_most",
    "less than": "at_most",
    "under": "at_most",
    "as many as": "at_most",
    "a maximum of": "at_most",
    "maximum of": "at_most",
    "at least": "at_least",
    "more than": "at_least",
    "over": "at_least",
    "upwards of": "at_least",
    "no fewer than": "at_least",
    "no less than": "at_least",
    "a minimum of": "at_least",
    "minimum of": "at_least",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "approx": "about",
    "nearly": "about",
    "almost": "about",
    "some": "about",
    "an estimated": "about",
    "estimated": "about",
    "close to": "about",
    "circa": "about",
    "just over": "about",
    "just under": "about",
}

# Measures written glued to a number ("670-mile", "5 km"): the measure is the unit.
MEASURE_UNITS: dict[str, str] = {
    **{
        w: w
        for w in [
            "mile",
            "inch",
            "foot",
            "yard",
            "meter",
            "metre",
            "kilometer",
            "kilometre",
            "centimeter",
            "millimeter",
            "acre",
            "hectare",
            "ton",
            "tonne",
            "pound",
            "kilogram",
            "gram",
            "ounce",
            "gallon",
            "liter",
            "litre",
            "barrel",
            "second",
            "minute",
            "hour",
            "day",
            "week",
            "month",
            "year",
            "decade",
            "century",
            "percent",
            "degree",
            "megawatt",
            "gigawatt",
            "watt",
            "volt",
            "calorie",
        ]
    },
    "km": "kilometer",
    "kilometre": "kilometer",
    "metre": "meter",
    "litre": "liter",
    "kg": "kilogram",
    "lb": "pound",
    "lbs": "pound",
    "mph": "mile",
    "feet": "foot",
    "%": "percent",
    "per cent": "percent",
    "pc": "percent",
    "tonne": "ton",
}

CURRENCY_SYMBOLS: dict[str, str] = {"$": "usd", "£": "gbp", "€": "eur", "¥": "jpy", "₹": "inr"}

# Counted things that mean the same: each maps to one canonical unit.
UNIT_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        [
            "troop",
            "soldier",
            "man",
            "personnel",
            "serviceman",
            "servicemember",
            "servicewoman",
            "peacekeeper",
            "fighter",
            "combatant",
            "marine",
            "infantryman",
        ],
        "troop",
    ),
    **dict.fromkeys(
        ["person", "people", "individual", "resident", "citizen", "inhabitant"], "person"
    ),
    **dict.fromkeys(["death", "fatality", "dead", "killed"], "death"),
    **dict.fromkeys(["dollar", "usd", "buck"], "usd"),
    **dict.fromkeys(["euro", "eur"], "eur"),
    **dict.fromkeys(["pound", "sterling", "gbp"], "gbp"),
    **dict.fromkeys(["child", "kid"], "child"),
    **dict.fromkeys(["vehicle", "car"], "vehicle"),
    **dict.fromkeys(["refugee", "migrant", "asylum-seeker"], "refugee"),
    **dict.fromkeys(["case", "infection"], "case"),
}

WEEKDAYS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
        "tomorrow",
    ]
)

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

# Places and organisations under their common names, abbreviations and demonyms. The key is the
# canonical name; it is what claims are compared and indexed by.
_ALIASES_TEXT = """
united kingdom: uk, u.k., britain, great britain, british, briton, britons, england, english
united states: us, u.s., usa, u.s.a., america, american, americans, united states of america
russia: russian, russians, russian federation, moscow, kremlin
ukraine: ukrainian, ukrainians, kyiv, kiev
north korea: north korean, north koreans, dprk, pyongyang
south korea: south korean, south koreans, seoul, republic of korea
china: chinese, beijing, prc
taiwan: taiwanese, taipei
japan: japanese, tokyo
india: indian, indians, new delhi
pakistan: pakistani, pakistanis
france: french, paris
germany: german, germans, berlin
italy: italian, italians, rome
spain: spanish, spaniard, spaniards, madrid
portugal: portuguese, lisbon
belgium: belgian, belgians, brussels
netherlands: dutch, holland, the netherlands, amsterdam
poland: polish, poles, warsaw
sweden: swedish, swedes, stockholm
norway: norwegian, norwegians, oslo
finland: finnish, finns, helsinki
denmark: danish, danes, copenhagen
ireland: irish, dublin
canada: canadian, canadians, ottawa
australia: australian, australians, canberra
new zealand: new zealander, new zealanders, kiwis
mexico: mexican, mexicans
brazil: brazilian, brazilians
argentina: argentine, argentinian, argentinians
israel: israeli, israelis
palestine: palestinian, palestinians, gaza, west bank
iran: iranian, iranians, tehran
iraq: iraqi, iraqis, baghdad
syria: syrian, syrians, damascus
turkey: turkish, turks, ankara, turkiye
egypt: egyptian, egyptians, cairo
saudi arabia: saudi, saudis, riyadh
afghanistan: afghan, afghans, kabul
belarus: belarusian, belarusians, minsk
hungary: hungarian, hungarians, budapest
romania: romanian, romanians
greece: greek, greeks, athens
switzerland: swiss
austria: austrian, austrians, vienna
nigeria: nigerian, nigerians
south africa: south african, south africans
kenya: kenyan, kenyans
venezuela: venezuelan, venezuelans
cuba: cuban, cubans
vietnam: vietnamese
indonesia: indonesian, indonesians
philippines: filipino, filipinos, philippine
europe: european, europeans
africa: african, africans
asia: asian, asians
nato: north atlantic treaty organization, north atlantic alliance
european union: eu, e.u.
united nations: un, u.n.
world health organization: who
"""

ENTITY_ALIASES: dict[str, str] = {}
for _line in _ALIASES_TEXT.strip().splitlines():
    _canon, _, _rest = _line.partition(":")
    ENTITY_ALIASES[_canon.strip()] = _canon.strip()
    for _alias in _rest.split(","):
        ENTITY_ALIASES[_alias.strip()] = _canon.strip()
# "us" and "who" are also ordinary words: only their capitalised spellings count (see claims.py).
CASE_SENSITIVE_ALIASES = frozenset({"us", "who", "un", "eu"})

_IRREGULAR = {
    "men": "man",
    "women": "woman",
    "people": "person",
    "children": "child",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "dead": "dead",
    "personnel": "personnel",
    "news": "news",
    "series": "series",
    "species": "species",
}
_KEEP_S = re.compile(r"(ss|us|is|ous|ics)$")


def singular(word: str) -> str:
    """A cheap English singular: troops → troop, countries → country, men → man."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if w.endswith("men") and len(w) > 4:
        return w[:-3] + "man"
    if len(w) <= 3 or _KEEP_S.search(w):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "xes", "sses", "zes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


# --------------------------------------------------------------------------- alignment (stance)
# Predicates that say the same thing: each group is one meaning. Lemmas; phrasal verbs with their
# particle ("go up"). Used to align a claim's clause with a source's clause before comparing them.
PREDICATE_SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split(","))
    for group in (
        "increase,rise,grow,climb,soar,surge,jump,go up,double,triple,spike,rocket,swell,mount",
        "decrease,fall,drop,decline,shrink,plunge,plummet,dip,slump,go down,halve,sink,slide",
        "reduce,cut,lower,lessen,diminish,curb,slash,trim,decrease",
        "kill,murder,slay,execute,assassinate",
        "die,perish,pass away,succumb",
        "approve,authorize,authorise,endorse,ratify,sanction,greenlight,pass,adopt",
        "reject,refuse,veto,turn down,rebuff,rule out,dismiss,spurn",
        "support,back,endorse,favour,favor,champion,welcome",
        "oppose,resist,object,condemn,criticize,criticise",
        "ban,prohibit,forbid,outlaw,bar,block",
        "allow,permit,let,enable,authorize,authorise",
        "cause,trigger,produce,induce,provoke,spark",
        "prevent,avert,stop,avoid,block,protect,shield,guard",
        "treat,cure,heal,remedy",
        "send,deploy,dispatch,station,put,commit,post,base",
        "buy,purchase,acquire",
        "sell,auction",
        "start,begin,launch,commence,initiate,open",
        "end,finish,halt,stop,terminate,conclude,close,cease",
        "win,triumph,prevail",
        "lose,forfeit",
        "arrest,detain,apprehend,capture,seize",
        "find,discover,detect,identify,uncover",
        "show,demonstrate,reveal,indicate,prove,confirm,establish",
        "help,aid,assist,benefit",
        "improve,enhance,boost,strengthen,better",
        "worsen,weaken,harm,damage,impair,hurt",
        "spread,transmit,pass,infect",
        "hire,employ,recruit",
        "fire,dismiss,sack,lay off",
        "leave,quit,exit,depart,resign,withdraw",
        "enter,join",
        "attack,strike,hit,bomb,raid,assault",
        "say,state,claim,assert,declare,tell,announce,report",
        "build,construct,erect",
        "destroy,demolish,wreck,ruin",
        "pay,fund,finance",
        "plan,intend,aim,propose",
        "agree,accept,concur",
        "deny,refute,dispute,contradict",
        "admit,acknowledge,concede,confess",
        "contain,include,have,hold,number,total,count,comprise",
        "link,associate,tie,relate,connect,correlate",
        "effective,efficacious,successful,useful",
        "safe,harmless",
        "dangerous,harmful,unsafe,risky,toxic,deadly,lethal",
        "true,correct,accurate,real,genuine",
        "false,untrue,fake,incorrect,wrong,bogus",
        "dead,deceased",
        "alive,living",
        "secret,covert,hidden,private",
        "public,open,official",
    )
)
# Predicates that say the opposite of each other (pairs of members of the groups above, or words).
PREDICATE_ANTONYMS: tuple[tuple[str, str], ...] = tuple(
    tuple(pair.split("/"))  # type: ignore[misc]
    for pair in (
        "increase/decrease",
        "increase/reduce",
        "rise/fall",
        "grow/shrink",
        "approve/reject",
        "accept/reject",
        "support/oppose",
        "allow/ban",
        "confirm/deny",
        "admit/deny",
        "agree/deny",
        "win/lose",
        "gain/lose",
        "live/die",
        "survive/die",
        "alive/dead",
        "open/close",
        "start/end",
        "improve/worsen",
        "help/worsen",
        "hire/fire",
        "include/exclude",
        "cause/prevent",
        "enter/leave",
        "true/false",
        "safe/dangerous",
        "effective/ineffective",
        "public/secret",
        "legal/illegal",
        "rise/reduce",
        "high/low",
        "more/less",
        "raise/cut",
        "build/destroy",
        "sell/buy",
    )
)
# Words by which a source calls a claim untrue: debunks, denials, absence of evidence.
REFUTATION_CUES = (
    "false",
    "falsely",
    "fake",
    "hoax",
    "myth",
    "debunk",
    "debunked",
    "untrue",
    "not true",
    "baseless",
    "unfounded",
    "groundless",
    "fabricated",
    "made up",
    "made-up",
    "bogus",
    "no evidence",
    "no proof",
    "no scientific evidence",
    "not supported",
    "no basis",
    "misleading",
    "misinformation",
    "disinformation",
    "denied",
    "denies",
    "deny",
    "dismissed",
    "refuted",
    "refutes",
    "rejected",
    "satire",
    "satirical",
    "conspiracy theory",
    "doctored",
    "photoshopped",
    "not the case",
    "there is no",
)
# Words by which a source only reports a claim, without vouching for it.
HEDGE_CUES = (
    "reportedly",
    "allegedly",
    "alleged",
    "claims",
    "claimed",
    "claiming",
    "rumour",
    "rumours",
    "rumor",
    "rumors",
    "rumoured",
    "rumored",
    "unconfirmed",
    "unverified",
    "speculation",
    "speculated",
    "according to sources",
    "according to reports",
    "according to a report",
    "according to media",
    "according to unnamed",
    "is said to",
    "are said to",
    "purportedly",
    "supposedly",
    "may",
    "might",
    "could",
    "possibly",
    "perhaps",
    "suggest",
    "suggests",
    "suggested",
    "appears",
    "appear",
    "seems",
    "if true",
    "not yet confirmed",
    "could not be verified",
    "circulating",
    "viral",
)
