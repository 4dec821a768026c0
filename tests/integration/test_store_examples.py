"""The store with real jco-built examples and the `skill` command (the WAT-based store tests are tests/unit/test_store.py)."""


def test_installing_the_example_built_in_another_cache_is_unchanged(skill, built_examples, rebuilt_textkit, tmp_path):
    """What a person met: set-up and the tests had built the example in different caches."""
    import shutil

    skill("install", str(built_examples["textkit"]))
    other = tmp_path / "textkit"
    shutil.copytree(built_examples["textkit"], other)
    shutil.copyfile(rebuilt_textkit, other / "dist" / "textkit.wasm")
    again = skill("install", str(other))
    assert "textkit 1.0.0 already installed, unchanged" in again.stdout
