"""Bangladeshi phone formats: accepted forms, the stored national form, and rejections."""
import pytest

from referral_directory import phones


@pytest.mark.parametrize("raw,national,kind", [
    ("০১৭১১-১২৩৪৫৬", "01711123456", "mobile"),
    ("+8801711123456", "01711123456", "mobile"),
    ("8801711123456", "01711123456", "mobile"),
    ("00880 1711 123456", "01711123456", "mobile"),
    ("01711123456", "01711123456", "mobile"),
    ("01320-042085", "01320042085", "mobile"),
    ("999", "999", "short_code"),
    ("১০৯", "109", "short_code"),
    ("16430", "16430", "short_code"),
    ("1098", "1098", "short_code"),
    ("02-9556789", "029556789", "landline"),
    ("02-48118542", "0248118542", "landline"),
    ("0421-61234", "042161234", "landline"),
    ("(0421) 61234", "042161234", "landline"),
    ("09610102030", "09610102030", "landline"),
    ("08000102030", "08000102030", "landline"),
])
def test_valid_numbers(raw, national, kind):
    c = phones.normalise(raw)
    assert c.ok, c.problem
    assert (c.national, c.kind) == (national, kind)


@pytest.mark.parametrize("raw", ["0171112345", "017111234567", "01211123456", "+441234567890", "12", "abc",
                                 "0000000", "1-800-FLOWERS"])
def test_invalid_numbers(raw):
    assert not phones.normalise(raw).ok


def test_free_text_field_with_labels_and_separators():
    nums, probs = phones.parse_field("Hotline 01320-042085; Duty officer 01745774487, 02-48118542")
    assert nums == ["01320042085", "01745774487", "0248118542"] and probs == []
    assert phones.parse_field("01309007449 ; 01755698755") == (["01309007449", "01755698755"], [])
    assert phones.parse_field("01711123456 01811123456") == (["01711123456", "01811123456"], [])
    assert phones.parse_field("999 or 109") == (["999", "109"], [])
    assert phones.parse_field("") == ([], [])


def test_field_problems_are_reported():
    nums, probs = phones.parse_field("01711123456; 0171")
    assert nums == ["01711123456"] and len(probs) == 1
    assert phones.parse_field("call the office")[1]


def test_e164():
    assert phones.to_e164("01711123456") == "+8801711123456"
    assert phones.to_e164("999") == "999"
