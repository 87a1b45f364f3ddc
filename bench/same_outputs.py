"""Do two revisions of the code give the same files? Runs ``python -m core segment`` on the bundled demo
with a fixed seed from an earlier revision (checked out into a temporary worktree) and from this tree,
each in a fresh workspace, and compares ``segments.csv`` and ``profiles.json`` byte for byte.

    .venv/bin/python bench/same_outputs.py [REVISION]   # default: the last commit before the redesign

Exit 0 when every file is identical, 1 otherwise (the differing files are named).
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_REDESIGN = "5381eec"
DEMO = ROOT / "data" / "demo" / "womens_clothing_reviews_3k.csv"
SETTINGS = {  # name: extra options of `segment`
    "hdbscan": ["--seed", "1"],
    "kmeans": ["--algo", "kmeans", "--k", "6", "--seed", "1"],
}
COMPARED = ("segments.csv", "profiles.json")


def segment(tree: Path, work: Path, options: list[str]) -> Path:
    """Run the command line of ``tree`` on the demo; returns its output folder."""
    out = work / "out"
    subprocess.run([sys.executable, "-m", "core", "segment", str(DEMO), "--text-col", "Review Text",
                    "--workspace", str(work / "ws"), "--out", str(out), "--quiet", *options],
                   cwd=tree, check=True, stdout=subprocess.DEVNULL)
    return out


def main(revision: str = BEFORE_REDESIGN) -> int:
    with tempfile.TemporaryDirectory(prefix="same-outputs-") as tmp:
        old_tree = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old_tree), revision], cwd=ROOT, check=True)
        try:
            differ = []
            for name, options in SETTINGS.items():
                old = segment(old_tree, Path(tmp) / f"{name}-old", options)
                new = segment(ROOT, Path(tmp) / f"{name}-new", options)
                for file in COMPARED:
                    same = filecmp.cmp(old / file, new / file, shallow=False)
                    print(f"{name:8} {file:14} {'identical' if same else 'DIFFERENT'}")
                    if not same:
                        differ.append(f"{name}/{file}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=True)
    print(f"{revision} vs this tree: " + ("identical" if not differ else f"different: {', '.join(differ)}"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
