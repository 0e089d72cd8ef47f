"""compose.yaml (docs/deploy.md): valid against the Compose specification's JSON schema
(vendored by check-jsonschema, read in process: no network at test time), and by
`docker compose config` where Docker's compose plugin exists; shaped as deployed."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from app.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"


def schema_errors(path: Path) -> list[str]:
    """What the Compose specification's JSON schema (as check-jsonschema vendors it) finds
    wrong with the file at `path`."""
    schema_file = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    document = yaml.safe_load(path.read_text())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def services() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text())["services"])


def test_compose_file_is_valid_against_the_compose_schema() -> None:
    assert schema_errors(COMPOSE) == []


def test_the_schema_check_refuses_a_broken_compose_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("healthcheck:", "healthcheckk:", 1))
    assert any("healthcheckk" in error for error in schema_errors(broken))


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="no docker compose here (the schema test covers the file)",
)
def test_docker_compose_accepts_it() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_deployment_has_every_part_with_a_healthcheck() -> None:
    s = services()
    assert {"redis", "postgres", "web", "proxy", "worker", "worker-gpu"} <= set(s)
    assert s["web"]["deploy"]["replicas"] == 2 and s["worker"]["deploy"]["replicas"] == 2
    for name, service in s.items():
        assert "test" in service.get("healthcheck", {}), f"{name} has no healthcheck"
    gpu = s["worker-gpu"]
    assert gpu["profiles"] == ["worker-gpu"]
    assert "cu" in gpu["build"]["args"]["TORCH_INDEX_URL"]
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]


def test_every_app_command_is_one_the_cli_takes() -> None:
    for name in ("web", "worker", "worker-gpu"):
        command = services()[name]["command"]
        assert command[0] == "nnplayground"
        args = _parser().parse_args(command[1:])  # exits (fails the test) if refused
        assert args.redis == "redis://redis:6379/0"


def test_the_replicas_trust_the_proxys_address_alone() -> None:
    s = services()
    proxy_ip = s["proxy"]["networks"]["default"]["ipv4_address"]
    assert s["web"]["environment"]["NNP_TRUSTED_PROXIES"] == f'["{proxy_ip}"]'
    assert s["web"]["environment"]["NNP_REDIS_URL"] == "redis://redis:6379/0"


def test_the_proxy_upgrades_websockets_to_the_replicas() -> None:
    proxy = services()["proxy"]
    config_file = proxy["volumes"][0].split(":")[0]
    config = (ROOT / config_file).read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_set_header Connection $connection_upgrade;" in config
    assert "server web:8000;" in config
