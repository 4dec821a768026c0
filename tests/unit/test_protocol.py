import pytest

from engine.errors import ArgumentError, ComponentError, UsageError
from engine.protocol import (
    Param,
    Tool,
    check_args,
    parse_metadata,
    parse_tool_result,
    parse_tools,
    parse_validation,
)
from engine.values import coerce_cli_value


def test_tool_results_in_every_upstream_shape():
    assert parse_tool_result('{"success": true, "output": "hi"}', "t").output == "hi"
    assert parse_tool_result('{"ok": {"success": true, "output": "x", "data": [1]}}', "t").data == [1]
    assert parse_tool_result('{"ok": "plain"}', "t").output == "plain"
    failed = parse_tool_result('{"success": false, "output": "", "errorMessage": "bucket missing"}', "t")
    assert (failed.ok, failed.error) == (False, "bucket missing")
    assert parse_tool_result('{"err": "nope"}', "t").error == "nope"


def test_bad_tool_results_are_errors_not_output():
    r = parse_tool_result("hello there", "greet")
    assert not r.ok and "non-JSON" in (r.error or "") and "'greet'" in (r.error or "")
    r = parse_tool_result('{"value": 1}', "t")
    assert not r.ok and 'without "success"' in (r.error or "")
    assert parse_tool_result('{"success": false}', "t").error


def test_tools_accept_upstream_lists_and_json_schema():
    upstream = parse_tools(
        '[{"name": "s3-list", "description": "List", "parameters": ['
        '{"name": "bucket", "paramType": "string", "required": true},'
        '{"name": "limit", "paramType": "integer", "defaultValue": "10"}]}]'
    )
    schema = parse_tools(
        '[{"name": "s3-list", "description": "List", "parameters": {"type": "object",'
        '"properties": {"bucket": {"type": "string"}, "limit": {"type": "integer", "default": "10"}},'
        '"required": ["bucket"]}}]'
    )
    assert upstream[0].params == schema[0].params
    bucket, limit = upstream[0].param("bucket"), upstream[0].param("limit")
    assert bucket is not None and bucket.required and limit is not None and limit.type == "integer"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("{", "not valid JSON"),
        ('{"name": "x"}', "JSON list"),
        ('[{"description": "no name"}]', 'no "name"'),
        ('[{"name": "a"}, {"name": "a"}]', "twice"),
    ],
)
def test_bad_tool_lists_name_the_problem(raw, message):
    with pytest.raises(ComponentError, match=message):
        parse_tools(raw)


def test_metadata_and_validation():
    assert parse_metadata('{"name": "x", "version": "1.0.0", "extra": 1}').extra == {"extra": 1}
    assert parse_validation('{"ok": true}') is None
    assert parse_validation('{"err": "api_key too short"}') == "api_key too short"
    assert parse_validation('{"valid": false, "errors": ["a", "b"]}') == "a; b"
    # upstream's cookbook complains with {ok: null, error}: that was read as valid
    assert parse_validation('{"ok": null, "error": "Missing \'api_key\'"}') == "Missing 'api_key'"
    assert parse_validation('{"ok": null, "error": null}') is None


TOOL = Tool(
    "t",
    params=(
        Param("text", required=True),
        Param("n", "integer"),
        Param("on", "boolean"),
        Param("mode", enum=("a", "b")),
    ),
)


def test_cli_values_are_coerced_to_declared_types():
    assert coerce_cli_value(TOOL.param("n"), "42") == 42
    assert coerce_cli_value(TOOL.param("on"), "yes") is True
    assert coerce_cli_value(Param("x", "number"), "2.5") == 2.5
    assert coerce_cli_value(Param("x", "json"), '{"a": 1}') == {"a": 1}
    with pytest.raises(UsageError, match="expected an integer"):
        coerce_cli_value(TOOL.param("n"), "many")


@pytest.mark.parametrize(
    "args, message",
    [
        ({}, "missing required parameter 'text'"),
        ({"text": "x", "zzz": 1}, "no parameter 'zzz'"),
        ({"text": 5}, "must be a string"),
        ({"text": "x", "n": True}, "must be an integer"),
        ({"text": "x", "mode": "c"}, "one of a, b"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(args, message):
    with pytest.raises(UsageError, match=message):
        check_args(TOOL, args, "s:t")


def test_a_result_that_is_not_a_string_is_a_clear_component_error():
    """It used to raise AttributeError ('TypeError' has no 'msg') instead of the one-line error."""
    from engine.errors import ComponentError
    from engine.protocol import parse_metadata

    with pytest.raises(ComponentError, match="must be a JSON string, got int"):
        parse_metadata(42)  # type: ignore[arg-type]


def test_argument_errors_carry_the_parameter_and_the_reason_apart():
    """The CLI prints the whole line, the run form shows only the reason: neither cuts the other's text."""
    with pytest.raises(ArgumentError) as bad:
        coerce_cli_value(TOOL.param("n"), "many")
    assert str(bad.value) == "--arg n=many: expected an integer"
    assert (bad.value.param, bad.value.reason, bad.value.exit_code) == ("n", "expected an integer", 2)
    with pytest.raises(ArgumentError) as wrong:
        check_args(TOOL, {"text": "x", "mode": "c"}, "t:x")
    assert wrong.value.param == "mode"
    assert wrong.value.reason == 'must be one of a, b; got "c"'
    assert str(wrong.value) == f"t:x: parameter 'mode' {wrong.value.reason}"
