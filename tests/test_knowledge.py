"""The knowledge base answers what was asked: the item that fits, or an honest "not sure".

Unit tests of the selector on a small knowledge base of their own, then end-to-end tests through the
real Rasa server (trained model) and action server with the shipped knowledge base: one question per
topic in each of the three forms, buttons that open items, and the "not sure" reply.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from actions.answer_book import SOURCES_SHOWN, answer_book, item_payload
from contract.text import TO_BANGLA_DIGITS
from knowledge.kb import KnowledgeBase, knowledge_base
from knowledge.selector import NONE, AnswerSelector
from tests.stack import RasaStack

EMERGENCY = ("999", "109", "1098")

SMALL_KB = """
topic: small
items:
  - id: dowry_law
    intent: child_marriage_law
    question: {en: "Is dowry illegal?", bn: "যৌতুক কি অপরাধ?"}
    answer: {en: {short: "Yes."}, bn: {short: "হ্যাঁ।"}}
    sources: [{title: "Act", url: "u", checked: 2026-12-01}]
    examples:
      en: ["is dowry illegal", "can the groom's family demand dowry", "is taking dowry a crime",
           "dowry demand what does the law say", "they want money for the wedding as dowry, is that legal"]
  - id: birth_reg
    intent: legal_aid_info
    question: {en: "How to register a birth?", bn: "জন্ম নিবন্ধন কীভাবে?"}
    answer: {en: {short: "At the Union Parishad."}, bn: {short: "ইউনিয়ন পরিষদে।"}}
    sources: [{title: "Act", url: "u", checked: 2026-12-01}]
    examples:
      en: ["how do I get a birth certificate", "where to register my sister's birth",
           "birth registration how to apply", "birth certificate lost what to do", "how much does birth registration cost"]
"""
NOT_KNOWLEDGE = ["hello", "hi there", "thanks a lot", "menu please", "find a shelter in khulna", "bye",
                 "what can you do", "are you a robot", "legal aid office near me", "ok"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeBase, AnswerSelector]:
    folder = tmp_path_factory.mktemp("kb")
    (folder / "small.yml").write_text(SMALL_KB, encoding="utf-8")
    kb = KnowledgeBase.load(folder)
    return kb, AnswerSelector.fit(kb, NOT_KNOWLEDGE)


def test_the_selector_answers_with_the_item_whose_examples_fit(small) -> None:
    kb, selector = small
    assert selector.choose(kb, "is it a crime to ask for dowry?").item.id == "dowry_law"
    assert selector.choose(kb, "where do I register a birth").item.id == "birth_reg"


def test_the_selector_says_none_for_what_is_not_a_knowledge_question(small) -> None:
    kb, selector = small
    assert selector.rank("hello there")[0][0] == NONE
    choice = selector.choose(kb, "hello there")
    assert not choice.answered and all(c.id != NONE for c in choice.candidates)


def test_three_bands_answer_hedge_or_say_not_sure(small, monkeypatch) -> None:
    """A clear lead answers; a smaller one answers only a knowledge question, hedged; less is "not sure"."""
    from knowledge import selector as sel

    kb, selector = small
    def lead(margin: float) -> None:
        monkeypatch.setattr(selector, "rank", lambda text: [("dowry_law", 1.0), ("birth_reg", 1.0 - margin), (NONE, -1.0)])

    lead(sel.MARGIN)
    assert (c := selector.choose(kb, "q", "out_of_scope")).answered and not c.hedged
    lead((sel.MARGIN + sel.HEDGE_MARGIN) / 2)
    assert (c := selector.choose(kb, "q", "child_marriage_law")).answered and c.hedged
    assert [i.id for i in c.candidates] == ["dowry_law", "birth_reg"]
    assert not selector.choose(kb, "q", "out_of_scope").answered  # not a knowledge question: no guess at all
    lead(sel.HEDGE_MARGIN / 2)
    assert not selector.choose(kb, "q", "child_marriage_law").answered


def test_a_flow_of_its_own_gets_an_item_only_when_the_selector_is_plainly_sure(small, monkeypatch) -> None:
    """After the emergency numbers or before a service search, an item's short answer follows only a clear
    lead: never a hedged guess, never for a button's payload, never for an intent without a flow of its own."""
    from knowledge import selector as sel

    kb, selector = small
    def lead(margin: float) -> None:
        monkeypatch.setattr(selector, "rank", lambda text: [("dowry_law", 1.0), ("birth_reg", 1.0 - margin), (NONE, -1.0)])

    lead(sel.MARGIN)
    assert selector.also_answers(kb, "they demand dowry and beat me", "emergency").id == "dowry_law"
    assert selector.also_answers(kb, "legal aid for a dowry case", "find_legal_aid").id == "dowry_law"
    assert selector.also_answers(kb, "/find_legal_aid", "find_legal_aid") is None
    assert selector.also_answers(kb, "hello", "greet") is None
    lead((sel.MARGIN + sel.HEDGE_MARGIN) / 2)
    assert selector.also_answers(kb, "they demand dowry and beat me", "emergency") is None


def test_small_talk_gives_way_to_an_item_only_when_the_selector_is_plainly_sure(small, monkeypatch) -> None:
    """A question Rasa reads as "are you a bot?", thanks or yes/no gets the item the selector answers plainly;
    with a smaller lead it keeps its own reply (never a hedged guess), and a greeting always keeps its own."""
    from knowledge import selector as sel
    from knowledge.evaluate import ROUTED, reply_of

    kb, selector = small
    def lead(margin: float) -> None:
        monkeypatch.setattr(selector, "rank", lambda text: [("dowry_law", 1.0), ("birth_reg", 1.0 - margin), (NONE, -1.0)])

    lead(sel.MARGIN)
    for intent in ("bot_challenge", "thank", "affirm", "deny", "goodbye"):
        assert reply_of(selector, kb, intent, "is dowry illegal, is that true?")[:3] == ("dowry_law", [], False)
    assert reply_of(selector, kb, "greet", "hello, is dowry illegal?")[0] == f"{ROUTED}greet"
    lead((sel.MARGIN + sel.HEDGE_MARGIN) / 2)
    assert reply_of(selector, kb, "bot_challenge", "is dowry illegal, is that true?")[0] == f"{ROUTED}bot_challenge"
    assert not sel.CHAT_INTENTS & set(sel.FLOW_INTENTS) and "greet" not in sel.CHAT_INTENTS


def test_without_an_item_the_hotline_list_and_the_menu_stand_but_a_misread_question_gets_its_closest_items(
        small, monkeypatch) -> None:
    """No item fits: "helpline numbers" keeps the hotline list and "help" the menu (no buttons of items in the
    evaluation either); a message read as out of scope or not understood gets "not sure" with the closest items
    when there are some, else its own reply ("I can only help with...")."""
    from knowledge import selector as sel
    from knowledge.evaluate import NOT_SURE, ROUTED, reply_of

    kb, selector = small
    monkeypatch.setattr(selector, "rank", lambda text: [("dowry_law", 1.0), ("birth_reg", 0.98), (NONE, -1.0)])
    for intent in ("hotline_numbers", "help"):
        assert reply_of(selector, kb, intent, "q") == (f"{ROUTED}{intent}", [], False, False)
    for intent in ("out_of_scope", "nlu_fallback"):
        assert reply_of(selector, kb, intent, "q") == (NOT_SURE, ["dowry_law", "birth_reg"], False, False)
    monkeypatch.setattr(selector, "rank", lambda text: [(NONE, 2.0), ("dowry_law", -1.0), ("birth_reg", -1.2)])
    assert reply_of(selector, kb, "out_of_scope", "q")[0] == f"{ROUTED}out_of_scope"
    assert reply_of(selector, kb, "child_marriage_law", "q") == (NOT_SURE, [], False, False)
    assert sel.OFFER_OVER_OWN_REPLY < sel.OWN_REPLY_INTENTS


def test_every_intent_with_its_own_reply_has_a_response_to_fall_back_on() -> None:
    import yaml

    from actions.knowledge import OWN_REPLY
    from knowledge.selector import OWN_REPLY_INTENTS
    from tools.model import ROOT

    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    assert set(OWN_REPLY) == OWN_REPLY_INTENTS and set(OWN_REPLY.values()) <= set(responses)


def test_every_small_talk_intent_reaches_the_selector_and_keeps_its_own_reply() -> None:
    """The rules send each of CHAT_INTENTS to action_answer, which falls back to the intent's own response."""
    import yaml

    from actions.knowledge import OWN_REPLY
    from knowledge.selector import CHAT_INTENTS
    from tools.model import ROOT

    rules = yaml.safe_load((ROOT / "nlu_data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    first_action = {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in rules
                    if len(rule["steps"]) == 2 and "intent" in rule["steps"][0]}
    assert {intent: first_action.get(intent) for intent in CHAT_INTENTS} == dict.fromkeys(CHAT_INTENTS, "action_answer")
    assert {intent: OWN_REPLY.get(intent) for intent in CHAT_INTENTS} == {i: f"utter_{i}" for i in CHAT_INTENTS}
    assert first_action["greet"] == "utter_greet"


def test_the_flows_that_can_carry_an_answer_are_the_emergency_reply_and_every_service_search() -> None:
    from actions.referrals import CATEGORY_INTENTS
    from knowledge.selector import FLOW_INTENTS

    assert FLOW_INTENTS == {"emergency", *CATEGORY_INTENTS}


def test_the_short_answer_after_another_flow_names_its_source_and_opens_the_whole_item() -> None:
    book = answer_book()
    item = book.kb.items["cm_wedding_today"]
    for lang in ("bn", "en"):
        reply = book.short(item, lang, intro="also_helps")
        assert reply.text.startswith(book.t("also_helps", lang)) and item.short[lang] in reply.text
        assert book.source_line(item, lang) in reply.text
        assert reply.buttons == [{"title": item.question[lang], "payload": item_payload(item)}]


def test_the_source_line_names_the_first_sources_and_counts_the_rest_as_words_apart() -> None:
    book = answer_book()
    item = next(i for i in book.kb.items.values() if len(i.sources) > SOURCES_SHOWN + 1)
    last_shown, more = item.sources[SOURCES_SHOWN - 1].title, len(item.sources) - SOURCES_SHOWN
    assert book.source_line(item, "en").endswith(f"{last_shown} and {more} more")
    assert book.source_line(item, "bn").endswith(f"{last_shown} আর আরও {str(more).translate(TO_BANGLA_DIGITS)}টি")


def test_the_selector_evaluation_counts_each_outcome_per_form(small) -> None:
    """`python -m tools.evaluate --selector`: right (plain or hedged), not sure, routed elsewhere, wrong, and the
    out-of-scope questions, per form and overall, with the selector's own ranking (top-1, top-3)."""
    from knowledge.evaluate import evaluate, render

    kb, selector = small
    questions = [("en", "is it a crime to ask for dowry?", "dowry_law"),       # right, plain
                 ("en", "where do I register a birth", "dowry_law"),           # wrong item
                 ("bn", "is dowry illegal here", "dowry_law"),                # routed: Rasa read a request for a person
                 ("bn", "hello there", "birth_reg"),                          # not sure (Rasa read a knowledge intent)
                 ("banglish", "is taking dowry a crime", "dowry_law")]        # the emergency reply, then the item
    intents = ["child_marriage_law", "legal_aid_info", "request_human", "legal_aid_info", "emergency"]
    result = evaluate(selector, kb, questions, intents, [("en", "hello there"), ("bn", "thanks a lot")],
                      ["out_of_scope", "thank"])
    en, bn, overall = (result["per_form"][f] for f in ("en", "bn", "overall"))
    assert (en["questions"], en["right_plain"], en["wrong_plain"] + en["wrong_hedged"], en["top1"]) == (2, 0.5, 0.5, 0.5)
    assert (bn["routed"], bn["not_sure"], bn["right"]) == (0.5, 0.5, 0.0)
    assert overall["questions"] == 5 and overall["right"] == 0.4 and overall["top3"] == 1.0
    assert result["per_form"]["banglish"]["right_after_flow"] == 1.0 and overall["right_after_flow"] == 0.2
    assert overall["oos"] == 2 and overall["oos_plain"] == 0.0 and overall["oos_not_sure"] == 1.0
    assert ("dowry_law", "birth_reg") in {(e, a.split(" ")[0]) for e, a in result["confusions"]}
    assert "overall" in render(result) and "hello there" not in render(result)  # texts only on request


def test_the_margins_are_tuned_on_questions_written_apart_from_the_examples(small, tmp_path: Path) -> None:
    """`tune_margin` reads a question set (nlu_data/dev/kb_margins/ in the product): per lead, the share of item
    questions answered, right, and wrong of those answered, and of out-of-scope questions answered; the chosen
    lead is the smallest that keeps the wrong answers at or under the target."""
    from knowledge.selector import WRONG_TARGET, tune_margin

    kb, selector = small
    (tmp_path / "small.yml").write_text(
        'topic: small\nheldout:\n'
        '  - id: dowry_law\n    en: ["is it a crime to ask for dowry?", "where do I register a birth"]\n'
        '  - id: birth_reg\n    en: ["birth certificate where do I apply"]\n'
        'out_of_scope:\n  en: ["hello there", "thanks a lot"]\n', encoding="utf-8")
    result = tune_margin(selector, kb, tmp_path)
    assert (result["questions"], result["out_of_scope"]) == (3, 2)
    first = result["table"][0]
    assert first["margin"] == 0.0 and first["answered"] == 1.0 and round(first["right"], 3) == 0.667
    assert first["oos_answered"] == 0.0  # both ranked NONE first
    answered = [row["answered"] for row in result["table"]]
    assert answered == sorted(answered, reverse=True)
    # "where do I register a birth" is labelled dowry_law here, a wrong answer at every lead the selector gives
    # it, so no lead meets the target: the largest lead in the table is chosen (the safest).
    assert all(row["wrong_of_answered"] > WRONG_TARGET for row in result["table"] if row["answered"])
    assert result["chosen"] == result["table"][-1]["margin"] == 1.0


def test_a_question_another_item_also_answers_counts_as_answered_by_it(small, tmp_path: Path) -> None:
    """A question set's `also:` map (a judge's verdict: other items that answer a question as well as its own)
    makes those items right answers too; content-check refuses a judged text or item that does not exist."""
    from knowledge.check import _held_out_problems
    from knowledge.evaluate import evaluate
    from knowledge.kb import read_question_set

    kb, selector = small
    (tmp_path / "small.yml").write_text(
        'topic: small\nheldout:\n  - id: dowry_law\n    en: ["where do I register a birth", "is dowry a crime"]\n'
        'also:\n  "where do I register a birth": [birth_reg]\n  "no such question": [no_such_item]\n', encoding="utf-8")
    questions, _ = read_question_set(tmp_path)
    assert [q.answered_by("birth_reg") for q in questions] == [True, False]
    assert all(q.answered_by("dowry_law") for q in questions)
    result = evaluate(selector, kb, questions, [None, None], [], [])
    overall = result["per_form"]["overall"]
    assert (overall["right"], overall["right_as_labelled"], overall["top1"], overall["wrong_plain"]) == (1.0, 0.5, 1.0, 0.0)
    problems = "\n".join(_held_out_problems(kb, {}, tmp_path, readable=True))
    assert "'no such question' is none of the file's questions" in problems and "no item 'no_such_item'" in problems


def test_the_content_check_names_an_unread_sets_questions_by_place_never_by_text(small, tmp_path: Path) -> None:
    """Fixing a copy of a held-out or margins question must not mean reading it: the problem names the file, item,
    form and number, and prints only the training example to reword."""
    from knowledge.check import _held_out_problems
    from safety.text import canonical

    kb, _ = small
    (tmp_path / "small.yml").write_text(
        'topic: small\nheldout:\n  - id: dowry_law\n    en: ["is dowry a crime", "is asking for dowry a crime in bangladesh"]\n'
        'out_of_scope:\n  en: ["what does a passport cost"]\nalso:\n  "no such question": [birth_reg]\n', encoding="utf-8")
    trained = {canonical(t): "dowry_law" for t in ("is dowry a crime", "is asking for dowry a crime in bangladesh?")}
    trained[canonical("what does a passport cost")] = "not_answered.yml"
    problems = _held_out_problems(kb, trained, tmp_path)
    assert "small.yml dowry_law: held-out en question 1 is also a training example" in problems[0]
    assert "out-of-scope en question 1 is a training example" in "\n".join(problems)
    assert "also: entry 1 is none of the file's questions" in "\n".join(problems)
    near = [p for p in problems if "near-copy" in p]
    assert near and "held-out en question 2 is a near-copy of the training example" in near[0]
    shown = "\n".join(problems).replace("'is asking for dowry a crime in bangladesh?'", "")
    assert not any(text in shown for text in ("is dowry a crime", "is asking for dowry", "passport", "no such question"))


@pytest.mark.parametrize("question_set", ["test", "margins"])
def test_only_the_development_questions_can_be_printed(question_set: str, capsys) -> None:
    from knowledge.evaluate import main

    with pytest.raises(SystemExit):
        main(["--set", question_set, "--show-texts"])
    assert "--show-texts needs --set dev" in capsys.readouterr().err


def test_every_question_set_asks_about_every_item_in_every_form() -> None:
    """(The development sets lost their near-copies of training examples, so a form may miss an item there.)"""
    from knowledge.kb import FORMS, QUESTION_SETS, read_question_set

    kb = knowledge_base()
    for name, folder in QUESTION_SETS.items():
        questions, out_of_scope = read_question_set(folder)
        assert {q.expected for q in questions} == set(kb.items), name
        for form in FORMS:
            assert len({q.expected for q in questions if q.form == form}) >= 0.95 * len(kb.items), (name, form)
            assert any(f == form for f, _ in out_of_scope), (name, form)


def test_the_selector_reads_spelling_variants_and_the_exact_letters() -> None:
    """Its features: the intent classifier's views (words, folded words, folded character n-grams) and the
    character n-grams of the text as written (knowledge/features.py), never a change to safety/features.py."""
    from knowledge.features import vectorizer
    from safety.features import vectorizer as intent_vectorizer

    names = [name for name, _ in vectorizer().transformer_list]
    assert names[:3] == [name for name, _ in intent_vectorizer().transformer_list] and names[3:] == ["chars", "concepts"]


@pytest.mark.parametrize("same", [
    ["বাল্যবিবাহের আইন", "বিয়ের আইন", "biyer ain", "marriage laws"],
    ["যৌতুক চাইলে", "joutuk chaile", "dowry wanted"],
    ["মেয়েদের উপবৃত্তি", "meyeder upobritti", "girls' stipends"],
    ["পুলিশ কোথায়", "police kothay", "where are the police"],
])
def test_the_same_question_in_three_forms_has_the_same_concepts(same: list[str]) -> None:
    """The fifth view: words of content/concepts.yml, found with their Bangla, Banglish and English endings, read
    as one concept whatever the form, so that an example in one form teaches the selector the others."""
    from knowledge.features import concepts
    from safety.features import prepare

    seen = {" ".join(sorted(concepts(prepare(text)).split())) for text in same}  # a bag of concepts: order is free
    assert len(seen) == 1 and "" not in seen, seen


def test_the_concept_check_refuses_a_word_it_could_never_find_or_a_word_in_two_concepts(tmp_path: Path) -> None:
    from knowledge.check import concept_problems

    path = tmp_path / "concepts.yml"
    path.write_text("marriage: [marriage, বিয়ে, biye]\nwedding: [wedding, biye]\nparents: [ma-baba, parents]\n"
                    "Bad-Id: [a1, b1]\nlonely: [lonely]\n", encoding="utf-8")
    problems = concept_problems(path)
    assert any("'biye' is also a word of marriage" in p for p in problems)
    assert any("'ma-baba' is not one word" in p for p in problems)
    assert any("Bad-Id" in p and "lower_snake_case" in p for p in problems)
    assert any("lonely" in p and "at least two words" in p for p in problems)
    assert len(problems) == 4
    assert concept_problems() == []  # the shipped lexicon


def test_a_hedged_answer_names_its_question_and_offers_the_alternatives_first() -> None:
    from knowledge.selector import Choice

    book, kb = answer_book(), knowledge_base()
    item, others = kb.items["cm_legal_age"], [kb.items["ev_work_min_age"], kb.items["cm_groom_under21"]]
    for lang in ("en", "bn"):
        reply = book.hedged(Choice(item, [item, *others], 0.3, hedged=True), lang)
        first, rest = reply.text.split("\n", 1)
        assert item.question[lang] in first and rest.startswith(item.short[lang])
        assert [b["title"] for b in reply.buttons[:2]] == [o.question[lang] for o in others]
        assert len(reply.buttons) <= 4 and len({b["payload"] for b in reply.buttons}) == len(reply.buttons)


def test_an_item_button_payload_carries_its_intent_and_id() -> None:
    item = knowledge_base().items["child_marriage_law"]
    payload = item_payload(item)
    assert payload.startswith("/child_marriage_law{") and json.loads(payload[len("/child_marriage_law"):]) == {"item": item.id}


# -- end to end: the real Rasa server and action server ------------------------------------------------

def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def answered_item(replies: list[dict], lang: str) -> str | None:
    """The id of the item whose short answer opens the reply (after the line naming the question, when the
    answer is hedged), if any."""
    body = texts(replies)
    hedge = answer_book().texts["seems_like"][lang].split("{")[0]
    if body.startswith(hedge):
        body = body.split("\n", 1)[-1]
    for item in knowledge_base().items.values():
        if body.startswith(item.short[lang]):
            return item.id
    return None


# One everyday question per topic in each form, none of them a training example, with the item that answers it
# (several are the questions a content review found answered with another topic's text).
QUESTIONS = [
    ("en", "can boys be trafficked?", "risk_boys_trafficked"),
    ("bn", "আমার ছবি ফেসবুকে ছেড়ে দেওয়ার হুমকি দিচ্ছে", "risk_sextortion"),
    ("banglish", "chele ra ki pachar hoy?", "risk_boys_trafficked"),
    ("en", "what is the legal age of marriage for girls in bangladesh", "cm_legal_age"),
    ("bn", "যৌতুক চাওয়া কি অপরাধ?", "cm_dowry_illegal"),
    ("banglish", "kazi biye porano age ki check korbe", "cm_age_proof"),
    ("en", "what is a probation officer", "rr_probation_officer"),
    ("bn", "মানব পাচার করলে সর্বোচ্চ কী শাস্তি হতে পারে?", "rr_trafficking_penalty"),
    ("banglish", "shishu adalot ki jinish", "rr_childrens_court"),
    ("en", "a man offers my 13-year-old a garment job in Dhaka", "lure_child_garment_job"),
    ("bn", "দালাল আমার পাসপোর্ট নিজের কাছে রেখে দিতে চায়", "lure_passport_kept"),
    ("banglish", "amar boyfriend amake india niye biye korte chay", "lure_boyfriend_elope"),
    ("en", "how do I get a birth certificate for my sister?", "ev_birth_cert_sibling"),
    ("bn", "জন্ম নিবন্ধন করতে কত টাকা লাগে?", "ev_birth_reg_fee"),
    ("banglish", "kon boyos theke bacchara kaj korte pare", "ev_work_min_age"),
    ("en", "some boys follow me and pass comments on my way to school", "ev_street_harassment"),
    ("en", "what government allowances can poor families get", "social_protection_info"),
    ("bn", "গর্ভবতী মায়ের ভাতা কীভাবে পাবো", "sp_mcbp_who"),
    ("banglish", "protibondhi vata kivabe pabo", "sp_disability_allowance"),
    # Questions that got another item's answer or "not sure" until their items were added (2026-12-06).
    ("bn", "শিশু ধর্ষণের সাজা কী আইনে?", "rr_rape_law"),
    ("en", "is a teacher allowed to hit students with a cane?", "ev_school_punishment"),
    ("banglish", "class er chele ra amake niye moja kore, ki korbo", "ev_school_bullying"),
    ("en", "what fine does someone pay for employing a child?", "ev_child_labour_penalty"),
    ("bn", "দালাল বিদেশ পাঠাবে বলে টাকা নিয়ে পালিয়েছে, এখন কী করব?", "lure_cheated_money"),
    ("banglish", "saudi jaite sorkar koto taka khoroch thik kore diyeche", "lure_migration_cost"),
    ("en", "how can i tell if someone's touch is not okay?", "ev_good_touch"),
    ("bn", "আমার বোন কুয়েতে কাজ করতে গেছে, মার্চের পর থেকে কেউ ওর কোনো খবর পাচ্ছে না", "lure_abroad_no_contact"),
    ("en", "my 16 year old brother was caught in a fight case, can the court send him to prison?", "rr_child_in_conflict"),
    ("banglish", "pothoshishu der jonno sorkari kono home ache", "sp_street_children"),
    ("bn", "এসিড মারলে কী সাজা হয়", "ev_acid_attack"),
    ("banglish", "hijra der jonno ki kono sorkari vata ache", "sp_hijra_allowance"),
    ("en", "someone opened a fake facebook id with my photos, what should i do", "risk_fake_account"),
    ("en", "my husband works in qatar and the company has not paid him for 4 months", "lure_unpaid_wages_abroad"),
    ("bn", "পাচারকারী ধরা পড়ার পর কি জামিনে বের হয়ে যেতে পারে?", "rr_trafficker_bail"),
    ("en", "people keep posting mean memes about me on facebook, what should i do", "risk_online_bullying"),
    ("banglish", "amar bon er boyos 15, dalal bolche saudi te kajer jonno pathabe, eta ki jay?", "lure_underage_migration"),
    ("banglish", "ammu bole school bad diye kaj korte hobe", "ev_leave_school_work"),
    ("en", "what should I do if my employer doesn't pay my salary in dhaka", "ev_unpaid_wages_home"),
    ("bn", "কওমি মাদ্রাসায় উপবৃত্তি আছে?", "sp_madrasa_stipend"),
    ("banglish", "gramer salish e dhorshon er mimangsa kora jay?", "rr_shalish_settlement"),
    ("en", "where can I learn a skill to earn money", "sp_skills_training"),
    ("bn", "শিশুদের দিয়ে জোর করে ভিক্ষা করানো হয়", "ev_child_begging"),
    ("banglish", "chotto bacchader diye yaba pachar kora hoy", "ev_child_drug_carrier"),
    ("en", "someone shared a sexual video of a child, what is the punishment", "risk_child_abuse_images"),
    ("banglish", "shishu opohoron er shasti ki", "rr_child_kidnapping"),
    ("bn", "বাংলাদেশে কি দত্তক নেওয়া যায়", "rr_adoption"),
    ("en", "how to protect my child from trafficking", "risk_protect_my_child"),
    ("en", "can a 12 year old go to the thana and complain alone", "rr_child_can_report"),
    ("bn", "বাবা মা আলাদা হয়ে গেলে আমি কার কাছে থাকব", "rr_custody_divorce"),
    ("banglish", "amar baba ma nei, ami kothay thakbo", "sp_orphan_care"),
    ("bn", "নারী নির্যাতনের মামলা কোন আদালতে হয়", "rr_repression_tribunal"),
    ("banglish", "probashi kormir mrittu hole khotipuron ki pawa jay", "lure_death_abroad"),
    ("en", "my sister works as a maid in saudi and says the family there beats her, what can we do", "lure_abused_abroad"),
    ("banglish", "online e porichoy howa meye bar bar taka chay, ki korbo", "risk_online_money_scam"),
    ("bn", "বিয়ে বন্ধ হওয়ার পর বরপক্ষ হুমকি দিতেছে, বাড়িতে থাকতে ভয় পাই", "cm_after_stopped"),
    ("banglish", "online e ghore bose job, registration fee 800 taka chaise, eta ki bhuya?", "risk_online_job_scam"),
    ("en", "As a teacher, what signs show a student might be facing abuse at home?", "ev_abuse_signs"),
    ("bn", "ধর্ষণের পর থেকে মাসিক হচ্ছে না, গর্ভবতী হলে এখন কী করব", "rr_pregnancy_after_rape"),
    ("banglish", "biyer por ekhon baccha nite chai na, pill ba injection kothay free pabo", "cm_delay_pregnancy"),
    ("en", "what rights do children have under the UN convention", "rr_child_rights_list"),
    ("bn", "শিশু কল্যাণ বোর্ডে কারা থাকে আর বোর্ড কী সিদ্ধান্ত নেয়", "rr_child_welfare_board"),
    ("banglish", "meye uddhar er por safe home e ase, koto din rakhbe r ke thik kore", "risk_shelter_after_rescue"),
    ("en", "the maths sir says if i dont join his coaching he will cut my marks, is that allowed", "ev_coaching_pressure"),
    ("bn", "প্রবাসে থাকা অবস্থায় ছেলের জন্ম, দূতাবাস থেকে কি জন্ম নিবন্ধন করা যায়", "ev_birth_reg_abroad"),
    ("banglish", "baccher baba chole gese, babar nam chara ki jonmo nibondhon hobe", "ev_birth_reg_no_father"),
    ("bn", "নানির বয়স্ক ভাতা যে নম্বরে আসে সেই সিম হারিয়ে গেছে, নম্বর বদলাব কীভাবে", "sp_change_account"),
    ("en", "i was abused by a neighbour when i was 10, now im 17, is it too late to tell someone or file a case", "rr_report_past_abuse"),
    ("banglish", "choto bhai ekta dokane kaj kore, portei chay, kono school ache ki tar jonno", "ev_second_chance_school"),
    ("bn", "আমাদের গ্রামে এক লোক নিজেকে কাজী বলে বিয়ে পড়ায়, সে আসল কাজী কি না কোথায় খোঁজ নেব", "cm_kazi_licence"),
    ("en", "my daughter has to give her statement before a magistrate next week, will a woman magistrate take it and can i sit with her", "rr_statement_164"),
    ("banglish", "meye ar case chalate chay na, amra ki mamla tule nite pari, kono jhamela hobe?", "rr_withdraw_case"),
    ("en", "my father works in saudi with bmet clearance, i got gpa 5 in ssc, is there a scholarship for me", "sp_migrant_child_support"),
    ("bn", "আমার ছেলের অটিজম আছে বলে সরকারি প্রাইমারি স্কুল ভর্তি নিচ্ছে না, এটা কি আইনে চলে", "ev_disability_school"),
    ("banglish", "amra bede, nouka te thaki, sthayi thikana nai, bachar jonmo nibondhon kothay korbo", "ev_birth_reg_no_address"),
    ("en", "my birth certificate got lost in the flood, how do i get a copy from the union parishad", "ev_birth_cert_lost"),
    ("en", "we are christian, does the child marriage law apply to our church weddings too", "cm_law_all_religions"),
    ("bn", "আমরা ঋষি সম্প্রদায়ের, স্কুলে আমাদের বাচ্চাদের আলাদা বেঞ্চে বসায়, কোথায় অভিযোগ করব", "ev_caste_discrimination"),
    ("bn", "মামলা করার পর আসামির লোকজন হুমকি দিচ্ছে সাক্ষী দিলে ক্ষতি করবে, আমাদের নিরাপত্তার কী ব্যবস্থা আছে", "rr_threats_after_case"),
    ("banglish", "nanir boyosko bhata 2 kisti dhore ase nai, kothay jogajog korbo", "sp_allowance_not_paid"),
    ("en", "my daughter is deaf and was abused by a neighbour, will the court accept her evidence in sign language", "rr_disabled_witness"),
    ("bn", "জন্ম নিবন্ধন নেই, স্কুলের সনদে আর এনআইডিতে বয়স আলাদা, আদালত শিশুর আসল বয়স কীভাবে ঠিক করে", "rr_age_decided"),
    ("en", "im a teacher and a pupil told me her uncle abuses her at home, am i legally required to report it and to whom", "ev_teacher_report_abuse"),
    ("banglish", "amader union er balyobibaho protirodh committee kono din meeting kore na, ekhon ki korbo", "cm_prevention_committee"),
    ("en", "im a trans girl of 16 and my family threw me out because of it, where can i get help", "ev_hijra_teen_support"),
    ("bn", "দালালকে টাকা দিয়ে নৌকায় মালয়েশিয়া যাওয়া কি পাচার, নাকি অভিবাসী চোরাচালান? পার্থক্য কী", "rr_smuggling_vs_trafficking"),
    ("banglish", "jatka dhora bondho thakle jele poribar ki sorkari chal pay, jele card na thakle ki hobe", "sp_fishing_ban_support"),
    ("en", "someone filed a fake case against my father because we reported my cousins child marriage, what can we do", "rr_false_case"),
    ("bn", "শিক্ষক হিসেবে জানতে চাই, আমার স্কুলের কয়েকজন ছাত্র ইটভাটায় কাজে চলে গেছে, আমি কী করতে পারি", "ev_teacher_dropout_work"),
    ("banglish", "jonmo nibondhon ta asol kina online e kivabe jachai korbo", "ev_birth_cert_check_online"),
    ("bn", "শিশু গৃহকর্মীদের দেখভাল করে কোন অফিস? ইউপি মেম্বার কি বাসায় গিয়ে খোঁজ নিতে পারে", "ev_domestic_worker_oversight"),
    ("banglish", "amar jonmo sonode abbur namer banan vul, exam registration er age kivabe thik korbo", "ev_birth_cert_correction"),
    ("en", "i am 16 and pregnant, where can i get free checkups and will the clinic tell the police", "cm_pregnant_care"),
    ("en", "the traffic police slapped me and took my money, where can i complain about them", "rr_police_abuse"),
    ("bn", "দোকানের মালিক আমাকে বাজে ইঙ্গিত করে আর গায়ে হাত দেয়, কোথায় অভিযোগ করবো", "ev_work_harassment"),
    ("banglish", "amar meye r down syndrome, free therapy r special school kothay pabo", "sp_disability_therapy"),
    ("en", "the accused is powerful in our district, can my daughter's rape case be moved to a court somewhere else",
     "rr_case_transfer"),
    ("en", "my parents pluck leaves on a tea estate, is there any scholarship for me and can the garden put me to work at 13",
     "ev_tea_garden_school"),
    ("bn", "বাবা জেলে আছে, আমার বয়স ১৪, জেলখানায় গিয়ে কীভাবে দেখা করবো", "rr_parent_in_prison"),
    ("banglish", "amar chele tongi unnoyon kendro te ase, dekha korte ki kagoj lage ar okhane ki porashona hoy",
     "rr_development_centre"),
    ("bn", "আমরা দুজনেই ১৭, পালিয়ে বিয়ে করলে কি আমাদের জেল হবে", "cm_runaway_couple"),
    ("en", "a man says he will take our village children to a free boarding school in dhaka, how can we check it is genuine",
     "lure_free_education_offer"),
    ("banglish", "ami garo, college e porar jonno sorkari kono britti ase?", "sp_adivasi_stipend"),
]


def test_every_topic_is_asked_in_every_form() -> None:
    asked = {(knowledge_base().items[e].topic, f) for f, _, e in QUESTIONS}
    assert asked == {(t, f) for t in knowledge_base().topics for f in ("en", "bn", "banglish")}


def test_medical_care_after_abuse_explains_what_a_one_stop_crisis_centre_does(rasa_stack: RasaStack) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, "where can a girl get medical care after sexual abuse")
    assert "One-Stop Crisis Centre" in texts(replies) and "Source:" in texts(replies)


@pytest.mark.parametrize("form,message,expected", QUESTIONS, ids=[f"{f}:{e}" for f, _, e in QUESTIONS])
def test_a_question_per_topic_and_form_gets_the_item_that_answers_it(rasa_stack: RasaStack, form: str,
                                                                     message: str, expected: str) -> None:
    lang = "en" if form == "en" else "bn"
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert answered_item(replies, lang) == expected, texts(replies)[:300]
    assert ("Source:" if lang == "en" else "সূত্র:") in texts(replies)
    assert all(len(b["payload"].encode()) <= 64 for r in replies for b in r.get("buttons", []))


def test_a_button_opens_exactly_its_item(rasa_stack: RasaStack, sender: str) -> None:
    item = next(i for i in knowledge_base().items.values() if i.id != i.intent)
    rasa_stack.send(sender, "hello")  # English from here on
    replies = rasa_stack.send(sender, item_payload(item))
    assert texts(replies) == answer_book().reply(item.id, "en").text


def test_a_bare_intent_button_opens_the_general_answer(rasa_stack: RasaStack, sender: str) -> None:
    rasa_stack.send(sender, "hello")
    assert texts(rasa_stack.send(sender, "/child_marriage_law")) == answer_book().reply("child_marriage_law", "en").text


@pytest.mark.parametrize("message", [
    "how much does a passport cost in bangladesh?",
    "ভোটার আইডি কার্ড হারিয়ে গেলে কী করব?",
])
def test_a_question_no_item_answers_gets_not_sure_with_helplines_never_another_answer(rasa_stack: RasaStack,
                                                                                      message: str) -> None:
    lang = "bn" if any("\u0980" <= c <= "\u09ff" for c in message) else "en"
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert answered_item(replies, lang) is None, texts(replies)[:300]
    assert "999" in texts(replies)
    if any(b["payload"].startswith('/') and '{"item"' in b["payload"] for r in replies for b in r.get("buttons", [])):
        assert "1098" in texts(replies) and "109" in texts(replies)  # "not sure": closest items and the helplines


def test_a_question_read_as_small_talk_gets_its_item_and_small_talk_keeps_its_reply(rasa_stack: RasaStack) -> None:
    """"..., is that true?" reads as "are you a bot?" to Rasa; the selector is plainly sure of the item, so the
    item answers. A real "are you a robot?" still gets the plain statement that this is a program."""
    replies = rasa_stack.send(uuid.uuid4().hex, "boat e kore malaysia gele naki manush mara jay, eta ki sotti?")
    assert answered_item(replies, "bn") == "risk_rohingya_boat", texts(replies)[:300]
    sender = uuid.uuid4().hex
    rasa_stack.send(sender, "hello")  # English from here on
    assert "automated assistant (a computer program)" in texts(rasa_stack.send(sender, "are you a robot?"))
    assert "/help" in {b["payload"] for r in rasa_stack.send(sender, "/greet") for b in r.get("buttons", [])}


def test_crisis_still_comes_first_for_a_knowledge_topic(rasa_stack: RasaStack) -> None:
    replies = rasa_stack.send(uuid.uuid4().hex, "my boyfriend is taking me to india right now, please help")
    assert all(n in replies[0]["text"] for n in EMERGENCY)


@pytest.mark.parametrize("message,lang,expected", [
    ("my father beats me every day, what can I do", "en", "ev_hurt_at_home"),
    # (Not "amar biye aj rate dicche, kivabe biye bondho korbo": since the concept view its lead over the close
    # cm_wedding_today is 0.41, under the plain margin, so it gets the emergency numbers and no item.)
    ("ajke amar biye dicche, ami 14, biye kivabe thamabo", "bn", "cm_forced_own"),
    ("আজ রাতে আমার বিয়ে দিচ্ছে, আমি কীভাবে বিয়ে বন্ধ করব", "bn", "cm_forced_own"),
    ("please help they locked me in a room", "en", None),
])
def test_crisis_first_then_the_answer_the_message_also_asked_for(rasa_stack: RasaStack, message: str, lang: str,
                                                                 expected) -> None:
    """The emergency numbers are the first reply, always; a plain question inside the message gets its item's
    short answer after them, and a message that only reports danger gets nothing more from the knowledge base."""
    replies = rasa_stack.send(uuid.uuid4().hex, message)
    assert all(n in replies[0]["text"] for n in EMERGENCY)
    book = answer_book()
    after = [r for r in replies[1:] if r.get("text", "").startswith(book.t("also_helps", lang))]
    if expected is None:
        assert not after, texts(replies)[:300]
    else:
        assert [r["text"] for r in after] == [book.short(book.kb.items[expected], lang, intro="also_helps").text]
        assert after[0]["buttons"][0]["payload"] == item_payload(book.kb.items[expected])


def test_the_held_out_and_development_sets_never_reach_rasa_training(tmp_path: Path) -> None:
    """nlu_data/test/ and nlu_data/dev/ are read by the evaluation only: not passed to `rasa train`, and a
    change there does not retrain the model."""
    from tools.model import HASHED_PATHS, source_hash, training_files

    for name in HASHED_PATHS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if "." in name:
            (tmp_path / name).write_text("", encoding="utf-8")
        else:
            (tmp_path / name).mkdir(exist_ok=True)
    for folder in ("nlu", "test", "dev"):
        (tmp_path / "nlu_data" / folder).mkdir(parents=True)
        (tmp_path / "nlu_data" / folder / "a.yml").write_text("nlu: []\n", encoding="utf-8")
    assert training_files(tmp_path) == ["nlu_data/nlu"]
    before = source_hash(tmp_path)
    (tmp_path / "nlu_data" / "test" / "a.yml").write_text("crisis: {}\n", encoding="utf-8")
    (tmp_path / "nlu_data" / "dev" / "b.yml").write_text("crisis: {}\n", encoding="utf-8")
    assert source_hash(tmp_path) == before
    (tmp_path / "nlu_data" / "nlu" / "a.yml").write_text("nlu: [] # edited\n", encoding="utf-8")
    assert source_hash(tmp_path) != before


def test_held_out_questions_are_never_training_examples() -> None:
    from knowledge.check import check

    assert not [p for p in check() if "held-out" in p or "out-of-scope" in p]


def test_a_near_copy_of_a_held_out_question_is_refused_but_a_paraphrase_is_not() -> None:
    from knowledge.check import near_copies

    trained = ["how to register a death", "kazi office e biye registry korte koto taka lage", "what is the legal age to marry"]
    held = [("a", "how do i register a death"), ("b", "kazi office e nikah registry korte koto taka lage"),
            ("c", "at what age may a girl be married under the law"), ("d", "মৃত্যু নিবন্ধন কীভাবে করে")]
    assert [(where, example) for (where, _), example, _ in near_copies(held, trained)] == [
        ("a", "how to register a death"), ("b", "kazi office e biye registry korte koto taka lage")]


def test_kb_files_are_one_per_topic() -> None:
    kb = knowledge_base()
    for topic, meta in kb.topics.items():
        assert Path(meta["file"]).stem == topic
        assert {"en", "bn"} <= set(meta["title"])


@pytest.mark.e2e
@pytest.mark.parametrize("text", ["social services office in Jessore", "samaj seba office kothay",
                                  "কাছের সমাজসেবা অফিসের ঠিকানা", "DSS office near me"])
def test_a_plain_office_search_carries_no_knowledge_answer(text: str) -> None:
    """find_social_protection's messages no longer teach the selector's NONE class ("where do I apply for the widow
    allowance?" is also a scheme question), yet a search that asks nothing more still gets only the search."""
    from knowledge.selector import answer_selector

    assert answer_selector().also_answers(knowledge_base(), text, "find_social_protection") is None
