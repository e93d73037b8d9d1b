"""make serve's nginx limits open WebSockets per client address (issue 11), and the rendered config is valid."""

import re
import shutil
import subprocess
from pathlib import Path
from string import Template

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def render(tmp_path: Path, limit: int = 40) -> str:
    template = Template((ROOT / "deploy" / "nginx.conf.template").read_text())
    values = {
        "RUN_DIR": str(tmp_path),
        "PORT": "18080",
        "BIND": "127.0.0.1",
        "WEB_PORT": "18081",
        "WS_SERVERS": "        server 127.0.0.1:18082;",
        "STATIC_ROOT": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path),
        "WS_PROXY_MAX_PER_ADDRESS": str(limit),
    }
    conf = template.safe_substitute(values)  # as deploy/serve.py renders it ($nginx_variables stay)
    assert not re.search(r"\$\{[A-Z_]+\}", conf), "a placeholder serve.py does not fill"
    return conf


def test_the_websocket_location_limits_connections_per_address_and_only_upgrades_count(tmp_path):
    conf = render(tmp_path)
    assert "limit_conn_zone $ws_client zone=ws_per_address" in conf
    assert "limit_conn ws_per_address 40;" in conf
    ws_client_map = conf.split("map $http_upgrade $ws_client {", 1)[1].split("}", 1)[0]
    assert "default $binary_remote_addr;" in ws_client_map and "''      '';" in ws_client_map
    assert "WS_PROXY_MAX_PER_ADDRESS" in (ROOT / "deploy" / "serve.py").read_text()


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_rendered_config_passes_nginx_t(tmp_path):
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    (tmp_path / "nginx.conf").write_text(render(tmp_path))
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
