"""template.yaml against the code and the docs: settings, secrets, Bedrock, alarms, migration.

The template is read with cfn-lint's own decoder (the CloudFormation tags become their
long form: {"Ref": ...}, {"Fn::If": [...]}, {"Fn::Sub": ...}), and linted with cfn-lint.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, get_args

import cfnlint.api
import cfnlint.decode
import pytest

from smarttask.settings import DEFAULT_AI_MODELS, Settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
DOC = ROOT / "docs" / "deploy-lambda.md"
# The OpenTelemetry SDK's own variables (contract §12): not smarttask settings.
OTEL_VARIABLES = {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS"}
# Settings that are secrets without being typed SecretStr: URLs that carry a password, the
# collector's credentials, and the /metrics token.
SECRET_VARIABLES = {
    "SMARTTASK_DATABASE_URL",
    "SMARTTASK_REDIS_URL",
    "SMARTTASK_METRICS_TOKEN",
    "OTEL_EXPORTER_OTLP_HEADERS",
}
DYNAMIC_REFERENCE = re.compile(r"^\{\{resolve:(secretsmanager|ssm-secure):\$\{(\w+)\}[^}]*\}\}$")
# Names that end like a secret (AiDailyTokenBudget and AiMaxOutputTokens do not).
SECRET_NAME = re.compile(r"(password|token|secret|api_?key|credential)(secret)?$", re.IGNORECASE)


@cache
def template() -> dict[str, Any]:
    """template.yaml, decoded as cfn-lint decodes it."""
    decoded, problems = cfnlint.decode.decode(str(TEMPLATE))
    assert not problems, problems
    assert decoded is not None
    return dict(decoded)


def resources(kind: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one type, by logical id."""
    return {k: v for k, v in template()["Resources"].items() if v["Type"] == kind}


def environments() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, variables) for Globals and for every function's own environment."""
    yield "Globals", template()["Globals"]["Function"]["Environment"]["Variables"]
    for name, function in resources("AWS::Serverless::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        yield name, variables


def setting_variables() -> dict[str, Any]:
    """SMARTTASK_<FIELD> for every field of Settings, with its field info."""
    return {
        f"SMARTTASK_{name.upper()}": field
        for name, field in Settings.model_fields.items()
        if field.validation_alias is None
    }


def leaves(value: Any) -> Iterator[Any]:
    """The values a variable may take: both branches of every Fn::If, NoValue dropped."""
    if isinstance(value, dict) and "Fn::If" in value:
        for branch in value["Fn::If"][1:]:
            yield from leaves(branch)
    elif value != {"Ref": "AWS::NoValue"}:
        yield value


def doc_section(title: str) -> str:
    """One `## title` section of docs/deploy-lambda.md."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def first_column_names(section: str) -> set[str]:
    """The backticked names in the first column of a section's tables."""
    return set(re.findall(r"^\| `([A-Za-z0-9]+)` \|", section, flags=re.MULTILINE))


def test_cfn_lint_finds_nothing() -> None:
    matches = cfnlint.api.lint_file(TEMPLATE)
    assert [str(m) for m in matches] == []


def test_every_variable_the_template_sets_is_a_setting() -> None:
    known = set(setting_variables()) | OTEL_VARIABLES
    # SMARTTASK_METRICS_* come with /metrics (contract §12), built on another branch: they
    # are accepted here only while Settings has no metrics field at all.
    if not any(name.startswith("metrics_") for name in Settings.model_fields):
        known |= {"SMARTTASK_METRICS_ENABLED", "SMARTTASK_METRICS_TOKEN"}
    for where, variables in environments():
        unknown = sorted(set(variables) - known)
        assert not unknown, f"{where} sets variables no setting reads: {unknown}"


def secret_variables() -> set[str]:
    """The variables that hold a secret: SecretStr settings and SECRET_VARIABLES."""
    typed = {
        variable
        for variable, field in setting_variables().items()
        if "SecretStr" in str(field.annotation)
    }
    assert {"SMARTTASK_SECRET_KEY", "SMARTTASK_SMTP_PASSWORD", "SMARTTASK_AI_API_KEY"} <= typed
    return typed | SECRET_VARIABLES


def test_every_secret_comes_from_a_dynamic_reference() -> None:
    secrets = secret_variables()
    parameters = template()["Parameters"]
    seen = set()
    for where, variables in environments():
        for variable in set(variables) & secrets:
            seen.add(variable)
            for value in leaves(variables[variable]):
                assert isinstance(value, dict), (where, variable)
                assert set(value) == {"Fn::Sub"}, (where, variable)
                found = DYNAMIC_REFERENCE.match(value["Fn::Sub"])
                assert found, f"{where}: {variable} is not a dynamic reference: {value}"
                assert found.group(2) in parameters
    assert {"SMARTTASK_DATABASE_URL", "SMARTTASK_SECRET_KEY", "SMARTTASK_SMTP_PASSWORD"} <= seen


def test_no_parameter_carries_a_secret_itself() -> None:
    """A secret-like parameter names a secret, and is only ever used inside a reference."""
    text = json.dumps(template()["Resources"]) + json.dumps(template()["Globals"])
    for name, parameter in template()["Parameters"].items():
        if not SECRET_NAME.search(name):
            continue
        assert name.endswith("Secret"), f"{name} looks like a secret passed as a parameter"
        assert parameter.get("Default", "") in ("", None), name
        assert json.dumps({"Ref": name}) not in text, f"{name} is used as a value"
        uses = re.findall(r"(.{0,40})\$\{" + name + r"\}", text)
        assert uses, f"{name} is not used"
        for before in uses:
            assert before.endswith(("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")), name


def enum_values(field: str) -> list[str]:
    """The values a Literal-typed setting accepts."""
    annotation = Settings.model_fields[field].annotation
    return list(get_args(annotation))


@pytest.mark.parametrize(
    ("parameter", "field"),
    [("Env", "env"), ("AiProvider", "ai_provider"), ("SmtpSecurity", "smtp_security")],
)
def test_enum_parameters_allow_exactly_the_settings_values(parameter: str, field: str) -> None:
    allowed = template()["Parameters"][parameter]["AllowedValues"]
    assert sorted(allowed) == sorted(enum_values(field))


def bedrock_statements() -> list[dict[str, Any]]:
    """The statements of the Bedrock policy, conditional ones included."""
    policy = resources("AWS::IAM::Policy")["BedrockInvokePolicy"]
    statements = []
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        statements.extend(s for s in leaves(statement) if isinstance(s, dict) and "Effect" in s)
    return statements


def test_bedrock_is_granted_only_for_bedrock_and_only_on_the_configured_model() -> None:
    policy = resources("AWS::IAM::Policy")["BedrockInvokePolicy"]
    assert policy["Condition"] == "UsesBedrock"
    assert template()["Conditions"]["UsesBedrock"] == {
        "Fn::Equals": [{"Ref": "AiProvider"}, "bedrock"]
    }
    roles = policy["Properties"]["Roles"]
    assert roles == [{"Ref": "HttpFunctionRole"}, {"Ref": "WorkerFunctionRole"}]
    for role in ("HttpFunction", "WorkerFunction"):
        assert "Policies" in template()["Resources"][role]["Properties"]
    statements = bedrock_statements()
    assert statements
    for statement in statements:
        # Converse is authorised as InvokeModel; nothing streams.
        assert statement["Action"] == "bedrock:InvokeModel"
        for resource in leaves(statement["Resource"]):
            assert resource != "*"
    direct = statements[0]["Resource"]["Fn::If"]
    assert direct[0] == "HasInferenceProfile"
    assert direct[1] == {"Ref": "BedrockInferenceProfileArn"}
    arn, names = direct[2]["Fn::Sub"]
    assert arn == "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${Model}"
    model = names["Model"]["Fn::If"]
    assert model[:2] == ["HasAiModel", {"Ref": "AiModel"}]
    assert model[2] == DEFAULT_AI_MODELS["bedrock"]
    # Through a profile, models of any region, but only when called through that profile.
    through = statements[1]
    assert through["Condition"] == {
        "StringEquals": {"bedrock:InferenceProfileArn": {"Ref": "BedrockInferenceProfileArn"}}
    }


def test_every_alarm_in_the_docs_exists_and_every_alarm_is_documented() -> None:
    alarms = resources("AWS::CloudWatch::Alarm")
    documented = first_column_names(doc_section("Alarms"))
    assert documented == set(alarms)
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching", name


def test_the_dead_letter_alarm_watches_visible_messages_above_zero() -> None:
    alarm = resources("AWS::CloudWatch::Alarm")["JobsDeadLetterQueueDepthAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_every_parameter_is_documented_and_every_documented_one_exists() -> None:
    documented = first_column_names(doc_section("Parameters"))
    assert documented == set(template()["Parameters"])


def test_the_migration_runs_before_the_functions_that_serve() -> None:
    functions = resources("AWS::Serverless::Function")
    migration = template()["Resources"]["DatabaseMigration"]
    assert migration["Properties"]["ServiceToken"] == {"Ref": "MigrateFunction.Alias"}
    # A new version on every change: the resource updates, hence migrates, on each release.
    assert migration["Properties"]["FunctionVersion"] == {"Ref": "MigrateFunction.Version"}
    migrate = functions["MigrateFunction"]["Properties"]
    assert migrate["AutoPublishAliasAllProperties"] is True
    assert migration["Properties"]["ServiceTimeout"] > migrate["Timeout"]
    for name in ("HttpFunction", "WorkerFunction"):
        assert functions[name]["DependsOn"] == "DatabaseMigration"


def test_every_handler_exists() -> None:
    handlers = {
        name: function["Properties"]["Handler"]
        for name, function in resources("AWS::Serverless::Function").items()
    }
    assert handlers["MigrateFunction"] == "smarttask.entrypoints.lambda_migrate.handler"
    for name, handler in handlers.items():
        module, attribute = handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attribute)), name
