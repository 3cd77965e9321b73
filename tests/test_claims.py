"""checks.claims: sentence splitting with exact offsets, boilerplate, and claim features."""

from __future__ import annotations

import pytest

from checks.claims import clean_text, entities, features, is_boilerplate, split_claims
from checks.models import Bound, Quantity


def _only_quantity(sentence: str) -> Quantity:
    qs = features(sentence).quantities
    assert len(qs) == 1, f"expected one figure in {sentence!r}, got {qs}"
    return qs[0]


# --------------------------------------------------------------------------- splitting

ARTICLE = "\n".join(
    [
        "Border Talks Resume After Long Pause",
        "By Jane Doe",
        "March 11, 2025 — The government will send 10,000 troops to the northern border next "
        "year, officials said.",
        "Soldiers march during a parade in the capital, Kim Lee, Agency via AP",
        "© 2025 Example News. All rights reserved.",
        "Sign in to read the full story and get our daily newsletter.",
        "The defence minister said the deployment would cost $5 billion over three years. "
        "Critics rejected the plan as far too costly for taxpayers.",
        "Photo: John Roe/Getty Images",
        "Is this really the end of the long conflict in the region?",
        "The opposition leader did not reject the proposal outright, but asked for more detail "
        "on the cost.",
        "",
    ]
)


def test_every_claim_is_an_exact_slice_of_the_article() -> None:
    claims = split_claims(ARTICLE)
    assert claims, "the article has check-worthy sentences"
    for c in claims:
        assert ARTICLE[c.start : c.end] == c.text


def test_claims_keep_article_order_and_positions() -> None:
    claims = split_claims(ARTICLE)
    assert [c.position for c in claims] == list(range(len(claims)))
    assert [c.start for c in claims] == sorted(c.start for c in claims)


def test_two_sentences_on_one_line_become_two_claims() -> None:
    texts = [c.text for c in split_claims(ARTICLE)]
    assert (
        "The defence minister said the deployment would cost $5 billion over three years." in texts
    )
    assert "Critics rejected the plan as far too costly for taxpayers." in texts


def test_dateline_is_left_out_of_the_quote_but_offsets_stay_exact() -> None:
    first = split_claims(ARTICLE)[0]
    assert first.text.startswith("The government will send 10,000 troops")
    assert ARTICLE[first.start : first.end] == first.text


@pytest.mark.parametrize(
    "text",
    [
        "Title\r\nThe council approved the new budget for schools on Monday.\r\n"
        "The mayor vetoed the new budget for schools on Tuesday.\r\n",
        "\t  The council approved the new budget (worth $5m) for schools [sic].   "
        "The mayor vetoed the new budget for the city's schools.",
        "Le conseil a approuvé — café 😀 the council approved the new budget for schools. "
        "The mayor vetoed the new budget for schools 😀 today.",
        "The council approved the new budget for schools. "
        "The council approved the new budget for schools. "
        "Then the mayor vetoed the new budget for schools.",
        "Dr. Smith said the U.S. economy grew 3.2% in the first quarter of 2024. "
        "The council approved the new budget for schools.",
    ],
    ids=[
        "crlf",
        "whitespace-and-brackets",
        "unicode-and-emoji",
        "repeated-sentence",
        "abbreviations",
    ],
)
def test_offsets_are_exact_for_awkward_text(text: str) -> None:
    claims = split_claims(text)
    assert len(claims) >= 2
    for c in claims:
        assert text[c.start : c.end] == c.text


def test_repeated_sentence_gets_its_own_offsets() -> None:
    text = (
        "The council approved the new budget for schools. "
        "The council approved the new budget for schools."
    )
    first, second = split_claims(text)
    assert first.start == 0
    assert second.start == text.index("The council", 1)


def test_abbreviations_do_not_split_a_sentence() -> None:
    text = "Dr. Smith said the U.S. economy grew 3.2% in the first quarter of the year."
    (claim,) = split_claims(text)
    assert claim.text == text


def test_questions_headings_and_short_fragments_are_not_claims() -> None:
    texts = [c.text for c in split_claims(ARTICLE)]
    assert not any(t.endswith("?") for t in texts)
    assert not any("Border Talks Resume" in t for t in texts)
    assert split_claims("Troops arrived.") == []


@pytest.mark.parametrize(
    "fragment",
    ["Jane Doe", "© 2025", "All rights reserved", "Sign in", "newsletter", "Getty", "via AP"],
)
def test_boilerplate_never_becomes_a_claim(fragment: str) -> None:
    assert not any(fragment in c.text for c in split_claims(ARTICLE))


@pytest.mark.parametrize(
    "line",
    [
        "© 2025 Example News Ltd. All rights reserved.",
        "Copyright 2024 The Example Times, all material belongs to its owners.",
        "By using this site you agree to our Terms of Use and Privacy Policy.",
        "Sign in to continue reading this premium article from our newsroom.",
        "Already a subscriber? Log in to read the rest of this story today.",
        "Soldiers march during a parade in the capital, Kim Lee, Agency via AP",
        "Jane Roe, Agency via AP",
        "A man walks past a damaged building in the city centre. (Reuters Photo)",
        "Photo: John Roe/Getty Images",
        "By Jane Doe",
        "By Jane Doe and John Roe, Example News",
        "Reporting by Jane Doe; editing by John Roe",
    ],
)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "The minister said talks would resume in the capital next week.",
        "The photograph was taken by a soldier near the front line.",
        "Subscribers to the theory say the moon landing was staged in a studio.",
    ],
)
def test_ordinary_sentences_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


@pytest.mark.parametrize(
    "sentence",
    [
        "By the end of the year the army will have 10,000 more soldiers, the minister said.",
        "By contrast, the opposition wants to cut the army to 50,000 soldiers.",
        "By March, the army will have moved 10,000 soldiers to the northern border.",
    ],
)
def test_sentence_starting_with_by_is_a_claim_not_a_byline(sentence: str) -> None:
    assert [c.text for c in split_claims(sentence)] == [sentence]


def test_caption_with_full_stop_is_still_dropped() -> None:
    text = (
        "Ukrainian soldiers ride an armoured vehicle near the front line in the east on Tuesday. "
        "Jane Roe, Agency via AP\n"
        "The army said the soldiers had pushed the enemy back several miles on Tuesday."
    )
    texts = [c.text for c in split_claims(text)]
    assert texts == [
        "The army said the soldiers had pushed the enemy back several miles on Tuesday."
    ]


# --------------------------------------------------------------------------- cleaning


def test_clean_text_drops_zero_width_and_control_characters() -> None:
    dirty = "Hel\u200blo\u00ad wo\u200drld\x00 and\x07 more\ufeff\u2060 text\x1b."
    cleaned = clean_text(dirty)
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\x07\x1b":
        assert ch not in cleaned
    assert cleaned.startswith("Hello world")  # zero-width characters leave no gap


def test_clean_text_keeps_line_breaks_and_normalises_crlf() -> None:
    assert clean_text("one\r\ntwo\rthree\nfour") == "one\ntwo\nthree\nfour"


def test_clean_text_normalises_compatibility_characters() -> None:
    assert clean_text("ﬁve ＡＢＣ") == "five ABC"


# --------------------------------------------------------------------------- quantities


def test_figure_with_counted_thing() -> None:
    q = _only_quantity("The government will send 10,000 troops to the border next year.")
    assert (q.value, q.unit, q.bound) == (10_000, "troop", Bound.EXACT)


def test_hyphenated_measure_takes_the_measure_as_unit() -> None:
    qs = features("Both nations share a 670-mile border along the river.").quantities
    mile = [q for q in qs if q.value == 670]
    assert mile and mile[0].unit == "mile"


def test_decimal_million_with_hyphen() -> None:
    q = _only_quantity("Officials said 1.2-million troops were mobilised for the exercise.")
    assert q.value == 1_200_000
    assert q.unit == "troop"


def test_spelled_out_number_with_scale() -> None:
    q = _only_quantity("The army sent ten thousand troops to the front.")
    assert (q.value, q.unit) == (10_000, "troop")


def test_at_most_bound_and_men_counted_as_troops() -> None:
    q = _only_quantity("The ministry would deploy at most 30,000 men to the region.")
    assert q.bound is Bound.AT_MOST
    assert q.unit == "troop"
    assert q.value == 30_000
    assert (q.low, q.high) == (0, 30_000)


@pytest.mark.parametrize(
    ("sentence", "bound"),
    [
        ("The army lost more than 5,000 soldiers in the first month.", Bound.AT_LEAST),
        ("Up to 5,000 people attended the rally, organisers said.", Bound.AT_MOST),
        ("Fewer than 200 soldiers remain at the base this winter.", Bound.AT_MOST),
        ("About 2.5 million people fled the country last year.", Bound.ABOUT),
    ],
)
def test_bound_words(sentence: str, bound: Bound) -> None:
    assert _only_quantity(sentence).bound is bound


def test_at_least_is_open_above() -> None:
    q = _only_quantity("The army lost more than 5,000 soldiers in the first month.")
    assert q.low == 5_000 and q.high == float("inf")


def test_ratio_gives_two_figures_with_their_own_units() -> None:
    qs = features("The losses ran at 50 North Koreans to six Russians in the battle.").quantities
    by_value = {q.value: q for q in qs}
    assert set(by_value) == {50, 6}
    assert by_value[6].unit == "russian"
    assert by_value[50].unit is not None and by_value[50].unit.endswith("korean")


def test_several_thousand_is_vague_with_a_range() -> None:
    q = _only_quantity("Several thousand protesters gathered in the capital city.")
    assert q.bound is Bound.VAGUE
    assert q.unit == "protester"
    assert 1_000 <= q.low < q.high <= 10_000


def test_dollars_with_scale_word() -> None:
    q = _only_quantity("The fund will spend $5 billion on new schools across the country.")
    assert (q.value, q.unit) == (5e9, "usd")


def test_pounds_with_scale_word() -> None:
    q = _only_quantity("The fund will spend £3 billion on new schools across the country.")
    assert (q.value, q.unit) == (3e9, "gbp")


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("The fund will spend $5bn on new schools across the country.", 5e9, "usd"),
        ("The fund will spend £3bn on new schools across the country.", 3e9, "gbp"),
        ("The fund will spend $500m on new schools across the country.", 5e8, "usd"),
    ],
)
def test_money_with_compact_scale_suffix(sentence: str, value: float, unit: str) -> None:
    q = _only_quantity(sentence)
    assert (q.value, q.unit) == (value, unit)


def test_metres_are_not_millions() -> None:
    q = _only_quantity("The wall along the river is 5 m high in most places.")
    assert q.value == 5


@pytest.mark.parametrize(
    "sentence",
    [
        "Prices at the pump rose by 30% over the last quarter alone.",
        "Prices at the pump rose by 30 per cent over the last quarter alone.",
        "Prices at the pump rose by 30 percent over the last quarter alone.",
    ],
)
def test_percentages(sentence: str) -> None:
    q = _only_quantity(sentence)
    assert (q.value, q.unit) == (30, "percent")


def test_bare_year_is_a_date_not_a_figure() -> None:
    f = features("The treaty was signed in 1998 by both governments in the capital.")
    assert f.quantities == ()
    assert [d.year for d in f.dates] == [1998]


@pytest.mark.parametrize(
    ("sentence", "year"),
    [
        ("Coastal waters will rise by 40 cm by 2100, the survey warns.", 2100),
        ("By 2150 the glacier will be gone, the climate panel said.", 2150),
    ],
)
def test_a_year_after_the_end_of_this_century_is_a_date_after_a_preposition(
    sentence: str, year: int
) -> None:
    f = features(sentence)
    assert [d.year for d in f.dates] == [year]
    assert all(q.value != year for q in f.quantities)


def test_a_four_digit_count_after_by_stays_a_figure() -> None:
    q = _only_quantity("Output fell by 2150 tonnes over the winter.")
    assert (q.value, q.unit) == (2150, "ton")


def test_number_with_thousands_separator_is_not_a_year() -> None:
    q = _only_quantity("The army deployed 2,024 troops to the region.")
    assert q.value == 2_024


def test_pronoun_one_is_not_a_figure() -> None:
    assert features("One of the ministers said the plan would fail badly.").quantities == ()


# --------------------------------------------------------------------------- dates


def test_month_alone() -> None:
    (d,) = features("The summit will take place in August in the northern city.").dates
    assert (d.month, d.day, d.year) == (8, None, None)


def test_full_date_is_one_date_and_no_figure() -> None:
    f = features("The agreement was signed on March 10, 2025 in the capital city.")
    (d,) = f.dates
    assert (d.year, d.month, d.day) == (2025, 3, 10)
    assert f.quantities == ()


def test_day_month_order() -> None:
    (d,) = features("Elections were held on 10 March in the capital city.").dates
    assert (d.month, d.day) == (3, 10)


def test_iso_date() -> None:
    (d,) = features("The ceasefire began on 2025-03-10 along the whole front line.").dates
    assert (d.year, d.month, d.day) == (2025, 3, 10)


def test_lower_case_march_is_not_a_month() -> None:
    assert features("Thousands will march through the city centre tomorrow.").dates == ()


def test_modal_may_is_not_a_month() -> None:
    assert features("Officials may meet again to discuss the plan next week.").dates == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "The summit will be held in May in the capital city.",
        "The summit was held on May 5 in the capital city.",
        "The summit was held in May 2025 in the capital city.",
    ],
)
def test_may_is_a_month(sentence: str) -> None:
    (d,) = features(sentence).dates
    assert d.month == 5


def test_the_name_may_is_not_a_month() -> None:
    assert features("Theresa May said the plan to build the bridge was sound.").dates == ()


def test_day_of_may_is_a_date_not_a_figure() -> None:
    f = features("The vote was held on 10 May in the capital city.")
    assert f.quantities == ()
    assert [(d.month, d.day) for d in f.dates] == [(5, 10)]


# --------------------------------------------------------------------------- polarity


@pytest.mark.parametrize(
    ("sentence", "sign"),
    [
        ("The prime minister rejects the plan to send troops abroad.", -1),
        ("The chancellor rules out sending peacekeepers to the region.", -1),
        ("The chancellor ruled out sending peacekeepers to the region.", -1),
        ("The foreign minister welcomed the plan to send peacekeepers.", 1),
        ("The foreign minister did not reject the plan to send peacekeepers.", 1),
        ("The foreign minister never welcomed the plan to send peacekeepers.", -1),
        ("The committee approved the new budget for the city schools.", 1),
        ("The committee postponed the vote on the budget until later.", 0),
    ],
)
def test_polarity(sentence: str, sign: int) -> None:
    assert features(sentence).polarity == sign


def test_polar_word_is_reported() -> None:
    assert features("The chancellor rules out sending peacekeepers.").polar_word == "rules out"
    assert features("The minister did not reject the plan to send troops.").polar_word == (
        "not reject"
    )


def test_supporters_is_not_a_stance_word() -> None:
    assert features("The party's supporters gathered outside parliament on Friday.").polarity == 0


def test_negation_flag() -> None:
    assert features("The government will not send any troops to the region this year.").negated
    assert features("The government won't send any troops to the region this year.").negated
    assert not features("The government will send troops to the region this year.").negated


def test_the_opposition_is_not_a_stance_word() -> None:
    f = features("The opposition leader welcomed the plan to send troops to the region.")
    assert (f.polarity, f.polar_word) == (1, "welcomed")


def test_no_doubt_is_not_a_negation_of_the_stance() -> None:
    f = features("There is no doubt the minister welcomed the plan to send peacekeepers.")
    assert f.polarity == 1


# --------------------------------------------------------------------------- speaker


@pytest.mark.parametrize(
    "sentence",
    [
        "Jane Smith said the bridge would be finished by next spring.",
        "The bridge will be finished by next spring, according to Jane Smith.",
        "Mr. Smith said the bridge would be finished by next spring.",
        "The bridge will be finished by next spring, said Jane Smith, a spokeswoman.",
        "Jane Smith, the transport secretary, said the bridge would be finished by spring.",
        "The bridge will be finished by spring, Smith told reporters at the site.",
    ],
)
def test_speaker_is_the_surname(sentence: str) -> None:
    assert features(sentence).speaker == "smith"


def test_title_is_not_part_of_the_speaker() -> None:
    assert features("President Jane Smith said the sanctions would stay.").speaker == "smith"


def test_unnamed_officials_are_no_speaker() -> None:
    assert features("Officials said the sanctions would stay in place for now.").speaker is None


def test_country_speaking_is_its_canonical_name() -> None:
    assert features("Britain said it would send 10,000 troops next year.").speaker == (
        "united kingdom"
    )


def test_sentence_initial_according_to_gives_the_speaker() -> None:
    f = features("According to Jane Smith, the bridge will be finished by spring.")
    assert f.speaker == "smith"


def test_weekday_is_never_the_speaker() -> None:
    f = features("The minister, speaking in Paris on Monday, said the sanctions would remain.")
    assert f.speaker != "monday"


# --------------------------------------------------------------------------- entities


@pytest.mark.parametrize(
    "sentence",
    [
        "The UK will send troops to the region next year.",
        "Britain will send troops to the region next year.",
        "British troops will be sent to the region next year.",
        "The United Kingdom will send troops to the region next year.",
    ],
)
def test_aliases_give_one_canonical_entity(sentence: str) -> None:
    assert "united kingdom" in features(sentence).entities


def test_possessive_is_the_same_entity() -> None:
    ents = entities("North Korea's army has sent soldiers to fight alongside Russian forces.")
    assert "north korea" in ents
    assert "russia" in ents


def test_lower_case_us_is_not_the_united_states() -> None:
    assert "united states" not in entities("The plan will cost all of us a great deal of money.")
    assert "united states" in entities("The US will send aid to the region next year.")


def test_entities_are_listed_once() -> None:
    ents = entities("Britain and the UK are the same place, and British is its adjective.")
    assert ents.count("united kingdom") == 1


def test_people_are_named_by_surname() -> None:
    assert "smith" in entities("The bridge was opened by Jane Smith in the morning.")


def test_weekday_is_not_an_entity() -> None:
    assert "monday" not in entities("The UK will send troops to the region on Monday.")


def test_title_context_gives_topic_entities() -> None:
    f = features(
        "The troops crossed the border overnight, officials said.",
        context="Russia moves troops towards Finland",
    )
    assert set(f.topic) == {"russia", "finland"}
    assert set(f.all_entities) >= {"russia", "finland"}
