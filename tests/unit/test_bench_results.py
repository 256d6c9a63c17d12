"""benchmarks.run.replace_section: a benchmark run as a script rewrites its own section and nothing else."""

from benchmarks import run


def test_replace_section_keeps_the_notes_written_between_sections(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "HERE", tmp_path)
    (tmp_path / "RESULTS.md").write_text(
        "# Benchmark results\n\nA note on issue 11 by hand.\n\n<!-- bench_a -->\nold a\n<!-- /bench_a -->\n\n"
        "### Reader before and after (by hand)\n\n<!-- bench_b -->\nold b\n<!-- /bench_b -->\n")
    run.replace_section("bench_a", "new a")
    text = (tmp_path / "RESULTS.md").read_text()
    assert "A note on issue 11 by hand." in text and "### Reader before and after (by hand)" in text
    assert "<!-- bench_a -->\nnew a\n\n_Run on " in text and "old a" not in text
    assert "<!-- bench_b -->\nold b\n<!-- /bench_b -->" in text


def test_replace_section_adds_a_section_the_file_does_not_have(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "HERE", tmp_path)
    for name in ("bench_a", "bench_b"):
        (tmp_path / f"{name}.py").write_text("")
    (tmp_path / "RESULTS.md").write_text("<!-- bench_a -->\nold a\n<!-- /bench_a -->\n")
    run.replace_section("bench_b", "new b")
    text = (tmp_path / "RESULTS.md").read_text()
    assert text.index("old a") < text.index("new b")
