"""A model card's section titles (short strings repeated by every card made from one template) are held once."""

from __future__ import annotations

from pathlib import Path

from aima_gate.collectors import CollectContext, load_collector, parse_file
from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo

CARD = "---\nlicense: mit\nversion: '1'\n---\n# Model Card for m{n}\n\n## Intended uses & limitations\n\nScores x.\n"


def test_section_titles_are_shared_between_cards(tmp_path: Path) -> None:
    for n in (1, 2):
        (tmp_path / f"c{n}.md").write_text(CARD.format(n=n))
    repo = Repo(tmp_path)
    ctx = CollectContext(repo, {}, {}, Clock.current(), {})
    collector = load_collector("model_card")
    results = [parse_file(collector, ctx, f"c{n}.md")[0] for n in (1, 2)]
    arts = [a for a in results if isinstance(a, Artifact)]
    assert len(arts) == 2
    titles = [a.data["sections"]["intended_use"]["title"] for a in arts]
    assert titles == ["Intended uses & limitations"] * 2 and titles[0] is titles[1]
    assert arts[0].line_of("/license") == 2 and arts[1].line_of("/version") == 3
