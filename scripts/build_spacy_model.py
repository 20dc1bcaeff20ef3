"""Build the shared Swedish spaCy pipeline (see pipeline/nlp.py) and save it under models/spacy-sv/."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline.nlp import MODEL_DIR, build_nlp  # noqa: E402


def main() -> None:
    nlp = build_nlp()
    if MODEL_DIR.exists():
        shutil.rmtree(MODEL_DIR)
    nlp.to_disk(MODEL_DIR)
    # the saved pipeline is a build product (13 MB of lookup tables): keep it out of git
    (MODEL_DIR / ".gitignore").write_text("*\n!.gitignore\n")
    print(f"saved {nlp.pipe_names} to {MODEL_DIR}")


if __name__ == "__main__":
    main()
