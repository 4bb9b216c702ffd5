"""Saving a scenario: whole or not at all, and kind to the file (mode, links, read-only, long names)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from PySide6.QtGui import QAction

from core import scenario_from_dict
from core.files import UnsuitableFile, load_scenario, save_scenario, write_atomically

SCENARIO = scenario_from_dict({"train": {"samples": 100, "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3})
OLD = b'{"train": {"samples": 5}}\n'


def mode_of(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_a_new_file_gets_the_usual_permissions_and_the_whole_scenario(tmp_path):
    # A new file is written whole with 0666 less the umask (0644 under the usual 022), and no temporary file stays.
    path = tmp_path / "new.json"
    old_mask = os.umask(0o022)
    try:
        save_scenario(path, SCENARIO)
    finally:
        os.umask(old_mask)
    assert load_scenario(path) == SCENARIO
    assert mode_of(path) == 0o644
    assert leftovers(tmp_path) == []


def test_a_private_file_stays_private(tmp_path):
    # A 0600 file is still 0600 after saving (it used to become 0644).
    path = tmp_path / "private.json"
    path.write_bytes(OLD)
    path.chmod(0o600)
    save_scenario(path, SCENARIO)
    assert mode_of(path) == 0o600
    assert load_scenario(path) == SCENARIO


def test_an_odd_mode_is_kept_exactly(tmp_path):
    # Group-writable 0664 and 0640 come back as they were.
    for mode in (0o664, 0o640):
        path = tmp_path / f"mode-{mode:o}.json"
        path.write_bytes(OLD)
        path.chmod(mode)
        save_scenario(path, SCENARIO)
        assert mode_of(path) == mode


def test_a_read_only_file_is_refused_and_left_unchanged(tmp_path):
    # A 0444 file is not written (even by root, who could): a clear reason, same bytes, same mode, no leftovers.
    path = tmp_path / "read-only.json"
    path.write_bytes(OLD)
    path.chmod(0o444)
    with pytest.raises(UnsuitableFile) as caught:
        save_scenario(path, SCENARIO)
    assert caught.value.strerror == (
        "is read-only, so EpochScope left it as it was; save under another name, or make it writable first"
    )
    assert caught.value.filename == str(path)
    assert path.read_bytes() == OLD and mode_of(path) == 0o444
    assert leftovers(tmp_path) == []


def test_a_symlink_stays_a_symlink_and_its_target_is_written(tmp_path):
    # Saving through a link writes the file it points to; the link itself stays a link to it, mode kept.
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    target = real_folder / "target.json"
    target.write_bytes(OLD)
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(os.path.relpath(target, tmp_path))
    save_scenario(link, SCENARIO)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "target.json")
    assert load_scenario(target) == SCENARIO and mode_of(target) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(real_folder) == []


def test_a_chain_of_symlinks_is_followed_to_the_end(tmp_path):
    # link -> link -> file: both links stay, the file gets the content.
    target = tmp_path / "file.json"
    target.write_bytes(OLD)
    (tmp_path / "one.json").symlink_to("file.json")
    (tmp_path / "two.json").symlink_to("one.json")
    save_scenario(tmp_path / "two.json", SCENARIO)
    assert (tmp_path / "one.json").is_symlink() and (tmp_path / "two.json").is_symlink()
    assert load_scenario(target) == SCENARIO


def test_a_dangling_symlink_creates_its_target(tmp_path):
    # A link to a file not yet there: the file is created where the link points, as a shell's > would.
    link = tmp_path / "link.json"
    link.symlink_to("later.json")
    save_scenario(link, SCENARIO)
    assert link.is_symlink() and load_scenario(tmp_path / "later.json") == SCENARIO


def test_hard_links_all_see_the_new_content(tmp_path):
    # A file with two names: both names hold the new scenario afterwards (a rename would have split them).
    first = tmp_path / "first.json"
    first.write_bytes(OLD + b" " * 500)  # longer than the new content: the rest must be cut off
    first.chmod(0o600)
    second = tmp_path / "second.json"
    os.link(first, second)
    save_scenario(first, SCENARIO)
    assert os.stat(first).st_ino == os.stat(second).st_ino and os.stat(first).st_nlink == 2
    assert second.read_bytes() == SCENARIO.to_json().encode() and mode_of(second) == 0o600
    assert leftovers(tmp_path) == []


def test_a_name_of_250_bytes_saves(tmp_path):
    # A legal 250-byte file name saves: the temporary name beside it is short (it used to add 12+ characters).
    path = tmp_path / ("s" * 245 + ".json")
    assert len(path.name.encode()) == 250
    save_scenario(path, SCENARIO)
    assert load_scenario(path) == SCENARIO
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    # If writing stops part way (disk full), the old file is untouched and the temporary file is removed.
    path = tmp_path / "kept.json"
    path.write_bytes(OLD)

    def disk_full(_descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_scenario(path, SCENARIO)
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_failed_in_place_rewrite_keeps_the_full_copy_and_names_it(tmp_path, monkeypatch):
    # Hard-linked: if the in-place rewrite fails, the complete new content stays in the temporary file, named in the error.
    path = tmp_path / "linked.json"
    path.write_bytes(OLD)
    os.link(path, tmp_path / "other.json")
    real_write = os.write

    def failing_write(descriptor, data):
        if os.fstat(descriptor).st_ino == os.stat(path).st_ino:
            raise OSError(28, "No space left on device")
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(OSError) as caught:
        save_scenario(path, SCENARIO)
    (kept,) = leftovers(tmp_path)
    assert f"the full new content is in {tmp_path / kept}" in str(caught.value)
    assert json.loads((tmp_path / kept).read_text()) == SCENARIO.to_dict()


def test_a_folder_or_a_fifo_is_not_written_over(tmp_path):
    # Saving onto something that is not an ordinary file is refused with a reason, and it stays what it was.
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(UnsuitableFile, match="is not an ordinary file"):
        write_atomically(fifo, b"{}")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(tmp_path) == []


def test_the_window_says_why_it_cannot_save_over_a_read_only_file(window, tmp_path):
    # File > Save over a file made read-only after opening: the reason in the status bar, the file's bytes untouched.
    path = tmp_path / "shared.json"
    path.write_bytes(OLD)
    shown = window()
    shown.isVisible = lambda: False  # no modal box in a test; the message still goes to the status bar
    assert shown.open_file(path)
    path.chmod(0o444)
    save = next(action for action in shown.findChildren(QAction) if action.text() == "&Save")
    save.trigger()
    assert path.read_bytes() == OLD and mode_of(path) == 0o444
    assert shown.statusBar().currentMessage() == (
        f"{path}: is read-only, so EpochScope left it as it was; save under another name, or make it writable first"
    )
    assert leftovers(tmp_path) == []


def test_the_window_keeps_a_validation_sets_shuffle_when_saving(window, tmp_path):
    # A file whose validation set says shuffle: true is opened and saved in the window; the setting is still there.
    path = tmp_path / "validation-shuffle.json"
    path.write_text(json.dumps({"train": {"samples": 10, "batch_size": 4}, "validation": {"samples": 6, "shuffle": True}}))
    shown = window()
    shown.isVisible = lambda: False  # a failure goes to the status bar, never to a modal box that would wait
    assert shown.open_file(path)
    save = next(action for action in shown.findChildren(QAction) if action.text() == "&Save")
    save.trigger()
    written = json.loads(path.read_text())
    assert written["validation"]["shuffle"] is True and written["validation"]["samples"] == 6
    assert load_scenario(path) == scenario_from_dict(json.loads(path.read_text()))


def test_a_read_only_folder_is_named_as_the_reason(tmp_path, monkeypatch):
    # When no new file may be made beside the target, the reason says so (and why a new file is needed).
    path = tmp_path / "in-a-locked-folder.json"
    path.write_bytes(OLD)
    real_open = os.open

    def no_new_files(name, flags, *args):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, flags, *args)

    monkeypatch.setattr(os, "open", no_new_files)
    with pytest.raises(UnsuitableFile) as caught:
        save_scenario(path, SCENARIO)
    assert caught.value.strerror.startswith("cannot be saved there: its folder is read-only (EpochScope writes the new file")
    assert path.read_bytes() == OLD
