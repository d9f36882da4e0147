"""Analysis on the model: calibration, fit report, ensembles and sensitivity."""
