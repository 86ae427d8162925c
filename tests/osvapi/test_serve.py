"""`bastion serve --host` decides whether the OSV API asks for a token."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from bastion.cli.main import app as cli
from tests.support.github_standin import APP_ID


@pytest.mark.parametrize(("host", "required"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serve_hands_its_bind_address_to_the_app(
    monkeypatch: pytest.MonkeyPatch, github_app_key: rsa.RSAPrivateKey, host: str, required: bool
) -> None:
    pem = github_app_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    monkeypatch.setenv("GITHUB_APP_ID", str(APP_ID))
    monkeypatch.setenv("GITHUB_PRIVATE_KEY", base64.b64encode(pem).decode())
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "throwaway")
    monkeypatch.delenv("BASTION_HOST", raising=False)
    ran: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        ran.update(app=app, **options)

    monkeypatch.setattr("uvicorn.run", run)
    # serve configures the process's logging and garbage collector; pytest's stay.
    monkeypatch.setattr("bastion.server.logs.configure_json_logging", lambda: None)
    monkeypatch.setattr("gc.freeze", lambda: None)
    monkeypatch.setattr("gc.set_threshold", lambda *_: None)
    done = CliRunner().invoke(cli, ["serve", "--host", host, "--no-workers"])
    assert done.exit_code == 0, done.output
    assert ran["host"] == host
    assert ran["app"].state.bastion.settings.osv_api_token_required is required
