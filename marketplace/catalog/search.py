"""What a shopper types into the search box, understood the way Banyumas
writes its food: the query's words become clauses that every found product
matches, each clause a choice of words or phrases that mean the same.

- **Same words, other spellings** come from `search_words.txt` (data, not
  code): "kripik" finds "Keripik", "gethuk" finds "Getuk", "gula jawa"
  finds "Gula Kelapa". A phrase of the list is found as a phrase.
- **Indonesian affixes**: a word also matches its root (Sastrawi's
  dictionary-based stemmer: "keripiknya" finds "keripik", "anyaman" finds
  "anyam"). The root is an extra choice, never a replacement, so it can only
  add products.
- **Prefixes**: every last word matches as a prefix, so a word half typed
  already finds ("kerip").

The same clauses become a PostgreSQL `tsquery` and an SQLite FTS5 query, so
both databases find the same products. Ranking (name above description)
and the "Maksud Anda" correction are in `queries` and `suggest`."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

WORDS_FILE = Path(__file__).with_name("search_words.txt")
MAX_WORDS = 8
# Letters and digits; `_` separates words as it does in both full-text indexes.
WORD = re.compile(r"[^\W_]+")
# A root shorter than this finds too much to be worth adding ("ke" from "kean").
MIN_ROOT = 4

Phrase = tuple[str, ...]


def words_of(text: str) -> list[str]:
    """The words of `text` as both indexes see them: lower case, letters and digits."""
    return WORD.findall(text.lower())


@cache
def same_words() -> dict[Phrase, tuple[Phrase, ...]]:
    """Each phrase of `search_words.txt` -> its whole group, first phrase first."""
    groups: dict[Phrase, tuple[Phrase, ...]] = {}
    for number, line in enumerate(WORDS_FILE.read_text("utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        group = tuple(tuple(words_of(phrase)) for phrase in line.split(","))
        for phrase in group:
            if not phrase:
                raise ValueError(f"{WORDS_FILE.name}:{number}: an empty phrase")
            if phrase in groups:
                raise ValueError(f"{WORDS_FILE.name}:{number}: {' '.join(phrase)} twice")
            groups[phrase] = group
    return groups


@cache
def _stemmer() -> Any:
    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=20_000)
def root(word: str) -> str:
    """The word's Indonesian root, or the word itself if it has no affix the
    dictionary knows (or is not a word at all: "250g", "vco")."""
    if len(word) <= MIN_ROOT or not word.isalpha():
        return word
    found: str = _stemmer().stem(word)
    return found if len(found) >= MIN_ROOT and found.isalpha() else word


@dataclass(frozen=True)
class Search:
    """A query understood: every clause must match; a clause matches when
    any of its phrases does; a phrase's words stand next to each other in
    order, its last word as a prefix."""

    words: tuple[str, ...]
    clauses: tuple[tuple[Phrase, ...], ...]

    @property
    def phrases(self) -> tuple[str, ...]:
        """The query as typed and in its first same words ("kripik singkong",
        "keripik singkong"): a name holding either is the best match."""
        typed = " ".join(self.words)
        usual = " ".join(" ".join(clause[0]) for clause in self.clauses)
        return (typed,) if usual == typed else (typed, usual)

    @classmethod
    def phrase(cls, text: str) -> "Search":
        """All of `text`'s words together, in order: one clause of one phrase."""
        words = tuple(words_of(text)[:MAX_WORDS])
        return cls(words=words, clauses=((words,),))

    def tsquery(self, *, name_only: bool = False) -> str:
        """For `to_tsquery('simple', …)`: words are letters and digits only,
        so nothing in them is an operator. `name_only`: only the name's
        words (weight A of the search vector)."""
        weight = "A" if name_only else ""

        def phrase(words: Phrase) -> str:
            *first, last = words
            return " <-> ".join(
                [*(f"{word}:{weight}" if weight else word for word in first), f"{last}:*{weight}"]
            )

        return " & ".join(
            "(" + " | ".join(phrase(words) for words in clause) + ")" for clause in self.clauses
        )

    def fts5(self, *, name_only: bool = False) -> str:
        """For SQLite FTS5 `MATCH`: each phrase a quoted string, its last
        token a prefix; `name_only`: in the name column only."""
        query = " AND ".join(
            "(" + " OR ".join(f'"{" ".join(words)}"*' for words in clause) + ")"
            for clause in self.clauses
        )
        return f"name : ({query})" if name_only else query


def _clauses(words: list[str]) -> Iterator[tuple[Phrase, ...]]:
    groups = same_words()
    longest = max((len(phrase) for phrase in groups), default=1)
    at = 0
    while at < len(words):
        for size in range(min(longest, len(words) - at), 0, -1):
            group = groups.get(tuple(words[at : at + size]))
            if group is not None:
                yield group
                at += size
                break
        else:
            word = words[at]
            stem = root(word)
            if stem != word and (stem,) in groups:  # "keripiknya": keripik and its same words
                yield groups[(stem,)]
            elif stem == word:
                yield ((word,),)
            elif word.startswith(stem):  # the root as a prefix finds the word too
                yield ((stem,),)
            else:
                yield ((word,), (stem,))
            at += 1


def understand(query: str) -> Search | None:
    """The search for `query`, or None when it has no word to look for."""
    words = words_of(query)[:MAX_WORDS]
    if not words:
        return None
    clauses: list[tuple[Phrase, ...]] = []
    for clause in _clauses(words):
        if clause not in clauses:
            clauses.append(clause)
    return Search(words=tuple(words), clauses=tuple(clauses))
