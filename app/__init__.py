"""Record CPD: the application factory."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from app import assets, dates, db, errors, layout, people, security, security_log, server_sessions
from app.auth import passwords
from app.config import (
    INSTANCE_DIR,
    MAKE_A_KEY,
    PROJECT_ROOT,
    BaseConfig,
    config_from_environment,
    secret_key_problem,
)
from app.extensions import check_limits_in_views_only, csrf, limiter
from app.govuk_fields import error_list, field_params, kept_fields
from app.policy import load_policy
from app.ratelimit_storage import storage_uri_for


def create_app(config: type[BaseConfig] | dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    # Set before anything touches app.jinja_env, which is made on first use.
    app.jinja_environment = layout.TemplateEnvironment
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_from_environment())
        app.config.update(config or {})

    missing = [name for name in app.config["REQUIRED_SETTINGS"] if not app.config.get(name)]
    if missing:
        raise RuntimeError(
            f"RECORD_CPD_CONFIG={app.config['NAME']} needs these environment variables: "
            + ", ".join(missing)
        )
    for name, allowed in app.config["REQUIRED_VALUES"].items():
        if app.config.get(name) not in allowed:
            raise RuntimeError(
                f"RECORD_CPD_CONFIG={app.config['NAME']} needs "
                + " or ".join(f"{name}={value}" for value in allowed)
                + f", not {name}={app.config.get(name)!r}"
            )
    if app.config.get("CHECK_SECRET_KEY_STRENGTH"):
        problem = secret_key_problem(app.config["SECRET_KEY"])
        if problem:
            raise RuntimeError(
                f"RECORD_CPD_CONFIG={app.config['NAME']}: SECRET_KEY must be {problem}. "
                f"Make one with: {MAKE_A_KEY}"
            )
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _instance_secret_key(
        app.config["SECRET_KEY_FILE"]
    )
    app.extensions["policy"] = app.config.get("POLICY") or load_policy()
    # The anonymisation help's data, loaded now (once per worker) rather than by the
    # first person to leave a box.
    people.configure(
        terms_file=app.extensions["policy"].anonymisation_terms_file or None,
        cache_dir=str(INSTANCE_DIR / "cache"),
    )
    passwords.use_hash_method(app.config["PASSWORD_HASH_METHOD"])

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri_for(app.config["SQLALCHEMY_URL"])

    _configure_templates(app)
    # First: hashed, cached, compressed static files; HTML compressed after every other
    # after_request hook has run.
    assets.init_app(app)
    db.init_app(app)
    server_sessions.init_app(app)
    security.init_app(app)
    security_log.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    layout.init_app(app)
    limiter.init_app(app)

    from app import account, auth, cli, cpd, health, help, keep, offline, reminders

    auth.init_app(app)
    app.register_blueprint(account.bp)
    app.register_blueprint(cpd.bp)
    app.register_blueprint(keep.bp)
    app.register_blueprint(help.bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(health.bp)
    cli.init_app(app)
    reminders.init_app(app)
    # Last: every view and its limits are known.
    check_limits_in_views_only(app)
    return app


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["policy"] = app.extensions["policy"]
    # Dates as people read them, the same on every page and in every email.
    app.jinja_env.globals["dates"] = dates
    app.jinja_env.globals["field_params"] = field_params
    app.jinja_env.globals["kept_fields"] = kept_fields
    app.jinja_env.globals["error_list"] = error_list


def _instance_secret_key(path: os.PathLike[str] | str) -> str:
    """Read the key kept under instance/, creating it once if no key is configured."""
    from pathlib import Path

    key_file = Path(path)
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        # O_EXCL: when several gunicorn workers start at once, exactly one writes the key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
