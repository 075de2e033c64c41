"""`make eval`: how well the trained model understands messages it never saw.

Reads the held-out sets in nlu_data/test/ (bn.yml, en.yml, banglish.yml and the crisis sets crisis*.yml), parses
every message with the trained model, and reports intent accuracy overall and per form, a per-intent F1
table, crisis recall and false-alarm rate per crisis set, and the most frequent confusions. Then the answer level:
the held-out questions of nlu_data/test/kb/ go through the same two stages as in the bot (Rasa's
intent, then the answer selector) and the report gives top-1 item accuracy per form, how often a
wrong item is answered, and how often out-of-scope questions get "not sure" instead of an answer.
Writes docs/evaluation.md, docs/evaluation.json and docs/confusion_matrix.png.

`python -m tools.evaluate --selector`: the answer selector alone, refitted on the training data, on the
held-out knowledge questions with Rasa's intents (cached): about 20 s, for whoever edits content/kb/ or
knowledge/selector.py (knowledge/evaluate.py).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import sys
from pathlib import Path
from typing import Iterable


from contract.text import read_yaml
from knowledge.kb import QUESTION_SETS
from tools.model import ROOT, model_path

FORMS = ("bn", "en", "banglish")
TEST_DIR = ROOT / "nlu_data" / "test"
DOCS = ROOT / "docs"


def load_test_sets() -> list[tuple[str, str, str]]:
    """(form, text, expected intent) for every held-out example."""
    from rasa.shared.nlu.training_data.loading import load_data

    rows = []
    for form in FORMS:
        for example in load_data(str(TEST_DIR / f"{form}.yml")).training_examples:
            rows.append((form, example.get("text"), example.get("intent")))
    return rows


def training_texts() -> set[str]:
    """Lower-cased training messages: a held-out message that is also here is not unseen."""
    from rasa.shared.nlu.training_data.loading import load_data

    return {e.get("text").strip().lower() for form in FORMS
            for e in load_data(str(ROOT / "nlu_data" / "nlu" / f"{form}.yml")).training_examples}


# The crisis sets, and what each one is. crisis.yml's look-alike texts were printed in docs/evaluation.md until
# 2026-12-05 and the rules were written against its crisis messages. crisis_fresh10.yml was written on 2026-12-06 by
# someone who read neither the rules nor the training data: it measures how detection generalises. (Nine fresh sets
# written before it were read to fix what they found and are now nlu_data/dev/crisis_dev3.yml to 7 and 9 to 12.)
CRISIS_SETS = {"crisis.yml": "first set (the rules were written against it; its texts were once published)",
               "crisis_fresh10.yml": "fresh set, 2026-12-06 (never read by whoever writes rules or training data)"}

# What each fresh crisis set measured while it was unread (docs/evaluation.md); the current one is in CRISIS_SETS.
CRISIS_HISTORY = (
    ("1 (crisis_dev3.yml)", "before round 1 (2026-12-05)", "0.856", "0.100"),
    ("1 (crisis_dev3.yml)", "round 1", "0.967", "0.093"),
    ("2 (crisis_dev4.yml)", "round 2 (+ SafetyNet's not-now veto)", "0.989", "0.080"),
    ("3 (crisis_dev5.yml)", "round 3", "0.978", "0.047"),
    ("4 (crisis_dev6.yml)", "round 4", "0.978", "0.060"),
    ("5 (crisis_dev7.yml)", "round 5", "0.978", "0.073"),
    ("6 (crisis_dev9.yml)", "round 6 (2026-12-06)", "0.989", "0.147"),
    ("6 (crisis_dev9.yml)", "+ hard look-alikes (crisis_dev8.yml, lookalikes_hard*.yml)", "0.989", "0.100"),
    ("7 (crisis_dev10.yml)", "round 7 (2026-12-06)", "0.989", "0.067"),
    ("8 (crisis_dev11.yml)", "round 8 (2026-12-06)", "0.933", "0.053"),
    ("9 (crisis_dev12.yml)", "round 9 (2026-12-06)", "0.978", "0.093"),
    ("10 (crisis_fresh10.yml, still unread)", "round 10 (2026-12-06)", "1.000", "0.040"),
)


def load_crisis_sets() -> dict[str, list[tuple[str, str, bool]]]:
    """{file name: [(form, text, is a crisis)]} for each crisis set in nlu_data/test/."""
    sets = {}
    for name in CRISIS_SETS:
        data = read_yaml(TEST_DIR / name)
        sets[name] = [(form, text, kind == "crisis") for kind in ("crisis", "non_crisis")
                      for form, texts in data[kind].items() for text in texts]
    return sets


async def parse_all(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    agent = Agent.load(str(model))
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def cached_intents(texts: list[str]) -> list[str] | None:
    """Rasa's intent for each held-out knowledge question with the current model, parsed once and cached in
    models/ under the model's and the texts' hash (for `--selector`); None without a trained model."""
    import hashlib

    from tools.model import MODELS_DIR

    model = model_path()
    if not model.exists():
        print("No trained model for the current sources (make train).", file=sys.stderr)
        return None
    key = hashlib.sha256("\0".join([model.name, *texts]).encode()).hexdigest()[:16]
    cache = MODELS_DIR / f"kb-heldout-intents-{key}.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    print(f"Parsing {len(texts)} held-out questions with {model.name} (once; cached in models/{cache.name})...", flush=True)
    intents = asyncio.run(parse_all(model, texts))
    cache.write_text(json.dumps(intents), encoding="utf-8")
    keep = len(QUESTION_SETS) + 1  # one per question set, and the one a changed set is replacing
    for old in sorted(MODELS_DIR.glob("kb-heldout-intents-*.json"), key=lambda p: p.stat().st_mtime)[:-keep]:
        old.unlink(missing_ok=True)
    return intents


def answer_report(questions, question_intents, out_of_scope, oos_intents) -> dict:
    """knowledge.evaluate's figures for the shipped selector, named as docs/evaluation.md shows them; the crisis
    reply is split out of "routed" (it is the crisis-first guarantee, not a miss of the answer selector)."""
    from knowledge.evaluate import ROUTED, evaluate, gave_an_item
    from knowledge.kb import knowledge_base
    from knowledge.selector import answer_selector

    result = evaluate(answer_selector(), knowledge_base(), questions, question_intents, out_of_scope, oos_intents)
    per_form = {}
    for form, v in result["per_form"].items():
        mine = [r for r in result["rows"] if form in ("overall", r["form"])]
        answers = [r["answer"] for r in mine]
        crisis = answers.count(f"{ROUTED}emergency") / max(1, len(answers))
        after_crisis = sum(r["after_flow"] and r["intent"] == "emergency" and r["fits"] for r in mine)
        after_search = sum(r["after_flow"] and r["intent"] != "emergency" and r["fits"] for r in mine)
        elsewhere = sum(a.startswith(ROUTED) and a != f"{ROUTED}emergency" for a in answers) / max(1, len(answers))
        per_form[form] = {
            "questions": v["questions"], "top1_accuracy": v["right"], "top1_plain": v["right_plain"],
            "top1_as_labelled": v["right_as_labelled"],
            "right_item_answered_or_offered": v["offered"], "not_sure": v["not_sure"], "crisis_reply": crisis,
            "routed_elsewhere": elsewhere, "wrong_item": v["wrong_plain"],
            "right_after_crisis_reply": after_crisis / max(1, len(mine)),
            "right_before_search": after_search / max(1, len(mine)),
            "wrong_item_hedged": v["wrong_hedged"], "selector_top1": v["top1"], "selector_top3": v["top3"]}
    overall = result["per_form"]["overall"]
    answered = [r for r in result["oos_rows"] if gave_an_item(r)]
    return {
        "per_form": per_form,
        "judged_also_answered": sum(bool(r["also"]) for r in result["rows"]),
        "out_of_scope": {"questions": overall["oos"], "dont_know_rate": overall["oos_not_sure"],
                         "hedged_rate": overall["oos_hedged"], "plain_answer_rate": overall["oos_plain"],
                         "answered_anyway": pair_counts(f"{r['answer']}{' (hedged)' if r['hedged'] else ''}"
                                                       for r in answered)},
        "wrong": pair_counts(f"{r['expected']} -> {r['answer']}{' (hedged)' if r['hedged'] else ''}"
                             for r in result["rows"] if not r["fits"]),
    }


def pair_counts(labels: Iterable[str]) -> list[str]:
    """"expected -> got" (item ids and outcomes, never the question texts) with how often, most frequent first.
    The held-out questions stay out of the docs: whoever writes training examples must not read them, or the
    evaluation would measure copies (`make content-check` refuses near-copies)."""
    return [f"{n} × {label}" for label, n in collections.Counter(labels).most_common()]


def margins_report() -> dict:
    """The selector's margins in use next to what `tune_margin` (the margins question set) suggests for the current
    content. They differ on purpose while that set is easier than the held-out one (knowledge/selector.py)."""
    from knowledge.kb import knowledge_base
    from knowledge import selector

    tuned = selector.tune_margin(selector.answer_selector(), knowledge_base())
    return {"in_use": {"margin": selector.MARGIN, "hedge_margin": selector.HEDGE_MARGIN},
            "tuned": {"margin": tuned["chosen"], "hedge_margin": tuned["hedge"]},
            "targets": {"wrong_of_answered": selector.WRONG_TARGET, "hedged_wrong_of_answered": selector.HEDGED_WRONG_TARGET},
            "questions": tuned["questions"], "out_of_scope": tuned["out_of_scope"], "table": tuned["table"]}


def f1_table(rows: list[tuple[str, str, str, str]]) -> dict[str, dict[str, float]]:
    table = {}
    for intent in sorted({r[2] for r in rows}):
        tp = sum(1 for r in rows if r[2] == intent and r[3] == intent)
        fp = sum(1 for r in rows if r[2] != intent and r[3] == intent)
        fn = sum(1 for r in rows if r[2] == intent and r[3] != intent)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        table[intent] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": tp + fn}
    return table


def confusion_png(rows: list[tuple[str, str, str, str]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = sorted({r[2] for r in rows} | {r[3] for r in rows})
    index = {name: i for i, name in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for _, _, expected, got in rows:
        matrix[index[expected], index[got]] += 1
    fig, ax = plt.subplots(figsize=(14, 12))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=5,
                        color="white" if i == j else "black")
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("expected intent")
    ax.set_title("Held-out test set: confusion matrix (all three forms)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    if "--selector" in sys.argv[1:]:
        from knowledge.evaluate import main as selector_main

        rest = [a for a in sys.argv[1:] if a != "--selector"]
        return selector_main(rest, intents_of=cached_intents, prog="python -m tools.evaluate --selector")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="model archive (default: the current one)")
    parser.add_argument("--show-crisis-texts", action="store_true",
                        help="print the held-out crisis messages missed and the false alarms (in the terminal only; "
                             "whoever reads them must not write rules or training data from them)")
    parser.add_argument("--selector", action="store_true",
                        help="only the answer selector, refitted on the training data, on the held-out knowledge "
                             "questions (about 20 s; knowledge/evaluate.py); its options: --selector --help")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    model = args.model or model_path()
    if not model.exists():
        print("No trained model for the current sources; run `make eval` (it trains first).", file=sys.stderr)
        return 1
    from knowledge.kb import read_question_set
    from safety.crisis import default_detector

    seen = training_texts()
    all_tests = load_test_sets()
    tests = [t for t in all_tests if t[1].strip().lower() not in seen]
    crisis_sets = load_crisis_sets()
    crisis = [row for rows in crisis_sets.values() for row in rows]
    questions, out_of_scope = read_question_set()
    predicted = asyncio.run(parse_all(model, [t for _, t, _ in tests] + [t for _, t, _ in crisis]
                                      + [q.text for q in questions] + [t for _, t in out_of_scope]))
    question_intents = predicted[len(tests) + len(crisis):len(tests) + len(crisis) + len(questions)]
    oos_intents = predicted[len(tests) + len(crisis) + len(questions):]
    rows = [(form, text, expected, got) for (form, text, expected), got in zip(tests, predicted)]
    crisis_rows = [(form, text, is_crisis, got == "emergency")
                   for (form, text, is_crisis), got in zip(crisis, predicted[len(tests):])]

    accuracy = {form: sum(r[2] == r[3] for r in rows if r[0] == form) / max(1, sum(r[0] == form for r in rows))
                for form in FORMS}
    accuracy["overall"] = sum(r[2] == r[3] for r in rows) / len(rows)
    emergency_test = [r for r in rows if r[2] == "emergency"]
    non_emergency = [r for r in rows if r[2] != "emergency"]
    lexicon = default_detector()
    by_set, start = {}, 0
    for name, set_rows in crisis_sets.items():
        by_set[name] = crisis_rows[start:start + len(set_rows)]
        start += len(set_rows)
    by_set["crisis.yml"] = by_set["crisis.yml"] + [(r[0], r[1], True, r[3] == "emergency") for r in emergency_test]
    report = {
        "model": model.name,
        "examples": len(rows),
        "left_out_as_seen_in_training": len(all_tests) - len(tests),
        "intent_accuracy": accuracy,
        "crisis": {name: crisis_figures(set_rows, lexicon) for name, set_rows in by_set.items()},
        "false_alarm_rate_on_other_test_messages": sum(r[3] == "emergency" for r in non_emergency) / len(non_emergency),
        "per_intent": f1_table(rows),
        "confusions": collections.Counter(f"{r[2]} -> {r[3]}" for r in rows if r[2] != r[3]).most_common(15),
        "answers": answer_report(questions, question_intents, out_of_scope, oos_intents),
        "margins": margins_report(),
    }
    DOCS.mkdir(exist_ok=True)
    (DOCS / "evaluation.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    confusion_png(rows, DOCS / "confusion_matrix.png")
    text = render(report)
    (DOCS / "evaluation.md").write_text(text)
    print(text)
    # The held-out crisis texts never go into docs/, and to this terminal only on request: whoever writes training
    # data or rules must not read them, or the next evaluation would measure copies.
    for name, set_rows in by_set.items():
        missed = [r[1] for r in set_rows if r[2] and not r[3]]
        alarms = [r[1] for r in set_rows if not r[2] and r[3]]
        if not args.show_crisis_texts:
            print(f"{name}: {len(missed)} crisis messages missed, {len(alarms)} false alarms "
                  "(texts: python -m tools.evaluate --show-crisis-texts; reading them spends the set)")
            continue
        for label, shown in (("MISSED CRISIS (fix before anything else)", missed), ("false alarm", alarms)):
            for t in shown:
                print(f"{name}: {label}: {t}")
    return 0


def crisis_figures(rows: list[tuple[str, str, bool, bool]], lexicon) -> dict:
    """Recall, the rule layer's own recall and the false-alarm rate on one crisis set: (form, text, is a crisis,
    read as emergency) rows."""
    positives = [r for r in rows if r[2]]
    negatives = [r for r in rows if not r[2]]
    return {
        "recall": sum(r[3] for r in positives) / len(positives),
        "positives": len(positives),
        "lexicon_alone_recall": sum(lexicon.is_crisis(r[1]) for r in positives) / len(positives),
        "missed": sum(not r[3] for r in positives),
        "false_alarm_rate_on_near_misses": sum(r[3] for r in negatives) / len(negatives),
        "near_misses": len(negatives),
        "false_alarms": sum(r[3] for r in negatives),
        "per_form_recall": {form: sum(r[3] for r in positives if r[0] == form) / max(1, sum(r[0] == form for r in positives))
                            for form in FORMS},
    }


def render(report: dict) -> str:
    acc, crisis = report["intent_accuracy"], report["crisis"]
    lines = [
        "# NLU evaluation on the held-out test set",
        "",
        f"Generated by `make eval` with model `{report['model']}` on {report['examples']} held-out messages "
        f"(nlu_data/test/; {report['left_out_as_seen_in_training']} more were left out because the same text, "
        "mostly short small talk, is also in the training data). "
        "Confusion matrix: [confusion_matrix.png](confusion_matrix.png).",
        "",
        "| form | intent accuracy |", "|---|---|",
        *[f"| {form} | {acc[form]:.3f} |" for form in (*FORMS, "overall")],
        "",
        *answer_lines(report["answers"]),
        *before_after_lines(report["answers"]),
        *margin_lines(report["margins"], report["answers"]["per_form"]["overall"]["selector_top1"]),
        "## Crisis detection (model + deterministic safety net)",
        "",
        "Per held-out crisis set: recall (danger now read as `emergency`), the rule layer's recall alone, and false "
        "alarms on look-alikes (messages that share words with a crisis but are none). The texts are never printed "
        "here (`python -m tools.evaluate --show-crisis-texts` shows them in the terminal).",
        "",
        "| set | crisis messages | recall | bn / en / banglish | rules alone | missed | look-alikes | false-alarm rate |",
        "|---|---|---|---|---|---|---|---|",
        *[f"| {name}: {CRISIS_SETS[name]} | {c['positives']} | **{c['recall']:.3f}** | "
          + " / ".join(f"{c['per_form_recall'][f]:.3f}" for f in FORMS)
          + f" | {c['lexicon_alone_recall']:.3f} | **{c['missed']}** | {c['near_misses']} | "
          f"{c['false_alarm_rate_on_near_misses']:.3f} ({c['false_alarms']}) |" for name, c in crisis.items()],
        "",
        f"False alarms on the other held-out messages: {report['false_alarm_rate_on_other_test_messages']:.3f}. The first "
        "set's recall also counts the `emergency` messages of bn.yml, en.yml and banglish.yml.",
        "",
        "Each fresh set was measured while nobody had read it, then read, fixed and moved to `nlu_data/dev/`, and a new "
        "one was written by someone who had read neither the rules nor the training data (README, \"A crisis phrase\"):",
        "",
        "| fresh set (its file now) | measured after | recall | look-alike false alarms |", "|---|---|---|---|",
        *[f"| {name} | {after} | {recall} | {alarms} |" for name, after, recall, alarms in CRISIS_HISTORY],
        "",
        "## Most frequent confusions (expected -> predicted: count)",
        "",
        *[f"- {pair}: {count}" for pair, count in report["confusions"]],
        "",
        "## Per intent",
        "",
        "| intent | precision | recall | F1 | n |", "|---|---|---|---|---|",
        *[f"| {name} | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1']:.2f} | {v['support']} |"
          for name, v in report["per_intent"].items()],
        "",
    ]
    return "\n".join(lines)


# The answer level before selector v2 (issue 13), as `make eval` reported it with model-d7e535a8de222531 and 144
# items: a class-balanced LinearSVC over the intent classifier's features (safety/features.py), margins 0.40/0.15.
# "deleaked": the same selector and content without the 25 training questions that were near-copies of held-out
# questions (knowledge.check.near_copies), measured with the same decision as `python -m tools.evaluate --selector`.
BEFORE = {
    "right": {"bn": 0.637, "en": 0.639, "banglish": 0.653, "overall": 0.643},
    "overall": {"top1_plain": 0.549, "right_item_answered_or_offered": 0.810, "wrong_item": 0.038,
                "wrong_item_hedged": 0.043, "selector_top1": 0.777, "selector_top3": 0.910},
    "out_of_scope": {"dont_know_rate": 0.681, "hedged_rate": 0.188, "plain_answer_rate": 0.132},
}
BEFORE_DELEAKED = {
    "overall": {"top1_accuracy": 0.644, "top1_plain": 0.547, "wrong_item": 0.039, "wrong_item_hedged": 0.042,
                "selector_top1": 0.778, "selector_top3": 0.910},
    "out_of_scope": {"dont_know_rate": 0.645, "hedged_rate": 0.167, "plain_answer_rate": 0.188},
}
WHAT_CHANGED = (
    "What changed (selector v2): (1) the selector has its own features (knowledge/features.py): the intent "
    "classifier's three views plus character 2-5-grams of the text as written, so the spelling folding no longer "
    "hides the letters that tell items apart; (2) no class balancing: \"balanced\" weighted each NONE example about "
    "30 times less than an item's, so questions near the topics leaked into confident answers; (3) margins re-tuned "
    "by the same cross-validation on the training examples, with the plain-answer target at 5% wrong (was 6%); "
    "(4) content: contrasting example questions for the most confused pairs of items (written from the items' "
    "answers), 35 more not_answered questions, and 25 training questions deleted (13 of not_answered.yml, 12 item examples) that were near-copies of held-out "
    "questions: `make content-check` now refuses a training question at least 0.9 similar to a held-out one "
    "(knowledge/check.py). Without those near-copies the old selector's out-of-scope plain-answer rate was 0.188, "
    "not 0.132: the second column is the fair baseline. The price: more answers are hedged, and more hedged "
    "answers are wrong (each names the question it answers and offers the alternatives as buttons), and a few "
    "fewer right answers are plain. The selector has more features (275,000 instead of 206,000), but keeps its "
    "weights in float32: loading it peaks at about 300 MB of memory instead of 354 MB. Since then (2026-12-05): "
    "(5) a question inside a crisis message or a service request gets its item's short answer after the emergency "
    "numbers or before the search when the selector picks it plainly (+0.03); (6) the crisis model learnt many more "
    "crisis situations (recall on fresh sets from 0.856 to 0.978-0.989), so a few more knowledge questions that "
    "describe violence go to the emergency reply first (-0.01). 1,800 more example questions for the 40 items most "
    "confused in cross-validation were tried and left out: the held-out top-1 moved from 0.795 to 0.799, but plain "
    "wrong answers, hedged wrong answers and plain answers to out-of-scope questions all rose; the ranking's limit "
    "is the bag-of-n-grams features, not the number of examples. (7) 2026-12-06: a fifth feature view, the message's "
    "concepts (content/concepts.yml: 814 concepts, each the same word in Bangla, English and Banglish, so that an "
    "example in one form teaches the others): top-1 ranking 0.793 -> 0.815, right item 0.687 -> 0.724, right plain "
    "answers 0.562 -> 0.632; plain wrong answers 0.036 -> 0.038, plain answers to out-of-scope questions 0.049 -> "
    "0.062 (2 more of 144). A second review of the lexicon moved words with two meanings out (Banglish 'age' is "
    "'before', 'mara' is 'died', 'khobor' is a report): the figures stayed within a question or two. Tried and left "
    "out: a consonant skeleton shared by Bangla script and Banglish (top-1 0.782; cross-validation had promised "
    "+0.05, because translated examples fall in different folds), concept pairs (0.807), a nearest-neighbour vote "
    "beside the SVM, and other SVM C values. (8) Later on 2026-12-06: two more question sets written from the items' "
    "answers (nlu_data/dev/kb/ to read, nlu_data/dev/kb_margins/ never read), and a judge's verdict on every question "
    "of the three sets (`also:`: another item that answers it as well counts as right; 201 held-out questions have "
    "one; the right-item rate as labelled is still shown). Reading the development set's errors showed situations "
    "told in everyday words and neighbouring items, so helpers wrote 4,900 more example questions from the items' "
    "answers and from which neighbours each item was mistaken for (ids only), in two rounds, plus 3,000 more words "
    "for the concept lexicon and 299 more near-topic questions that no item answers. Held-out, judged: selector "
    "top-1 0.830 -> 0.864, right item 0.734 -> 0.769 (as labelled 0.724 -> 0.758), right plain 0.639 -> 0.678, plain "
    "wrong 0.031 -> 0.026, out-of-scope 'not sure' 0.875 -> 0.896. The examples only reach the answer selector: the "
    "intent model takes the first four per item and form, so intents and crisis detection are unchanged. Tried and "
    "left out: a hedged answer at any lead when the top item is of the family Rasa read (the new hedges were right "
    "about half the time on the margins set). The selector now has about 390,000 features; its weights are kept in "
    "float16 (108 MB), so the action server stays under 80% of its memory limit. (9) Later still on 2026-12-06: the "
    "development and margins sets had been read for two rounds of examples, and their writers had used the items' own "
    "words (selector top-1 0.96 and 0.93 against 0.87 held-out). Six new writers wrote 1,296 questions, told to avoid "
    "the items' own key words: a third is now the development set, two thirds the margins set, with judges' also: maps. "
    "The former sets (2,414 questions) became training examples (content/kb/examples/*_written.yml). canonical() no "
    "longer collapses repeated digits ('999' had become '9', '10000 taka' '10 taka'). Three more rounds of examples by "
    "writers who read only the items: 1,693 in everyday words, 2,553 as typed on a phone, 2,416 about each point of the "
    "detail; and 514 more near-topic questions that no item answers. Held-out, judged: right item 0.769 -> 0.795 (as "
    "labelled 0.758 -> 0.785), selector top-1 0.864 -> 0.883, plain wrong 0.026 -> 0.029, out-of-scope 'not sure' "
    "0.896 -> 0.938, plain 0.056 -> 0.042. Step by step (judged right / plain wrong): the fold-in 0.783 / 0.029; the "
    "digits and the everyday words 0.785 / 0.025; typed on a phone and the near-topic questions 0.795 / 0.027; the "
    "details 0.795 / 0.029 (they had added 0.005 and 0.012 on the margins and development sets). Intent accuracy 0.957 "
    "-> 0.956 (the digits change retrained the model), crisis recall unchanged. Tried and left out: a hedged answer at "
    "a lead of 0.05 (new hedges right about 6 times in 10 on the margins set), a nearest-neighbour vote beside the "
    "SVM (top-1 +0.001 to +0.007) and reweighted feature views or C values (within 0.005). (10) 2026-12-06, later: a "
    "question that Rasa reads as small talk ('... is that true?' as bot_challenge, or thanks, yes, no, goodbye) gets "
    "the item the selector answers plainly instead of the small-talk reply (knowledge.selector.CHAT_INTENTS; a "
    "greeting keeps its own). Development set right 0.880 -> 0.889, margins 0.890 -> 0.896; held-out, judged: right "
    "item 0.795 -> 0.803, routed elsewhere 0.024 -> 0.016, plain wrong and out-of-scope figures unchanged. Tried and "
    "left out (development and margins sets, selector top-1): the items' own questions and answers as examples (within "
    "0.002, detail lines -0.007), the consonant skeleton of (7) again, now as a sixth view beside the others (+0.006 "
    "on one set, -0.007 on the other), a bonus for items of the intent Rasa read (+0.005 at most). (11) 2026-12-06, "
    "later still: four items for questions that got another item's answer or 'not sure' (the punishment for rape and "
    "sexual abuse, from the Women and Children Repression Prevention Act 2000 as amended in 2025; a teacher beating "
    "students; bullying at school; the punishment for child labour, from the Labour Act as amended in November 2025), "
    "each with about 70 example questions per form, and 4 held-out, 2 margins and 1 development question per form "
    "written by writers who read only the items; the concept lexicon learnt 'raping' and a bullying concept (English "
    "'what is the punishment for raping a child?' had got the child labour item, hedged). On the 1728 earlier held-out "
    "questions, judged: right item 0.803 -> 0.808, plain wrong 0.029 -> 0.027, out-of-scope figures unchanged; the "
    "new items' 48 held-out questions: top-1 0.958, right 0.896, no plain wrong answer. Development set (earlier 432 "
    "questions) 0.889 -> 0.882, margins (843) 0.896 -> 0.892: two development questions now get a new item (a teacher "
    "reporting a pupil made to break stones, a question about child victims' rules at the police and the court). "
    "(12) 2026-12-06, last: three items for questions that got 'not sure' or another item's answer (a dalal or agency "
    "took the money: complaints to BMET or a DEMO and cases under the 2013 migration law; the government's migration "
    "cost ceilings; good touch and bad touch), each with about 75 example questions per form and 4 held-out, 2 margins "
    "and 1 development question per form by writers who read only the items; a judge, who saw no output of the "
    "selector, found that the new complaint item also answers one held-out lure_no_receipt question in its three "
    "forms; 63 contrasting examples for lure_no_receipt (paying without a receipt before any money is lost); 'age of "
    "consent' examples for rr_rape_law. Held-out, judged: the earlier 1776 questions 0.811 -> 0.809 (6 "
    "questions gained and 10 lost, one each of 15 items: single questions near the margins move when the selector is "
    "refitted with new classes; before the contrasting examples four lure_no_receipt questions had gone to 'not sure'), the new items' 36: top-1 1.000, right "
    "0.944, no plain wrong answer; all 1812: right 0.811, plain wrong 0.026; out of scope: one more plain answer (of "
    "144). Development set (earlier 444) 0.882 -> 0.883, margins (earlier 867) 0.894 unchanged. "
    "(13) Then a fourth item, a family member abroad who can't be reached (complaints to BMET or a DEMO against the "
    "agency, middleman or employer; the missions' labour welfare wings; 999 when the person may be sold or held), with "
    "66 examples per form and its own held-out, margins and development questions; a judge found no neighbour's "
    "question that it answers as well. Its 12 held-out questions: top-1 0.917, right 0.750 (two go to the emergency "
    "reply first, by design, two to 'not sure'), no plain wrong answer; the earlier 1812 stay at 0.811; out of scope: one more hedged answer (of 144). "
    "(14) 2026-12-06, last session of the day: the evaluation now mirrors the bot for messages Rasa reads as the hotline list or the menu: "
    "they keep that reply when no item fits, so they count as routed, not as 'not sure' with buttons the user never "
    "saw ('answered or offered' had been overstated: 0.910 -> 0.899 on the same questions); a message read as out of "
    "scope or not understood now gets 'not sure' with its closest items when there are close items (it got 'I can "
    "only help with...' and no buttons). Six sourced items for questions that got 'not sure' or another item's "
    "answer: can a child be sent to jail (Children Act 2013 ss.33-34, 55, 59; Penal Code ss.82-83), help for street "
    "children, the punishment for an acid attack, the hijra allowance (its three not_answered.yml questions removed), "
    "a fake account in my name, unpaid wages abroad; each with about 70 examples per form and 4 held-out, 2 margins "
    "and 1 development question per form by writers who read only the item, and judges' also: verdicts (a judge "
    "found that the street children item also answers one held-out sp_child_shelter question, in its three forms, and "
    "that risk_runaway_street answers another). The new items' 72 "
    "held-out questions: top-1 0.833, right 0.736, one plain wrong answer; the earlier 1824: right 0.810 -> 0.807 "
    "(single questions near the margins move when the selector is refitted with new classes); all 1896: right 0.804, "
    "plain wrong 0.025 -> 0.023; out of scope: 0.924 not sure, one plain answer fewer and one hedged more. Development "
    "set (earlier 456) 0.882 -> 0.879, margins (earlier 891) 0.892 -> 0.888. Intent accuracy 0.957 -> 0.955 (bn "
    "0.950 -> 0.945: the new items' first examples reach the intent model, and social_protection_info and "
    "legal_aid_info took a few more messages of other intents); crisis sets unchanged (0 missed). Questions about national ID and voter ID cards in Bangla and Banglish joined not_answered.yml (a lost voter ID card had got the missing-child item, hedged). Eight contrasting examples per form for missing_child (a child missing at home for hours or days; 'can't find my daughter for two days' had got the item about a worker abroad nobody can reach, hedged): held-out and development sets unchanged overall, margins one question fewer. Bare cries for help with no question joined not_answered.yml ('help they are coming' had got the emergency numbers and then the answer about stopping a wedding today; on the first crisis set the items that follow the numbers went from 16 to 14, the other one lost being a report-trafficking answer after 'I have been sold, he is taking me now'): held-out +0.002, development unchanged, margins +1 question. Tried and left out: "
    "a hedged item after the emergency numbers (held-out +0.012, but on crisis reports with no question it added "
    "unrelated follow-ups, e.g. 'HELPPPP' -> reintegration support), a hedged answer for questions read as the hotline "
    "list, out of scope or not understood (within 0.004 on each set), and the NONE class split per intent or without "
    "the hotline_numbers messages (within 0.008, mixed signs across the sets). "
    "(15) 2026-12-06, evening: eight sourced items for questions a probe of about 140 new questions found answered "
    "with another item or 'not sure': bail for an arrested trafficker (2026 ordinance ss.23-24, 27, 30, 39, 41), "
    "someone posting bad things about me online (Cyber Protection Ordinance 2025 ss.25-26; no defamation offence), "
    "going abroad to work under 18 or with a raised age, parents wanting a child to leave school and work, unpaid "
    "wages in Bangladesh ('amar malik beton dicche na' had got the item about wages abroad, plainly), stipends for "
    "madrasa students, whether a village shalish can settle a rape or trafficking case, and free skills training; "
    "each with about 70 examples per form by a helper who read only the item, 4 held-out, 2 margins and 1 "
    "development question per form by writers who read only the items, and judges' also: verdicts (17, all for two "
    "items: ev_leave_school_work also answers eleven ev_work_min_age questions and one ev_child_made_work question, "
    "ev_school_bullying four online-bullying questions about classmates, risk_fake_account one). The madrasa concept "
    "learnt dakhil, ebtedayee, qawmi and hafezi (the madrasa item's held-out questions went from 3 to 11 of 12 "
    "right). The new items' 96 held-out questions: top-1 0.896, right 0.812, two plain wrong answers; the earlier "
    "1896: right 0.806 -> 0.805 (16 gained, 25 lost, 7 of them to a new item); all 1992: right 0.806, plain wrong "
    "0.023 -> 0.021; out of scope: one more hedged answer (of 144). Development set (earlier 474) 0.876 -> 0.890, "
    "margins (earlier 927) 0.882 -> 0.886. Intent accuracy 0.955 (bn 0.945 -> 0.942, Banglish 0.946 -> 0.949); "
    "crisis sets unchanged (0 missed). Examples for three misses of the probe: a father marrying his daughter off "
    "for money (cm_forced_own), a relative touching a child (ev_good_touch), a girl missing after chatting with a man "
    "online (Rasa had read bot_challenge; now missing_child); and a helpline for boys (read as bot_challenge; now "
    "hotline_numbers). "
    "(16) 2026-12-06, night: six sourced items for questions a probe of 80 new questions found answered with another "
    "item or 'not sure': children made to beg (Children Act 2013 s.71; maiming a child for begging, Women and Children "
    "Repression Prevention Act 2000 s.12; forced begging as exploitation in the 2026 trafficking ordinance), children "
    "used to carry drugs (Children Act ss.73-74, 79; Narcotics Control Act 2018 ss.41, 52), sexual images or videos of a "
    "child (Pornography Control Act 2012 ss.4, 8(6); Cyber Protection Ordinance 2025 s.25), the punishment for "
    "kidnapping a child (2000 Act ss.7-8), adoption and guardianship (Guardians and Wards Act 1890, Family Courts Act "
    "2023, Children Act ss.84-90), and how parents can protect a child from trafficking; each with 72 examples per form "
    "by a helper who read only the item, 4 held-out, 2 margins and 1 development question per form by writers who read "
    "only the items, and judges' also: verdicts (15: ev_child_made_work also answers the begging item's questions that "
    "ask only what to do). A seventh item, a passport for a child under 18, was written and left out: it answered 8 of "
    "the 144 held-out out-of-scope questions plainly (adult passport questions). The drug item at first answered any "
    "drug question (three out-of-scope questions plainly, and 'what is the punishment for selling yaba'): 76 questions "
    "about drug use, treatment and adults' drug cases joined not_answered.yml (two more were refused by the check as "
    "near-copies of an out-of-scope held-out question and deleted; nothing was written after that message). Orphan "
    "questions in everyday words for sp_shishu_paribar. The new items' 72 held-out questions: top-1 0.861, right 0.819, "
    "two plain wrong answers; the earlier 1992: right 0.806 -> 0.796 (13 gained, 33 lost: most lost questions keep "
    "their top item but its lead fell below a band, so a hedged answer became 'not sure' with buttons or an item no "
    "longer follows the emergency numbers; 7 of them were lost only with the parents' prevention item, which answers "
    "9 of its own 12); all 2064: right 0.797, plain wrong 0.021; out of scope: not sure 0.917 -> 0.903 (one more plain "
    "answer, one more hedged, of 144). Development set (earlier 498) 0.890 -> 0.880, margins (earlier 975) 0.879 -> "
    "0.873. Intent accuracy 0.955 (bn 0.942 -> 0.945, en 0.973 -> 0.971); crisis sets unchanged (0 missed). Tried and "
    "left out: contrasting examples for risk_boys_trafficked and risk_grooming_signs against the prevention item (no "
    "change on any set). "
    "(17) 2026-12-07: the answers' facts were checked against their sources. Law claims against the official texts "
    "(bdlaws copies of April 2026) in two rounds: 40 items corrected, among them an under-age party to a child marriage "
    "who cannot be punished once a case is brought against the parents (Child Marriage Restraint Act s.7(2)), the "
    "kidney item that cited the 1999 organ Act repealed in 2025, legal aid after the 2025 and 2026 ordinances, "
    "sextortion as an offence the police act on directly (a case, not only a GD), and s.54 of the 2026 ordinance, "
    "which bars only charges under the ordinance; `make content-check` now refuses a source that links to a repealed "
    "law unless its title says so (content/repealed_laws.yml). Scheme facts against official pages and dated news: "
    "the FY2026-27 allowance rates decided in January 2026, the stipend condition of staying unmarried (it belonged to "
    "an older project), application windows (16 items). Answer text changes do not reach the selector. Two "
    "sourced items: can a child report a crime alone (CrPC s.154; Children Act ss.13-14, 53-54; Evidence Act s.118) "
    "and who a child lives "
    "with when parents divorce (Family Courts Act 2023 s.5; Guardians and Wards Act s.17), each with 72 examples per "
    "form and 4 held-out, 2 margins and 1 development question per form by separate writers; 21 questions about "
    "divorce itself and family-court procedure joined not_answered.yml. The new items' 24 held-out questions: 21 "
    "right, no plain wrong answer; the earlier 2064: 1644 -> 1644 right (5 gained, 5 lost), plain wrong 44 -> 45; all "
    "2088: right 0.797, plain wrong 0.022; out of scope unchanged (7 plain, 7 hedged of 144). Development set (earlier "
    "516) 453 -> 454, margins (earlier 1011) 882 -> 883. Intent accuracy 0.955 -> 0.956 (bn 0.945 -> 0.952, Banglish "
    "0.949 -> 0.946); crisis sets unchanged (0 missed). Tried and left out: a Crammer-Singer multi-class SVM in place "
    "of one-vs-rest, at the same wrong-answer rate on the margins set (held-out plain right 0.692 against 0.695, "
    "hedged band 0.820 against 0.830, six times slower to fit). "
    "(18) 2026-12-07, later: a helper compared every answer's facts across items, and a bilingual reviewer each "
    "changed item's Bangla with its English; I checked each finding in the sources. Stale or conflicting facts fixed: "
    "the unmarried-until-HSC condition (three child marriage items and the screener still called it today's rule), "
    "the MCBP ages and application days in the screener, a 'light domestic work from 12' report, the FY2025-26 "
    "allowance rates (proposed, not settled), the integrated stipend presented as a girls' scheme; 24 Bangla fixes "
    "(dropped hedges restored, plainer words). Eleven source links pointed at mirror hosts, bare IP addresses or a "
    "look-alike site: they now give the publisher, and the check refuses a bare IP address. The number check lets "
    "law sections and durations through ('s.366', '180 working days'). The option of puberty (Dissolution of "
    "Muslim Marriages Act 1939 s.2(vii)) in cm_marriage_valid; Penal Code s.366 for an adult forced to marry. Four "
    "sourced items for probe questions that got another item's answer or 'not sure': my parents died, who looks "
    "after me (Children Act 2013 ss.84-92), which court hears violence against women and children (the 2000 Act "
    "ss.20, 25A, 26-27, 31 as amended in 2025), a migrant worker who died abroad (WEWB portal and Act s.8, BMET "
    "service maps), a family member beaten or abused abroad (WEWB Act s.8(6), 2026 ordinance s.9), someone met "
    "online asking for money (Penal Code ss.415-420; mobile-banking fraud questions joined not_answered.yml); each "
    "with 62-72 examples per form and 4 held-out, 2 margins and 1 development question per form by separate writers, "
    "and blind judges' also: verdicts (30). 22 law sources that pointed at blogs now cite the official text. The new "
    "items' 60 held-out questions: 45 right, 3 plain wrong; the earlier 2088: 1665 -> 1654 right (8 gained, 19 lost: "
    "leads that fell below a band, several now the emergency reply alone), plain wrong 45 -> 48; all 2148: right "
    "0.791, plain wrong 0.024; out of scope: 7 plain (unchanged), 6 hedged (was 7) of 144. Development set (earlier "
    "522) 460 -> 455, margins (earlier 1023) 895 -> 886. Intent accuracy 0.956 (bn 0.952 -> 0.947, en 0.971 -> "
    "0.973); crisis sets unchanged (0 missed, 4 and 6 false alarms). "
    "(19) 2026-12-07, last: a probe of 150 new questions (50 per form, by a writer who read nothing of the project) "
    "found three questions no item answered: what happens after a child marriage is stopped (the Child Marriage "
    "Restraint Act 2017 ss.3-4, 8, 10; a survey of stopped marriages held later; criminal intimidation, Penal Code "
    "ss.503, 506), an online job that asks a fee first (Cyber Protection Ordinance 2025 s.22; police and CID cases), "
    "how to tell whether a child is being abused (Children Act 2013 s.90); each with about 67 examples per form and 4 "
    "held-out, 2 margins and 1 development question per form by separate writers, and a blind judge's also: verdicts "
    "(16). Their 36 held-out questions: 34 right, none wrong plainly. Then 45 more examples per form for the 44 items "
    "the development and margins sets found weakest (ids only; writers who read only the items), in three rounds, "
    "measured on all three sets after each: held-out right 1734 -> 1750 -> 1758 -> 1759 of 2184, development 475 -> "
    "476 -> 484 -> 488 of 546, margins 925 -> 940 -> 944 -> 947 of 1071. Nine not_answered.yml questions that items "
    "now answer were removed (custody after divorce, free skills courses); 8 per form on divorce procedure and "
    "mobile-banking fraud helplines joined it after the new examples drew two development out-of-scope questions. All "
    "2184: right 0.791 -> 0.805 (bn 0.809, en 0.804, Banglish 0.804), plain wrong 0.024 -> 0.022, selector top-1 "
    "0.874 -> 0.878; out of scope: 7 plain (unchanged), hedged 6 -> 10 of 144 ('not sure' 0.910 -> 0.882). Intent "
    "accuracy 0.956 -> 0.955 (bn 0.947 -> 0.945); crisis sets 0 missed, false alarms 4 and 5 (was 6). Tried and left "
    "out: Bangla examples transliterated to Banglish as extra training examples (development -0.011, margins "
    "+0.009). "
    "(20) 2026-12-07, evening: two probes of 180 new questions each (60 per form, by writers who read nothing of the "
    "project) through the real model. Four sourced items for questions no item answered: pregnancy after rape (care "
    "at a One-Stop Crisis Centre; the emergency pill within 5 days (WHO); menstrual regulation, a government family "
    "planning service since 1979, up to 10-12 weeks after the last period (Guttmacher); Penal Code s.312; the 2000 "
    "Act s.13 on a child born of rape), delaying a first pregnancy after a child marriage (family welfare assistants'"
    " home visits and free methods at union and upazila centres, from gov.bd citizen charters; adolescent-friendly "
    "corners), the rights every child has (the UN Convention, ratified in 1990; Constitution arts.17 and 28(4); the "
    "Children Act 2013) and the Child Welfare Boards (Children Act 2013 ss.8-9, 11, 86, 90, 93); each with 55 "
    "examples per form and 4 held-out, 2 margins and 1 development question per form by separate writers, and a blind"
    " judge's also: verdicts (4, all on the margins set). 45 more examples per form for ev_domestic_abuse, "
    "ev_unpaid_wages_home, rr_call_109 and rr_call_1098; a few examples each for the probes' misses; "
    "not_answered.yml: parental-control settings, religious rulings, signs of depression and break-ups (they had "
    "drawn plain wrong answers), and its three UNCRC questions removed (an item answers them now). rr_rape_law names "
    "Penal Code s.377 for boys over 16. The new items' 48 held-out questions: 39 right, 2 plain wrong; the earlier "
    "2184: 1759 -> 1757 right, plain wrong 48 -> 46; all 2232: right 0.805 (bn 0.809, en 0.801, Banglish 0.804), "
    "plain wrong 0.022, selector top-1 0.878 -> 0.880; out of scope: plain 7 -> 8, hedged 10 -> 8 of 144. Development"
    " set (earlier 546) 488 -> 487, the new 10 of 12; margins (earlier 1071) 947 -> 947, the new 15 of 24. Intent "
    "accuracy 0.955 (bn 0.945 -> 0.947, en 0.973 -> 0.971); crisis sets 0 missed, false alarms 4 and 5 (unchanged). "
    "Sourced and not added: an item on the sexual abuse of boys (rr_rape_law answers it; its boy-specific examples "
    "would have had to move). "
    "(21) Then a third probe of 120 messages written as adolescents type (examples for six of its misses; "
    "not_answered.yml: period pain, women working outside in Islam, a passport at 18, a friend who blocked me) and a "
    "fifth sourced item, how long a rescued person stays in a shelter and who decides (the 2026 trafficking ordinance"
    " ss.39, 53; the Children Act 2013 ss.84-88; the government Safe Homes' pages), with 50 examples per form and its"
    " own held-out, margins and development questions by separate writers. Its 12 held-out questions: 6 right, 3 go "
    "to the emergency reply and 2 to the shelter search first, none wrong plainly. All 2244: right 0.805 (bn 0.810, "
    "en 0.805, Banglish 0.801), plain wrong 0.022 (two earlier questions went from a hedged to a plain wrong answer),"
    " selector top-1 0.878; out of scope: 7 plain, 9 hedged of 144. Development set 500 of 561, margins 965 of 1101. "
    "Intent accuracy 0.956 (Banglish 0.946 -> 0.949); crisis sets unchanged. "
    "(22) 2026-12-07, later: two more probes of 120 messages each (settings such as chars, haors, tea gardens, "
    "bostis and the camps; what happens after a report) and the misses of the earlier probes. Eleven sourced items:"
    " a teacher pushing private coaching (the 2012 policy, upheld by the High Court in 2019; news), a child born "
    "abroad and a birth registered without the father's name (Birth and Death Registration Act 2004 ss.4-5, 8-9, "
    "20-21; missions' pages), changing the number an allowance is paid to (upazila notices; the own-NID SIM rule "
    "from news), abuse long ago (no filing deadline, as lawyers say; Al-Amin 1999), a school for working or "
    "dropped-out children (Non-Formal Education Act 2014; programme status stated as unknown), checking a kazi "
    "(Muslim Marriages and Divorces (Registration) Act 1974), a statement to a magistrate (CrPC s.164; the 2000 Act "
    "s.22 as amended in 2025), withdrawing a case (CrPC ss.494, 345), scholarships for migrant workers' children "
    "(Wage Earners' Welfare Board Act 2018 s.8) and a school refusing a disabled child (Disability Rights Act 2013 "
    "ss.33, 36); each with 55 examples per form and 4 held-out, 2 margins and 1 development question per form by "
    "separate writers. Their 132 held-out questions: 111 right, none wrong plainly (the migrant children's item, "
    "whose questions avoid its key words, 7 of 12). The earlier 2244: 1807 -> 1795 right, plain wrong 50 -> 54 (two"
    " go to the new case-withdrawal item plainly). All 2376: right 0.801 (bn 0.806, en 0.811, Banglish 0.787), plain "
    "wrong 0.023, selector top-1 0.874; out of scope: 6 plain, 12 hedged of 144. Development set 528 of 594, "
    "margins 1009 of 1167. Intent accuracy 0.956 -> 0.954 (en 0.971 -> 0.966: the new items' first examples reach "
    "the intent model); crisis sets unchanged (0 missed, false alarms 4 and 5). The items citing the Cyber "
    "Protection Ordinance 2025 and the Labour amendment ordinance now say that secondary sources report Acts of "
    "2026 in their place, not yet read. "
    "(23) 2026-12-07, last: two more probes of 120 messages each (the second mostly from parents, teachers, union "
    "members and NGO staff). Nine sourced items for questions no item answered: birth registration with no "
    "permanent address (Birth and Death Registration Act 2004 ss.4-5, 9, 20-22: the registrar acts for people born "
    "in its area, not only residents), a copy of a lost birth certificate (ss.11-12; the 2018 fee list as Union "
    "Parishads publish it; no official online check found), the child marriage law for every religion and custom "
    "(Child Marriage Restraint Act 2017 ss.4, 7-9, 11, 19; Hindu Marriage Registration Act 2012 s.5), caste or "
    "religious discrimination at school (Constitution arts.28, 41; the 2023 anti-bullying policy via news; the NHRC "
    "Ordinance 2025 s.16), threats after a case (Penal Code ss.503, 506; the 2000 Act ss.31, 32B and CrPC s.544(2) "
    "as amended by 2025 ordinances; the 2026 trafficking ordinance ss.23-24, 54(3)), an allowance that has not come "
    "(upazila Social Services charters and notices; the own-NID SIM rule as news), the evidence of a child with a "
    "disability (Evidence Act ss.118-119; Disability Rights Act 2013 s.16; Children Act ss.27, 54-55), how a "
    "child's age is decided (Children Act ss.20-21, 44(4); Birth and Death Registration Act s.18(3); a 2024 High "
    "Court judgment as news) and whether a teacher must report abuse (Children Act ss.53, 90, 98; no penalty for "
    "silence found); each with 55 examples per form and 4 held-out, 2 margins and 1 development question per form "
    "by separate writers, and blind judges' also: verdicts (15). Examples for 34 items from the probes' misses. "
    "Their 108 held-out questions: 91 right, 3 plain wrong (the threats item answers 4 of its 12: its questions "
    "also fit the case-withdrawal and shalish items). The earlier 2376: 1903 -> 1906 right, plain wrong 54 -> 51. "
    "All 2484: right 0.804 (bn 0.812, en 0.813, Banglish 0.787), plain wrong 0.022, selector top-1 0.873; out of "
    "scope: 4 plain (was 6), 12 hedged of 144. Development set 552 of 621 (the earlier 594: 528 -> 528), margins "
    "1044 of 1221 (the earlier 1167: 1009 -> 1002). Intent accuracy 0.954 -> 0.956 (bn 0.947 -> 0.945, en 0.966 "
    "-> 0.971, Banglish 0.949 -> 0.951); crisis sets unchanged (0 missed, false alarms 4 and 5). Sourced and not "
    "added: getting dowry back after a divorce (no law or source gives a way; the rest is family law, which "
    "not_answered.yml keeps out). "
    "(24) 2026-12-07, later: a ninth probe of 120 messages (half in Banglish; teenagers in chars, haors and bostis, "
    "parents, and helpers such as madrasa teachers and union members). Four sourced items: child marriage "
    "prevention committees and what to do when one does nothing (Child Marriage Restraint Act 2017 ss.3-4; the "
    "2018 Rules' text not found, so no meeting rule is given; chairs as news shows them), help for a hijra or "
    "transgender teenager rejected by the family (Children Act 2013 ss.4, 70, 84-87, 89(1), which names hijra "
    "children, 90; Constitution arts.27-28; the 2013-14 recognition as news; no anti-discrimination law found), the "
    "difference between trafficking and migrant smuggling (the 2026 ordinance ss.2, 5-6, 14-15, 18, 54; the UN's "
    "view labelled as such) and help for fisher families during fishing bans (upazila fisheries pages for the jatka "
    "ban and fisher registration; VGF rice amounts and the other bans' dates from dated news, each with its year); "
    "each with 55 examples per form and 4 held-out, 2 margins and 1 development question per form by separate "
    "writers, and blind judges' also: verdicts for pairs with a new item (54; a judge's 26 verdicts between two "
    "older items were left out, as the earlier items' judging had no such pairs). rr_child_in_conflict now says "
    "that a conviction as a child is no bar to a job or an election (Children Act s.43). Examples for 26 items from "
    "the probe's misses; seven not_answered.yml questions that items answer were moved to them (a birth "
    "certificate for a newborn, copies of birth certificates washed away in a flood, and trafficking against "
    "smuggling); three near-topic questions per form joined it (a school's absent teachers, a school shut in the "
    "rains, equipment for a madrasa). The new items' 48 held-out questions: 42 right, 2 plain wrong (one smuggling "
    "question goes to trafficking_info, one hijra question to the list of children's rights). The earlier 2484: "
    "1997 -> 1999 right, plain wrong 54 -> 56. All 2532: right 0.806 (bn 0.810, en 0.819, Banglish 0.789), plain "
    "wrong 0.023, selector top-1 0.874; out of scope: 4 plain, 11 hedged of 144. Development set 561 of 633 (the "
    "earlier 621: 552 -> 551), margins 1057 of 1245 (the earlier 1221: 1044 -> 1042). Intent accuracy 0.956 -> "
    "0.953 (bn 0.945 -> 0.942, en 0.971 -> 0.968, Banglish 0.951 -> 0.949: the new items' first examples reach the "
    "intent model); crisis sets unchanged (0 missed, false alarms 4 and 5). "
    "(25) 2026-12-07, evening: a tenth probe of 120 messages (65 in Banglish, by a writer who read nothing of the "
    "project). Five sourced items for questions no item answered: a false or counter case (Penal Code ss.182, 211, "
    "506; the 2000 Act ss.17, 19 as amended in 2025; the 2026 trafficking ordinance ss.23-25, 39(5); CrPC ss.195, "
    "250, 340; Legal Aid Act s.2), a teacher whose pupils leave school for work (Labour Act ss.1(4), 34-35; Primary "
    "Education (Compulsory) Act 1990 s.5(6)-(7); home visits as news), checking a birth certificate online (no "
    "official guide found, and the answer says so; Birth and Death Registration Act 2004 ss.12, 15, 15A; false "
    "certificates as news), who checks on child domestic workers (no office found that does; the 2015 policy's cells "
    "per a High Court order and news; Children Act s.90; CrPC s.100) and correcting a name in a birth certificate "
    "(the 2004 Act ss.15, 20; the 2018 fee list as Union Parishads publish it); each with 55 examples per form and 4 "
    "held-out, 2 margins and 1 development question per form by separate writers, and blind judges' also: verdicts "
    "for pairs with a new item (67). Sixteen not_answered.yml questions that the new items answer left it (15 became "
    "their examples; one was too close to a held-out question and was deleted); questions on getting dowry back after"
    " a divorce joined it. A blind judge read all 278 out-of-scope questions of the three sets against the new items:"
    " three held-out ones (a misspelled name in a birth certificate, one per form) are answered by the correction "
    "item and became its held-out questions (144 -> 141 out of scope). Examples for 9 items from the probe's misses. "
    "The new items' 63 held-out questions: 51 right, 1 plain wrong (the false-case item 7 of 12). The earlier 2532: "
    "2041 -> 2031 right (4 gained, 14 lost: leads that fell below a band when the selector was refitted with five "
    "more classes; without the first four new items 2039 of them were right, and removing those one after another "
    "moved it by -2, +6, +4 and +1: the cost is spread, not one item's), plain wrong 58 in all, as before. All 2595: "
    "right 0.802 (bn 0.805, en 0.813, Banglish 0.790), plain wrong 0.022, selector top-1 0.874; out of scope: 4 "
    "plain, 13 hedged of 141. Development set 570 of 648 (the earlier 633: 561 -> 559), margins 1076 of 1275 (the "
    "earlier 1245: 1057 -> 1051). Intent accuracy 0.953 -> 0.951 (bn 0.942 -> 0.940, en 0.968 -> 0.966, Banglish "
    "0.949: the new items' first examples reach the intent model); crisis sets unchanged (0 missed, false alarms 4 "
    "and 5). "
    "(26) 2026-12-07, night: one sourced item for a gap the probes had found, a girl under 18 who is pregnant and "
    "afraid to see a doctor (free pregnancy check-ups at government centres, from upazila family planning "
    "charters; the four-visit schedule from a union page, WHO's eight as WHO's; who must tell the police, from the "
    "Children Act 2013 ss.53, 90 and the 2000 Act s.32(2), with no law found that makes a pregnancy itself "
    "reportable; the Child Marriage Restraint Act 2017 ss.7-8; the Mother and Child Benefit's age of 20-35 from "
    "the ministry), with the family planning call centre 16767 added to the helplines from official pages; 55 "
    "examples per form and 4 held-out, 2 margins and 1 development question per form by separate writers, and a "
    "blind judge's also: verdicts for pairs with the new item (5). Its 12 held-out questions: 11 right, none wrong "
    "plainly. The earlier 2595: 2082 -> 2086 right (5 gained, 1 lost), plain wrong 58 as before. All 2607: right "
    "0.804 (bn 0.808, en 0.816, Banglish 0.789), plain wrong 0.022, selector top-1 0.875; out of scope: 4 plain, "
    "13 hedged of 141 (unchanged). Development set 571 of 651 (the earlier 648: 570 -> 569), margins 1082 of 1281 "
    "(the earlier 1275: 1076 -> 1076). Intent accuracy 0.951 (unchanged per form); crisis sets unchanged (0 missed, "
    "false alarms 4 and 5). Tried and left out: the first 3 instead of 4 examples per item and form for the intent "
    "model (intent accuracy 0.951 either way, held-out right 0.802 -> 0.799), a lower plain-answer lead when the top "
    "item is of the family Rasa read (0.30 and 0.20: no more right answers, plain wrong 0.022 -> 0.029 and 0.035), "
    "an item after the emergency numbers at a lead of 0.30 (held-out: 9 more right, 5 more wrong items; development "
    "+2, margins +6), and a Complement Naive Bayes model beside the SVM (its own top-1 0.675; at the smallest weight "
    "tried the held-out top-1 fell 0.864 -> 0.856 with NONE counted, the development and margins sets rose 0.006 "
    "and 0.003). "
    "(27) 2026-12-08, after midnight: an eleventh probe of 120 messages (by a writer who read nothing of the "
    "project: working boys and girls, tea-garden, hill and Rohingya-camp children, children with disabilities and "
    "their parents, an imam, a headteacher, a ward councillor). Four sourced items for questions no item answered: "
    "police or Ansar who hit a child or take money (Torture and Custodial Death (Prevention) Act 2013 ss.2, 4-7, "
    "11, 13, 15; Penal Code ss.323, 384; the NHRC Ordinance 2025 s.16; Children Act 2013 ss.44-45, 52), sexual "
    "harassment at work for a 14-17-year-old (Labour Act 2006 ss.2(52A), 33, 41, 195, 332A as amended by the 2025 "
    "ordinance; the 2000 Act ss.10, 27; Penal Code s.509; DIFE's complaint page), with DIFE's labour helpline 16357"
    " added to the helplines from official DIFE pages, free therapy or a special school for a child with autism, "
    "Down syndrome or cerebral palsy (JPUF and Social Services pages; Disability Act 2013 ss.3, 31, 33; JPUF Act "
    "2023 s.5), and moving a case to another court or investigator when the accused is powerful locally (CrPC "
    "ss.526, 526B; the 2000 Act ss.18(9), 25A, 32B; the 2026 trafficking ordinance ss.38(2), 40); each with 55 "
    "examples per form and 4 held-out, 2 margins and 1 development question per form by separate writers, and blind"
    " judges' also: verdicts for pairs with a new item (7). Examples for 11 items from the probe's misses, and two "
    "near-topic questions per form that no item answers. The new items' 48 held-out questions: 43 right, none wrong"
    " plainly. The earlier 2607: 2097 -> 2093 right (15 gained, 19 lost: leads that fell below a band when the "
    "selector was refitted with four more classes, and intents that moved with the retrained model), plain wrong 58"
    " as before. All 2655: right 0.805 (bn 0.807, en 0.815, Banglish 0.792), plain wrong 0.022, selector top-1 "
    "0.876; out of scope: 4 plain, 12 hedged of 141 (was 13). Development set 576 of 663 (the earlier 651: 571 -> "
    "567), margins 1096 of 1305 (the earlier 1281: 1082 -> 1077). Intent accuracy 0.951 -> 0.952 (Banglish 0.949 ->"
    " 0.951); crisis sets unchanged (0 missed, false alarms 4 and 5). "
    "(28) 2026-12-08, later: a twelfth probe of 120 messages (by a writer who read nothing of the project: Hindu, "
    "Christian, Buddhist and Adivasi families, children near brothels, in residential madrasas, of prisoners or in "
    "Child Development Centres, 16-17-year-old workers, migrants' children left with relatives, urban teens, health"
    " workers, Union Parishad secretaries, journalists, lawyers). Six sourced items for questions no item answered:"
    " tea-garden children's schooling and work (Labour Act 2006 ss.34-41, 95, 284 as amended by the 2025 ordinance;"
    " Primary Education (Compulsory) Act 1990 s.3; Tea Workers' Welfare Fund Act 2016 ss.10-11; the Social Services"
    " tea-workers' programme; DIFE's 16357), a parent in prison (jail citizen charters on visits; a child with a "
    "jailed mother per the Jail Code as news reported it; Children Act 2013 ss.84-85, 89(1), 90; no allowance for "
    "prisoners' families found, as the answer says), a child in a Child Development Centre (Children Act ss.6, 8, "
    "34-35, 43, 59, 63, 68-70; no official visiting rules found, as the answer says), two under-18s who want to run"
    " away and marry (Child Marriage Restraint Act 2017 ss.2, 7-9, 11; Penal Code ss.361, 363; the 2000 Act ss.2, "
    "7, 9(1) as substituted in 2025; Children Act ss.4, 16, 33-34), a stranger offering free schooling or a hostel "
    "in the city (the 1961 Voluntary Social Welfare Agencies Ordinance; Foreign Donations Act 2016 s.3; Children "
    "Act s.84; the 2026 trafficking ordinance s.5; cases as news, 2010-2017) and stipends for Adivasi students (the"
    " PMO programme for the plains' small ethnic groups and its 2024 circular; hill-district scholarships and the "
    "DSHE stipend from dated news; no current official rates found, as the answer says); each with 55 examples per "
    "form and 4 held-out, 2 margins and 1 development question per form by separate writers, and blind judges' "
    "also: verdicts for pairs with a new item (21). Examples for 9 items from the probe's misses (one of them "
    "because an end-to-end question of lure_abroad_no_contact had moved to 'not sure'); the three "
    "not_answered.yml questions on an allowance for tea-garden workers became the tea-garden item's examples. The "
    "new items' 72 held-out questions: 59 right, 1 plain wrong (a runaway-couple question goes to the item on "
    "boyfriends who lure girls away). The earlier 2655: 2136 -> 2141 right (19 gained, 14 lost), plain wrong 58 -> "
    "55. All 2727: right 0.807 (bn 0.807, en 0.820, Banglish 0.793), plain wrong 0.021, selector top-1 0.877; out "
    "of scope: 4 plain, 10 hedged of 141 (was 12; not sure 0.887 -> 0.901). Development set 592 of 681 (the earlier"
    " 663: 576 -> 575), margins 1130 of 1341 (the earlier 1305: 1096 -> 1097). Intent accuracy 0.952 (unchanged per"
    " form); crisis sets unchanged (0 missed, false alarms 4 and 5)."
)


def before_after_lines(answers: dict) -> list[str]:
    now, oos = answers["per_form"], answers["out_of_scope"]
    before, fair = BEFORE["overall"], BEFORE_DELEAKED["overall"]
    rows = [
        *[(f"right item answered ({form}), as labelled", BEFORE["right"][form],
           fair["top1_accuracy"] if form == "overall" else None, now[form]["top1_as_labelled"]) for form in (*FORMS, "overall")],
        ("right item answered (overall), judged", None, None, now["overall"]["top1_accuracy"]),
        ("of which plain", before["top1_plain"], fair["top1_plain"], now["overall"]["top1_plain"]),
        ("answered or offered", before["right_item_answered_or_offered"], None, now["overall"]["right_item_answered_or_offered"]),
        ("**wrong item, plain**", before["wrong_item"], fair["wrong_item"], now["overall"]["wrong_item"]),
        ("wrong item, hedged", before["wrong_item_hedged"], fair["wrong_item_hedged"], now["overall"]["wrong_item_hedged"]),
        ("selector's first item is right", before["selector_top1"], fair["selector_top1"], now["overall"]["selector_top1"]),
        ("right item in the selector's first three", before["selector_top3"], fair["selector_top3"], now["overall"]["selector_top3"]),
        ("out of scope: not sure", BEFORE["out_of_scope"]["dont_know_rate"], BEFORE_DELEAKED["out_of_scope"]["dont_know_rate"],
         oos["dont_know_rate"]),
        ("out of scope: hedged", BEFORE["out_of_scope"]["hedged_rate"], BEFORE_DELEAKED["out_of_scope"]["hedged_rate"],
         oos["hedged_rate"]),
        ("**out of scope: plain answer**", BEFORE["out_of_scope"]["plain_answer_rate"],
         BEFORE_DELEAKED["out_of_scope"]["plain_answer_rate"], oos["plain_answer_rate"]),
    ]
    fmt = lambda v: "" if v is None else f"{v:.3f}"  # noqa: E731
    return [
        "### Before and after selector v2 (issue 13)",
        "",
        "| answer level, held-out | before (as reported) | before, near-copies removed | now (judged, but the rows 'as labelled') |", "|---|---|---|---|",
        *[f"| {name} | {fmt(a)} | {fmt(b)} | {fmt(c)} |" for name, a, b, c in rows],
        "",
        WHAT_CHANGED,
        "",
    ]


def margin_lines(margins: dict, held_out_top1: float) -> list[str]:
    use, tuned, targets = margins["in_use"], margins["tuned"], margins["targets"]
    rows = [r for r in margins["table"] if r["margin"] in (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.425, 0.45, 0.5, 0.6, 0.7)]
    return [
        "### The selector's margins",
        "",
        f"In use (knowledge/selector.py): answer at a lead of {use['margin']}, hedged answer at {use['hedge_margin']}. "
        f"Chosen now by `tune_margin` on the margins questions (nlu_data/dev/kb_margins/: {margins['questions']} item "
        f"questions and {margins['out_of_scope']} out-of-scope ones, written apart from the examples, never trained on "
        f"and never read): the smallest lead with at most {targets['wrong_of_answered']:.0%} / "
        f"{targets['hedged_wrong_of_answered']:.0%} of answered questions wrong: {tuned['margin']} and "
        f"{tuned['hedge_margin']}. The selector alone, without Rasa's intent. That set is easier than the held-out one "
        f"(the selector's first item answers {margins['table'][0]['right']:.3f} of its questions, against "
        f"{held_out_top1:.3f} of the held-out ones), so its choice is shown, not applied: a lead chosen there would "
        "answer plainly where the held-out questions need caution (knowledge/selector.py).",
        "",
        "| lead | answered | right | wrong of answered | out-of-scope answered |", "|---|---|---|---|---|",
        *[f"| {r['margin']} | {r['answered']:.3f} | {r['right']:.3f} | {r['wrong_of_answered']:.3f} | "
          f"{r['oos_answered']:.3f} |" for r in rows],
        "",
    ]


def answer_lines(answers: dict) -> list[str]:
    per_form, oos = answers["per_form"], answers["out_of_scope"]
    return [
        "## Answer level: does the reply answer what was asked?",
        "",
        f"Held-out questions of nlu_data/test/kb/ ({per_form['overall']['questions']}, never trained on), through the "
        "intent and the answer selector as in the bot. *Top-1* counts the right item given as the answer, plainly or "
        "*hedged* (introduced by \"I think you are asking: <its question>\", with the other close questions as "
        "buttons); *plain* counts plain answers only. *Wrong item* is the harmful case: a plain answer to another "
        "question; *wrong, hedged* names the question it answers and offers the alternatives. *Not sure* offers the "
        "closest items and the helplines; *crisis reply*: the crisis rules or the model read the question as danger "
        "now and gave the emergency numbers first (by design, never overridden) and no item followed; *routed* went to "
        "another reply with no item: a referral search, the hotline list, the menu, small talk, or \"I can only help "
        "with...\" for a message read as out of scope with no close item. When the selector picks an item plainly for a "
        "message that goes to the emergency reply or a service search, that item's short answer follows the emergency "
        "numbers or comes before the search: it counts as right or wrong like any answer, and the columns *after the "
        "emergency numbers* and *before a search* show the right ones. *Answered or offered* also counts the right "
        "item among the buttons.",
        "",
        "*Right* means an item that answers the question: the item it was written for, or another item whose short "
        "answer answers it as well, as a judge decided who read every item's question and short answer but saw no "
        f"output of the bot (the `also:` maps of nlu_data/test/kb/: {answers['judged_also_answered']} of the "
        f"{per_form['overall']['questions']} questions have one). *As "
        "labelled* counts the item it was written for only (the measure before 2026-12-06).",
        "",
        "| form | questions | top-1 item accuracy | as labelled | of which plain | of which after the emergency numbers "
        "| of which before a search | answered or offered | not sure | crisis reply "
        "| routed elsewhere | wrong item | wrong, hedged |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[f"| {form} | {v['questions']} | {v['top1_accuracy']:.3f} | {v['top1_as_labelled']:.3f} | {v['top1_plain']:.3f} | "
          f"{v['right_after_crisis_reply']:.3f} | {v['right_before_search']:.3f} | "
          f"{v['right_item_answered_or_offered']:.3f} | {v['not_sure']:.3f} | {v['crisis_reply']:.3f} | "
          f"{v['routed_elsewhere']:.3f} | {v['wrong_item']:.3f} | {v['wrong_item_hedged']:.3f} |"
          for form, v in per_form.items()],
        "",
        f"Out-of-scope questions near the topics ({oos['questions']}): \"not sure\" (no item answered) in "
        f"**{oos['dont_know_rate']:.3f}** of them; a hedged answer in {oos['hedged_rate']:.3f}, a plain answer in "
        f"{oos['plain_answer_rate']:.3f}.",
        "",
        "Out-of-scope questions answered anyway, by the item given (the held-out texts stay unread; the development "
        "set's: `python -m tools.evaluate --selector --set dev --show-texts`):",
        "",
        *[f"- {t}" for t in oos["answered_anyway"][:30]],
        "",
        "Questions not given their item, as expected -> got (NOT_SURE, ROUTED:<intent> or another item), most "
        "frequent first (first 60):",
        "",
        *[f"- {w}" for w in answers["wrong"][:60]],
        "",
    ]


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
