"""engine._parse_cache.relative_key with ``sheets``: references after a sheet name as
offsets too, the copy key the numba generator counts a formula's copies by
(_codegen.Generator._formula_key, _families.IfBranches).  Before, the generator inserted a
space after every "!" (in string literals too) and a quoted sheet name with a word like a
cell reference ('Cash Flow YR2') was rewritten as one, so copies across a row had keys of
their own."""

from __future__ import annotations

from engine._parse_cache import relative_key


def test_references_after_a_sheet_name_are_offsets():
    down = [relative_key(f"='Asset Register'!C{r}=\"\"", r, 4, sheets=True) for r in (16, 17)]
    assert down[0] == down[1] == "='Asset Register'!C[-1]R[0]=\"\""
    assert relative_key("=S!$B$2+S!B2", 2, 3, sheets=True) != \
        relative_key("=S!$B$3+S!B3", 3, 3, sheets=True)
    # without the option a reference after a sheet name stays as written (the parse cache)
    assert relative_key("=S!B2", 2, 3) == "=S!B2"


def test_quoted_sheet_names_and_string_literals_are_kept():
    across = [relative_key(f"='Cash Flow YR2'!{c}26&\"A1!\"", 4, n, sheets=True)
              for n, c in ((2, "B"), (3, "C"), (4, "D"))]
    assert across[0] == across[1] == across[2] == "='Cash Flow YR2'!C[0]R[22]&\"A1!\""
    assert relative_key("='It''s B2'!C16+B2", 16, 3, sheets=True) == \
        "='It''s B2'!C[0]R[0]+C[-1]R[-14]"
    assert relative_key("=T[@x]+S!A1", 1, 1, sheets=True) is None
