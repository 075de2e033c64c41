"""Security review, finding 10: every dependency file is pinned and hash-checked, the runtime image gets
no test tools, and aiohttp is the newest release that Rasa 3.6 accepts."""
from __future__ import annotations

import importlib.metadata
import re

from packaging.requirements import Requirement
from packaging.version import Version

from tools.lock import read_pins
from tools.model import ROOT

PIN = re.compile(r"^([A-Za-z0-9._\[\],-]+)==([^\s\\]+)\s*\\$")
HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}(\s*\\)?$")


def requirement_blocks(name: str) -> dict[str, list[str]]:
    """package -> its hash lines, failing on any line that is neither a pin, a hash nor a comment."""
    blocks: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate((ROOT / name).read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        pin, hashed = PIN.match(line), HASH.match(line)
        assert pin or (hashed and current), f"{name}:{number}: not a pin with hashes: {line!r}"
        if pin:
            current = pin.group(1)
            blocks[current] = []
        else:
            blocks[current].append(line)
    return blocks


def test_every_dependency_is_pinned_with_the_hashes_of_its_files() -> None:
    runtime, dev = requirement_blocks("requirements.txt"), requirement_blocks("requirements-dev.txt")
    assert len(runtime) > 150 and {"rasa", "rasa-sdk", "aiohttp", "python-telegram-bot"} <= set(runtime)
    for name, hashes in {**runtime, **dev}.items():
        assert hashes, f"{name} has no hash"
    assert not set(runtime) & set(dev), "a package is in both lock files"
    assert read_pins(ROOT / "requirements.txt")["rasa"] == "3.6.21"


def test_installs_check_the_hashes_and_the_image_carries_no_test_tools() -> None:
    bootstrap = (ROOT / "tools" / "bootstrap.sh").read_text()
    assert "--require-hashes" in bootstrap and "--upgrade pip" not in bootstrap  # no unpinned pip either
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("--require-hashes -r requirements.txt" in line for line in installs)
    assert "requirements-dev" not in dockerfile.replace("(requirements-dev.txt, with pytest, stays out)", "")
    runtime = {name.lower() for name in read_pins(ROOT / "requirements.txt")}
    assert not {"pytest", "pytest-asyncio", "iniconfig"} & runtime
    assert "tests" in (ROOT / ".dockerignore").read_text().split()


def test_aiohttp_is_the_newest_release_rasa_accepts() -> None:
    """3.9.5 is the last 3.9 release on PyPI (its simple index, read 2026-12-05); Rasa 3.6.21 wants <3.10."""
    pinned = Version(read_pins(ROOT / "requirements.txt")["aiohttp"])
    wanted = next(Requirement(r) for r in importlib.metadata.requires("rasa") if r.startswith("aiohttp"))
    assert pinned in wanted.specifier and not Version("3.10.0") in wanted.specifier
    assert pinned == Version("3.9.5") and importlib.metadata.version("aiohttp") == "3.9.5"
