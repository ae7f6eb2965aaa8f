import pytest
from django.db import transaction

from steward.core import numbering
from steward.core.models import NumberSequence


@pytest.mark.django_db
def test_numbers_count_up_per_prefix():
    assert numbering.next_number("INC") == "INC000001"
    assert numbering.next_number("INC") == "INC000002"
    assert numbering.next_number("CHG") == "CHG000001"
    assert NumberSequence.objects.get(prefix="INC").last_value == 2


@pytest.mark.django_db
def test_rolled_back_creation_gives_its_number_back():
    numbering.next_number("PRB")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert numbering.next_number("PRB") == "PRB000002"
        raise RuntimeError("creation failed")
    assert numbering.next_number("PRB") == "PRB000002"


@pytest.mark.parametrize("prefix", ["", "inc", "IN1", "TOOLONGPREFIX"])
def test_a_prefix_is_capital_letters(prefix):
    with pytest.raises(ValueError):
        numbering.next_value(prefix)
