"""Understanding a query (`catalog.search`) and correcting one that finds
nothing (`catalog.suggest`), on both databases."""

import pytest

from marketplace.catalog import suggest
from marketplace.catalog.browse import browse
from marketplace.catalog.filters import CatalogFilter, Sort, parse_filter
from marketplace.catalog.search import WORDS_FILE, root, same_words, understand
from marketplace.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def test_the_same_words_list_is_well_formed():
    groups = same_words()
    assert ("gethuk",) in groups and groups[("gethuk",)][0] == ("getuk",)
    assert groups[("gula", "jawa")] == groups[("gula", "merah")]
    assert all(phrase and all(word.isalnum() for word in phrase) for phrase in groups)
    assert WORDS_FILE.read_text("utf-8").startswith("#")


def test_spellings_and_same_words_become_choices_of_one_clause():
    search = understand("Kripik tempe")
    assert search is not None
    assert search.words == ("kripik", "tempe")
    assert ("keripik",) in search.clauses[0] and ("criping",) in search.clauses[0]
    assert search.clauses[1] == (("tempe",), ("tempeh",))
    assert search.phrases == ("kripik tempe", "keripik tempe")


def test_a_phrase_of_the_list_is_matched_as_a_phrase_longest_first():
    search = understand("sablon kaos murah")
    assert search is not None
    assert search.clauses[0][0] == ("sablon",) and ("sablon", "kaos") in search.clauses[0]
    assert search.clauses[1] == (("murah",),)
    assert "gula <-> kelapa:*" in understand("gula jawa").tsquery()
    assert '"gula kelapa"*' in understand("gula jawa").fts5()


@pytest.mark.parametrize(
    "word, clause",
    [
        ("keripiknya", ("keripik",)),  # the root, and its same words
        ("anyaman", ("anyaman",)),  # in the list itself
        ("minuman", ("minum",)),  # the root as a prefix finds the word too
        ("250g", ("250g",)),  # not a word: left alone
        ("kopi", ("kopi",)),
    ],
)
def test_a_word_also_matches_its_root(word, clause):
    search = understand(word)
    assert search is not None and clause in search.clauses[0]


def test_roots_are_never_shorter_than_four_letters():
    assert root("kean") == "kean"
    assert root("perlengkapan") == "lengkap"


def test_queries_carry_nothing_an_index_reads_as_an_operator():
    search = understand('keripik" OR -tempe & (x) <-> :* NEAR')
    assert search is not None
    for text in (search.tsquery(), search.fts5()):
        assert "&&" not in text and ":*:" not in text
    assert understand("!!! ???") is None


def test_relevance_is_the_default_only_with_a_query():
    assert parse_filter({"q": "kopi"}).order == Sort.RELEVANCE
    assert parse_filter({}).order == Sort.NEWEST
    assert parse_filter({"urut": "relevan"}).order == Sort.NEWEST
    assert parse_filter({"q": "kopi", "urut": "termurah"}).order == Sort.CHEAPEST
    assert parse_filter({"q": "kopi", "urut": "relevan"}).to_args() == {"q": "kopi"}
    assert parse_filter({"q": "kopi", "urut": "terbaru"}).to_args() == {
        "q": "kopi",
        "urut": "terbaru",
    }
    assert Sort.RELEVANCE not in CatalogFilter().sort_choices
    assert Sort.RELEVANCE in CatalogFilter(query="kopi").sort_choices


def names(query: str, **args: str) -> list[str]:
    page = browse(parse_filter({"q": query, **args}), per_page=20)
    return [found.name for found in page.products]


def test_the_name_outranks_the_description_and_spellings_are_found():
    factories.ProductFactory(
        name="Paket Hantaran", description="Isi keripik tempe, getuk dan nopia."
    )
    factories.ProductFactory(name="Kripik Tempe Pedas", description="Renyah.")
    factories.ProductFactory(name="Gethuk Lindri", description="Warna-warni.")
    factories.ProductFactory(name="Criping Pisang", description="Tipis.")
    db.session.commit()
    assert names("keripik tempe") == ["Kripik Tempe Pedas", "Paket Hantaran"]
    assert names("getuk") == ["Gethuk Lindri", "Paket Hantaran"]
    assert set(names("keripik")) == {"Kripik Tempe Pedas", "Criping Pisang", "Paket Hantaran"}
    # Another order on request, the same products.
    assert sorted(names("keripik", urut="termurah")) == sorted(names("keripik"))


def test_a_name_beginning_with_the_words_as_typed_comes_first():
    factories.ProductFactory(
        name="Kopi Jahe Gula Aren", description="gula aren, gula aren, gula aren"
    )
    factories.ProductFactory(name="Gula Aren Cair", description="Nira.")
    factories.ProductFactory(name="Gula Kelapa Cetak", description="Nira kelapa.")
    factories.ProductFactory(name="Nopia Isi Gula Merah", description="Manis.")
    db.session.commit()
    assert names("gula aren") == [
        "Gula Aren Cair",
        "Kopi Jahe Gula Aren",
        "Gula Kelapa Cetak",
        "Nopia Isi Gula Merah",
    ]


def test_a_query_that_finds_nothing_shows_its_correction():
    factories.ProductFactory(name="Keripik Tempe Sagu", description="Renyah.")
    factories.ProductFactory(name="Nopia Durian", description="Legit.")
    db.session.commit()
    page = browse(parse_filter({"q": "kripk tempe"}), per_page=20)
    assert page.suggestion == "keripik tempe"
    assert page.corrected_from == "kripk tempe"
    assert page.filter.query == "keripik tempe"  # its pages and chips follow the correction
    assert [found.name for found in page.products] == ["Keripik Tempe Sagu"]
    assert suggest.correction("nopa") == "nopia"
    # Known words, short words and words beyond repair are left alone.
    assert suggest.correction("nopia") is None
    assert suggest.correction("xyzzyq") is None
    nothing = browse(parse_filter({"q": "xyzzyq"}), per_page=20)
    assert (nothing.total, nothing.suggestion) == (0, None)


def test_a_new_product_name_counts_for_corrections_at_once():
    factories.ProductFactory(name="Nopia Durian", description="Legit.")
    db.session.commit()
    assert suggest.correction("klanceng") is None  # the list knows it already
    assert suggest.correction("rengginag") == "rengginang"
    assert suggest.correction("srimpng") is None
    factories.ProductFactory(name="Batik Srimpang", description="Tulis.")
    db.session.commit()
    assert suggest.correction("srimpng") == "srimpang"


def test_the_page_says_maksud_anda_and_sorts_by_relevance(client):
    factories.ProductFactory(name="Keripik Tempe Sagu", description="Renyah.")
    db.session.commit()
    page = client.get("/produk?q=kripk").get_data(as_text=True)
    assert "Maksud Anda" in page and "/produk?q=keripik" in page
    assert "Keripik Tempe Sagu" in page
    assert 'aria-current="true">Paling sesuai<' in page
    listed = client.get("/produk").get_data(as_text=True)
    assert "Paling sesuai" not in listed and "Maksud Anda" not in listed


def test_the_api_sorts_a_search_by_relevance(client):
    factories.ProductFactory(name="Paket Hantaran", description="Isi gula aren.")
    factories.ProductFactory(name="Gula Aren Cair", description="Nira.")
    db.session.commit()
    found = client.get("/api/v1/products?q=gula+jawa").get_json()
    assert [item["name"] for item in found["items"]] == ["Gula Aren Cair", "Paket Hantaran"]
    assert found["suggestion"] is None
    corrected = client.get("/api/v1/products?q=gula+arenn").get_json()
    assert corrected["suggestion"] == "gula aren" and corrected["total"] == 2
