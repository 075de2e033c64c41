"""The deployment files, checked statically (no container runtime or cluster on CI): Rasa runs without
its HTTP API and behind the webhook's shared secret, no secret is on a command line (where `ps`, `docker
inspect` and `kubectl describe` show it), and NetworkPolicies let only the bot reach Rasa and only Rasa
reach the action server (security review, finding 4)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import yaml

from tests.stack import RasaStack
from tools.model import ROOT

# A secret's value put into argv: compose's ${VAR} (not $$VAR, left to a shell) or Kubernetes' $(VAR).
SECRET_REF = re.compile(r"(?<!\$)\$\{[A-Z_]*(TOKEN|SECRET|PASSWORD)|\$\([A-Z_]*(TOKEN|SECRET|PASSWORD)")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def helm(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((ROOT / "deploy" / "helm" / name).read_text()) if d]


def command_lines() -> dict[str, str]:
    """Every command line the deployment runs, by where it is defined."""
    lines = {f"compose {name}": " ".join(map(str, (svc.get("command") or [])))
             for name, svc in compose()["services"].items()}
    values = helm("rasa-values.yaml")[0]
    lines["helm rasa"] = " ".join(map(str, values.get("command", []) + values.get("args", [])))
    for doc in helm("bot.yaml") + helm("dashboard.yaml"):
        for container in _containers(doc):
            lines[f"helm {doc['metadata']['name']}"] = " ".join(container.get("command", []) + container.get("args", []))
    return lines


def _containers(doc: dict) -> list[dict]:
    spec = doc.get("spec", {})
    template = spec.get("jobTemplate", {}).get("spec", spec).get("template", {})
    return template.get("spec", {}).get("containers", [])


def test_rasa_runs_without_its_http_api_and_no_secret_is_on_a_command_line() -> None:
    lines = command_lines()
    assert "rasa run" in lines["compose rasa-1"] and "rasa" in lines["helm rasa"]
    for where, line in lines.items():
        assert "--enable-api" not in line and "--auth-token" not in line, where
        assert not SECRET_REF.search(line), f"{where}: {line}"
    assert helm("rasa-values.yaml")[0]["applicationSettings"]["enableAPI"] is False


def test_the_webhook_secret_reaches_rasa_and_the_bot() -> None:
    services = compose()["services"]
    assert "RASA_WEBHOOK_SECRET" in services["rasa-1"]["environment"]
    assert "RASA_WEBHOOK_SECRET" in services["bot"]["environment"]
    values = helm("rasa-values.yaml")[0]
    assert "RASA_WEBHOOK_SECRET" in {e["name"] for e in values["extraEnv"]}
    channels = values["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    assert list(channels) == ["rasa_plugins.rest_channel.SecretRestInput"]  # the chart's credentials.yml too
    ours = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert list(ours) == ["rasa_plugins.rest_channel.SecretRestInput"]


def test_network_policies_let_only_the_bot_reach_rasa_and_only_rasa_reach_the_actions() -> None:
    policies = {d["metadata"]["name"]: d["spec"] for d in helm("networkpolicies.yaml") if d["kind"] == "NetworkPolicy"}
    deny = policies["default-deny-ingress"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and not deny.get("ingress")
    bot_labels = next(d for d in helm("bot.yaml") if d["kind"] == "Deployment")["spec"]["template"]["metadata"]["labels"]

    def only_from(policy: str, port: int) -> dict:
        spec = policies[policy]
        [rule] = spec["ingress"]
        assert [p["port"] for p in rule["ports"]] == [port]
        [source] = rule["from"]
        return source["podSelector"]["matchLabels"]

    assert policies["rasa-from-bot"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/instance": "surokkha-rasa"}
    assert only_from("rasa-from-bot", 5005).items() <= bot_labels.items()
    assert policies["actions-from-rasa"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/instance": "surokkha-actions"}
    assert only_from("actions-from-rasa", 5055) == {"app.kubernetes.io/instance": "surokkha-rasa"}
    assert {p["port"] for r in policies["bot-webhook-and-ops"]["ingress"] for p in r["ports"]} == {8443, 9100}


def test_redis_password_is_not_on_its_command_line() -> None:
    redis = compose()["services"]["redis"]
    line = " ".join(redis["command"])
    assert "--requirepass" not in line and "redis-server -" in line  # read from stdin, not argv


def test_the_dashboard_is_reached_only_through_caddy_on_the_public_name() -> None:
    """The dashboard publishes no port, answers only to $DOMAIN, trusts the proxy for Secure cookies, and
    Caddy forwards it /staff and /partners/v1 (nothing else)."""
    dashboard = compose()["services"]["dashboard"]
    assert "ports" not in dashboard and dashboard["command"] == ["python", "-m", "backoffice.dashboard"]
    assert dashboard["environment"]["DASHBOARD_HOSTS"].startswith("${DOMAIN")
    assert dashboard["environment"]["DASHBOARD_BEHIND_TLS"] == "1"
    routes = re.findall(r"handle (\S+) \{\s*reverse_proxy (\S+)", (ROOT / "deploy" / "Caddyfile").read_text())
    assert routes == [("/telegram", "bot:8443"), ("/staff*", "dashboard:8090"), ("/partners/v1/*", "dashboard:8090")]


def test_on_kubernetes_the_dashboard_gets_only_its_secrets_and_only_the_ingress_reaches_it() -> None:
    [deployment] = [d for d in helm("dashboard.yaml") if d["kind"] == "Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert "envFrom" not in container  # not the whole Secret: no Telegram token in the dashboard
    from_secret = {e["name"] for e in container["env"] if "valueFrom" in e}
    assert from_secret == {"TRACKER_DB_URL", "DATABASE_URL", "STAFF_TOKEN", "PARTNER_TOKENS"}
    policies = {d["metadata"]["name"]: d["spec"] for d in helm("networkpolicies.yaml") if d["kind"] == "NetworkPolicy"}
    [rule] = policies["dashboard-from-ingress"]["ingress"]
    assert [p["port"] for p in rule["ports"]] == [8090] and "podSelector" not in rule["from"][0]
    selected = policies["dashboard-from-ingress"]["podSelector"]["matchLabels"]
    assert selected.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def mebibytes(value: str) -> float:
    """'512m' (compose) or '512Mi' (Kubernetes) -> 512.0."""
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", str(value)).groups()
    return float(number) * {"m": 1, "mi": 1, "g": 1024, "gi": 1024}[unit.lower()]


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def test_the_action_server_fits_its_memory_limits_with_headroom(rasa_stack: RasaStack) -> None:
    """The deployed limits must hold the real action server: its peak after answering knowledge and referral
    questions (the answer selector and the directory loaded) stays under 80 % of every configured limit. The
    old 256 MiB limit failed this (peak ~330 MiB): the container would have been killed on start."""
    for question in ("can boys be trafficked?", "legal aid office in khulna", "ami ki stipend pabo?"):
        assert rasa_stack.send(uuid.uuid4().hex, question)
    peak = peak_rss_mib(rasa_stack.actions_proc.pid)
    limits = {"compose": mebibytes(compose()["services"]["actions"]["mem_limit"]),
              "helm": mebibytes(yaml.safe_load((ROOT / "deploy" / "helm" / "actions-values.yaml").read_text())
                                ["resources"]["limits"]["memory"])}
    assert all(peak < 0.8 * limit for limit in limits.values()), (peak, limits)
