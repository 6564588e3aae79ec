"""Configuration errors name the field; the CLI prints the SDL and refuses bad configs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.config import ConfigError, load_settings
from gateway.model import ProviderName

GOOD = """
max_page_size = 50
[security]
allow_unauthenticated = true
[providers.flireo]
base_url = "https://flireo.example.test"
api_key_env = "TEST_FLIREO_KEY"
timeout = 5
[providers.teli]
enabled = false
"""


def write(tmp_path: Path, text: str, name: str = "switchboard.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_toml_resolves_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FLIREO_KEY", "s3cret-value")
    settings = load_settings(write(tmp_path, GOOD))
    flireo = settings.providers[ProviderName.FLIREO]
    assert flireo.api_key == "s3cret-value"
    assert flireo.timeout == 5
    assert list(settings.enabled_providers()) == [ProviderName.FLIREO]
    assert "s3cret-value" not in repr(settings)


def test_yaml_and_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_KEY", "k")
    monkeypatch.setenv("SWITCHBOARD_MAX_PAGE_SIZE", "42")
    yaml_text = (
        "max_page_size: 10\nsecurity:\n  allow_unauthenticated: true\n"
        "providers:\n  synthflow:\n    api_key_env: SYNTH_KEY\n    workspace: ws1\n"
    )
    settings = load_settings(write(tmp_path, yaml_text, "s.yaml"))
    assert settings.max_page_size == 42
    assert settings.providers[ProviderName.SYNTHFLOW].base_url == "https://api.synthflow.ai"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[providers.flireo]\napi_key_env = "TEST_FLIREO_KEY"\n', "providers.flireo.base_url"),
        ('[providers.synthflow]\napi_key_env = "X_KEY"\n', "providers.synthflow.workspace"),
        ('[providers.teli]\napi_key_env = "X_KEY"\n', "providers.teli.organization_id"),
        ("[providers.burki]\n", "providers.burki.api_key_env"),
        ('[providers.burki]\napi_key_env = "MISSING_VAR_XYZ"\n', "MISSING_VAR_XYZ"),
        (
            '[providers.burki]\nbase_url = "ftp://x"\napi_key_env = "X_KEY"\n',
            "providers.burki.base_url",
        ),
        ('[providers.burki]\ntimeout = -1\napi_key_env = "X_KEY"\n', "providers.burki.timeout"),
        ('[providers.acme]\napi_key_env = "X_KEY"\n', "providers.acme"),
        ("max_page_size = 0\n", "max_page_size"),
        ("unknown_setting = 1\n", "unknown_setting"),
        ("not toml [", "not valid toml"),
    ],
)
def test_bad_config_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, field: str
) -> None:
    monkeypatch.setenv("X_KEY", "k")
    monkeypatch.setenv("TEST_FLIREO_KEY", "k")
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert field in str(err.value)


TENANTS = """
[tenants.acme]
keys = [{ sha256 = "%s" }, { sha256 = "%s", read_only = true }]
[tenants.acme.providers.flireo]
base_url = "https://flireo.example.test"
api_key_env = "TEST_FLIREO_KEY"
"""


def test_tenants_carry_their_own_providers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_FLIREO_KEY", "tenant-secret")
    settings = load_settings(write(tmp_path, TENANTS % ("a" * 64, "B" * 64)))
    acme = settings.tenants["acme"]
    assert acme.providers[ProviderName.FLIREO].api_key == "tenant-secret"
    assert [k.read_only for k in acme.keys] == [False, True]
    assert acme.keys[1].sha256 == "b" * 64


def test_no_auth_refuses_to_start_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FLIREO_KEY", "k")
    text = GOOD.replace("allow_unauthenticated = true", "")
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert "security.allow_unauthenticated" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, TENANTS % ("nothex", "b" * 64)))
    assert "tenants.acme.keys.0.sha256" in str(err.value)


def test_cli_refuses_bad_config_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "[providers.burki]\n")
    assert main(["serve", "--config", str(path)]) == 2
    assert "providers.burki.api_key_env" in capsys.readouterr().err


def test_cli_check_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEST_FLIREO_KEY", "k")
    assert main(["check-config", "--config", str(write(tmp_path, GOOD))]) == 0
    assert "flireo" in capsys.readouterr().out


def test_switchboard_schema_prints_sdl() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "schema"], capture_output=True, text=True, check=True
    ).stdout
    assert "type PhoneNumber implements Node" in out
    assert "phoneNumbers(" in out


def test_hash_key_and_subgraph_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.security.tenants import hash_key

    assert main(["hash-key", "my-key"]) == 0
    assert capsys.readouterr().out.strip() == hash_key("my-key")
    assert main(["schema", "--subgraph"]) == 0
    assert "@key" in capsys.readouterr().out


def test_check_config_with_tenants(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEST_FLIREO_KEY", "k")
    assert (
        main(["check-config", "--config", str(write(tmp_path, TENANTS % ("a" * 64, "b" * 64)))])
        == 0
    )
    assert "flireo for tenants acme" in capsys.readouterr().out
