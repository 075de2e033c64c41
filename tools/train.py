"""Train the Rasa model when its sources changed; otherwise do nothing.

Prints one progress line instead of pages of TensorFlow output; the full log goes to
var/logs/train.log and its tail is shown if training fails.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time

from tools.model import MODELS_DIR, ROOT, model_path, training_files

LOG = ROOT / "var" / "logs" / "train.log"
KEEP_MODELS = 3


def train() -> int:
    from knowledge.kb import KnowledgeBase
    from knowledge.training import write_nlu

    if write_nlu(KnowledgeBase.load()):
        print("Knowledge-base examples changed: nlu_data/nlu/knowledge_base.generated.yml rewritten.")
    target = model_path()
    if target.exists():
        print(f"Model is up to date ({target.name}).")
        return 0
    LOG.parent.mkdir(parents=True, exist_ok=True)
    MODELS_DIR.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
           "--data", *training_files(), "--out", str(MODELS_DIR), "--fixed-model-name", target.name[: -len(".tar.gz")]]
    print("Training the model because config, domain or training data changed (about 2-4 minutes) ", end="", flush=True)
    started = time.monotonic()
    done = threading.Event()

    def tick() -> None:
        while not done.wait(15):
            print(".", end="", flush=True)

    threading.Thread(target=tick, daemon=True).start()
    with open(LOG, "w") as log:
        result = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    done.set()
    if result.returncode != 0 or not target.exists():
        print(f" failed.\nLast lines of {LOG.relative_to(ROOT)}:", file=sys.stderr)
        print("".join(LOG.read_text(errors="replace").splitlines(keepends=True)[-30:]), file=sys.stderr)
        return 1
    print(f" done in {time.monotonic() - started:.0f} s ({target.name}).")
    for old in sorted(MODELS_DIR.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-KEEP_MODELS]:
        old.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(train())
