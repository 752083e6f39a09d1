"""docker/compose.yaml: what can be checked without a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import make_url

from entrypoints.settings import env_names

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
HEXAUTH_SERVICES = ["migrate", "app"]
# Compose's `${NAME:-default}` / `${NAME:?message}` interpolation, as the shell has it.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def settings_variables() -> set[str]:
    """Every variable the settings declare."""
    return set(env_names().values())


def interpolated(value: str) -> str:
    """The value as compose would give it when the interpolated variables are unset."""
    return INTERPOLATION.sub(lambda m: "" if m.group(2) is None else m.group(2), value)


def environment_of(service: str) -> dict[str, str]:
    environment = SERVICES[service].get("environment", {})
    assert isinstance(environment, dict), "environment as a mapping, so it can be checked"
    return {name: interpolated(str(value)) for name, value in environment.items()}


def test_the_known_variables_are_declared_by_the_settings():
    known = settings_variables()

    assert {"APP_ENV", "DATABASE_URL", "AUTH_KEYS", "REDIS_URL", "DB_POOL_SIZE"} <= known


@pytest.mark.parametrize("service", HEXAUTH_SERVICES)
def test_every_variable_set_on_a_hexauth_service_is_one_the_settings_read(service):
    unknown = set(environment_of(service)) - settings_variables()

    assert not unknown, f"{service} sets variables hexauth never reads: {sorted(unknown)}"


@pytest.mark.parametrize("service", HEXAUTH_SERVICES)
def test_the_settings_accept_the_services_environment(settings_from, service):
    settings = settings_from(environment_of(service))

    assert settings.app_env == "development"
    assert settings.cookie_secure  # localhost is a secure context: the `Secure` cookie works
    assert make_url(settings.database_url).host in SERVICES
    assert make_url(settings.redis_url).host in SERVICES


def test_the_app_waits_for_healthy_backing_services_and_a_completed_migration():
    assert SERVICES["app"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for backing in ("postgres", "redis"):
        assert SERVICES[backing]["healthcheck"]["test"]


def test_only_the_one_shot_service_migrates():
    assert SERVICES["migrate"]["command"] == ["hexauth", "migrate"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["app"]["command"] == ["hexauth", "serve"]


def test_both_hexauth_services_use_the_image_built_from_the_dockerfile():
    for service in HEXAUTH_SERVICES:
        build = SERVICES[service]["build"]
        assert (ROOT / "docker" / build["context"] / build["dockerfile"]).resolve() == (
            ROOT / "docker" / "Dockerfile"
        )


def test_state_lives_in_named_volumes():
    declared = set(COMPOSE["volumes"])
    for service in ("postgres", "redis", *HEXAUTH_SERVICES):
        for volume in SERVICES[service]["volumes"]:
            assert volume.split(":")[0] in declared, (service, volume)


def test_the_app_is_published_on_localhost_only():
    assert SERVICES["app"]["ports"] == ["127.0.0.1:8000:8000"]
    for backing in ("postgres", "redis"):
        assert "ports" not in SERVICES[backing]


def test_prometheus_scrapes_the_metrics_port_over_the_compose_network_unpublished():
    app = environment_of("app")
    prometheus = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())
    [job] = prometheus["scrape_configs"]
    [target] = job["static_configs"][0]["targets"]

    assert target == f"app:{app['METRICS_PORT']}"
    # Every interface inside the container: the compose network reaches it, the host does not.
    assert app["METRICS_HOST"] == "0.0.0.0"  # noqa: S104
    published = [port.rsplit(":", 1)[-1] for port in SERVICES["app"]["ports"]]
    assert app["METRICS_PORT"] not in published
    assert SERVICES["prometheus"]["ports"] == ["127.0.0.1:9090:9090"]
    assert SERVICES["prometheus"]["profiles"] == ["monitoring"]
