"""Churn risk: who is about to leave, why, and how sure we are (DESIGN §5).

- :mod:`.observations`: (customer, date) pairs and their labels;
- :mod:`.features`: what each customer looked like before the date (Ibis, any engine);
- :mod:`.train`: the logistic and LightGBM models, calibrated;
- :mod:`.backtest`: train on earlier dates, test on later ones;
- :mod:`.explain`: reasons in plain words;
- :mod:`.registry`: saved, versioned models;
- :mod:`.pipeline`: all of it from a store (what the CLI calls).
"""

from tenure.models.churn.backtest import BacktestResult, BacktestSpec, backtest
from tenure.models.churn.features import FeatureInfo, FeatureSet, FeatureSpec, build_features
from tenure.models.churn.observations import ObservationSpec, build_observations
from tenure.models.churn.pipeline import ChurnConfig, fit_health, run_backtest, score, train
from tenure.models.churn.train import ChurnModel

__all__ = [
    "BacktestResult",
    "BacktestSpec",
    "ChurnConfig",
    "ChurnModel",
    "FeatureInfo",
    "FeatureSet",
    "FeatureSpec",
    "ObservationSpec",
    "backtest",
    "build_features",
    "build_observations",
    "fit_health",
    "run_backtest",
    "score",
    "train",
]
