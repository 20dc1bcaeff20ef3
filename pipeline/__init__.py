"""remiss-pipeline: Swedish municipal decision documents -> structured records."""
__version__ = "0.1.0"
