"""The shipped weights file: reproducible from committed data, small, and the
bot path never imports scikit-learn."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.model import default_weights_path, load_weights

ROOT = Path(__file__).resolve().parent.parent


def test_weights_file_header_and_size():
    p = default_weights_path()
    w = load_weights(p)
    assert w.header["linli-weights"] == "2"
    assert w.header["feature_scale"] == "l2" and w.l2
    assert len(w.header["training_sha256"]) == 64
    assert float(w.header["cv_urgent_recall"]) >= 0.95
    assert p.stat().st_size < 1_200_000
    assert set(w.bias) == {"intent", "category", "urgency"}


def test_weights_match_committed_training_data():
    """The header's data hash is that of the committed labelled files."""
    from nlp.train import _load, default_training_files

    files = default_training_files()
    assert files and all(f.name != "nlp_eval.jsonl" for f in files)
    _, sha = _load(files)
    assert load_weights().header["training_sha256"] == sha, "retrain: linli nlp train"


def test_bot_path_never_imports_sklearn():
    code = (
        "import sys\n"
        "from nlp import Classifier\n"
        "c = Classifier.from_file()\n"
        "c.classify('楼道里一股燃气味')\n"
        "import bot.cases.intake\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_training_reproduces_shipped_weights(tmp_path):
    pytest.importorskip("sklearn", reason="training needs scikit-learn (pip install 'linli[train]')")
    from nlp.train import main

    out = tmp_path / "w.tsv"
    assert main(["--quiet", "-o", str(out)]) == 0
    new = hashlib.sha256(out.read_bytes()).hexdigest()
    old = hashlib.sha256(default_weights_path().read_bytes()).hexdigest()
    assert new == old, "the shipped weights differ from a fresh training run"
