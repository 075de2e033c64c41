"""The answer selector alone on the held-out knowledge questions, in seconds (`python -m tools.evaluate --selector`).

For content editors and whoever changes the selector: fits a fresh selector on the training examples
(content/kb/, its examples/ and not_answered.yml, the other intents' NLU data; never the held-out set),
then replays the held-out questions of nlu_data/test/kb/ through the same decision as the bot (Rasa's
intent, then the selector's three bands) and prints, per form:
- the selector's own ranking: the expected item first (top-1) or among the first three (top-3);
- what the user would get: the right item plainly, the right item hedged, "not sure", a wrong item
  plainly (the harmful case), a wrong item hedged, or another flow (the intent routed it elsewhere: the
  emergency reply or a service search, followed by an item's short answer when the selector picks one
  plainly, counted as right or wrong like any answer, and "r.after");
- for the out-of-scope questions: "not sure", a hedged answer, a plain answer (the harmful case).

With Rasa's intents, as in the bot: `python -m tools.evaluate --selector` (`make eval` without the
rest; the intents are parsed once with the trained model and cached in models/, so a run costs one
selector fit, about 20 s). `python -m knowledge evaluate-selector` needs no trained model: every
question goes to the selector with no intent (no hedged band, nothing routed elsewhere).
The confusions are listed by item id. `--set dev` replays the development questions instead
(nlu_data/dev/kb/, knowledge.kb.QUESTION_SETS), and only there `--show-texts` also prints the questions: read
them to see what the examples miss, then write new examples in your own words from the item's answer.
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import time
from pathlib import Path
from typing import Callable, Optional

from knowledge.kb import FORMS, QUESTION_SETS, KnowledgeBase, Question, knowledge_base, read_question_set

NOT_SURE = "NOT_SURE"
ROUTED = "ROUTED:"


def reply_of(selector, kb: KnowledgeBase, intent: Optional[str], text: str) -> tuple[str, list[str], bool, bool]:
    """What the bot answers (an item id, NOT_SURE, or ROUTED:<intent> when the intent has its own flow), the
    item ids offered as buttons ("did you mean" when not sure, the alternatives of a hedged answer), whether
    the answer was hedged, and whether the item's short answer followed another flow's reply (the emergency
    numbers, a service search: FLOW_INTENTS). The same decisions as actions/knowledge.py and
    actions/referrals.about_service."""
    from knowledge.selector import SELECTABLE_INTENTS, keeps_own_reply

    if intent is not None and intent not in SELECTABLE_INTENTS:
        item = selector.also_answers(kb, text, intent)
        return (item.id, [], False, True) if item else (f"{ROUTED}{intent}", [], False, False)
    choice = selector.choose(kb, text, intent)
    if choice.answered:
        return choice.item.id, [item.id for item in choice.candidates if choice.hedged], choice.hedged, False
    if keeps_own_reply(choice, intent):  # the hotline list, the menu, "I can only help with...", small talk: no buttons
        return f"{ROUTED}{intent}", [], False, False
    return NOT_SURE, [item.id for item in choice.candidates], False, False


def gave_an_item(row: dict) -> bool:
    """The reply answered with an item (plainly or hedged): not "not sure", not another flow."""
    return row["answer"] != NOT_SURE and not row["answer"].startswith(ROUTED)


def evaluate(selector, kb: KnowledgeBase, questions, question_intents, out_of_scope, oos_intents) -> dict:
    """The figures described in the module docstring, per form and overall, and the confusions."""
    from knowledge.selector import NONE

    rows = []
    for question, intent in zip((Question(*q) for q in questions), question_intents):
        ranking = [label for label, _ in selector.rank(question.text) if label != NONE]
        answer, buttons, hedged, after_flow = reply_of(selector, kb, intent, question.text)
        rows.append({"form": question.form, "text": question.text, "expected": question.expected,
                     "ranking": ranking[:3], "answer": answer, "buttons": buttons, "hedged": hedged, "intent": intent,
                     "after_flow": after_flow, "fits": question.answered_by(answer),
                     "top_fits": question.answered_by(ranking[0]),
                     "top3_fits": any(question.answered_by(label) for label in ranking[:3]),
                     "offered": any(question.answered_by(label) for label in (answer, *buttons)), "also": question.also})
    oos_rows = []
    for (form, text), intent in zip(out_of_scope, oos_intents):
        answer, _, hedged, after_flow = reply_of(selector, kb, intent, text)
        oos_rows.append({"form": form, "text": text, "answer": answer, "hedged": hedged, "after_flow": after_flow})
    per_form = {}
    for form in (*FORMS, "overall"):
        mine = [r for r in rows if form in ("overall", r["form"])]
        oos = [r for r in oos_rows if form in ("overall", r["form"])]
        n, n_oos = max(1, len(mine)), max(1, len(oos))
        right = [r for r in mine if r["fits"]]
        wrong = [r for r in mine if not r["fits"] and gave_an_item(r)]
        oos_answered = [r for r in oos if gave_an_item(r)]
        per_form[form] = {
            "questions": len(mine),
            "top1": sum(r["top_fits"] for r in mine) / n,
            "top3": sum(r["top3_fits"] for r in mine) / n,
            "right": len(right) / n,
            "right_as_labelled": sum(r["answer"] == r["expected"] for r in mine) / n,
            "right_plain": sum(not r["hedged"] for r in right) / n,
            "right_hedged": sum(r["hedged"] for r in right) / n,
            "right_after_flow": sum(r["after_flow"] for r in right) / n,
            "offered": sum(r["offered"] for r in mine) / n,
            "not_sure": sum(r["answer"] == NOT_SURE for r in mine) / n,
            "routed": sum(r["answer"].startswith(ROUTED) for r in mine) / n,
            "wrong_plain": sum(not r["hedged"] for r in wrong) / n,
            "wrong_hedged": sum(r["hedged"] for r in wrong) / n,
            "oos": len(oos),
            "oos_not_sure": 1 - len(oos_answered) / n_oos,
            "oos_hedged": sum(r["hedged"] for r in oos_answered) / n_oos,
            "oos_plain": sum(not r["hedged"] for r in oos_answered) / n_oos,
        }
    confusions = collections.Counter(
        (r["expected"], r["answer"] + (" (hedged)" if r["hedged"] else ""))
        for r in rows if not r["fits"] and gave_an_item(r))
    ranking_confusions = collections.Counter((r["expected"], r["ranking"][0]) for r in rows if not r["top_fits"])
    return {"per_form": per_form, "confusions": confusions, "ranking_confusions": ranking_confusions,
            "rows": rows, "oos_rows": oos_rows}


COLUMNS = (("top1", "top-1"), ("top3", "top-3"), ("right", "right"), ("right_plain", "r.plain"),
           ("right_hedged", "r.hedged"), ("right_after_flow", "r.after"), ("offered", "offered"), ("not_sure", "not sure"), ("routed", "routed"),
           ("wrong_plain", "WRONG pl"), ("wrong_hedged", "wrong hd"), ("oos_not_sure", "oos ns"),
           ("oos_hedged", "oos hd"), ("oos_plain", "OOS PL"))


def render(result: dict, errors: int = 25, show_texts: bool = False) -> str:
    lines = ["form      n     " + " ".join(f"{title:>8}" for _, title in COLUMNS)]
    for form, v in result["per_form"].items():
        lines.append(f"{form:<9} {v['questions']:<5} " + " ".join(f"{v[key]:8.3f}" for key, _ in COLUMNS))
    if errors:
        lines += ["", f"Most frequent wrong answers (expected -> answered: count), first {errors}:"]
        lines += [f"  {e} -> {a}: {c}" for (e, a), c in result["confusions"].most_common(errors)]
        lines += ["", f"Most frequent ranking confusions (expected -> ranked first: count), first {errors}:"]
        lines += [f"  {e} -> {a}: {c}" for (e, a), c in result["ranking_confusions"].most_common(errors)]
        oos = [r for r in result["oos_rows"] if gave_an_item(r)]
        lines += ["", f"Out-of-scope questions answered ({len(oos)}):"]
        lines += [f"  [{r['form']}] -> {r['answer']}{' (hedged)' if r['hedged'] else ''}"
                  + (f": {r['text']}" if show_texts else "") for r in oos]
    if show_texts:
        lines += ["", "Wrong answers:"]
        lines += [f"  [{r['form']}] {r['text']} -> {r['answer']}{' (hedged)' if r['hedged'] else ''} (expected {r['expected']})"
                  for r in result["rows"] if not r["fits"] and gave_an_item(r)]
    return "\n".join(lines)


def run(intents_of: Optional[Callable[[list[str]], Optional[list[str]]]] = None, fit: Optional[Callable] = None,
        question_set: str = "test") -> dict:
    """Fit a selector on the training data (``fit(kb, none_texts)``, default AnswerSelector.fit) and evaluate it on
    one of QUESTION_SETS. ``intents_of(texts)`` gives Rasa's intent per text (tools/evaluate.py), or None: no intents."""
    from knowledge.selector import AnswerSelector, none_examples

    kb = knowledge_base()
    questions, out_of_scope = read_question_set(QUESTION_SETS[question_set])
    texts = [q.text for q in questions] + [t for _, t in out_of_scope]
    intents = intents_of(texts) if intents_of else None
    if intents is None:
        print("Without Rasa's intents: every question goes to the selector, no hedged band.")
        intents = [None] * len(texts)
    selector = (fit or AnswerSelector.fit)(kb, none_examples())
    return evaluate(selector, kb, questions, intents[:len(questions)], out_of_scope, intents[len(questions):])


def main(argv: Optional[list[str]] = None, intents_of: Optional[Callable] = None,
         prog: str = "python -m knowledge evaluate-selector") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=25, help="how many confusions to list (0: none)")
    parser.add_argument("--set", dest="question_set", choices=sorted(QUESTION_SETS), default="test",
                        help="the questions to replay: test (the held-out measure; default), dev (to read) or margins "
                             "(never read: it sets the margins)")
    parser.add_argument("--show-texts", action="store_true",
                        help="print the questions answered wrongly (only of the dev set: whoever reads the others spends them)")
    parser.add_argument("--json", type=Path, default=None, help="also write the per-form figures to this file")
    args = parser.parse_args(argv)
    if args.show_texts and args.question_set != "dev":
        parser.error("--show-texts needs --set dev: the test and margins questions stay unread")
    logging.basicConfig(level=logging.ERROR)
    started = time.monotonic()
    result = run(intents_of, question_set=args.question_set)
    print(render(result, args.errors, args.show_texts))
    print(f"\n({time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(result["per_form"], indent=1), encoding="utf-8")
    return 0
