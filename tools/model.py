"""Which trained model belongs to the current sources: a content hash names it.

The model is retrained only when something that shapes it changes: config.yml, domain.yml,
nlu_data/ (training data, rules, stories), or the custom NLU components.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
HASHED_PATHS = ("config.yml", "domain.yml", "nlu_data", "nlu_components", "safety/text.py", "safety/features.py")
# Never trained on: nlu_data/test/ (the held-out evaluation sets) and nlu_data/dev/ (the crisis development set the
# crisis rules are tuned on). Neither shapes the model, so neither is hashed.
NOT_TRAINED = ("test", "dev")


def source_hash(root: Path = ROOT) -> str:
    """A short sha256 over the names and contents of every file that shapes the model."""
    digest = hashlib.sha256()
    for entry in HASHED_PATHS:
        path = root / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or _not_trained(file.relative_to(root)):
                continue
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return MODELS_DIR / f"model-{source_hash(root)}.tar.gz"


def training_files(root: Path = ROOT) -> list[str]:
    """Everything under nlu_data/ except the held-out test sets and the crisis development set."""
    return sorted(str(p.relative_to(root)) for p in (root / "nlu_data").iterdir() if p.name not in NOT_TRAINED)


def _not_trained(relative: Path) -> bool:
    return len(relative.parts) > 1 and relative.parts[0] == "nlu_data" and relative.parts[1] in NOT_TRAINED
