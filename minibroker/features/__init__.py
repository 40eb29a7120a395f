"""Moment features (lcFeats) computed inside SQLite: the pipeline around sql/features/ and udf/batch.py."""
