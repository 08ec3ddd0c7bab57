"""mohinh: a document-driven workflow engine for Fatherland Front campaigns.

The package holds a pure core (``flows.plan``, ``flows.names``...) that never imports
Prefect, thin Prefect flows over it, and a thin CLI (``flows.cli``).
"""

__version__ = "0.1.0"
