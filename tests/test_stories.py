"""`rasa test` on the test stories (three forms, the main flows), with the trained model and the
running action server; fails on any wrong intent or action."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.stack import RasaStack
from tools.model import ROOT, model_path


def test_test_stories_pass(rasa_stack: RasaStack, tmp_path: Path) -> None:
    model = os.environ.get("RASA_MODEL") or str(model_path())
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", model, "--stories", "tests/stories",
         "--endpoints", str(rasa_stack.workdir / "endpoints.yml"), "--out", str(out), "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "DATABASE_URL": f"sqlite:///{rasa_stack.workdir / 'referral.db'}"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    failed = (out / "failed_test_stories.yml").read_text()
    assert "stories: []" in failed or "story:" not in failed, failed
