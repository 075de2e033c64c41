"""``python -m referral_directory``: see cli.py."""
from .cli import run

if __name__ == "__main__":
    run()
