"""The folders are the layers of the data flow, Telegram -> bot/ -> Rasa (rasa_plugins/, nlu_components/,
rasa_patches/)
-> actions/ -> knowledge/, referral_directory/, safety/, with contract/ (what the processes agree on) at the
bottom: a lower layer never imports a higher one (checked on the import statements of every module)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.model import ROOT

# package -> packages of ours it must never import
RASA = {"rasa_plugins", "nlu_components", "rasa_patches"}
FORBIDDEN = {
    "contract": {"backoffice", "bot", "actions", "knowledge", "referral_directory", "safety", "tools", *RASA},
    "referral_directory": {"backoffice", "bot", "actions", "knowledge", "tools", *RASA},
    "safety": {"backoffice", "bot", "actions", "knowledge", "tools", *RASA},
    "knowledge": {"backoffice", "bot", "actions", "tools", *RASA},
    "actions": {"bot", "tools", "backoffice", *RASA},
    "backoffice": {"bot", "actions", "tools", "telegram", *RASA},  # no front end: its commands serve all of them
    "rasa_patches": {"backoffice", "bot", "actions", "tools", "rasa_plugins", "nlu_components"},
    "nlu_components": {"backoffice", "bot", "actions", "rasa_plugins", "tools"},
    "rasa_plugins": {"backoffice", "bot", "actions", "tools"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", FORBIDDEN)
def test_a_lower_layer_never_imports_a_higher_one(package: str) -> None:
    offenders = {str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
                 for path in (ROOT / package).rglob("*.py")}
    assert not {k: v for k, v in offenders.items() if v}


def test_each_shared_format_has_one_home() -> None:
    """The location slot's layout, the metadata keys, the tracker database, the keyed sender hash, the digit
    tables, NFC and the YAML reader are each written in one place in contract/."""
    patterns = {'f"point:': "contract/location_slot.py", 'f"place:': "contract/location_slot.py",
                'f"{channel}:{user_id}"': "contract/identity.py",
                '"handoff_available"': "contract/metadata.py", "'tracker.db'": "contract/paths.py",
                # the digit tables, the NFC normaliser and the YAML reader
                'maketrans("0123456789"': "contract/text.py", 'maketrans("০১২৩৪৫৬৭৮৯"': "contract/text.py",
                'unicodedata.normalize("NFC"': "contract/text.py", "yaml.safe_load(": "contract/text.py"}
    for pattern, home in patterns.items():
        found = [str(p.relative_to(ROOT)) for d in ("bot", "actions", "rasa_plugins", "rasa_patches", "nlu_components",
                                                     "referral_directory", "knowledge", "safety", "contract", "tools",
                                                     "backoffice")
                 for p in (ROOT / d).rglob("*.py") if pattern in p.read_text(encoding="utf-8")]
        assert found == [home], (pattern, found)
