"""Figures, charts, the period report and the register's import and export."""
