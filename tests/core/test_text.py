from sonitus.text import normalize, normalize_basic, normalize_for, spell_number


def test_numbers_symbols_and_quotes():
    assert normalize("Dr. Who's 3rd TARDIS cost $2,500!") == "doctor who's third tardis cost dollars two thousand five hundred"
    assert spell_number(1_000_001) == "one million and one"
    assert normalize("'Quoted' words") == "quoted words"


def test_titles_are_written_as_spoken():
    # a reference that says "mister" and a transcript that writes "Mr." are the same words
    assert normalize("and Mr. John Dashwood") == normalize("And mister John Dashwood") == "and mister john dashwood"
    assert normalize("MRS SMITH, PROF. JONES") == "missus smith professor jones"
    assert normalize("the drums of Mrsk") == "the drums of mrsk"  # only whole words


def test_other_languages_keep_their_letters():
    assert normalize_basic("Über den Fluß, bitte!") == "über den fluss bitte"
    assert normalize_for("de") is normalize_basic and normalize_for("en") is normalize
