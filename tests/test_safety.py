"""The deterministic crisis layer and text normalisation (no model needed)."""
from __future__ import annotations

import unicodedata

import pytest
import yaml

from contract.text import nlu_examples
from safety.crisis import CrisisDetector, default_detector
from safety.text import canonical, has_words, match_key, normalize_text
from tools.model import ROOT

CRISIS_SET = yaml.safe_load((ROOT / "nlu_data" / "test" / "crisis.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("form", ["bn", "en", "banglish"])
def test_every_held_out_crisis_message_is_caught(form: str) -> None:
    missed = [m for m in CRISIS_SET["crisis"][form] if not default_detector().is_crisis(m)]
    assert len(CRISIS_SET["crisis"][form]) >= 20
    assert missed == []


def test_few_false_alarms_on_look_alike_messages() -> None:
    messages = [m for texts in CRISIS_SET["non_crisis"].values() for m in texts]
    alarms = [m for m in messages if default_detector().is_crisis(m)]
    assert len(messages) >= 60
    assert len(alarms) <= 0.05 * len(messages), alarms


def test_no_training_example_copies_a_held_out_crisis_message() -> None:
    """The crisis sets in nlu_data/test/ measure messages nobody trained on: no NLU training example of more than three
    words is a near-copy of one (short cries such as "amake atke rakhse" are everywhere and are left alone)."""
    from knowledge.check import NEAR_COPY, near_copies

    held = [(path.name, text) for path in sorted((ROOT / "nlu_data" / "test").glob("crisis*.yml"))
            for texts in yaml.safe_load(path.read_text(encoding="utf-8")).values() for form in texts.values()
            for text in form]
    trained = [line.strip()[2:] for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml"))
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip().startswith("- ")]
    assert len(held) >= 400 and len(trained) > 1000
    copies = [(where, example) for (where, _), example, _ in near_copies(held, trained, NEAR_COPY) if len(example.split()) > 3]
    assert copies == []


@pytest.mark.parametrize("text", [
    "they locked me in a room", "HELPPPP", "🆘", "আমাকে বাঁচাও", "amake atke rekhese",
    "আজ রাতে জোর করে বিয়ে দিচ্ছে", "abba aj rate amar biye dicche jor kore", "help they are coming",
    "আমাকে বাঁচাও" .replace("য়", "য\u09bc"),  # decomposed য় must not matter
    "a man called asking for money to give her back", "জলদি ৯৯৯ দেন", "nikah in an hour, please send someone",
    "গ্রামে এখন বাল্যবিবাহ হচ্ছে, মেয়েটার বয়স ১২", "girl, 14, wedding now, please",
    "abba bolse force korbo na kintu ekhon jor kore biye dicche aj rate",  # a promise, then the danger
    "সাহায্য দরকার এক্ষুনি", "my niece is missing since 2 hours, a woman took her from the bus stand",
    "if you tell anyone he will kill me, he is outside",
    "my daughter left with a job agent yesterday, now both phones are off",
    "they r making me ride in the car to the border, said they will kill me if i get off",
    "ও গাড়ি নিয়ে বাসার নিচে, বলতেছে না নামলে উপরে উঠে আসবে", "she is downstairs with a bottle, says she will throw acid",
    "amar bhai ke dhore niye gese, ekhon muktipon chaitese", "they called asking ransom for my son",
    "they locked me in the store room and im safe for now but they are coming back tonight",
    "if you see this please call the police, they locked me in the room", "কবিতাকে ওরা তুলে নিয়ে গেছে এইমাত্র, গাড়িতে",
    "they took my passport and id, locked me in the room", "people say it is a rumour but they locked my sister in the house now",
    "my daughter went with the job agent yesterday, no news since, both phones are off",
    "I was taken by two men, I am in a van", "he says he will leak my pics by 10pm unless I pay, I'm 14",
    "আজ রাতের মধ্যে টাকা না দিলে আমার ভিডিও ছড়িয়ে দিবে বলছে", "ajke amar biye, ami 14, keu biye bondho kore den",   # a plea to stop it, not a wedding stopped
    # A young child missing for minutes or hours
    "amar 4 bochorer chele ke khuje pacchi na 15 min dhore, haat e chilo", "আমার মেয়েকে আধা ঘণ্টা ধরে খুঁজে পাচ্ছি না, মেলায় ছিল",
    "I can't find my little son for an hour, he was at the fair",
    # "Not a story": the writer says the danger is real; a lure told as a story
    "this is not a story, they locked me in the room", "এটা গল্প না, সত্যি, ওরা আমাকে আটকে রেখেছে",
    "they told me a story about a garment job, brought me here and now they won't let me leave, locked in",
    "they brought me for a job training and locked us in the room", "ora amake ekhon atke rakhsi, ber hote dey na",
    "they took my phone and locked me in", "someone just broke into our house, we are hiding",
    # Sextortion: the photos sent to the family or the school by a deadline
    "he has my pics and says he will send them to my parents by tonight unless I pay",
    "ও বলছে আজ রাতের মধ্যে টাকা না দিলে আমার ছবি আব্বুকে পাঠিয়ে দেবে",
    "bolse ajke 8 tar moddhe 3000 na dile amar chobi school group e post korbe",
    # Touched by a teacher and pressed to stay today; a classmate's wedding now
    "স্যার গায়ে হাত দেয়, আজকেও ছুটির পর থাকতে বলছে, না থাকলে ফেল করাবে",
    "sir gaye hat dey, ajkeo thakte bolse, na thakle fail korabe bolse",
    "my tutor touches me and he told me to stay after class today, he says he will fail me",
    "amar class er meye tar biye ekhon hocche, kake janabo", "they sold me to a brothel, I am inside now",
    "bolse 2 ta pic na dile ager gula amar class er shobar kache pathabe, timer dise 15 min",
    "bolse kal sokal er age dekha na korle amar chobi abbur inbox e dibe",
    "sir extra class er jonno thakte bole ar gaye hat dey, ajkeo thakte bolse",   # touching overrides the extra class
    "kazi ekhon biye porabe, ami 14",
])
def test_crisis_phrases_in_all_forms(text: str) -> None:
    assert default_detector().is_crisis(text)


@pytest.mark.parametrize("text", [
    "I'm afraid of exams", "my friend was taken to the cinema", "what is the punishment for forced marriage",
    "বাবা আমাকে স্কুলে নিয়ে যাচ্ছে", "the movie was about a kidnapping", "I locked my phone", "ki chan apni",
    "jor kore biye dewa ki oporadh", "help me find the stipend rules please", "",
    "শিশুকে জোর করে বিয়ে দিলে কী শাস্তি", "my sister was married at 15, now she is divorced, can she study?",
    "we won't force her to marry, just asking about the stipend", "my friend was kidnapped when we were kids",
    "my mom will kill me if i fail math again 😭", "রেজাল্ট খারাপ হলে আম্মু আমাকে মেরে ফেলবে",
    "ekta boi porlam, ek cheleke kidnap kore uter jockey banay", "she was married at 15, now divorced, can she study?",
    "what is the punishment for kidnapping for ransom?", "মুক্তিপণের জন্য শিশু অপহরণের সাজা কী",
    "my dad will kill me if I get bad marks", "some boys beat me in class 5, that was 4 years ago, I still remember it",
    "golpe ekjon dakat meyeti ke dhore niye jay, tarpor ki hoy", "last year a boy stood outside my house and said he would leak my photos",
    "NGO staff here, test message: they locked me in", "roleplay for our training: a girl says she is locked in a room",
    "hypothetically, if a boy is locked up by his employer, who can he call?", "my phone was taken by the headmaster",
    "the door lock in the bathroom is jammed, my dad is fixing it", "ছোটবেলায় মামা আমাকে ঘরে আটকে রাখত, এখন কাউন্সেলিং কোথায় পাব",
    "when I was in class 6 my uncle locked me in the store room, I'm an adult now", "fb id lock hoye gese, help koren please",
    "how do I teach my son what to do if someone tries to take him away?", "jodi dekhi keu bachcha ke jor kore niye jacche ki korbo",
    "amar biye thik hoisilo 14 bochore, pore UNO eshe biye bondho kore dise, ekhon ami college e", "chhoto bhai amar phone niye palaise, bachao 😤",
    "bachchader harano theke bachanor upay ki",   # "of saving": a question, not "bachan" (save us)
    "আমার বয়স যখন ১২ তখন চাচা ঘরে আটকে রাখত, এখন আমি ভার্সিটিতে", "goto mash e mama amake atke rakhsilo, ekhon nanir basay thaki valo asi",
    "Last year my stepfather locked me in the shed, now I live with my gran and I'm safe", "dadi bolto take 10 bochore jor kore biye disilo",
    "last year a boy said he would post my nudes tonight unless I paid; he was arrested",
    "my parents grounded me and took my phone for a week because of my marks",
    "someone broke into our shop last month and took the cash, how do I claim insurance",
    "2 bochor age malik passport atke rakhsilo, ekhon deshe, mamla kora jabe?",
    "আব্বা আম্মা আমার বিয়ে নিয়ে কথা বলছে, কিন্তু এখনো কিছু ঠিক হয়নি, আমি ক্লাস নাইনে, আগে থেকে কী করব",
    "abbu ammu amar biye niye kotha boltese, kichu thik hoy nai ekhono, ami class 9 e, ki korbo",
    "this is a test, not a real case: a girl writes that she is locked in a room",
    "আমি একটা গল্প লিখছি যেখানে একটা মেয়েকে ঘরে আটকে রাখা হয়",
    "what should I do if my child goes missing for 2 hours at a fair?", "can't find my son's birth certificate for an hour",
    "amar meye ke 3 ghonta khuje pacchilam na, pore khuje paisi, bandhobir basay chilo",
    "is running a brothel legal in Bangladesh?", "if police rescue a girl from a brothel, must she go to court?",
    "my sister was trapped in a lift for half an hour yesterday, now she is scared", "খেলায় বাংলাদেশ ভারতকে একেবারে মেরে ফেলছে আজ",
    "school e kivabe bujhbo je kono student er biye thik hocche? teacher hishebe jante chai",
    "hujur gotokal bet dia marse, ekhon basay, o valai ase, nalish kothay dibo",
    "বিয়ের প্রস্তাব আসছে, আমি ১৬, আম্মু বলছে ১৮ না হওয়া পর্যন্ত কিছু হবে না, পাড়ার লোকদের কী বলব",
    "abbu bole hsc pass korle tarpor biye dibe, ami ekhon class 9, career korte chai", "our escape room was a kidnapping theme, so fun",
    "amar bondhur bhai ke police dhore niye gese, jamin er process ki?", "sir puro class ke atkay rakhse extra class er jonno, khide lagse",
    "kazi saheb bolse 18 er niche biye porabe na, take kivabe dhonnobad dei", "ajker match e Messi defender der bondi kore felse",
    "pasher barir lok amar bilai ke dhore niye gese, bolse tader bilai",
])
def test_ordinary_messages_are_not_crises(text: str) -> None:
    assert not default_detector().is_crisis(text)


def test_film_and_news_context_suppresses_phrases_but_not_symbols() -> None:
    detector = default_detector()
    assert not detector.is_crisis("নাটকে দেখলাম মেয়েটাকে জোর করে বিয়ে দিচ্ছে")
    assert detector.is_crisis("movie 🆘")


def test_macros_and_whole_messages() -> None:
    detector = CrisisDetector({"macros": {"who": "me|us"}, "whole_message": ["sos"],
                               "phrases": {"en": ["hurt(?:ing)? (?:{who}) "]}})
    assert detector.detect("they are hurting me!").form == "en"
    assert detector.detect("SOS!!!").form == "whole_message"
    assert not detector.is_crisis("hurting others")


def test_together_rules_need_every_group_and_every_alternative_starts_a_word() -> None:
    detector = CrisisDetector({"together": [{"name": "child wedding now", "groups": [
        ["wedding|biye"], ["(?:[5-9]|1[0-7]) (?:years|bochor)"], ["right now|ekhon"]]}],
        "phrases": {"en": ["kidnap|abducted"]}})
    assert detector.detect("the wedding of a 13 years old is happening right now").pattern == "child wedding now"
    assert detector.is_crisis("14 bochor er meyer biye ekhon dicche")
    assert not detector.is_crisis("the wedding of a 13 years old, what does the law say")   # no "now"
    assert not detector.is_crisis("my sister is 19 years old, her wedding is right now")  # no child's age
    assert detector.is_crisis("they abducted her") and not detector.is_crisis("unabducted")  # "abducted" starts a word


def test_hypotheticals_dangers_that_are_over_and_jokes_are_no_crisis() -> None:
    detector = default_detector()
    assert not detector.is_crisis("what should I do if someone ever locks me in a room?")
    assert not detector.is_crisis("my cousin was kidnapped last year and rescued, she is safe now")
    assert not detector.is_crisis("exam tomorrow and I studied nothing, someone save me 😂")
    assert not detector.is_crisis("kal porikkha, keu bachao lol")
    assert detector.is_crisis("someone save me, they locked me in")   # the same words, without the joke
    assert detector.is_crisis("amar vai ke keu tule nise school er shamne theke")
    assert not detector.is_crisis("I'm locked out of my email, help")
    assert detector.is_crisis("🆘 lol")  # a symbol is never overruled
    assert detector.is_crisis("I was rescued last year but they are outside my door now")  # a present threat wins
    assert detector.is_crisis("we were rescued from the boat but they are coming back tonight, they locked us in")


def test_normalisation() -> None:
    decomposed = "বিয" + "\u09bc" + "ে"
    assert normalize_text(decomposed) == unicodedata.normalize("NFC", decomposed)
    assert match_key("Helppppp!!! ১৫ বছর") == " help 15 বছর "
    assert canonical("call ৯৯৯, fine 10000 taka, 333") == "call 999, fine 10000 taka, 333"  # digits are never collapsed
    assert match_key("zero\u200bwidth") == " zerowidth "
    assert has_words("ঢাকা") and has_words("a1") and not has_words("🙂🙂 !!") and not has_words("")


def _parsed(text: str, ranking: list[tuple[str, float]]):
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    message = Message({TEXT: text})
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, ranked[0])
    message.set(INTENT_RANKING_KEY, ranked)
    return message


@pytest.mark.parametrize("text,expected", [
    ("kal porikkha, kichu pori nai, keu amake bachao 😂", "out_of_scope"),       # a joke: the rules stay silent too
    ("in the drama the girl is locked in a room, why did the writer do that", "out_of_scope"),
    ("my cousin was kidnapped in 2022 and rescued, she is fine now", "out_of_scope"),
    ("I was rescued last year but they are outside my door now", "emergency"),   # a threat named as present
    ("the men are taking the girls to the river now", "emergency"),              # the model alone, no context: kept
])
def test_the_model_emergency_gives_way_only_where_the_message_says_the_danger_is_not_now(text: str, expected: str) -> None:
    """SafetyNet (the last NLU step): a model's `emergency` for a film, a joke or a danger that is over goes to the
    runner-up intent; a crisis rule or a threat named as present keeps it."""
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
    from nlu_components.safety_net import SafetyNet

    message = _parsed(text, [("emergency", 0.6), ("out_of_scope", 0.3), ("greet", 0.1)])
    SafetyNet().process([message])
    assert message.get(INTENT)["name"] == expected
    assert {i["name"] for i in message.get(INTENT_RANKING_KEY)} == {"emergency", "out_of_scope", "greet"}


def test_no_known_crisis_message_says_its_danger_is_not_now() -> None:
    """`not_now` silences the rules and overrules the model's `emergency`, so it must never fire on a real crisis:
    none of the crisis messages of the development sets, the first held-out set and the emergency training
    examples may carry such a context. A new `not_if` pattern that breaks this is too broad."""
    texts = [text for path in sorted((ROOT / "nlu_data" / "dev").glob("crisis_dev*.yml")) + [ROOT / "nlu_data" / "test" / "crisis.yml"]
             for form in yaml.safe_load(path.read_text(encoding="utf-8"))["crisis"].values() for text in form]
    texts += [text for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")) for text in nlu_examples(path, {"emergency"})]
    assert len(texts) > 1000
    assert [text for text in texts if default_detector().not_now(text)] == []
