"""The bench's `switchboard serve --config` file is a valid configuration (a registry
change once made every provider refuse the ids it does not take, and the reload scenario
failed at start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from bench.scenarios import serve_config
from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER


def test_the_reload_scenarios_config_passes_check_config(tmp_path: Path) -> None:
    upstreams = {p.value: f"http://127.0.0.1:{9000 + i}" for i, p in enumerate(PROVIDER_ORDER)}
    cluster = SimpleNamespace(config=EmulatorConfig(), upstreams=lambda: upstreams)
    path = serve_config(cluster, tmp_path / "bench.toml")  # type: ignore[arg-type]
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "check-config", "--config", str(path)],
        capture_output=True,
        text=True,
        env={"BENCH_API_KEY": "k", "PATH": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
