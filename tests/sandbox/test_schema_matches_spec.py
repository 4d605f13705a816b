"""The sandbox's compact schema must agree with Twilio's OpenAPI file (when present)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox import schema

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
SPEC_FILE = REF / "twilio_api_v2010_voice.yaml"
P = "/2010-04-01/Accounts/{AccountSid}"

pytestmark = pytest.mark.skipif(not SPEC_FILE.exists(), reason="Twilio spec not available")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def _form(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    body = spec["paths"][P + path][method]["requestBody"]
    return body["content"]["application/x-www-form-urlencoded"]["schema"]


def _resolve(spec: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else prop


def _check_params(spec: dict[str, Any], ours: schema.ParamSpec, form: dict[str, Any]) -> None:
    props = form["properties"]
    assert set(ours) == set(props)
    for name, kind in ours.items():
        prop = _resolve(spec, props[name])
        if prop.get("type") == "array":
            assert kind == "list", name
        elif prop.get("type") == "integer":
            assert kind == "int", name
        elif prop.get("type") == "boolean":
            assert kind == "bool", name
        elif "enum" in prop:
            assert isinstance(kind, tuple) and set(kind) == set(prop["enum"]), name
        elif prop.get("format") == "uri":
            assert kind == "uri", name


def test_create_call_params(spec: dict[str, Any]) -> None:
    form = _form(spec, "/Calls.json", "post")
    _check_params(spec, schema.CREATE_CALL_PARAMS, form)
    assert tuple(form["required"]) == schema.CREATE_CALL_REQUIRED
    conditional = spec["paths"][P + "/Calls.json"]["post"]["x-twilio"]["conditional"]
    assert [c.lower() for c in schema.CREATE_CALL_ONE_OF] == [
        c.replace("_", "") for c in conditional[0]]


def test_create_call_described_enums(spec: dict[str, Any]) -> None:
    """Enums the spec only states in prose (MachineDetection, AsyncAmd, events)."""
    props = _form(spec, "/Calls.json", "post")["properties"]
    for value in schema.MACHINE_DETECTION:
        assert f"`{value}`" in props["MachineDetection"]["description"]
    for value in schema.STATUS_CALLBACK_EVENTS:
        assert f"`{value}`" in props["StatusCallbackEvent"]["description"]
    for value in schema.ASYNC_AMD:
        assert f"`{value}`" in props["AsyncAmd"]["description"]


def test_update_call_params(spec: dict[str, Any]) -> None:
    _check_params(spec, schema.UPDATE_CALL_PARAMS, _form(spec, "/Calls/{Sid}.json", "post"))


def test_enums(spec: dict[str, Any]) -> None:
    s = spec["components"]["schemas"]
    assert tuple(s["call_enum_status"]["enum"]) == schema.CALL_STATUSES
    assert tuple(s["call_enum_update_status"]["enum"]) == schema.UPDATE_STATUSES
    assert set(schema.CALL_STATUSES) > schema.FINAL_STATUSES


@pytest.mark.parametrize(("path", "ours"), [
    ("/Calls.json", schema.LIST_CALL_PARAMS),
    ("/Calls/{CallSid}/Recordings.json", schema.LIST_CALL_RECORDING_PARAMS),
    ("/IncomingPhoneNumbers.json", schema.LIST_INCOMING_NUMBER_PARAMS),
    ("/OutgoingCallerIds.json", schema.LIST_CALLER_ID_PARAMS),
])
def test_list_params_and_page_fields(spec: dict[str, Any], path: str,
                                     ours: tuple[str, ...]) -> None:
    op = spec["paths"][P + path]["get"]
    names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
    assert names == set(ours)
    props = op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert set(schema.PAGE_FIELDS) <= set(props)


@pytest.mark.parametrize(("name", "ours"), [
    ("api.v2010.account.call", schema.CALL_FIELDS),
    ("api.v2010.account.recording", schema.RECORDING_FIELDS),
    ("api.v2010.account.call.call_recording", schema.CALL_RECORDING_FIELDS),
    ("api.v2010.account.incoming_phone_number", schema.INCOMING_NUMBER_FIELDS),
    ("api.v2010.account.outgoing_caller_id", schema.CALLER_ID_FIELDS),
])
def test_resource_fields(spec: dict[str, Any], name: str, ours: tuple[str, ...]) -> None:
    assert tuple(spec["components"]["schemas"][name]["properties"]) == ours


def test_response_codes(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    assert "201" in paths[P + "/Calls.json"]["post"]["responses"]
    assert "204" in paths[P + "/Calls/{Sid}.json"]["delete"]["responses"]
    assert spec["components"]["securitySchemes"]["accountSid_authToken"]["scheme"] == "basic"
