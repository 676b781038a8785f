"""End-of-notebook exercises: checks and solutions per notebook (exNN.py), the framework in check.py."""
