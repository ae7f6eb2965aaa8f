"""How the timeline shows a field change's values: moments the journal keeps in ISO form
read as local date and time; everything else as it was written."""

import pytest
from django.test import override_settings

from steward.core.templatetags.steward import journal_value


@override_settings(TIME_ZONE="Europe/Amsterdam")
@pytest.mark.parametrize(
    "kept, shown",
    [
        ("2026-10-11T20:00:00+00:00", "2026-10-11 22:00"),  # summer time: UTC+2
        ("2026-12-06T09:30:00+00:00", "2026-12-06 10:30"),  # winter time: UTC+1
        ("2026-12-06T09:30:00Z", "2026-12-06 10:30"),
        ("2026-12-06T09:30", "2026-12-06 09:30"),  # no zone: as written
        ("2026-12-06", "2026-12-06"),  # a date stays a date
        ("Room 4.12", "Room 4.12"),
        ("2026-13-45T99:99:00+00:00", "2026-13-45T99:99:00+00:00"),  # not a moment
        ("", ""),
        (None, ""),
    ],
)
def test_moments_read_as_local_date_and_time(kept, shown) -> None:
    assert journal_value(kept) == shown
