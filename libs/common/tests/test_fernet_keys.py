"""The services' keys for data at rest: one validator, a bad key named by its place in the list."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from frontdoor_members.settings import Settings as MembersSettings
from frontdoor_surveys.settings import Settings as SurveysSettings


@pytest.mark.parametrize(("settings", "field"), [(MembersSettings, "data_keys"), (SurveysSettings, "sms_secret_keys")])
def test_a_key_that_is_not_a_fernet_key_refuses_the_start_and_is_named_by_its_place(
    settings: type[MembersSettings] | type[SurveysSettings], field: str
) -> None:
    good = Fernet.generate_key().decode()
    with pytest.raises(ValidationError) as refused:
        settings(**{field: [good, "not-a-key"]})
    (error,) = refused.value.errors()
    assert error["loc"] == (field, 1)
    assert "not a Fernet key" in error["msg"]
    assert "not-a-key" not in error["msg"]  # a key, even a bad one, is not echoed in the message
    assert getattr(settings(**{field: [good]}), field) == [good]
