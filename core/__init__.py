"""EpochScope's core: scenarios, the Keras-exact planner, and the recorder.

Imports neither Qt nor TensorFlow: the recorder loads TensorFlow inside its functions.
"""

from core.keras.fit import plan
from core.plan import EpochPlan, Plan, PlanWarning, Segment
from core.scenario import Scenario, ScenarioError, scenario_from_dict, scenario_from_json

__all__ = [
    "EpochPlan",
    "Plan",
    "PlanWarning",
    "Scenario",
    "ScenarioError",
    "Segment",
    "plan",
    "scenario_from_dict",
    "scenario_from_json",
]
