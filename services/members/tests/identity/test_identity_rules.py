"""The pure rules about identifiers: national IDs by country, phone numbers, KIDs, names."""

from __future__ import annotations

import pytest

from frontdoor_members.identity import IdentityError, kid, names
from frontdoor_members.identity.national_id import fodselsnummer_for, parse
from frontdoor_members.identity.phone import normalise


def test_a_norwegian_birth_number_and_a_d_number_are_valid_and_a_bad_check_digit_is_not() -> None:
    fnr = fodselsnummer_for("010190")
    assert parse(fnr, "NO").kind == "fodselsnummer"
    assert parse(fodselsnummer_for("410190"), "NO").kind == "d_number"
    broken = fnr[:-1] + str((int(fnr[-1]) + 1) % 10)
    with pytest.raises(IdentityError) as err:
        parse(broken, "NO")
    assert broken not in str(err.value)


def test_danish_cpr_and_dutch_bsn_follow_their_own_rules() -> None:
    assert parse("211062-5629", "DK").value == "2110625629"
    assert parse("111222333", "NL").kind == "bsn"
    with pytest.raises(IdentityError):
        parse("111222334", "NL")


def test_placeholders_are_accepted_flagged_and_masked() -> None:
    placeholder = parse("00100", "NO")
    assert placeholder.placeholder and placeholder.masked == "***00"
    assert "0100" not in repr(parse(fodselsnummer_for("010190"), "NO"))


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("90595313-111", "+4790595313"),
        ("905 95 313", "+4790595313"),
        ("+47 905-95-313", "+4790595313"),
        ("0047 90595313", "+4790595313"),
        ("(+47) 22 33 44 55", "+4722334455"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_local_formats_and_the_switchboard_suffix_normalise_to_e164(raw: str, e164: str) -> None:
    assert normalise(raw, "NO") == e164


def test_a_number_that_is_no_number_is_refused() -> None:
    for raw in ["", "abc", "12", "+47 1"]:
        with pytest.raises(IdentityError):
            normalise(raw, "NO")


def test_a_kid_carries_the_member_number_and_a_check_digit() -> None:
    value = kid.make("1000017", 12)
    assert value.startswith("10000170012") and kid.is_valid(value)
    assert not kid.is_valid(value[:-1] + str((int(value[-1]) + 1) % 10))
    # MOD11 gives "-" when 11 - (sum mod 11) is 10: weights 2..7 from the right over 10000090012 sum to 67
    assert sum(int(d) * [2, 3, 4, 5, 6, 7][i % 6] for i, d in enumerate(reversed("10000090012"))) % 11 == 1
    assert kid.is_valid("10000090012-")
    assert kid.validate("1000 0090 012-") == "10000090012-"
    assert not kid.is_valid("10000090013-")  # the same shape, but this body's MOD11 digit is not '-'
    assert not kid.is_valid("1234567890128-")
    assert kid.member_number_prefixes("100001700121")[0] == "10000170012"


def test_a_name_matches_when_first_name_and_every_last_name_part_are_given() -> None:
    assert names.matches("Astrid Fjellheim", "Astrid Marie", "Fjellheim")
    assert names.matches("fjellheim, astrid", "Astrid", "Fjellheim")
    assert not names.matches("Astrid", "Astrid", "Fjellheim")
    assert not names.matches("Berit Fjellheim", "Astrid", "Fjellheim")
    assert names.same_person("Per O. Fjellheim", "Per Fjellheim")
