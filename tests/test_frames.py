"""Claim frames read from a dependency parse: each failure class of issue 12 with made-up
sentences of the same shape (none taken from an article)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checks import frames as fr
from checks.frames import (
    FRAMES_VERSION,
    ClaimParse,
    Figure,
    Frame,
    Modality,
    ParserUnavailable,
    parse_claim,
    parse_claims,
)


def _frame(parse: ClaimParse, predicate: str) -> Frame:
    found = [f for f in parse.frames if f.predicate == predicate]
    assert found, f"no frame for {predicate!r} in {[f.predicate for f in parse.frames]}"
    return found[0]


def _figure(parse: ClaimParse, value: float) -> Figure:
    found = [f for f in parse.figures if f.value == value]
    assert found, f"no figure {value} in {[f.text for f in parse.figures]}"
    return found[0]


# --------------------------------------------------------------------------- negation scope


@pytest.mark.parametrize(
    ("text", "negated", "plain"),
    [
        # negation of the main verb does not reach a clause hanging off its object
        (
            "The ministers have not yet signed a deal to build the 300-mile pipeline.",
            "sign",
            "build",
        ),
        ("The council did not reject the plan to open 40 new clinics.", "reject", "open"),
        ("Investigators never found the 12 crates that were shipped in April.", "find", "ship"),
        ("Officials have not yet agreed on a plan to guard the 500-km frontier.", "agree", "guard"),
    ],
)
def test_negation_stays_in_its_own_clause(text: str, negated: str, plain: str) -> None:
    parse = parse_claim(text)
    assert _frame(parse, negated).negated
    assert not _frame(parse, plain).negated


def test_a_figure_under_a_negated_verb_keeps_its_own_unnegated_clause() -> None:
    parse = parse_claim("Engineers have not yet approved a scheme to widen the 80-km canal.")
    widen = _frame(parse, "widen")
    assert not widen.negated
    (canal,) = widen.figures
    assert (canal.value, canal.unit, canal.counted) == (80, "kilometer", "canal")


@pytest.mark.parametrize(
    ("text", "predicate", "word"),
    [
        ("No treatment or test has so far been licensed for the virus.", "license", "no"),
        ("So far no cure and no vaccine has been found for the fever.", "find", "no"),
        ("Nobody has claimed the 5 million euro prize.", "claim", "nobody"),
        ("None of the 30 schools has reopened since the storm.", "reopen", "none"),
        ("Nothing was stolen from the museum.", "steal", "nothing"),
    ],
)
def test_no_and_nobody_on_an_argument_negate_the_predicate(
    text: str, predicate: str, word: str
) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated
    assert frame.negation is not None and word in frame.negation


@pytest.mark.parametrize(
    ("text", "predicate", "word"),
    [
        ("The agency failed to publish its annual report.", "publish", "fail to"),
        ("The club refused to pay the fine.", "pay", "refuse to"),
        ("The mayor denied that the city had sold 20 parks.", "sell", "deny"),
        ("There is no proof that the pill cures cancer.", "cure", "no proof"),
        ("There is no evidence that the mast harms birds.", "harm", "no evidence"),
    ],
)
def test_fail_to_deny_that_and_no_evidence_negate_the_inner_verb(
    text: str, predicate: str, word: str
) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated
    assert frame.negation == word


def test_a_negated_failure_is_an_affirmation() -> None:
    pay = _frame(parse_claim("The city did not fail to pay its debts."), "pay")
    assert not pay.negated
    assert pay.negation == "not fail to"


def test_denying_is_reported_and_the_content_is_attributed() -> None:
    parse = parse_claim("The mayor denied that the city had sold 20 parks.")
    deny = _frame(parse, "deny")
    assert deny.reporting and not deny.negated
    assert _frame(parse, "sell").attribution == "mayor"


def test_a_plain_sentence_is_not_negated() -> None:
    parse = parse_claim("The committee approved the new budget on Tuesday.")
    assert not any(f.negated for f in parse.frames)


# --------------------------------------------------------------------------- figures and owners


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        (
            "Lisbon pledged 2,000 troops, while Madrid spoke of several hundred.",
            (2000, "portugal"),
            (550, "spain"),
        ),
        (
            "Rome promised 600 nurses, whereas Athens offered about 250.",
            (600, "italy"),
            (250, "greece"),
        ),
        ("Oslo sent 40 ambulances and Helsinki sent 15.", (40, "norway"), (15, "finland")),
    ],
)
def test_each_figure_belongs_to_its_own_subject(
    text: str, first: tuple[float, str], second: tuple[float, str]
) -> None:
    parse = parse_claim(text)
    a, b = _figure(parse, first[0]), _figure(parse, second[0])
    assert a.owner == first[1]
    assert b.owner == second[1]
    # the second figure counts the same thing, taken from the first
    assert b.counted == a.counted and b.elided and not a.elided


def test_a_vague_amount_is_one_figure_with_a_range() -> None:
    parse = parse_claim("Lisbon pledged 2,000 troops, while Madrid spoke of several hundred.")
    vague = _figure(parse, 550)
    assert vague.text == "several hundred"
    assert (vague.low, vague.high, vague.bound.value) == (200, 900, "vague")
    assert vague.counted == "troop"


def test_a_possessor_owns_the_figure() -> None:
    fig = _figure(parse_claim("Germany's 3,500 engineers finished the bridge."), 3500)
    assert (fig.owner, fig.counted) == ("germany", "engineer")


@pytest.mark.parametrize(
    ("text", "value", "unit", "counted"),
    [
        ("Coal plants produce 3 % of emissions.", 3, "percent", "emission"),
        ("Farming causes 25 % of emissions, a study found.", 25, "percent", "emission"),
        ("Only 12 per cent of the rivers are clean.", 12, "percent", "river"),
        ("The region lost 4,000 hectares of forest.", 4000, "hectare", "forest"),
        ("The bridge is 120 metres long.", 120, "meter", "bridge"),
        ("The bank lent $2bn in aid to farmers.", 2e9, "usd", "aid"),
        ("The island has 9,000 inhabitants.", 9000, None, "person"),
        ("Donors gave 5 million dollars to the hospital.", 5e6, "usd", None),
    ],
)
def test_figures_know_what_they_count(
    text: str, value: float, unit: str | None, counted: str | None
) -> None:
    fig = _figure(parse_claim(text), value)
    assert (fig.unit, fig.counted) == (unit, counted)


def test_shares_of_the_same_thing_have_different_owners() -> None:
    a = _figure(parse_claim("Coal plants produce 3 % of emissions."), 3)
    b = _figure(parse_claim("Farming causes 25 % of emissions."), 25)
    assert a.counted == b.counted == "emission"
    assert a.owner != b.owner


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Support rose to 95–100 % of members.", 95, 100),
        ("Turnout reached 60-70 % in the north.", 60, 70),
        ("Between 40 and 60 people attended the hearing.", 40, 60),
        ("The talks lasted two or three days.", 2, 3),
        ("Shifts in the mine run 10 to 12 hours.", 10, 12),
    ],
)
def test_a_range_is_one_figure(text: str, low: float, high: float) -> None:
    figures = parse_claim(text).figures
    assert len(figures) == 1, [f.text for f in figures]
    assert (figures[0].low, figures[0].high) == (low, high)


def test_a_change_from_one_value_to_another_is_two_figures() -> None:
    figures = parse_claim("Unemployment rose from 5 % to 7.5 % last year.").figures
    assert [f.value for f in figures] == [5, 7.5]
    assert all(f.counted == "unemployment" for f in figures)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("COVID-19 cases rose by 12 % after the summit.", [12]),
        ("G7 leaders promised 300 new buses.", [300]),
        ("The air force bought 24 F-35 jets.", [24]),
        ("Critics claim 5G masts spread the virus.", []),
        ("The airline grounded 3 Boeing 737 planes.", [3]),
        ("The MH17 inquiry took 4 years.", [4]),
    ],
)
def test_digits_inside_names_are_not_figures(text: str, values: list[float]) -> None:
    assert [f.value for f in parse_claim(text).figures] == values


@pytest.mark.parametrize(
    ("text", "bound", "low", "high"),
    [
        ("More than 2,000 people fled the town.", "at_least", 2000, float("inf")),
        ("Up to 30,000 fans attended.", "at_most", 0, 30000),
        ("About 500 homes lost power.", "about", 450, 550),
    ],
)
def test_bound_words_set_the_interval(text: str, bound: str, low: float, high: float) -> None:
    (fig,) = parse_claim(text).figures
    assert (fig.bound.value, fig.low, fig.high) == (bound, low, high)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "year", "month", "dated"),
    [
        ("The dam was finished in 1998.", 1998, None, "finish"),
        ("2016 was the warmest year on record.", 2016, None, "be"),
        ("The 2012 census counted 9 million people.", 2012, None, "census"),
        ("Prices are expected to rise by March 2021.", 2021, 3, "rise"),
        ("The law took effect on 4 July 2019.", 2019, 7, "take"),
    ],
)
def test_dates_with_what_they_date(text: str, year: int, month: int | None, dated: str) -> None:
    parse = parse_claim(text)
    (date,) = parse.dates
    assert (date.year, date.month, date.dates) == (year, month, dated)
    assert all(f.value != year for f in parse.figures)  # a year is not a figure


def test_a_plural_count_is_not_a_year() -> None:
    parse = parse_claim("The club signed 2020 new members.")
    assert [f.value for f in parse.figures] == [2020]
    assert parse.dates == ()


# --------------------------------------------------------------------------- ratios


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Rebels outnumber soldiers 50 to every 6 in the valley.", "ratio", 50 / 6),
        ("The prisoners were swapped one for one.", "ratio", 1.0),
        ("Volunteers outnumbered staff three to one.", "ratio", 3.0),
        ("Twice as many women as men applied.", "multiple", 2.0),
        ("The new plant makes three times as much power.", "multiple", 3.0),
        ("Rents have doubled since the war.", "multiple", 2.0),
    ],
)
def test_ratios_and_multiples(text: str, kind: str, value: float) -> None:
    comparisons = [c for fr_ in parse_claim(text).frames for c in fr_.comparisons]
    assert [c.kind for c in comparisons] == [kind]
    assert comparisons[0].value == pytest.approx(value, rel=1e-5)


def test_ratio_numbers_are_not_separate_figures() -> None:
    parse = parse_claim("Rebels outnumber soldiers 50 to every 6 in the valley.")
    assert parse.figures == ()


@pytest.mark.parametrize(
    ("text", "percent", "counted"),
    [
        ("One in five adults smokes daily.", 20.0, "adult"),
        ("About one in ten children was vaccinated.", 10.0, "child"),
        ("A third of the voters stayed home.", 100 / 3, "voter"),
        ("Half of the hospitals closed.", 50.0, "hospital"),
    ],
)
def test_shares_are_percent_figures(text: str, percent: float, counted: str) -> None:
    (fig,) = parse_claim(text).figures
    assert fig.unit == "percent"
    assert fig.value == pytest.approx(percent, rel=1e-4)
    assert fig.counted == counted


# --------------------------------------------------------------------------- modality


@pytest.mark.parametrize(
    ("text", "predicate", "modality"),
    [
        ("The drug may cause headaches.", "cause", Modality.MAY),
        ("The old bridge could collapse in a flood.", "collapse", Modality.COULD),
        ("The city plans to close 30 schools.", "close", Modality.PLANS),
        ("The firm intends to hire 200 drivers.", "hire", Modality.PLANS),
        ("The minister reportedly resigned on Friday.", "resign", Modality.REPORTEDLY),
        ("The general is said to have fled the country.", "flee", Modality.REPORTEDLY),
        ("The company is expected to cut 500 jobs.", "cut", Modality.EXPECTED),
        ("Sea levels will rise by 50 cm.", "rise", Modality.WILL),
        ("The storm is likely to reach the coast.", "reach", Modality.LIKELY),
        ("The governor signed the bill.", "sign", Modality.NONE),
    ],
)
def test_modality(text: str, predicate: str, modality: Modality) -> None:
    assert _frame(parse_claim(text), predicate).modality is modality


def test_hedged_modalities() -> None:
    assert Modality.MAY.hedged and Modality.REPORTEDLY.hedged and Modality.PLANS.hedged
    assert not Modality.NONE.hedged and not Modality.WILL.hedged


def test_plans_to_keeps_the_figure_on_the_inner_verb() -> None:
    close = _frame(parse_claim("The city plans to close 30 schools."), "close")
    (fig,) = close.figures
    assert (fig.value, fig.counted, fig.owner) == (30, "school", "city")


# --------------------------------------------------------------------------- attribution


@pytest.mark.parametrize(
    ("text", "predicate", "speaker"),
    [
        ("The minister said that 300 soldiers had died.", "die", "minister"),
        ("According to the WHO, the outbreak has ended.", "end", "world health organization"),
        ("According to local police, 14 people were arrested.", "arrest", "police"),
        ("Prices will rise next year, the central bank warned.", "rise", "bank"),
        ("Berlin said the talks had failed.", "fail", "germany"),
        ("Mayor Jane Okafor told reporters the plant would close.", "close", "okafor"),
    ],
)
def test_attribution(text: str, predicate: str, speaker: str) -> None:
    assert _frame(parse_claim(text), predicate).attribution == speaker


def test_unattributed_statement_has_no_speaker() -> None:
    parse = parse_claim("The river flooded 40 villages in May.")
    assert all(f.attribution is None for f in parse.frames)


# --------------------------------------------------------------------------- the API


def test_parse_claims_keeps_order_and_matches_single_parses() -> None:
    texts = [
        "The city plans to close 30 schools.",
        "Nobody was hurt in the fire.",
        "",
        "Oslo sent 40 ambulances and Helsinki sent 15.",
    ]
    batch = parse_claims(texts)
    assert len(batch) == len(texts)
    assert batch == [parse_claim(t) for t in texts]
    assert batch[2].frames == ()


def test_json_round_trip_is_compact_and_exact() -> None:
    parse = parse_claim("More than 2,000 people fled the town in 2019, officials said.")
    data = parse.to_json()
    assert ClaimParse.from_json(data) == parse
    assert '"Infinity"' not in data and "Infinity" in data  # an open bound survives
    assert '"negated":false' not in data  # defaults are left out
    assert data.startswith(f'{{"version":{FRAMES_VERSION},')
    assert len(data) < 600


def test_frames_carry_the_extractor_version() -> None:
    parse = parse_claim("The governor signed the bill.")
    assert parse.version == FRAMES_VERSION and parse.current
    stale = ClaimParse.from_json('{"frames": []}')
    assert not stale.current
    empty = ClaimParse()
    assert ClaimParse.from_json(empty.to_json()) == empty


def test_parser_is_loaded_once() -> None:
    assert fr.load_parser() is fr.load_parser()
    assert "ner" not in fr.load_parser().pipe_names


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(fr._model_dir(), copy)
    fr._verify(copy)  # the pinned files pass
    with (copy / "parser" / "model").open("r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ParserUnavailable, match="parser/model"):
        fr._verify(copy)


def test_a_model_of_another_version_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(fr._model_dir(), copy)
    meta = (copy / "meta.json").read_text(encoding="utf-8")
    (copy / "meta.json").write_text(meta.replace('"3.8.0"', '"3.7.1"', 1), encoding="utf-8")
    with pytest.raises(ParserUnavailable, match="version"):
        fr._verify(copy)


# --------------------------------------------------------------------------- more shapes


@pytest.mark.parametrize(
    ("text", "predicate", "word"),
    [
        ("The senator dismissed reports that she had resigned.", "resign", "dismiss report"),
        ("The mayor denied claims that the city sold the parks.", "sell", "deny claim"),
    ],
)
def test_denying_a_claim_or_report_negates_its_content(
    text: str, predicate: str, word: str
) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated and frame.negation == word


def test_a_trailing_says_attributes_the_sentence() -> None:
    parse = parse_claim("The firm will cut 400 jobs, a union says.")
    assert _frame(parse, "cut").attribution == "union"


def test_a_title_case_headline_is_read_like_a_sentence() -> None:
    parse = parse_claim("Mayor Denies Claims That City Sold Twenty Public Parks")
    sell = _frame(parse, "sell")
    assert sell.negated
    (fig,) = sell.figures
    assert (fig.value, fig.counted, fig.owner) == (20, "park", "city")


def test_an_all_caps_headline_keeps_its_modality() -> None:
    parse = parse_claim("COFFEE MAY RAISE BLOOD PRESSURE IN OLDER ADULTS")
    assert _frame(parse, "raise").modality is Modality.MAY


def test_words_split_by_the_tokenizer_stay_whole() -> None:
    infect = _frame(parse_claim("There is evidence that SARS-CoV-2 can infect dogs."), "infect")
    assert infect.subject_head == "sars-cov-2"
    assert infect.modality is Modality.CAN


def test_a_year_inside_a_name_is_neither_date_nor_figure() -> None:
    parse = parse_claim("Coronavirus disease 2019 spread to 30 countries.")
    assert parse.dates == ()
    assert [f.value for f in parse.figures] == [30]


def test_a_figure_in_apposition_counts_its_noun() -> None:
    fig = _figure(parse_claim("Lisbon's troops, about 2,000, arrived at dawn."), 2000)
    assert (fig.counted, fig.owner, fig.bound.value) == ("troop", "portugal", "about")


def test_coordinated_verbs_share_subject_modality_and_object() -> None:
    parse = parse_claim("Zinc can prevent or cure the common cold.")
    prevent, cure = _frame(parse, "prevent"), _frame(parse, "cure")
    assert prevent.modality is cure.modality is Modality.CAN
    assert prevent.object_head == cure.object_head == "cold"
    assert prevent.subject_head == cure.subject_head == "zinc"


def test_negation_spreads_over_or_but_not_over_a_new_clause() -> None:
    parse = parse_claim("The index did not rise or fall.")
    assert _frame(parse, "rise").negated and _frame(parse, "fall").negated
    parse = parse_claim("The army did not advance and the rebels fled.")
    assert _frame(parse, "advance").negated and not _frame(parse, "flee").negated


def test_a_controlled_verb_takes_the_subject_of_its_governor() -> None:
    kill = _frame(parse_claim("Garlic helps to kill the germs."), "kill")
    assert kill.subject_head == "garlic"


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("Doctors do not think that the rash spreads.", "spread"),
        ("There is not enough evidence to support the use of visors.", "support"),
        ("There is no proof of vitamins preventing colds.", "prevent"),
    ],
)
def test_not_thinking_and_lacking_evidence_negate_the_content(text: str, predicate: str) -> None:
    assert _frame(parse_claim(text), predicate).negated


def test_plain_evidence_does_not_negate() -> None:
    assert not _frame(parse_claim("There is evidence that the visors work."), "work").negated


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("Wheat exports rose 8 % in the spring.", ["change"]),
        ("Wheat exports rose by 8 %.", ["change"]),
        ("Wheat exports rose to 8 %.", ["level"]),
        ("Wheat exports climbed from 4 % to 8 %.", ["from", "level"]),
        ("There was a 6 % rise in rents.", ["change"]),
        ("Rents are 6 % higher than last year.", ["change"]),
        ("The mill cut 300 jobs.", ["level"]),
    ],
)
def test_a_figure_knows_whether_it_is_a_level_or_a_change(text: str, roles: list[str]) -> None:
    assert [f.role for f in parse_claim(text).figures] == roles


def test_the_owner_of_a_measured_level_is_the_place_it_is_of() -> None:
    fig = _figure(parse_claim("Unemployment in Spain fell to 12 %."), 12)
    assert (fig.counted, fig.owner) == ("unemployment", "spain")


def test_first_person_figures_belong_to_the_speaker() -> None:
    parse = parse_claim('"We will send 2,000 medics," the minister said.')
    fig = _figure(parse, 2000)
    assert (fig.owner, fig.counted) == ("minister", "medic")


def test_reported_would_is_a_future() -> None:
    close = _frame(parse_claim("The mayor said the plant would close in May."), "close")
    assert close.modality is Modality.WILL
    assert close.attribution == "mayor"


@pytest.mark.parametrize(
    ("text", "conditional", "asserted"),
    [
        ("If the dam breaks, the town will flood.", "break", "flood"),
        ("Unless rates fall, sales will drop.", "fall", "drop"),
        ("It is unclear whether the drug works.", "work", "be"),
    ],
)
def test_conditions_and_open_questions_are_marked(
    text: str, conditional: str, asserted: str
) -> None:
    parse = parse_claim(text)
    assert _frame(parse, conditional).conditional
    assert not _frame(parse, asserted).conditional


@pytest.mark.parametrize(
    ("text", "value", "counted"),
    [
        ("The plan would raise the number of nurses in the region to 3,100.", 3100, "nurse"),
        ("The council raised taxes by 2 %.", 2, "tax"),
        ("The number of cases rose to 300.", 300, "case"),
    ],
)
def test_a_level_or_change_counts_what_the_verb_changes(
    text: str, value: float, counted: str
) -> None:
    assert _figure(parse_claim(text), value).counted == counted


@pytest.mark.parametrize(
    "text",
    [
        "The suspect, aged 45, fled the scene.",
        "The mayor, 45, resigned on Monday.",
        "A 45-year-old teacher won the race.",
        "The winner is 45 years old.",
    ],
)
def test_ages_are_years_of_age(text: str) -> None:
    (fig,) = parse_claim(text).figures
    assert (fig.value, fig.unit, fig.counted) == (45, "year", "age")


def test_citation_numbers_are_not_figures() -> None:
    parse = parse_claim("Low-fat diets lost in most trials (14, 15, 16) and cost 3 patients [7].")
    assert [f.value for f in parse.figures] == [3]


def test_a_half_year_is_a_period_not_a_share() -> None:
    parse = parse_claim("Revenue will grow in the first half of 2015.")
    assert all(f.unit != "percent" for f in parse.figures)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("US President Joe Biden said the talks had failed.", "biden"),
        ("North Korea said the test had succeeded.", "north korea"),
        ("A trial in the UK found that the drug cut deaths.", "trial"),
        ("British officials said the port had reopened.", "united kingdom"),
    ],
)
def test_speaker_keys(text: str, speaker: str) -> None:
    parse = parse_claim(text)
    content = [f for f in parse.frames if not f.reporting]
    assert content and content[-1].attribution == speaker


def test_sentence_case_only_for_headlines() -> None:
    headline = "Singer Basically Saves A Fisherman From A Bear"
    assert fr._sentence_case(headline) == "Singer basically saves a fisherman from a bear"
    prose = "The European Central Bank and the Asian Development Bank said rates would rise."
    assert fr._sentence_case(prose) == prose
    assert fr._sentence_case("Ottawa Says NATO Will Send 300 Medics") == (
        "Ottawa says NATO will send 300 medics"
    )


@pytest.mark.parametrize(
    ("text", "value", "unit", "counted"),
    [
        ("The fever kills 30 people per 100,000 each year.", 30, "per 100000", "person"),
        ("The clinic saw 5 cases a day in June.", 5, "per day", "case"),
        ("Average income is $40,000 per capita.", 40000, "usd per person", None),
        ("Turnout rose 3 percentage points.", 3, "percentage point", "turnout"),
    ],
)
def test_rates_and_points_are_their_own_units(
    text: str, value: float, unit: str, counted: str | None
) -> None:
    figures = parse_claim(text).figures
    assert len(figures) == 1, [f.text for f in figures]
    assert (figures[0].value, figures[0].unit, figures[0].counted) == (value, unit, counted)


def test_a_week_ago_is_not_a_rate() -> None:
    parse = parse_claim("The 40 troops left a week ago.")
    assert [(f.value, f.unit) for f in parse.figures] == [(40, None)]


def test_a_negated_future_and_a_measured_change() -> None:
    neg = _frame(parse_claim("Sea levels will not rise this century."), "rise")
    assert neg.negated and neg.modality is Modality.WILL
    pos = parse_claim("Sea levels will rise by 50 cm by 2100.")
    rise = _frame(pos, "rise")
    assert not rise.negated and rise.modality is Modality.WILL
    (fig,) = rise.figures
    assert (fig.value, fig.unit, fig.role, fig.counted) == (50, "centimeter", "change", "sea level")
    assert [d.year for d in pos.dates] == [2100]


@pytest.mark.parametrize(
    ("text", "unit", "bound"),
    [
        ("Warming must stay below 1.5 °C this century.", "degree", "at_most"),
        ("Patients took 200 mg of the drug.", "milligram", "exact"),
        ("The wall is 5 m high.", "meter", "exact"),
        ("Temperatures passed 40C in July.", "degree", "exact"),
    ],
)
def test_short_measures(text: str, unit: str, bound: str) -> None:
    (fig,) = parse_claim(text).figures
    assert (fig.unit, fig.bound.value) == (unit, bound)


def test_very_long_text_is_cut_not_refused() -> None:
    parse = parse_claim("The city closed 3 schools. " * 2000)
    assert 0 < len(parse.frames) < 2000


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Please call 1-866-488-7386 before 40 days pass.", [40]),
        ("The law passed on 11/3/2020 with 95 votes.", [95]),
        ("Version 3.2.1 fixed 40 bugs.", [40]),
    ],
)
def test_phone_numbers_codes_and_numeric_dates_are_not_figures(
    text: str, values: list[float]
) -> None:
    assert [f.value for f in parse_claim(text).figures] == values


def test_a_figure_the_verb_does_not_reach_does_not_count_its_subject() -> None:
    fig = _figure(parse_claim("Among the dozens arrested was a student leader."), 61.5)
    assert fig.counted != "leader"


@pytest.mark.parametrize(
    ("text", "predicate", "word"),
    [
        ("Neither the low dose nor the high dose had any effect.", "have", "neither"),
        ("The firm cut prices without telling investors.", "tell", "without"),
        ("No clinical evidence of harm from the spray.", "evidence", "no"),
        ("Still, a daily walk is not a bad idea for the heart.", "be", "not"),
    ],
)
def test_more_negation_shapes(text: str, predicate: str, word: str) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated and frame.negation == word


@pytest.mark.parametrize(
    ("text", "negated", "conditional"),
    [
        ("Can cats catch the flu from people? No.", True, False),
        ("Does cold weather kill the virus? The answer is no.", True, False),
        ("Can cats catch the flu from people? Yes, they can.", False, False),
        ("Does cold weather kill the virus?", False, True),
    ],
)
def test_answered_and_open_questions(text: str, negated: bool, conditional: bool) -> None:
    parse = parse_claim(text)
    main = [f for f in parse.frames if f.predicate in {"catch", "kill"}]
    assert len(main) == 1, [f.predicate for f in parse.frames]
    assert (main[0].negated, main[0].conditional) == (negated, conditional)
    assert all(f.predicate not in {"can", "no", "yes"} for f in parse.frames)


@pytest.mark.parametrize(
    ("text", "predicate", "speaker"),
    [
        (
            "According to a report by the Norwegian government, 300 wolves live there.",
            "live",
            "norway",
        ),
        ("A study from Oxford found that the drug works.", "work", "oxford"),
        ("A WHO study showed that the masks work.", "work", "world health organization"),
        ("It was reported that the mine had closed.", "close", None),
    ],
)
def test_documents_speak_for_their_authors(text: str, predicate: str, speaker: str | None) -> None:
    assert _frame(parse_claim(text), predicate).attribution == speaker


def test_parsing_from_several_threads_gives_the_same_frames() -> None:
    import concurrent.futures

    texts = [f"The city closed {n} schools in {2000 + n}." for n in range(1, 41)]
    expected = parse_claims(texts)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: parse_claims([t])[0], texts))
    assert got == expected
    assert parse_claims(texts, batch_size=7) == expected


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("Report: Carmaker to buy rival for $100 million", "buy"),
        ("Phone Maker Will Ship New Model in March – Rumor", "ship"),
        ("Singer's Doctor Took a Selfie During Surgery (Report)", "take"),
    ],
)
def test_headline_labels_make_the_claim_reported(text: str, predicate: str) -> None:
    parse = parse_claim(text)
    assert _frame(parse, predicate).modality is Modality.REPORTEDLY
    assert all(f.predicate not in {"report", "rumor"} for f in parse.frames)


def test_a_title_case_month_stays_a_month() -> None:
    parse = parse_claim("Phone Maker Will Ship New Model in March – Rumor")
    assert [d.month for d in parse.dates] == [3]
    may = parse_claim("Vaccine Rollout May Slow, Officials Warn")
    assert _frame(may, "slow").modality is Modality.MAY
    assert may.dates == ()


@pytest.mark.parametrize(
    ("text", "predicate", "negated"),
    [
        ("Not a single case was found in the village.", "find", True),
        ("The mill no longer produces paper.", "produce", True),
        ("Not all masks give the same protection.", "give", False),
        ("The vaccine not only protects adults but also children.", "protect", False),
        ("No fewer than 300 people died in the flood.", "die", False),
    ],
)
def test_negation_on_quantities_and_time(text: str, predicate: str, negated: bool) -> None:
    assert _frame(parse_claim(text), predicate).negated is negated


@pytest.mark.parametrize(
    "data",
    [
        "not json",
        "[1, 2]",
        '{"version": 99, "frames": [{"predicate": "x", "new_field": 1}]}',
        '{"version": 3, "frames": [{"negated": true}]}',
    ],
)
def test_unreadable_stored_frames_come_back_stale(data: str) -> None:
    parse = ClaimParse.from_json(data)
    assert not parse.current
    assert parse.frames == ()


@pytest.mark.parametrize(
    "text",
    [
        "The 2,000 troops that Lisbon pledged will arrive in May.",
        "Lisbon's pledge of 2,000 troops was welcomed.",
        "A pledge by Lisbon of 2,000 troops was welcomed.",
        "Officials said Lisbon would send 2,000 troops.",
    ],
)
def test_owners_through_clauses_and_nouns(text: str) -> None:
    fig = _figure(parse_claim(text), 2000)
    assert (fig.owner, fig.counted) == ("portugal", "troop")


def test_a_ratio_of_two_counted_groups() -> None:
    parse = parse_claim("The ward ran at a ratio of 40 patients to five nurses.")
    comparisons = [c for f in parse.frames for c in f.comparisons]
    assert [(c.kind, c.counted) for c in comparisons] == [("ratio", "patient")]
    assert comparisons[0].value == pytest.approx(8.0)
    assert parse.figures == ()


def test_relative_pronouns_and_appositions_name_the_actor() -> None:
    parse = parse_claim(
        "Britain, which the prime minister has said might base 8,000 troops there, agreed."
    )
    fig = _figure(parse, 8000)
    assert fig.owner == "united kingdom"
    parse = parse_claim(
        "The two leaders, Prime Minister Okafor and President Lindqvist, stressed that the "
        "force would number at most 20,000 men."
    )
    assert _figure(parse, 20000).bound.value == "at_most"
    assert [f.attribution for f in parse.frames if 20000 in {g.value for g in f.figures}] == [
        "okafor"
    ]


def test_not_likely_to_is_negated() -> None:
    happen = _frame(parse_claim("That is not likely to happen soon."), "happen")
    assert happen.negated and happen.modality is Modality.LIKELY


def test_hyphenated_millions() -> None:
    fig = _figure(parse_claim("The army of 1.2-million troops was mobilised."), 1.2e6)
    assert fig.counted == "troop"


@pytest.mark.parametrize(
    ("text", "predicate", "modality"),
    [
        ("The drug doesn’t cure colds.", "cure", Modality.NONE),
        ("The plan won’t work.", "work", Modality.WILL),
        ("It’s not true that the dam burst.", "be", Modality.NONE),
    ],
)
def test_typographic_apostrophes_read_like_plain_ones(
    text: str, predicate: str, modality: Modality
) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated and frame.modality is modality


@pytest.mark.parametrize(
    ("text", "predicate", "negated"),
    [
        ("It's not true that the dam burst.", "burst", True),
        ("It is false that the mayor resigned.", "resign", True),
        ("It is untrue that the masks cause harm.", "cause", True),
        ("It is true that prices rose.", "rise", False),
    ],
)
def test_truth_statements_about_a_clause(text: str, predicate: str, negated: bool) -> None:
    assert _frame(parse_claim(text), predicate).negated is negated


def test_frames_reserialised_with_other_key_order_read_back() -> None:
    import json

    parse = parse_claim("More than 2,000 people fled the town in 2019.")
    reordered = json.dumps(json.loads(parse.to_json()), sort_keys=True)
    assert not reordered.startswith('{"version"')
    assert ClaimParse.from_json(reordered) == parse


def test_a_spacy_outside_the_model_range_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from spacy import about

    monkeypatch.setattr(about, "__version__", "3.9.1")
    loaded = list(fr._LOADED)
    fr._LOADED.clear()
    fr.load_parser.cache_clear()
    try:
        with pytest.raises(ParserUnavailable, match=r"3\.9\.1"):
            fr.load_parser()
        monkeypatch.undo()
        with pytest.raises(ParserUnavailable, match=r"3\.9\.1"):
            fr.load_parser()  # refused once per process: not verified again
    finally:
        monkeypatch.undo()
        fr._REFUSED.clear()
        fr.load_parser.cache_clear()
    assert fr.load_parser().pipe_names  # with the refusal forgotten, the real version loads
    assert loaded == [] or fr.load_parser() is not loaded[0]  # it was really loaded anew


@pytest.mark.parametrize(
    ("text", "main"),
    [
        ("The minister said that 300 soldiers had died and 40 were hurt.", ["die", "hurt"]),
        ("Prices will rise next year, the central bank warned.", ["rise"]),
        ("Officials have not yet agreed on a plan to guard the 500-km frontier.", ["agree"]),
        ("The city plans to close 30 schools.", ["close"]),
    ],
)
def test_main_frames_are_what_the_sentence_asserts(text: str, main: list[str]) -> None:
    assert [f.predicate for f in parse_claim(text).main_frames] == main


def test_going_to_is_a_future_and_denied_rumours_reach_through_it() -> None:
    cut = _frame(
        parse_claim("The bank has denied rumours that it is going to cut 900 jobs."), "cut"
    )
    assert cut.modality is Modality.WILL
    assert cut.negated and cut.negation == "deny rumour"
    said = _frame(parse_claim("The bank said it is going to cut 900 jobs."), "cut")
    assert said.attribution == "bank" and not said.negated


def test_phrasal_verbs_are_not_speech_verbs() -> None:
    parse = parse_claim("The march was escorted by a police car; no protesters showed up.")
    assert _frame(parse, "escort").attribution is None
    assert _frame(parse, "show up").negated


def test_no_inside_a_compound_with_its_own_article_does_not_negate() -> None:
    assert not _frame(parse_claim("The club has a strict no alcohol policy."), "have").negated


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Harbour Times noted that the report was wrong.", "harbour times"),
        ("USA Today noted that the report was wrong.", "today"),
        ("Pentagon officials told reporters the officers had left.", "pentagon"),
        ("Officials said the port had reopened.", "official"),
    ],
)
def test_speaker_names_are_whole_names(text: str, speaker: str) -> None:
    content = [f for f in parse_claim(text).frames if not f.reporting]
    assert content[-1].attribution == speaker


def test_no_evidence_reaches_a_loosely_attached_clause_once() -> None:
    parse = parse_claim("There is no evidence taking zinc tablets will protect people from colds.")
    protect = _frame(parse, "protect")
    assert protect.negated and protect.negation == "no evidence"
    take = _frame(parse, "take")
    assert take.negated and take.negation == "no evidence"  # negated once, not three times
    assert take.subject_head != "evidence"


def test_a_reduced_relative_parsed_as_a_clause_keeps_its_noun_as_subject() -> None:
    parse = parse_claim("Most people infected with the virus will experience mild illness.")
    assert _frame(parse, "experience").subject_head == "person"


@pytest.mark.parametrize(
    ("text", "predicate", "modality"),
    [
        ("Smoking is known to damage the lungs.", "damage", Modality.NONE),
        ("The drug was shown to cut deaths.", "cut", Modality.NONE),
        ("The general is believed to have fled.", "flee", Modality.REPORTEDLY),
        ("The ship is thought to have sunk.", "sink", Modality.REPORTEDLY),
    ],
)
def test_known_to_asserts_believed_to_reports(
    text: str, predicate: str, modality: Modality
) -> None:
    assert _frame(parse_claim(text), predicate).modality is modality


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Angiotensin converting enzyme 2 is the receptor of the virus.", []),
        ("Type 2 diabetic patients were more at risk.", []),
        ("The vaccine entered phase 3 trials with 400 people.", [400]),
        ("In the south, the recovery rate (r= 0.267) showed a weak link.", []),
        ("We put R0 at 1.09 (95% confidence interval: 1.05, 1.13).", [1.09]),
        ("Symptoms included chest pain (1%) and cough (60%).", [1, 60]),
    ],
)
def test_statistics_and_numbered_names(text: str, values: list[float]) -> None:
    figures = parse_claim(text).figures
    assert [f.value for f in figures] == values
    assert all(f.unit != "percent" for f in figures if f.value == 1.09)


def test_an_age_in_commas_needs_a_person() -> None:
    assert _figure(parse_claim("The mayor, 45, resigned."), 45).counted == "age"
    parse = parse_claim("The interval, 12, was short.")
    assert all(f.counted != "age" for f in parse.figures)


@pytest.mark.parametrize(
    ("text", "year", "dated"),
    [
        ("The law passed in the year 2019.", 2019, "pass"),
        ("Sales rose in summer 2020.", 2020, "rise"),
        ("The vote was held in the spring of 2016.", 2016, "hold"),
    ],
)
def test_a_date_inside_a_time_phrase_dates_the_verb(text: str, year: int, dated: str) -> None:
    (date,) = parse_claim(text).dates
    assert (date.year, date.dates) == (year, dated)


def test_age_after_the_word_age_is_an_age() -> None:
    fig = _figure(parse_claim("Each adult (average age 62) was asked."), 62)
    assert (fig.unit, fig.counted) == ("year", "age")


@pytest.mark.parametrize(
    ("text", "predicate", "negated"),
    [
        ("A fire broke out in an oil depot, not a terrorist attack.", "break out", False),
        ("The mayor, not the council, was responsible for the delay.", "be", False),
        ("Jan Kowal, not his real name, insists he was hired.", "insist", False),
        ("Not everyone celebrates the holiday.", "celebrate", False),
        ("Not one soldier was hurt.", "hurt", True),
    ],
)
def test_contrastive_not_does_not_negate_the_clause(
    text: str, predicate: str, negated: bool
) -> None:
    assert _frame(parse_claim(text), predicate).negated is negated


def test_a_question_word_infinitive_is_not_folded() -> None:
    parse = parse_claim("She did not know how to swim.")
    assert _frame(parse, "know").negated
    assert not _frame(parse, "swim").negated


@pytest.mark.parametrize(
    ("text", "predicate", "subject"),
    [
        ("The woman had surgery to add a third arm.", "add", "woman"),
        ("The police asked the crowd to leave.", "leave", "crowd"),
        ("The firm hired lawyers to fight the ban.", "fight", "firm"),
    ],
)
def test_who_does_the_infinitive(text: str, predicate: str, subject: str) -> None:
    assert _frame(parse_claim(text), predicate).subject_head == subject


def test_a_count_before_a_group_name_is_a_figure() -> None:
    parse = parse_claim("A farming family killed 25 Taliban, local media report.")
    assert [f.value for f in parse.figures] == [25]
    assert [f.value for f in parse_claim("The iPhone 6 Plus sold well.").figures] == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("The firm shipped 5 million Xbox One consoles.", [5e6]),
        ("Students left the library at about 3 a.m. on Sunday.", []),
    ],
)
def test_number_words_in_names_and_times_of_day(text: str, values: list[float]) -> None:
    assert [f.value for f in parse_claim(text).figures] == values


def test_an_age_belongs_to_its_person() -> None:
    fig = _figure(parse_claim("Jugal Kishore, 25, fell ill at the wedding."), 25)
    assert (fig.counted, fig.owner) == ("age", "kishore")


def test_a_year_after_of_is_not_what_a_period_counts() -> None:
    parse = parse_claim("Sales rose in the first three months of 2015.")
    fig = _figure(parse, 3)
    assert (fig.unit, fig.counted) == ("month", None)
    assert [d.year for d in parse.dates] == [2015]


def test_a_body_is_keyed_by_its_name() -> None:
    parse = parse_claim("The US Defense Department said it had dropped 28 bundles.")
    assert _frame(parse, "drop").attribution == "defense department"


def test_a_statement_rebutted_by_no_is_negated() -> None:
    parse = parse_claim("Hot baths kill the virus. No, hot baths do not protect you.")
    assert _frame(parse, "kill").negated
    parse = parse_claim("Hot baths kill the virus. Nobody disputes that.")
    assert not _frame(parse, "kill").negated


def test_an_infinitive_under_a_hedged_verb_is_hedged() -> None:
    parse = parse_claim("Social distancing could help stop the spread.")
    assert _frame(parse, "stop").modality is Modality.COULD
    parse = parse_claim("Social distancing helps stop the spread.")
    assert _frame(parse, "stop").modality is Modality.NONE


def test_no_reason_and_no_need_negate_what_they_govern() -> None:
    parse = parse_claim("There is no reason for any doctor to recommend smoking.")
    assert _frame(parse, "recommend").negated


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("In Germany, 300 people died in the floods.", "germany"),
        ("300 people in Italy lost their homes.", "italy"),
        ("In March, 300 people died.", None),
    ],
)
def test_a_known_place_owns_a_figure_without_another_owner(text: str, owner: str | None) -> None:
    assert _figure(parse_claim(text), 300).owner == owner


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Cases rose tenfold last year.", 10.0),
        ("Deaths saw a 3-fold increase.", 3.0),
        ("The index had a two-fold rise.", 2.0),
    ],
)
def test_fold_multiples(text: str, value: float) -> None:
    parse = parse_claim(text)
    comparisons = [c for f in parse.frames for c in f.comparisons]
    assert [(c.kind, c.value) for c in comparisons] == [("multiple", value)]
    assert parse.figures == ()


@pytest.mark.parametrize(
    ("text", "predicate", "speaker"),
    [
        ("Kremlin: troops will stay in the region", "stay", "russia"),
        ("U.S.: Video of the attack is authentic", "be", "united states"),
        ("Breaking: troops will stay in the region", "stay", None),
    ],
)
def test_a_headline_source_before_a_colon_said_it(
    text: str, predicate: str, speaker: str | None
) -> None:
    assert _frame(parse_claim(text), predicate).attribution == speaker


def test_an_age_belongs_to_the_noun_it_describes() -> None:
    fig = _figure(parse_claim("A cruel aunt hurt her three-year-old nephew."), 3)
    assert (fig.counted, fig.owner) == ("age", "nephew")


def test_under_the_age_of_and_a_lower_risk() -> None:
    fig = _figure(parse_claim("Strokes kill some patients under the age of 50."), 50)
    assert (fig.unit, fig.counted) == ("year", "age")
    fig = _figure(parse_claim("The pills were linked to an almost 40% lower risk of flu."), 40)
    assert (fig.counted, fig.role, fig.bound.value) == ("risk", "change", "about")


def test_evidence_verbs_report_their_content() -> None:
    parse = parse_claim("The trial data demonstrate that masks cut transmission.")
    assert _frame(parse, "demonstrate").reporting
    assert [f.predicate for f in parse.main_frames] == ["cut"]


def test_two_answers_in_a_row_do_not_rebut_each_other() -> None:
    parse = parse_claim("Yes, the virus can survive on metal. No, it does not seem to matter.")
    assert not _frame(parse, "survive").negated


# --------------------------------------------------------------------------- evidence for a content


@pytest.mark.parametrize(
    ("text", "content", "word"),
    [
        # the tagger reads "protects" as a plural noun; the clause still has a subject
        ("There is no evidence that oat milk protects against gout.", "protect", "no evidence"),
        ("There's no proof that the new mast causes headaches.", "cause", "no proof"),
        ("There was little evidence that the curfew reduced thefts.", "reduce", "no evidence"),
        ("Auditors found no evidence that the mayor hid the funds.", "hide", "no evidence"),
        ("No evidence suggests that cold showers cause fever.", "cause", "no evidence suggest"),
        ("No study has shown that ginger eases the pain.", "ease", "no study show"),
        ("Nothing shows that the filter removes lead.", "remove", "nothing show"),
        ("Research has not found that the tonic reduces falls.", "reduce", "not find"),
        ("The trial did not show that the pill lowers pulse rates.", "lower", "not show"),
        ("It has not been proven that cold weather stops the fungus.", "stop", "not prove"),
        (
            "The records do not support the claim that the bridge collapsed.",
            "collapse",
            "not support",
        ),
    ],
)
def test_missing_or_negated_evidence_negates_the_content_once_and_makes_it_main(
    text: str, content: str, word: str
) -> None:
    parse = parse_claim(text)
    frame = _frame(parse, content)
    assert frame.negated and frame.negation == word
    assert frame.main and frame in parse.main_frames
    carriers = [f for f in parse.frames if f is not frame and f.span[0] < frame.span[0]]
    assert carriers and all(not f.main for f in carriers)


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("Studies show that the tonic reduces falls.", "reduce"),
        ("The trial showed that the pill lowers pulse rates.", "lower"),
        ("There is evidence that oat milk protects against gout.", "protect"),
        ("There is growing evidence that the tonic reduces falls.", "reduce"),
        ("The minister did not say that the bridge collapsed.", "collapse"),  # not evidential
    ],
)
def test_evidence_that_is_not_missing_negates_nothing(text: str, content: str) -> None:
    assert not _frame(parse_claim(text), content).negated


def test_nobody_speaks_for_no_study() -> None:
    parse = parse_claim("No study has shown that ginger eases the pain.")
    assert _frame(parse, "ease").attribution is None
    found = parse_claim("A Danish study found that ginger eases the pain.")
    assert _frame(found, "ease").attribution is not None


def test_there_is_evidence_that_is_about_its_content() -> None:
    parse = parse_claim("There is growing evidence that the tonic reduces falls.")
    assert [f.predicate for f in parse.main_frames] == ["reduce"]
    assert _frame(parse, "be").reporting


# --------------------------------------------------------------------------- years and measures


@pytest.mark.parametrize(
    ("text", "years", "values"),
    [
        ("Glaciers could shrink by 40 km by 2100.", [2100], [40]),
        ("The lake could drop 2 metres before 2150 and 5 metres by 2250.", [2150, 2250], [2, 5]),
        ("Rainfall may rise 8 % by 2300.", [2300], [8]),
        ("The flood drowned about 1500 in 1953.", [1953], [1500]),
        ("Police detained more than 2000 after the 2011 election.", [2011], [2000]),
        ("Runners took 2000 mg of salt tablets.", [], [2000]),
        ("Each child got 1500 IU daily.", [], [1500]),
        ("The toll rose to 2000 within a week.", [], [2000]),
        ("From 2015 to 2020 the farm lost 300 sheep.", [2015, 2020], [300]),
        ("Exports rose 4 % in the year to 2021.", [2021], [4]),
        ("2300 people signed the letter.", [], [2300]),
    ],
)
def test_a_year_after_by_in_until_is_a_date_and_a_number_before_a_unit_is_a_measure(
    text: str, years: list[int], values: list[float]
) -> None:
    parse = parse_claim(text)
    assert sorted(d.year for d in parse.dates if d.year) == years
    assert sorted(f.value for f in parse.figures) == values
    assert not any(f.elided and f.value in years for f in parse.figures)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("Each child got 1500 IU daily.", "iu"),
        ("Runners took 2000 mg of salt tablets.", "milligram"),
        ("The sea wall is 2100 metres long.", "meter"),
    ],
)
def test_a_unit_word_after_a_year_like_number_makes_it_a_measure(text: str, unit: str) -> None:
    (figure,) = parse_claim(text).figures
    assert figure.unit == unit


def test_one_letter_counted_things_keep_their_noun() -> None:
    (figure,) = parse_claim("Take 1000 mg of vitamin C a day.").figures
    assert figure.counted == "vitamin c"


# --------------------------------------------------------------------------- more shapes


@pytest.mark.parametrize(
    ("text", "value", "counted"),
    [
        ("The garrison has 40 guards to every 5 prisoners.", 8.0, "guard"),
        ("The town has three nurses for every 1,000 residents.", 0.003, "nurse"),
        ("The ratio of teachers to pupils is 1 to 30.", 1 / 30, None),
    ],
)
def test_ratios_with_their_nouns_are_ratios_not_two_figures(
    text: str, value: float, counted: str | None
) -> None:
    parse = parse_claim(text)
    (ratio,) = [c for fr_ in parse.frames for c in fr_.comparisons if c.kind == "ratio"]
    assert ratio.value == pytest.approx(value, rel=1e-4)
    assert ratio.counted == counted
    assert not parse.figures  # neither side of the ratio is a figure of its own


def test_twice_the_figure_is_a_multiple() -> None:
    parse = parse_claim("The port now handles 9 million boxes, twice the 2005 total.")
    (mult,) = [c for fr_ in parse.frames for c in fr_.comparisons]
    assert (mult.kind, mult.value) == ("multiple", 2.0)
    assert [d.year for d in parse.dates] == [2005]


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("Hardly anyone attended the 3-day fair.", "attend"),
        ("Scarcely any rain fell in the valley.", "fall"),
        ("The cream hardly works on dry skin.", "work"),
    ],
)
def test_hardly_anyone_negates(text: str, predicate: str) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated


def test_barely_does_not_negate() -> None:
    assert not _frame(parse_claim("The bill barely passed the senate."), "pass").negated


def test_the_year_before_a_plural_event_dates_it_but_people_are_counted() -> None:
    floods = parse_claim("The 2013 floods destroyed 400 homes.")
    assert [d.year for d in floods.dates] == [2013]
    assert [f.value for f in floods.figures] == [400]
    crowd = parse_claim("The 2000 protesters marched to the square.")
    assert [f.value for f in crowd.figures] == [2000] and not crowd.dates


def test_a_share_of_a_measure_counts_what_is_measured() -> None:
    parse = parse_claim("A quarter of the 6,000 tonnes of rice was spoiled.")
    share = _figure(parse, 25.0)
    assert share.counted == "rice"


def test_a_subject_read_as_a_compound_is_still_the_subject() -> None:
    parse = parse_claim("Few farmers believe the spray works.")
    assert _frame(parse, "work").subject_head == "spray"


@pytest.mark.parametrize(
    ("text", "content", "word"),
    [
        ("The baseless claim that the mayor took bribes spread online.", "take", "baseless claim"),
        ("Officials debunked the myth that masks cause hypoxia.", "cause", "myth"),
        ("He repeated the false story that the dam had burst its banks.", "burst", "false story"),
    ],
)
def test_a_claim_called_false_negates_its_content_once(text: str, content: str, word: str) -> None:
    frame = _frame(parse_claim(text), content)
    assert frame.negated and frame.negation == word


def test_what_someone_did_with_a_false_claim_is_not_negated() -> None:
    parse = parse_claim("The false rumour that he spread caused panic.")
    assert not _frame(parse, "spread").negated


def test_list_numbers_are_not_figures() -> None:
    parse = parse_claim("The study 1) maps the routes; 2) tests 40 masks; and 3) ranks them.")
    assert [f.value for f in parse.figures] == [40]


@pytest.mark.parametrize(
    ("text", "unit", "counted"),
    [
        ("Each calf got 4.5 mg/kg of the serum.", "milligram per kilogram", "serum"),
        ("New infections fell by 30 cases/day.", "per day", "case"),
    ],
)
def test_a_slash_in_a_unit_is_a_rate(text: str, unit: str, counted: str) -> None:
    (figure,) = parse_claim(text).figures
    assert (figure.unit, figure.counted) == (unit, counted)
    assert figure.owner != "mg"


def test_a_percent_sign_of_another_number_is_not_the_unit() -> None:
    parse = parse_claim("Helmets can prevent 40 more (95% CI 20-60) head injuries per 1000 riders.")
    assert _figure(parse, 40).unit is None


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("BREAKING: Famous tenor dies at age 81", "tenor"),
        ("UPDATE: Miners rescued from flooded pit", None),
        ("Video: Firefighters save 12 horses from barn blaze", "firefighter"),
    ],
)
def test_a_news_label_is_no_clause_and_no_subject(text: str, subject: str | None) -> None:
    parse = parse_claim(text)
    assert not any(f.predicate in {"breaking", "update", "video"} for f in parse.frames)
    assert all(f.subject_head not in {"breaking", "update", "video"} for f in parse.frames)
    if subject is not None:
        assert parse.main_frames[0].subject_head == subject


@pytest.mark.parametrize(
    ("text", "content", "negated"),
    [
        ("The tests did not confirm that the water was toxic.", "be", True),
        ("Current data do not support the fear that the dam is unsafe.", "be", True),
        ("Police did not confirm that the suspect had fled.", "flee", False),  # a person
        ("The mayor refused to confirm that the bridge collapsed.", "collapse", False),
    ],
)
def test_negated_confirmation_is_evidence_only_when_evidence_speaks(
    text: str, content: str, negated: bool
) -> None:
    assert _frame(parse_claim(text), content).negated is negated


def test_not_so_answers_a_question() -> None:
    parse = parse_claim("Will the club sell its stadium? Not so, the owner says.")
    assert _frame(parse, "sell").negated


def test_a_unit_written_next_to_the_number_wins_over_a_misparse() -> None:
    parse = parse_claim("Neither the low dose (2.5 mg/kg) nor the high dose helped.")
    assert _figure(parse, 2.5).unit == "milligram per kilogram"


def test_a_headline_noun_phrase_gets_no_subject_from_its_modifiers() -> None:
    parse = parse_claim("Ghost Ship Sighted")
    assert all(f.subject_head != "ghost" for f in parse.frames if f.predicate == "ship")


def test_a_range_with_a_double_hyphen_keeps_its_percent() -> None:
    parse = parse_claim("Masks could cut the peak death rate by 30--50%.")
    assert {f.unit for f in parse.figures} == {"percent"}


def test_a_bracket_is_no_clause() -> None:
    parse = parse_claim("Huge blast at oil depot evokes wild theories [Photos]")
    assert all(any(ch.isalpha() for ch in f.predicate) for f in parse.frames)


def test_there_is_a_need_to_is_not_evidence_for_its_content() -> None:
    parse = parse_claim("There is an urgent need to build new dams.")
    assert not _frame(parse, "be").reporting


@pytest.mark.parametrize(
    ("text", "predicates"),
    [
        ("The panel neither approved nor rejected the 4 % levy.", ["approve", "reject"]),
        ("She neither smokes nor drinks.", ["smoke", "drink"]),
    ],
)
def test_neither_nor_on_verbs_negates_both(text: str, predicates: list[str]) -> None:
    parse = parse_claim(text)
    assert all(_frame(parse, p).negated for p in predicates)


def test_the_possessor_of_the_subject_owns_the_figure() -> None:
    parse = parse_claim("The mayor's budget was $4 billion, while the governor's was $90 billion.")
    assert _figure(parse, 4e9).owner == "mayor"
    assert _figure(parse, 9e10).owner == "governor"


def test_a_measure_as_object_is_the_unit_not_the_counted_thing() -> None:
    parse = parse_claim("The lake rose 3 metres last spring.")
    figure = _figure(parse, 3)
    assert (figure.unit, figure.counted) == ("meter", "lake")


def test_a_number_glued_to_its_noun_counts_the_noun() -> None:
    parse = parse_claim("Patients were treated at the 250-bed clinic.")
    assert _figure(parse, 250).counted == "bed"


def test_a_multiple_without_a_noun_counts_the_figure_before_it() -> None:
    parse = parse_claim("Rome trained 40 pilots, and Paris trained three times as many.")
    (mult,) = [c for f in parse.frames for c in f.comparisons]
    assert (mult.value, mult.counted) == (3.0, "pilot")


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("It is not thought that goats carry the disease.", "carry"),
        ("It is not believed the ferry sank.", "sink"),
    ],
)
def test_it_is_not_thought_that_negates_its_content(text: str, predicate: str) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert frame.negated and frame.modality is Modality.REPORTEDLY


def test_a_one_letter_head_keeps_its_compound() -> None:
    frame = _frame(parse_claim("Vitamin K thins the blood."), "thin")
    assert frame.subject_head == "vitamin k"


@pytest.mark.parametrize(
    ("text", "predicate", "subject", "object_"),
    [
        ("Scorpion stings flier on flight", "sting", "scorpion", "flier"),
        ("Nobody has shown that garlic kills germs.", "kill", "garlic", "germ"),
        ("Angry bride marries wedding guest", "marry", "bride", "guest"),
    ],
)
def test_a_verb_read_as_a_plural_noun_is_read_again(
    text: str, predicate: str, subject: str, object_: str
) -> None:
    frame = _frame(parse_claim(text), predicate)
    assert (frame.subject_head, frame.object_head) == (subject, object_)
    assert predicate not in frame.object


@pytest.mark.parametrize("text", ["Vitamin pills help", "Apple Watch sales figures"])
def test_nouns_that_are_no_verbs_stay_nouns(text: str) -> None:
    parse = parse_claim(text)
    assert {f.predicate for f in parse.frames} & {"help", "figure"}


def test_respectively_gives_each_subject_its_figure() -> None:
    parse = parse_claim("Lisbon and Madrid pledged 2,000 and 500 troops respectively.")
    assert (_figure(parse, 2000).owner, _figure(parse, 500).owner) == ("portugal", "spain")


def test_a_second_share_counts_what_the_first_counted_and_belongs_to_its_place() -> None:
    parse = parse_claim("Only 12 % of Danish adults smoke, against 20 % in Poland.")
    second = _figure(parse, 20)
    assert (second.counted, second.owner) == ("adult", "poland")


@pytest.mark.parametrize(
    ("text", "main"),
    [
        ("Goats can catch the fever, but there is no evidence that they pass it on.", "pass on"),
        (
            "There is no clear evidence linking salt to gout; however, it seems wise to cut it.",
            "link",
        ),
    ],
)
def test_missing_evidence_in_a_second_clause_is_asserted_too(text: str, main: str) -> None:
    parse = parse_claim(text)
    frame = _frame(parse, main)
    assert frame.main and frame.negated
    assert not any(f.main and f.reporting for f in parse.frames)


@pytest.mark.parametrize(
    ("text", "content", "subject", "negated"),
    [
        ("Studies have not shown that zinc cures the flu.", "cure", "zinc", True),
        ("Doctors say that honey soothes coughs.", "soothe", "honey", False),
    ],
)
def test_a_content_clause_read_as_an_object_is_read_again(
    text: str, content: str, subject: str, negated: bool
) -> None:
    parse = parse_claim(text)
    frame = _frame(parse, content)
    assert frame.subject_head == subject and frame.negated is negated
    assert frame.main and frame in parse.main_frames


def test_a_model_number_after_a_count_is_part_of_a_name() -> None:
    parse = parse_claim("The airline bought 30 320 NEO jets last year.")
    assert [f.value for f in parse.figures] == [30]


def test_storage_units_are_units() -> None:
    (figure,) = parse_claim("The phone has 8 GB of memory.").figures
    assert (figure.unit, figure.counted) == ("gigabyte", "memory")
