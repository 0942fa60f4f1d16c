"""The deploy data-loss guard fails closed through the API. Issue 12: with REDCap answering the
metadata export with an error, the project was read as empty and deploy apply deleted a field
that held five records' values, where it otherwise answers 409."""

from __future__ import annotations

from flask.testing import FlaskClient

from instruments import load_instrument
from plugin.deploy.apply import deploy
from tests.live import Live
from tests.service.conftest import auth
from tests.service.test_instruments import classic
from tests.service.test_projects import register


def test_apply_stops_when_the_current_design_cannot_be_read(
    client: FlaskClient, keys: dict[str, str], live: Live
) -> None:
    token = live.create(title="held data")
    direct = live.client(token)
    deploy(direct, [load_instrument(classic()).unwrap()])
    direct.import_records([{"record_id": str(n), "lead_note": f"note {n}"} for n in range(1, 6)])
    created = register(client, keys["admin"], live.server.url, token, instrument="provider_scan")
    apply_path = f"/projects/{created.json['id']}/deploy/apply"
    live.faults.add("api_error", content="metadata", times=1)
    stopped = client.post(apply_path, json={}, headers=auth(keys["admin"]))
    assert stopped.status_code == 502, stopped.json
    assert (
        "deploy stopped: the project's current design could not be read"
        in (stopped.json["message"])
    )
    assert token not in stopped.text
    direct.forget_design()
    assert any(row["field_name"] == "lead_note" for row in direct.metadata())
    refused = client.post(apply_path, json={}, headers=auth(keys["admin"]))
    assert refused.status_code == 409 and refused.json["code"] == "data_loss"
