"""tfesim: a local Terraform Enterprise / HCP Terraform API v2 simulator for the tfe.runs collection.

Start it in-process with :class:`Simulator` or as ``python3 -m tfesim``; see README.md.
"""
from __future__ import annotations

from .errors import ApiError
from .httpcore import Request, Response
from .seeding import SeedError
from .simulator import Simulator

__all__ = ["ApiError", "Request", "Response", "SeedError", "Simulator"]
