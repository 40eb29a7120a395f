"""Figures and the static HTML report: light curves (optionally with their GP), the anomaly
gallery, the confusion matrix and feature distributions per class.

matplotlib runs with the non-interactive Agg backend (headless, CI-safe); every figure is
written as a PNG and closed.
"""
