"""The live demo in the chosen flavour: tf.keras 2, the JAX and PyTorch backends and two devices each train the
demo model for real in a process of their own, started from the panel's Run button; the losses arrive as Keras
reports them, the verdict matches the plan, Cancel and closing kill the process, and a flavour that is not
installed says what to install."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from core import scenario_from_dict
from core.flavours import Flavour

pytestmark = [pytest.mark.keras, pytest.mark.usefixtures("require_keras")]

SMALL = {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False}, "epochs": 2}
LONG = {
    "train": {"samples": 1000, "source": "dataset", "batch_size": 8, "repeat": "after_batch"},
    "epochs": 50,
    "steps_per_epoch": 400,
}


@pytest.fixture
def panel(qtbot):
    from gui.demo_panel import DemoPanel

    made = DemoPanel()
    qtbot.addWidget(made)
    made.resize(800, 500)
    made.show()
    yield made
    made.shutdown()


def run(qtbot, panel, data: dict, timeout: int = 180_000) -> None:
    """The scenario's demo, from a click on Run to its end."""
    panel.set_scenario(scenario_from_dict(data))
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.running
    qtbot.waitUntil(lambda: not panel.running, timeout=timeout)


@pytest.mark.parametrize(
    ("flavour", "steps"),
    [
        ({"keras": "2"}, [4, 4]),
        ({"backend": "jax"}, [4, 4]),
        ({"backend": "torch"}, [4, 4]),
        ({"replicas": 2}, [4, 4]),
    ],
    ids=["tf.keras 2", "jax", "torch", "2 devices"],
)
def test_each_flavour_trains_for_real_and_matches_its_plan(qtbot, panel, flavour, steps):
    # 100 samples in batches of 32, 2 epochs: every batch's loss arrives, the epoch ends agree with Keras' History,
    # and what that Keras fed is what the plan says.
    run(qtbot, panel, {**SMALL, **flavour})
    result = panel.result
    assert result is not None, panel.verdict.text()
    assert result.matches, result.verdict
    assert result.verdict.startswith("Keras ran exactly the planned 2 epochs x 4 steps")
    label = Flavour(**{"keras": "3", "backend": "tensorflow", "replicas": 1, **flavour}).label
    assert result.verdict.endswith(f"Run with {label}.")
    assert result.recorded["keras"] == ("2.21.0" if flavour.get("keras") == "2" else "3.15.1")
    losses, means = panel.losses()
    assert len(losses) == sum(steps) and all(math.isfinite(loss) for loss in losses)
    assert [means[3], means[7]] == pytest.approx([result.history[0]["loss"], result.history[1]["loss"]], rel=1e-4)
    if flavour.get("replicas") == 2:
        assert result.recorded["epochs"][0]["train_replicas"] == [[[16, 16], 3], [[2, 2], 1]]


def test_tf_keras_2_ends_fit_where_its_data_runs_out_and_the_demo_agrees(qtbot, panel):
    # The floor trap under tf.keras 2: epoch 2 gets the last 4 samples, runs out, and fit ends (no epoch 3).
    run(qtbot, panel, {**SMALL, "keras": "2", "epochs": 3, "steps_per_epoch": 3})
    result = panel.result
    assert result is not None and result.matches, panel.verdict.text()
    assert sorted(result.history) == [0, 1]
    assert result.recorded["stopped"] == {"epoch": 2}
    assert len(panel.losses()[0]) == 4


def test_the_torch_backend_refuses_steps_per_execution_as_planned(qtbot, panel):
    # steps_per_execution=4 on PyTorch: Keras refuses, the plan said so, and the demo says it matched that.
    run(qtbot, panel, {**SMALL, "backend": "torch", "steps_per_execution": 4})
    result = panel.result
    assert result is not None and result.matches, panel.verdict.text()
    assert "steps_per_execution" in result.verdict and result.verdict.startswith("Keras refused, as planned")


def test_cancel_kills_the_flavours_process_at_once(qtbot, panel):
    # A long JAX fit: Cancel (the same button) kills its process; the thread ends and no verdict is claimed.
    panel.set_scenario(scenario_from_dict({**LONG, "backend": "jax"}))
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel._train_steps > 3, timeout=120_000)
    process = panel.worker.flavour_demo._process
    assert process is not None and process.poll() is None
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=15_000)
    assert process.poll() is not None
    assert panel.status.text() == "Cancelled." and panel.result is None


def test_closing_mid_fit_leaves_no_process_and_no_thread(qtbot, panel):
    # shutdown (what closing the window calls) kills the process and joins the thread before it returns.
    panel.set_scenario(scenario_from_dict({**LONG, "keras": "2"}))
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel._train_steps > 3, timeout=120_000)
    thread, process = panel.thread, panel.worker.flavour_demo._process
    panel.shutdown()
    assert panel.thread is None and thread.isFinished()
    assert process.poll() is not None


def test_a_flavour_not_installed_says_what_to_install(qtbot, panel, monkeypatch):
    # JAX missing: the panel says so with the pip command before any click, and Run starts nothing.
    monkeypatch.setattr(Flavour, "missing", lambda self: ("jax",) if self.backend == "jax" else ())
    panel.set_scenario(scenario_from_dict({**SMALL, "backend": "jax"}))
    words = 'Keras 3 (JAX) is not installed here (missing jax); install it with: pip install -e ".[jax]"'
    assert panel.status.text() == words
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert not panel.running and panel.thread is None
    assert words in panel.verdict.text()
    panel.set_scenario(scenario_from_dict(SMALL))
    assert "Trains a small real Keras model" in panel.status.text()


def test_the_windows_demo_action_runs_the_chosen_flavour_and_follows_it_on_the_timeline(window, qtbot):
    # Demo > Run in the window, on 2 devices: the fit runs in its own process, the playhead moves over the striped
    # timeline while it trains, and the verdict in the panel is a match.
    from PySide6.QtGui import QAction

    shown = window({**SMALL, "replicas": 2, "epochs": 3})
    action = next(
        action
        for menu in shown.menuBar().findChildren(QAction)
        if menu.menu() is not None and menu.text().replace("&", "") == "Demo"
        for action in menu.menu().actions()
        if action.text().replace("&", "").startswith("Run or cancel")
    )
    places = []
    shown.demo.playhead.connect(places.append)
    action.trigger()
    assert shown.demo.running
    qtbot.waitUntil(lambda: not shown.demo.running, timeout=180_000)
    result = shown.demo.result
    assert result is not None and result.matches, shown.demo.verdict.text()
    assert shown.timeline.layout_model.replicas == 2
    assert any(place is not None and place[1] == "train" for place in places) and places[-1] is None


def test_keras_3_on_tensorflow_on_one_device_keeps_running_in_this_process(qtbot, panel):
    # The default flavour fits in the panel's own thread (TensorFlow and the compiled model stay loaded, so a second
    # run starts at once; a process of its own took about 4.6 s every run); only the others get a process.
    from gui.demo_panel import DemoWorker

    run(qtbot, panel, SMALL)
    assert panel.result is not None and panel.result.matches
    assert "Run with" not in panel.result.verdict
    from core.demo import prepare_demo

    for flavour, own_process in (({}, False), ({"keras": "2"}, True), ({"backend": "jax"}, True), ({"replicas": 2}, True)):
        worker = DemoWorker(prepare_demo(scenario_from_dict({**SMALL, **flavour})))
        assert (worker.flavour_demo is not None) == own_process
        worker.deleteLater()


def test_closing_the_window_mid_fit_leaves_no_process_and_no_thread(window, qtbot):
    # The window closed while tf.keras 2 trains in its own process: the process is killed, the thread joined.
    shown = window({**LONG, "keras": "2"})
    shown.run_demo()
    qtbot.waitUntil(lambda: shown.demo._train_steps > 3, timeout=120_000)
    thread, process = shown.demo.thread, shown.demo.worker.flavour_demo._process
    shown.close()
    assert not shown.demo.running and shown.demo.thread is None and thread.isFinished()
    assert process.poll() is not None
