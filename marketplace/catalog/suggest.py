""" "Maksud Anda …?": when a search finds nothing, the query with each word
no product name has replaced by the nearest word one has ("kripk" ->
"keripik", "bawor" stays).

The words come from the products' names (on PostgreSQL the table
`search_words`, kept by triggers, migration 0028; on SQLite the full-text
index's own vocabulary, `fts5vocab`) and from `search_words.txt`, counted
by how many products have each. They are kept in the cache under the
catalog's generation, so a new product's words count at once and they are
read once per change of the catalog, and only when a search has found
nothing."""

from difflib import SequenceMatcher
from typing import cast

from sqlalchemy import text

from marketplace.catalog.cache import GENERATION_KEY, generations
from marketplace.catalog.search import MAX_WORDS, same_words, words_of
from marketplace.extensions import cache, db

# How alike two words must be (difflib's ratio) for one to stand for the
# other: "kripk"/"keripik" 0.83, "nopa"/"nopia" 0.89, "sapi"/"sari" 0.75 is
# not enough.
MIN_LIKENESS = 0.8
# A word this short is too easily another word: it is left as typed.
MIN_LENGTH = 4
VOCABULARY_KEY = "catalog/vocabulary/{generation}"

PG_VOCABULARY = text("SELECT word, products FROM search_words WHERE products > 0")
SQLITE_VOCABULARY = text("SELECT term, doc FROM products_fts_vocab WHERE col = 'name'")


def _read_vocabulary() -> dict[str, int]:
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    rows = db.session.execute(PG_VOCABULARY if postgresql else SQLITE_VOCABULARY).tuples()
    found = {word: count for word, count in rows if word.isalpha()}
    for phrase in same_words():
        for word in phrase:
            found.setdefault(word, 1)
    return found


def vocabulary() -> dict[str, int]:
    """Every word a product's name has (or the same-words list), with how
    many products have it."""
    (generation,) = generations((GENERATION_KEY,))
    key = VOCABULARY_KEY.format(generation=generation)
    if generation:  # 0: the cache is out of reach, read the index itself
        kept = cache.get(key)
        if kept is not None:
            return cast(dict[str, int], kept)
    found = _read_vocabulary()
    if generation:
        cache.set(key, found)
    return found


def _nearest(word: str, words: dict[str, int]) -> str | None:
    matcher = SequenceMatcher(None, b=word, autojunk=False)
    best: tuple[float, int, str] | None = None
    for candidate, count in words.items():
        if abs(len(candidate) - len(word)) > 2:
            continue
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < MIN_LIKENESS or matcher.quick_ratio() < MIN_LIKENESS:
            continue
        likeness = matcher.ratio()
        if likeness >= MIN_LIKENESS and (best is None or (likeness, count) > best[:2]):
            best = (likeness, count, candidate)
    return best[2] if best else None


def _canonical(word: str) -> str:
    """A word of the same-words list as its group's first: "kripik" -> "keripik"."""
    group = same_words().get((word,))
    return " ".join(group[0]) if group else word


def correction(query: str) -> str | None:
    """The query with its unknown words corrected, or None if there is
    nothing to correct. A word is known when a name has it, or a word it
    begins (the search matches prefixes)."""
    words = vocabulary()
    corrected: list[str] = []
    for word in words_of(query)[:MAX_WORDS]:
        if (
            len(word) < MIN_LENGTH
            or not word.isalpha()
            or word in words
            or any(known.startswith(word) for known in words)
        ):
            corrected.append(word)
        else:
            corrected.append(_canonical(_nearest(word, words) or word))
    suggestion = " ".join(corrected)
    return suggestion if suggestion != " ".join(words_of(query)[:MAX_WORDS]) else None
