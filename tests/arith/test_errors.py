"""Core errors name fields; the CLI names its flags for them."""

from __future__ import annotations

import pytest

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.cli.errors import flag_for


def test_a_field_error_reads_with_the_field_name_in_python():
    e = CnnCalcError("{field} 0 must be at least 1, e.g. {field} 3", field="stride")
    assert str(e) == "stride 0 must be at least 1, e.g. stride 3"
    assert e.for_flag("--stride") == "--stride 0 must be at least 1, e.g. --stride 3"


def test_an_error_without_a_field_is_its_message_even_with_braces():
    e = UsageError("a {field} that is not a placeholder")
    assert str(e) == e.for_flag("--x") == "a {field} that is not a placeholder"


@pytest.mark.parametrize("cls", [CnnCalcError, UsageError])
def test_prefixed_keeps_type_field_and_exit_code(cls):
    e = cls("{field} -1 must be ≥ 0", field="padding").prefixed("layer 2 (conv 8 k=3)")
    assert type(e) is cls and e.field == "padding"
    assert str(e) == "layer 2 (conv 8 k=3): padding -1 must be ≥ 0"
    assert e.for_flag("-p") == "layer 2 (conv 8 k=3): -p -1 must be ≥ 0"


def test_prefixed_can_settle_the_field_where_there_is_no_flag():
    e = UsageError("{field} 0 is not allowed", field="dilation").prefixed(
        "layer 1 (conv 8 k=3)", keep_field=False
    )
    assert e.field is None and type(e) is UsageError
    assert str(e) == e.for_flag("--dilation") == "layer 1 (conv 8 k=3): dilation 0 is not allowed"


def test_flag_for_defaults_to_the_long_option_and_takes_exceptions():
    assert flag_for("output_padding") == "--output-padding"
    assert flag_for("kernel", {"kernel": "--k"}) == "--k"


def test_a_message_about_two_values_names_both_each_way():
    e = UsageError("{field} 28x20 has 2 axes but {field:dims} is 3; drop {field:dims}", field="input")
    assert str(e) == "input 28x20 has 2 axes but dims is 3; drop dims"
    assert e.named(flag_for) == "--input 28x20 has 2 axes but --dims is 3; drop --dims"
    assert e.for_flag("-i") == "-i 28x20 has 2 axes but dims is 3; drop dims"
    e = UsageError("give one network source, not {field:spec} and {field:preset}")
    assert str(e) == "give one network source, not spec and preset"
    assert (
        e.named(lambda f: flag_for(f, {"spec": "SPEC"})) == "give one network source, not SPEC and --preset"
    )
    assert e.prefixed("train").named(flag_for) == "train: give one network source, not --spec and --preset"


def test_a_usage_error_is_a_value_error_and_a_domain_error_is_not():
    with pytest.raises(ValueError, match="stride 0"):
        raise UsageError("{field} 0 must be at least 1", field="stride")
    assert not issubclass(CnnCalcError, ValueError)


def test_a_translated_sentence_takes_its_values_by_name_and_keeps_the_field_for_the_cli():
    e = UsageError(
        "{field} {value} must be at least {minimum}; {field:dims} is {dims!r}",
        field="stride",
        value=0,
        minimum=1,
        dims=3,
    )
    assert str(e) == "stride 0 must be at least 1; dims is 3"
    assert e.named(lambda n: "--" + n) == "--stride 0 must be at least 1; --dims is 3"
