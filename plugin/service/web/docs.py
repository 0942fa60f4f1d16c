"""``/api/docs``: the REST API's documentation, rendered on the server from the OpenAPI
document the service serves at ``/api/openapi.json`` (no script, nothing from elsewhere), with
the least role each endpoint needs read from the endpoint itself."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

blp = Blueprint("docs", __name__, template_folder="templates")
METHODS = ("get", "post", "put", "patch", "delete")


@blp.get("/api/docs")
def api_docs() -> str:
    """The API's documentation page: each endpoint grouped by tag with its summary, least role,
    parameters, body fields and statuses, from the OpenAPI document."""
    spec = current_app.extensions["qiscan.api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    roles = endpoint_roles()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "role": roles.get((method.upper(), path), "none: open"),
                    "parameters": shared + operation.get("parameters", []),
                    "body": body_fields(operation, schemas),
                    "responses": sorted(k for k in operation.get("responses", {}) if k.isdigit()),
                }
            )
    tags = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    return render_template(
        "web/docs.html", info=spec["info"], groups=groups, tags=tags, version=spec["openapi"]
    )


def endpoint_roles() -> dict[tuple[str, str], str]:
    """(method, OpenAPI path) -> the least role its view requires."""
    found = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        for method in METHODS:
            role = getattr(getattr(view_class, method, None), "required_role", None)
            if role is not None:
                found[(method.upper(), path)] = role
    found[("POST", "/trigger/{connection_id}/{secret}")] = "none: the secret in the URL"
    return found


def body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of an operation's request body (its schema resolved), the read-only ones left
    out."""
    content: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
    first: dict[str, Any] = next(iter(content.values()), {})
    schema: dict[str, Any] = first.get("schema", {})
    ref = schema.get("$ref", "")
    resolved = schemas.get(ref.rsplit("/", 1)[-1], schema) if ref else schema
    required = set(resolved.get("required", []))
    return [
        {
            "name": name,
            "type": prop.get("type") or ("object" if "$ref" in prop else ""),
            "required": name in required,
            "description": prop.get("description", ""),
            "choices": prop.get("enum", []),
        }
        for name, prop in resolved.get("properties", {}).items()
        if not prop.get("readOnly")
    ]
