"""Free text -> gazetteer place, in Bangla, English and romanized Bangla, with or without a database.

How it works
------------
1. The text is folded (NFC, lower case, Bangla digits to Latin, apostrophes dropped: "Cox's" -> "coxs",
   other punctuation -> spaces) and split into words.
2. Every span of 1-4 consecutive words is looked up in an in-memory index built once per process from
   the shipped CSVs: official English and Bangla names, the gazetteer's alias column, the curated
   ``data/aliases.csv`` (typos, romanizations, towns such as Benapole), and generated forms
   ("<district or its alias> sadar" for every Sadar upazila, so "Jashore Sadar" finds "Jessore Sadar").
   Spans are also tried with their spaces removed ("coxsbazar").
3. Spans that miss are retried, in this order, by: stripping a case ending from the last word
   (Bangla যশোরে/ঢাকার/খুলনায়/চট্টগ্রামের/ঢাকাতে; Banglish dhakay/sylhete; see ``data/resolver_words.csv``),
   a loose Bangla key (ণ/ন, ী/ি, শ/ষ/স, ঙ্গ/ঙ, ড়/র ... merged), fuzzy matching (optimal-string-alignment
   edit distance through a deletion index: up to 1 edit for words of 5-6 letters, 2 for longer ones),
   and a consonant skeleton for romanized Bangla ("josor" ~ "jessore" ~ "jashore"). Words listed as
   stopwords are never fuzzy-matched; fuzzy queries allow one deletion against names indexed with up
   to two, which covers one wrong letter plus one missing letter, two missing letters, or one extra.
4. Non-overlapping spans are picked greedily by score (confidence + 0.1 per extra word, so
   "Jashore Sadar" beats "Jashore"). Mentions that agree (an upazila and its district, a town and its
   district) are merged into the most specific place; several unrelated places of equal weight, or one
   name with several readings, give status 'ambiguous' with all readings as candidates - never a guess.
5. Preferences applied before declaring ambiguity: a district beats the division of the same name
   ("Dhaka"), a district beats its own upazila of the same name; a level word ("district", "upazila",
   "bibhag", "জেলা", "উপজেলা" ...) keeps only that level. A name that is a district AND an upazila of
   another district (Faridpur, Sherpur, Bangla কিশোরগঞ্জ) stays ambiguous, district listed first.

How confidence is computed
--------------------------
Base confidence by how the span matched:

==============================================  ===========================================
official English or Bangla name                 1.00
gazetteer or curated alias, generated form      0.95
bare "sadar" / "সদর" (always ambiguous)        0.90
after stripping a case ending                   base x 0.97
loose Bangla key                                base x 0.85
fuzzy (words of 5+ letters)                     base x 0.90 x similarity, where similarity =
                                                1 - edits / longer length, accepted from 0.75
consonant skeleton (romanized, 5+ letters)      0.70, only if the best similarity to a name
                                                with that skeleton is >= 0.60
==============================================  ===========================================

Then, inside a longer message, a match gets no "cue" unless it is the whole text, carries a case
ending, sits next to a level word, "in/at/near/from/to" before it or "theke/te/e/thaki/থেকে/তে" after
it, or agrees with another place mentioned. Without a cue, fuzzy and skeleton matches are multiplied
by 0.75 (weak ones fall to "did you mean?" level), and a place whose name is also an everyday word
("tala" = lock, "bhanga" = broken; list in ``data/resolver_words.csv``) drops to 0.40. Two mentions
that agree (an upazila and its district) add 0.05, capped at 1.

Status: 'found' when exactly one reading remains with confidence >= 0.60; 'ambiguous' when several
readings within 0.10 of the best remain (or a single one scores 0.50-0.60: "did you mean?");
'not_found' below 0.50 or when nothing matched. The index is built once per process (~0.4 s); a
resolution then takes well under a millisecond typically (p95 target 2 ms; see benchmarks/).
"""
from __future__ import annotations

import dataclasses
import functools
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from . import gazetteer as gz
from .places import AbroadPlace, Place, Resolution
from .text import bangla_loose, deletions, fold, is_bangla, latin_skeleton, osa_distance

# A place reference without confidence: (level, division, district, upazila, locality)
Ref = Tuple[str, str, Optional[str], Optional[str], Optional[str]]

FOUND_MIN = 0.60
CANDIDATE_MIN = 0.50
KEEP_WITHIN = 0.10
FUZZY_MIN_SIM = 0.75
FUZZY_MIN_LEN = 5
# Longer words are never fuzzy-matched: the longest place name (29 characters) plus the edit budget
# is far shorter, and the deletion variants of a word cost the square of its length (16,000 characters
# took 0.7 s and 230 MB).
FUZZY_MAX_LEN = 40
SKELETON_MIN_SIM = 0.6
SENTENCE_FUZZY_DAMP = 0.75
MAX_SPAN = 4


def _depth(ref: Ref) -> float:
    level, _, _, upazila, locality = ref
    base = {"division": 0.0, "district": 1.0, "upazila": 2.0}[level]
    return base + (0.5 if locality else 0.0)


def _related(a: Ref, b: Ref) -> bool:
    """True when one reference contains the other (or they are equal)."""
    lo, hi = (a, b) if _depth(a) <= _depth(b) else (b, a)
    if lo[1] != hi[1]:
        return False
    for i in (2, 3, 4):
        if lo[i] is not None and lo[i] != hi[i]:
            return False
    return True


@dataclass
class _Words:
    stop: FrozenSet[str]
    levels: Dict[str, str]
    suffix_bn: Tuple[str, ...]
    suffix_latn: Tuple[str, ...]
    cue_before: FrozenSet[str]
    cue_after: FrozenSet[str]
    common: FrozenSet[str]


@dataclass
class _Match:
    start: int
    end: int
    refs: Dict[Ref, float]
    method: str
    text: str
    cue: bool = False

    @property
    def score(self) -> float:
        return max(self.refs.values()) + 0.1 * (self.end - self.start - 1)


@dataclass(eq=False)  # hashed by identity (it is a per-process singleton), so lru_cache can key on it
class Index:
    """Lookup tables built once from the gazetteer (see module docstring)."""

    g: gz.Gazetteer
    words: _Words
    exact: Dict[str, Dict[Ref, float]] = field(default_factory=lambda: defaultdict(dict))
    compact: Dict[str, Dict[Ref, float]] = field(default_factory=lambda: defaultdict(dict))
    loose: Dict[str, Dict[Ref, float]] = field(default_factory=lambda: defaultdict(dict))
    skeleton: Dict[str, Dict[Ref, float]] = field(default_factory=lambda: defaultdict(dict))
    skeleton_keys: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))
    deletes: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))

    # -- building -----------------------------------------------------------------------------------
    def add(self, name: str, ref: Ref, conf: float) -> None:
        key = fold(name)
        if not key:
            return
        for table, k in ((self.exact, key), (self.compact, key.replace(" ", ""))):
            if table[k].get(ref, 0.0) < conf:
                table[k][ref] = conf

    def finish(self) -> None:
        """Derive loose, skeleton and deletion tables from the compact keys."""
        for k, refs in self.compact.items():
            if is_bangla(k):
                lk = bangla_loose(k)
                for ref, c in refs.items():
                    self.loose[lk][ref] = max(self.loose[lk].get(ref, 0.0), c)
            else:
                sk = latin_skeleton(k)
                if len(sk) >= 3:
                    self.skeleton_keys[sk].add(k)
                    for ref, c in refs.items():
                        self.skeleton[sk][ref] = max(self.skeleton[sk].get(ref, 0.0), c)
            if len(k) >= 4 and k not in {"sadar", "সদর"}:
                for d in deletions(k, _edit_budget(len(k))):
                    self.deletes[d].add(k)

    def common_name(self, ref: Ref) -> bool:
        """True when the place's own name is also an everyday word (data/resolver_words.csv)."""
        level, division, district, upazila, locality = ref
        if level != "upazila" or locality:
            return False
        u = self.g.upazilas[(district, upazila)]
        return fold(u.name_en) in self.words.common or fold(u.name_bn) in self.words.common

    # -- ref helpers --------------------------------------------------------------------------------
    def place(self, ref: Ref, conf: float, matched: str) -> Place:
        level, division, district, upazila, locality = ref
        g = self.g
        if level == "division":
            hq = g.districts.get(division) or next(d for d in g.districts.values() if d.division == division)
            return Place("division", division, None, None, g.divisions[division].name_bn, hq.lat, hq.lon,
                         "division", conf, locality, matched)
        d = g.districts[district]
        if level == "district":
            return Place("district", division, district, None, d.name_bn, d.lat, d.lon, "district", conf,
                         locality, matched)
        lat, lon, precision = g.point_of(district, upazila)
        u = g.upazilas[(district, upazila)]
        return Place("upazila", division, district, upazila, u.name_bn, lat, lon, precision, conf, locality,
                     matched)


def _edit_budget(length: int) -> int:
    return 1 if length <= 6 else 2


def _load_words() -> _Words:
    rows = gz.read_csv("resolver_words.csv")
    by: Dict[str, List[str]] = defaultdict(list)
    for r in rows:
        by[r["kind"]].append(fold(r["word"]) if not r["kind"].startswith("suffix") else r["word"].lower())
    levels = {}
    for lvl in ("division", "district", "upazila"):
        for w in by[f"level_{lvl}"]:
            levels[w] = lvl
    longest_first = lambda xs: tuple(sorted(set(xs), key=len, reverse=True))  # noqa: E731
    return _Words(frozenset(by["stopword"]), levels, longest_first(by["suffix_bn"]),
                  longest_first(by["suffix_latn"]), frozenset(by["cue_before"]), frozenset(by["cue_after"]),
                  frozenset(by["common_word"]))


@functools.lru_cache(maxsize=1)
def index() -> Index:
    """The process-wide resolver index (about 0.3 s to build, then shared)."""
    g = gz.load()
    idx = Index(g, _load_words())
    for dv in g.divisions.values():
        ref: Ref = ("division", dv.name_en, None, None, None)
        idx.add(dv.name_en, ref, 1.0)
        idx.add(dv.name_bn, ref, 1.0)
        for a in dv.aliases:
            idx.add(a, ref, 0.95)
    for d in g.districts.values():
        ref = ("district", d.division, d.name_en, None, None)
        idx.add(d.name_en, ref, 1.0)
        idx.add(d.name_bn, ref, 1.0)
        for a in d.aliases:
            idx.add(a, ref, 0.95)
    for u in g.upazilas.values():
        ref = ("upazila", u.division, u.district, u.name_en, None)
        idx.add(u.name_en, ref, 1.0)
        idx.add(u.name_bn, ref, 1.0)
        for a in u.aliases:
            idx.add(a, ref, 0.95)
        if u.name_en.endswith(" Sadar"):
            d = g.districts[u.district]
            for name in (d.name_en, *d.aliases, u.name_en[: -len(" Sadar")]):
                idx.add(f"{name} sadar", ref, 0.95)
            idx.add(f"{d.name_bn} সদর", ref, 0.95)
            idx.add("sadar", ref, 0.90)
            idx.add("সদর", ref, 0.90)
    for a in g.curated:
        if a.level == "division":
            ref = ("division", a.division, None, None, None)
        elif a.level == "district":
            ref = ("district", g.districts[a.district].division, a.district, None, a.locality or None)
        else:
            ref = ("upazila", g.districts[a.district].division, a.district, a.upazila, a.locality or None)
        idx.add(a.alias, ref, 0.95)
    idx.finish()
    return idx


# --- matching ----------------------------------------------------------------------------------------
def _strip_variants(word: str, w: _Words) -> List[str]:
    suffixes = w.suffix_bn if is_bangla(word) else w.suffix_latn
    return [word[: -len(s)] for s in suffixes if word.endswith(s) and len(word) - len(s) >= 2]


def _lookup(idx: Index, words: List[str]) -> Optional[Dict[Ref, float]]:
    return idx.exact.get(" ".join(words)) or idx.compact.get("".join(words))


def _fuzzy(idx: Index, q: str) -> Dict[Ref, float]:
    """Fuzzy matches of a word (or joined span) of FUZZY_MIN_LEN to FUZZY_MAX_LEN characters; longer
    ones are checked here, before the cache, so the cache never holds a long word either."""
    if not FUZZY_MIN_LEN <= len(q) <= FUZZY_MAX_LEN:
        return {}
    return _fuzzy_cached(idx, q)


@functools.lru_cache(maxsize=16384)
def _fuzzy_cached(idx: Index, q: str) -> Dict[Ref, float]:
    out: Dict[Ref, float] = {}
    seen: Set[str] = set()
    # Keys were indexed with up to 2 deletions, queries use 1: this catches one substitution plus one
    # missing letter, or two missing letters, or one extra letter - the common typos - at a fifth of the cost.
    for d in deletions(q, 1):
        for k in idx.deletes.get(d, ()):
            if k in seen:
                continue
            seen.add(k)
            longer = max(len(k), len(q))
            dist = osa_distance(q, k, _edit_budget(longer))
            if dist > _edit_budget(longer):
                continue
            sim = 1.0 - dist / longer
            if sim < FUZZY_MIN_SIM:
                continue
            for ref, c in idx.compact[k].items():
                conf = round(0.9 * sim * c, 4)
                if conf > out.get(ref, 0.0):
                    out[ref] = conf
    return out


def _skeleton(idx: Index, q: str) -> Dict[Ref, float]:
    if not FUZZY_MIN_LEN <= len(q) <= FUZZY_MAX_LEN or is_bangla(q):
        return {}
    return _skeleton_cached(idx, q)


@functools.lru_cache(maxsize=16384)
def _skeleton_cached(idx: Index, q: str) -> Dict[Ref, float]:
    sk = latin_skeleton(q)
    if len(sk) < 3 or sk not in idx.skeleton:
        return {}
    best = max(1.0 - osa_distance(q, k, 6) / max(len(q), len(k)) for k in idx.skeleton_keys[sk])
    if best < SKELETON_MIN_SIM:
        return {}
    return {ref: 0.70 for ref in idx.skeleton[sk]}


def _spans(idx: Index, toks: List[str]) -> List[_Match]:
    w = idx.words
    out: List[_Match] = []
    n = len(toks)
    for size in range(min(MAX_SPAN, n), 0, -1):
        for i in range(0, n - size + 1):
            span = toks[i:i + size]
            text = " ".join(span)
            refs = _lookup(idx, span)
            if refs:
                out.append(_Match(i, i + size, dict(refs), "exact", text))
                continue
            stems = _strip_variants(span[-1], w)
            hit = None
            for stem in stems:
                refs = _lookup(idx, span[:-1] + [stem])
                if refs:
                    hit = {r: round(c * 0.97, 4) for r, c in refs.items()}
                    break
            if hit:
                out.append(_Match(i, i + size, hit, "suffix", text, cue=True))
                continue
            if size > 3 or any(t in w.stop or t in w.levels or t.isdigit() for t in span):
                continue
            joined = "".join(span)
            if is_bangla(joined):
                for cand, cue in [(joined, False)] + [("".join(span[:-1]) + s, True) for s in stems]:
                    refs = idx.loose.get(bangla_loose(cand))
                    if refs:
                        out.append(_Match(i, i + size, {r: round(0.85 * c, 4) for r, c in refs.items()},
                                          "loose", text, cue=cue))
                        break
                else:
                    refs = _fuzzy(idx, joined)
                    if refs:
                        out.append(_Match(i, i + size, dict(refs), "fuzzy", text))
                continue
            refs = _fuzzy(idx, joined)
            if refs:
                out.append(_Match(i, i + size, dict(refs), "fuzzy", text))
                continue
            if size <= 2:
                refs = _skeleton(idx, joined)
                if refs:
                    out.append(_Match(i, i + size, dict(refs), "skeleton", text))
    return out


def _choose(matches: List[_Match]) -> List[_Match]:
    chosen: List[_Match] = []
    taken: Set[int] = set()
    for m in sorted(matches, key=lambda m: (-m.score, m.start)):
        if taken.isdisjoint(range(m.start, m.end)):
            chosen.append(m)
            taken.update(range(m.start, m.end))
    return chosen


def _has_cue(m: _Match, toks: List[str], w: _Words, others: List[_Match]) -> bool:
    if m.cue or len(toks) == m.end - m.start:
        return True
    before = toks[m.start - 1] if m.start > 0 else ""
    after = toks[m.end] if m.end < len(toks) else ""
    if before in w.cue_before or after in w.cue_after or after in w.levels or before in w.levels:
        return True
    return any(_related(a, b) for o in others if o is not m for a in m.refs for b in o.refs)


# --- places abroad ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def abroad_index() -> Dict[str, AbroadPlace]:
    """Folded name or alias -> place abroad (data/abroad.csv). A name that is also a Bangladeshi place
    name is left out: the Bangladeshi reading wins (a test checks there is none)."""
    out: Dict[str, AbroadPlace] = {}
    for r in gz.read_csv("abroad.csv"):
        place = AbroadPlace(r["name_en"], r["name_bn"], r["country_en"], r["country_bn"], r["region"])
        for name in (r["name_en"], r["name_bn"], *filter(None, r["aliases"].split("|"))):
            out.setdefault(fold(name), place)
    return out


def _abroad_span(toks: List[str]) -> Optional[Tuple[int, int, AbroadPlace]]:
    """The longest span of ``toks`` that names a place abroad (a case ending allowed), as (start, end, place)."""
    names, idx = abroad_index(), index()
    for size in range(min(3, len(toks)), 0, -1):
        for i in range(0, len(toks) - size + 1):
            span = toks[i:i + size]
            if _lookup(idx, span):  # "Dohar" is an upazila, not "Doha" with a case ending
                continue
            for last in (span[-1], *_strip_variants(span[-1], idx.words)):
                key = " ".join(span[:-1] + [last])
                place = names.get(key) or names.get(key.replace(" ", ""))
                if place is not None:
                    return i, i + size, dataclasses.replace(place, matched=" ".join(span))
    return None


def resolve_text(text: str) -> Resolution:
    """Resolve free text to a place (see the module docstring for the rules and the confidences)."""
    idx = index()
    w = idx.words
    toks = [t for t in fold(text).split()]
    if not toks:
        return Resolution("not_found", text=text)
    chosen = _choose(_spans(idx, toks))
    abroad = _abroad_span(toks)
    if abroad is not None:
        # A place abroad is named: a Bangladeshi reading must be named as plainly (exactly, or with a case
        # ending) and elsewhere in the text; a guessed one (fuzzy, loose, skeleton) would substitute it.
        start, end, foreign = abroad
        chosen = [m for m in chosen if m.method in ("exact", "suffix") and (m.end <= start or m.start >= end)]
        if not chosen:
            return Resolution("abroad", text=text, abroad=foreign)
    # Damp everyday words that happen to be place names when they sit in a sentence without a cue.
    for m in chosen:
        if _has_cue(m, toks, w, chosen):
            continue
        if any(idx.common_name(r) for r in m.refs):
            m.refs = {r: min(c, 0.40) for r, c in m.refs.items()}
        elif m.method in ("fuzzy", "skeleton"):
            m.refs = {r: round(c * SENTENCE_FUZZY_DAMP, 4) for r, c in m.refs.items()}
    chosen = [m for m in chosen if max(m.refs.values()) >= CANDIDATE_MIN]
    if not chosen:
        return Resolution("not_found", text=text)
    hinted = {w.levels[t] for t in toks if t in w.levels}
    for m in chosen:  # "রংপুর" next to an upazila means the district, not the division
        m.refs = _prefer(m.refs, hinted)
    chosen.sort(key=lambda m: (-m.score, m.start))
    pool: Dict[Ref, float] = dict(chosen[0].refs)
    matched: Dict[Ref, str] = {r: chosen[0].text for r in pool}
    rivals: List[_Match] = []
    for other in chosen[1:]:
        pairs = [(a, b) for a in pool for b in other.refs if _related(a, b)]
        if not pairs:
            rivals.append(other)
            continue
        merged: Dict[Ref, float] = {}
        for a, b in pairs:
            deeper = a if _depth(a) >= _depth(b) else b
            conf = min(1.0, max(pool[a], other.refs[b]) + 0.05)
            if conf > merged.get(deeper, 0.0):
                merged[deeper] = conf
                matched[deeper] = f"{matched.get(a, '')} {other.text}".strip()
        pool = merged
    top = max(pool.values())
    for r in rivals:  # a second, unrelated place mentioned about as strongly: ask, do not guess
        if max(r.refs.values()) >= top - 0.05:
            for ref, c in r.refs.items():
                if c > pool.get(ref, 0.0):
                    pool[ref] = c
                    matched[ref] = r.text
    pool = _prefer(pool, hinted)
    top = max(pool.values())
    keep = {r: c for r, c in pool.items() if c >= top - KEEP_WITHIN and c >= CANDIDATE_MIN}
    places = [idx.place(r, c, matched.get(r, "")) for r, c in keep.items()]
    places.sort(key=lambda p: (-p.confidence, _depth_of(p), p.label()))
    if len(places) == 1 and places[0].confidence >= FOUND_MIN:
        return Resolution("found", places[0], places, text)
    if not places:
        return Resolution("not_found", text=text)
    return Resolution("ambiguous", None, places, text)


def _depth_of(p: Place) -> float:
    # districts first, then upazilas, then divisions when confidences tie
    return {"district": 0, "upazila": 1, "division": 2}[p.level] + (0.5 if p.locality else 0)


def _prefer(pool: Dict[Ref, float], hinted: Set[str]) -> Dict[Ref, float]:
    if hinted:
        only = {r: c for r, c in pool.items() if r[0] in hinted}
        if only:
            pool = only
    districts = {r[2] for r in pool if r[0] == "district" and not r[4]}
    divisions_with_district = {r[1] for r in pool if r[0] == "district"}
    out = {}
    for r, c in pool.items():
        if r[0] == "division" and r[1] in divisions_with_district and "division" not in hinted:
            continue  # "Dhaka": the district, not the division
        if r[0] == "upazila" and r[2] in districts and "upazila" not in hinted:
            continue  # a district beats its own upazila of the same name
        out[r] = c
    return out or pool


def warm() -> float:
    """Build the index now (e.g. at server start); returns the seconds it took."""
    t = time.perf_counter()
    index()
    return time.perf_counter() - t


def all_keys() -> Iterable[str]:
    """Every exact key (for tests and debugging)."""
    return index().exact.keys()
